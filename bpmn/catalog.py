"""The shipped procedure library: `procedures/catalog.json` and the diagrams beside it.

A catalog is a directory holding `catalog.json` (departments and procedures) and the `.bpmn`
files its procedures name; `motcua procedures import DIR` loads any such directory.
"""
from __future__ import annotations

import json
from pathlib import Path

LIBRARY = Path(__file__).parent / "procedures"

FIELDS: dict[str, tuple[str, str]] = {
    "investment": ("Đầu tư", "Investment"),
    "trade": ("Thương mại, xuất nhập khẩu", "Trade and import-export"),
    "labour": ("Lao động", "Labour"),
    "land_environment": ("Đất đai, tài nguyên, môi trường", "Land, resources and environment"),
    "construction": ("Xây dựng", "Construction"),
}

# How the law counts a procedure's deadline.
DAY_KINDS = ("working", "calendar")
DOCUMENT_FORMS = ("original", "copy")


class CatalogError(Exception):
    """A catalog directory that cannot be read at all (no catalog.json, bad JSON)."""


def read_catalog(directory: Path = LIBRARY) -> dict:
    """The parsed `catalog.json` of a directory, with `departments` and `procedures` lists."""
    path = Path(directory) / "catalog.json"
    try:
        catalog = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(catalog, dict) or not isinstance(catalog.get("procedures"), list):
        raise CatalogError(f"{path}: expected an object with a 'procedures' list")
    catalog.setdefault("departments", [])
    return catalog


def read_diagram(directory: Path, name: str) -> str:
    """The text of a diagram the catalog names; only a file inside the directory."""
    base = Path(directory).resolve()
    path = (base / name).resolve()
    if base not in path.parents or path.suffix != ".bpmn":
        raise CatalogError(f"diagram {name!r}: must be a .bpmn file inside {directory}")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"diagram {name!r}: not found in {directory}") from None
    except UnicodeDecodeError:
        raise CatalogError(f"diagram {name!r}: not UTF-8 text") from None


def load_catalog(directory: Path = LIBRARY) -> dict:
    """The catalog with each procedure's diagram text under `bpmn_xml`."""
    catalog = read_catalog(directory)
    for entry in catalog["procedures"]:
        entry["bpmn_xml"] = read_diagram(directory, entry["bpmn"])
    return catalog
