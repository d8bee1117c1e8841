"""Process-mining exports (XES, OCEL 2.0) and the conformance check."""
from __future__ import annotations
