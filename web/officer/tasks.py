"""The work queue and the task form."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine.clock import now
from engine.errors import DomainError
from engine.models import Dossier, Procedure, User, UserRole, WorkItem
from engine.services import dossiers, returns
from engine.services import queue as queue_service
from engine.services.access import may_see
from engine.services.procedures import diagram_for
from engine.services.queue import QueueFilter

from ..database import db
from ..formatting import label
from ..schemas import CompleteIn, ReturnIn, SupplementRequestIn
from ..security import actor, roles_required
from . import bp
from .common import OFFICER_ROLES, act
from .returns import LEVELS, METHODS

PAGE_SIZE = 25


@bp.get("/queue")
@roles_required(*OFFICER_ROLES)
def queue():
    me = actor()
    tab = request.args.get("tab", "mine")
    if tab not in queue_service.tabs_for(me):
        abort(404)
    page = max(request.args.get("page", 1, type=int), 1)
    session = db()
    # the columns the filters and the rows show, not the procedures' documents and texts
    procedures = {p.id: p for p in session.execute(select(
        Procedure.id, Procedure.code, Procedure.name, Procedure.name_en, Procedure.field))}
    filters = _filters(request.args, procedures)
    try:
        items = queue_service.work_queue(session, me, tab, filters=filters, now=now(),
                                         limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    except DomainError as exc:
        abort(400, exc.message)
    colleagues = _colleagues(session, me) if tab == "department" else []
    names = {c.id: c.full_name for c in colleagues}
    role_names = {r: label(r, "role") for c in colleagues for r in c.roles}
    # a plain dict: the template asks for absent keys often (a MultiDict raises inside .get)
    args = request.args.to_dict()
    return render_template("officer/queue.html", tab=tab, tabs=queue_service.tabs_for(me),
                           items=items[:PAGE_SIZE], page=page, has_next=len(items) > PAGE_SIZE,
                           procedures=procedures, args=args, colleagues=colleagues,
                           names=names, role_names=role_names,
                           kept={k: v for k, v in args.items() if k not in ("page", "tab")},
                           counts=queue_service.queue_counts(session, me), now=now())


def _filters(args, procedures: dict) -> QueueFilter:
    ids = None
    if args.get("procedure"):
        ids = tuple(p.id for p in procedures.values() if p.code == args["procedure"])
    elif args.get("field"):
        ids = tuple(p.id for p in procedures.values() if p.field == args["field"])
    return QueueFilter(procedure_ids=ids, waiting=args.get("waiting") or None,
                       due=args.get("due") or None, q=args.get("q", "")[:100],
                       sort=args.get("sort") or "due")


@dataclass(frozen=True)
class Colleague:
    id: int
    full_name: str
    roles: tuple[str, ...]  # the working roles, one of which a task's role must be


def _colleagues(session, me: User) -> list[Colleague]:
    """Officers of the head's department, to whom a task may be reassigned: one query of
    names and working roles (the page lists them once, whatever the number of rows)."""
    rows = session.execute(
        select(User.id, User.full_name, UserRole.role_code)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.department_id == me.department_id, User.active.is_(True),
               UserRole.role_code.in_(OFFICER_ROLES))
        .order_by(User.full_name, User.id, UserRole.role_code)).all()
    return [Colleague(user_id, name, tuple(r.role_code for r in group))
            for (user_id, name), group in groupby(rows, key=lambda r: (r.id, r.full_name))]


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
    delivery = returns.default_delivery(dossier) if item.action == "return" else None
    return render_template("officer/task.html", item=item, dossier=dossier, step=step,
                           delivery=delivery, methods=METHODS, levels=LEVELS)


@bp.post("/tasks/<int:item_id>")
@roles_required(*OFFICER_ROLES)
def complete(item_id: int):
    """Complete a step; a return records its delivery (and rating), a supplement request its
    items. Any refusal (schema or service) changes nothing and says why on the task page."""
    def action(session):
        form = CompleteIn().load(request.form)
        common = {"outcome": form["outcome"], "note": form["note"],
                  "expected_version": form["version"]}
        item = session.get(WorkItem, item_id)
        if item is not None and item.action == "return":
            return returns.complete_return(session, actor(), now(), item_id, **common,
                                           **ReturnIn().load(request.form))
        data = None
        if form["outcome"] == "supplement":
            data = {"supplement_items": SupplementRequestIn().load(request.form)["items"]}
        return dossiers.complete_task(session, actor(), now(), item_id, data=data, **common)
    success = (_("Supplement request recorded for dossier {result.code}: the one-stop desk "
                 "prints the slip for the applicant.")
               if request.form.get("outcome") == "supplement"
               else _("Step completed for dossier {result.code}."))
    return act(action, success=success, done_url=url_for(".queue"),
               error_url=url_for(".task", item_id=item_id))


@bp.post("/tasks/<int:item_id>/claim")
@roles_required(*OFFICER_ROLES)
def claim(item_id: int):
    return act(lambda s: queue_service.claim(s, actor(), now(), item_id),
               success=_("You now handle dossier {result.dossier_code}."),
               done_url=url_for(".task", item_id=item_id), error_url=url_for(".queue"))


@bp.post("/tasks/<int:item_id>/reassign")
@roles_required("head")
def reassign(item_id: int):
    to_user = request.form.get("to_user", type=int)
    return act(lambda s: queue_service.reassign(s, actor(), now(), item_id, to_user or 0),
               success=_("Task of dossier {result.dossier_code} reassigned."),
               done_url=url_for(".queue", tab="department"),
               error_url=url_for(".queue", tab="department"))


@bp.post("/tasks/<int:item_id>/release")
@roles_required(*OFFICER_ROLES)
def release(item_id: int):
    return act(lambda s: queue_service.release(s, actor(), now(), item_id),
               success=_("Dossier {result.dossier_code} is back in the shared queue."),
               done_url=url_for(".queue", tab="unclaimed"), error_url=url_for(".queue"))
