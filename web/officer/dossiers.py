"""Dossier list and dossier page (data, current steps, history)."""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import or_, select

from engine.models import AuditEvent, Dossier, User, WorkItem
from engine.services.access import dossier_scope
from engine.services.procedures import diagram_for

from ..database import db
from ..security import actor, roles_required
from . import bp
from .common import READER_ROLES, readable_dossier

PAGE_SIZE = 30


@bp.get("/dossiers")
@roles_required(*READER_ROLES)
def dossier_list():
    q = request.args.get("q", "").strip()
    query = select(Dossier).order_by(Dossier.received_at.desc()).limit(PAGE_SIZE)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Dossier.code.ilike(like), Dossier.applicant_name.ilike(like)))
    scope = dossier_scope(actor())
    if scope is not None:
        query = query.where(scope)
    dossiers = list(db().execute(query).scalars())
    return render_template("officer/dossiers.html", dossiers=dossiers, q=q)


@bp.get("/dossiers/<code>")
@roles_required(*READER_ROLES)
def dossier(code: str):
    session = db()
    found = readable_dossier(code, actor())
    items = list(session.execute(select(WorkItem).where(WorkItem.dossier_id == found.id)).scalars())
    events = list(session.execute(select(AuditEvent).where(AuditEvent.dossier_id == found.id)
                                  .order_by(AuditEvent.id)).scalars())
    names = {u.username: u.full_name for u in session.execute(select(User)).scalars()}
    steps = diagram_for(found.process_version).steps
    return render_template("officer/dossier.html", dossier=found, items=items, events=events,
                           names=names, steps=steps)
