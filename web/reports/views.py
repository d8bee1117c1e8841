"""Statistics pages and exports."""
from __future__ import annotations
