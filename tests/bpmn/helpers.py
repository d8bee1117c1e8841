"""Build variants of the standard diagram for tests."""
from __future__ import annotations

from pathlib import Path

from bpmn.catalog import LIBRARY

DATA = Path(__file__).parent / "data"


def standard_xml() -> str:
    return (LIBRARY / "standard.bpmn").read_text(encoding="utf-8")


def variant(old: str, new: str, count: int = 1) -> str:
    xml = standard_xml()
    assert xml.count(old) >= count, f"{old!r} not in the standard diagram"
    return xml.replace(old, new, count)


def line_of(xml: str, needle: str) -> int:
    return xml[: xml.index(needle)].count("\n") + 1
