"""Parse diagram XML safely: no DTDs, no entities, no network, a size limit, line numbers kept.

Diagrams are uploaded by people we do not control, so the parser refuses the classic XML
attacks (billion laughs, external entities) before SpiffWorkflow ever sees the document.
"""
from __future__ import annotations

from lxml import etree

from .problems import DiagramInvalid, Problem

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=False)


def parse_diagram_xml(data: bytes | str, file: str = "", *,
                      max_bytes: int = MAX_DIAGRAM_BYTES) -> etree._Element:
    """Return the root element, or raise DiagramInvalid with a located problem."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise DiagramInvalid([Problem(
            f"file is {len(raw):,} bytes; the limit is {max_bytes:,} bytes", file=file)])
    if b"<!DOCTYPE" in raw[:4096].upper() or b"<!ENTITY" in raw.upper():
        raise DiagramInvalid([Problem(
            "document type declarations and entities are not allowed in a diagram", file=file,
            line=_line_of(raw, b"<!"))])
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise DiagramInvalid([Problem(f"not well-formed XML: {exc.msg}", file=file,
                                      line=line)]) from None
    if root.getroottree().docinfo.doctype:
        raise DiagramInvalid([Problem("document type declarations are not allowed", file=file)])
    return root


def _line_of(raw: bytes, needle: bytes) -> int | None:
    at = raw.upper().find(needle)
    return raw.count(b"\n", 0, at) + 1 if at >= 0 else None
