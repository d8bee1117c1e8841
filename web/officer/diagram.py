"""A dossier's diagram with its completed and current steps, for the bpmn-js viewer."""
from __future__ import annotations

from flask import abort, jsonify
from sqlalchemy import select

from engine.models import Dossier
from engine.services.progress import dossier_progress

from ..database import db
from ..security import roles_required
from . import bp
from .common import READER_ROLES


@bp.get("/dossiers/<code>/diagram")
@roles_required(*READER_ROLES)
def dossier_diagram(code: str):
    dossier = db().execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
    if dossier is None:
        abort(404)
    progress = dossier_progress(dossier)
    return jsonify(xml=progress.bpmn_xml, completed=progress.completed, current=progress.current)
