"""The ISO auditor's area (read-only): the audit trail searched by dossier, procedure, user,
action and period; a dossier's timeline; the process-control slip and the dossier tracking
book; the process-mining exports and the conformance check."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from . import books, events, labels, mining  # noqa: E402,F401  (routes register on bp)
