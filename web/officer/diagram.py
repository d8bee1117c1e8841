"""A dossier's diagram with its completed and current steps, for the bpmn-js viewer."""
from __future__ import annotations

from flask import jsonify

from engine.services.progress import dossier_progress

from ..security import actor, roles_required
from . import bp
from .common import READER_ROLES, readable_dossier


@bp.get("/dossiers/<code>/diagram")
@roles_required(*READER_ROLES)
def dossier_diagram(code: str):
    dossier = readable_dossier(code, actor())
    progress = dossier_progress(dossier)
    return jsonify(xml=progress.bpmn_xml, completed=progress.completed, current=progress.current)
