"""The quality manager's area: procedures, their versions under document control, the
modeler, uploads and downloads, the diff of two versions, moving open dossiers."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("quality", __name__, url_prefix="/quality")

from . import views  # noqa: F401  (routes register on bp)
