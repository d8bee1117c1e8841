"""Process-mining exports (OCEL 2.0) and the conformance check, for auditors."""
from __future__ import annotations
