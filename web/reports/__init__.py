"""The agency's statistics for a period: by procedure, field and department, exports to XLSX
and CSV, charts, the time of each step against its allotment, the workload per officer."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import views  # noqa: E402,F401  (routes register on bp)
