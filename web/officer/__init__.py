"""The officers' area: work queue, receipt at the counter, task forms, dossier pages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("officer", __name__, url_prefix="/officer")

from . import apology, diagram, dossiers, receive, tasks  # noqa: E402,F401  (routes register on bp)
