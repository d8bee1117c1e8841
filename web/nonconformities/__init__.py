"""The nonconformity register (ISO 9001 clause 10.2): late dossiers open one automatically;
quality managers record cause, correction, corrective action, owner, due date and closure;
auditors and leaders read it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("nonconformities", __name__, url_prefix="/nonconformities")

from . import views  # noqa: E402,F401  (routes register on bp)
from .context import register_helpers  # noqa: E402

bp.app_context_processor(register_helpers)
