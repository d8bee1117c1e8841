"""The one place that reads the wall clock; everything else takes `now` as an argument."""
from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)
