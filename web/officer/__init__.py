"""The officers' area: work queue, receipt at the counter, task forms, dossier pages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("officer", __name__, url_prefix="/officer")

# the modules register their routes on bp
from . import apology, attachments, diagram, dossiers, receive, returns, stops, tasks  # noqa: F401
