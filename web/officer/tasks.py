"""The work queue and the task form."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine.clock import now
from engine.models import Dossier, Procedure, WorkItem
from engine.services import dossiers, queue as queue_service
from engine.services.access import may_see
from engine.services.procedures import diagram_for

from ..database import db
from ..schemas import CompleteIn
from ..security import actor, roles_required
from . import bp
from .common import OFFICER_ROLES, act

PAGE_SIZE = 25


@bp.get("/queue")
@roles_required(*OFFICER_ROLES)
def queue():
    tab = request.args.get("tab", "mine")
    if tab not in queue_service.TABS:
        abort(404)
    page = max(request.args.get("page", 1, type=int), 1)
    session = db()
    items = queue_service.work_queue(session, actor(), tab, limit=PAGE_SIZE + 1,
                                     offset=(page - 1) * PAGE_SIZE)
    procedures = {p.id: p for p in session.execute(select(Procedure)).scalars()}
    return render_template("officer/queue.html", tab=tab, items=items[:PAGE_SIZE], page=page,
                           has_next=len(items) > PAGE_SIZE, procedures=procedures,
                           counts=queue_service.queue_counts(session, actor()), now=now())


@bp.get("/tasks/<int:item_id>")
@roles_required(*OFFICER_ROLES)
def task(item_id: int):
    session = db()
    item = session.get(WorkItem, item_id)
    if item is None:
        return render_template("officer/task_gone.html"), 404
    if not may_see(actor(), item):
        abort(403)
    dossier = session.get(Dossier, item.dossier_id)
    step = diagram_for(dossier.process_version).step(item.step_id)
    return render_template("officer/task.html", item=item, dossier=dossier, step=step)


@bp.post("/tasks/<int:item_id>")
@roles_required(*OFFICER_ROLES)
def complete(item_id: int):
    def action(session):
        form = CompleteIn().load(request.form)
        return dossiers.complete_task(session, actor(), now(), item_id, outcome=form["outcome"],
                                      note=form["note"], expected_version=form["version"])
    return act(action, success=_("Step completed for dossier {result.code}."),
               done_url=url_for(".queue"), error_url=url_for(".task", item_id=item_id))


@bp.post("/tasks/<int:item_id>/claim")
@roles_required(*OFFICER_ROLES)
def claim(item_id: int):
    return act(lambda s: queue_service.claim(s, actor(), now(), item_id),
               success=_("You now handle dossier {result.dossier_code}."),
               done_url=url_for(".task", item_id=item_id), error_url=url_for(".queue"))


@bp.post("/tasks/<int:item_id>/release")
@roles_required(*OFFICER_ROLES)
def release(item_id: int):
    return act(lambda s: queue_service.release(s, actor(), now(), item_id),
               success=_("Dossier {result.dossier_code} is back in the shared queue."),
               done_url=url_for(".queue", tab="unclaimed"), error_url=url_for(".queue"))
