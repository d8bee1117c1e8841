"""The shipped procedure library: `procedures/catalog.json` and the diagrams beside it."""
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


def load_catalog(directory: Path = LIBRARY) -> dict:
    """The catalog with each procedure's diagram text under `bpmn_xml`."""
    catalog = json.loads((directory / "catalog.json").read_text(encoding="utf-8"))
    for entry in catalog["procedures"]:
        entry["bpmn_xml"] = (directory / entry["bpmn"]).read_text(encoding="utf-8")
    return catalog
