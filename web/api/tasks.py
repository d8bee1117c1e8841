"""The caller's tasks (the work queue), claim, release and complete."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import lazyload, load_only

from engine.clock import now
from engine.errors import InvalidInput, NotFound
from engine.models import Dossier, Procedure, ProcessVersion, WorkItem
from engine.services import dossiers, queue, returns
from engine.services.access import check_may_act, check_may_see
from engine.services.queue import QueueFilter

from ..database import db
from ..officer.common import OFFICER_ROLES
from . import bp, guarded
from .auth import api_user
from .present import dossier_view, task_columns, task_view
from .schemas import CompleteIn, DossierOut, TaskArgs, TaskDetailOut, TaskPageOut

ITEM = "<int(max=2147483647):item_id>"  # a bigger id matches no route (404), never the database


@bp.route("/tasks", methods=["GET"])
@guarded(*OFFICER_ROLES)
@bp.doc(tags=["tasks"])
@bp.arguments(TaskArgs(), location="query")  # one instance: not built per request
@bp.response(200, TaskPageOut)
def list_tasks(args):
    """The open tasks the caller may see: a queue tab (mine, unclaimed, or a head's
    department) with its filters and sort

    Asking for the department tab without the head role is a 403.
    """
    session = db()
    page, per_page = args["page"], args["per_page"]
    rows = queue.work_queue_rows(session, api_user(), args["tab"], task_columns(),
                                 filters=_filters(session, args), now=now(),
                                 limit=per_page + 1, offset=(page - 1) * per_page)
    return {"items": [row._asdict() for row in rows[:per_page]],
            "page": page, "per_page": per_page, "has_next": len(rows) > per_page}


def _filters(session, args: dict) -> QueueFilter:
    ids = None
    if args.get("procedure"):
        ids = tuple(session.execute(select(Procedure.id).where(
            Procedure.code == args["procedure"])).scalars())
    elif args.get("field"):
        ids = tuple(session.execute(select(Procedure.id).where(
            Procedure.field == args["field"])).scalars())
    return QueueFilter(procedure_ids=ids, waiting=args.get("waiting"), due=args.get("due"),
                       q=args["q"], sort=args["sort"])


def _item(session, item_id: int) -> WorkItem:
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound(f"no open task {item_id}: it was completed, or never existed")
    return item


@lru_cache(maxsize=1)
def _open_task_statement():
    # built once (building it and its cache key costs more than running it). The version's
    # procedure is the dossier's, loaded here (its code only); the diagram's text stays in
    # the database while its parsed diagram is known by sha256 (dossiers.parsed_diagram)
    return (select(WorkItem, Dossier.version, Procedure, ProcessVersion)
            .join(Dossier, Dossier.id == WorkItem.dossier_id)
            .join(Procedure, Procedure.id == Dossier.procedure_id)
            .join(ProcessVersion, ProcessVersion.id == Dossier.process_version_id)
            .where(WorkItem.id == bindparam("item_id"))
            .options(load_only(Procedure.code), lazyload(Procedure.department),
                     load_only(ProcessVersion.procedure_id, ProcessVersion.number,
                               ProcessVersion.sha256), lazyload(ProcessVersion.procedure)))


def _open_task(session, item_id: int) -> Row:
    """The task with its dossier's version, procedure and process version, in one statement."""
    found = session.execute(_open_task_statement(), {"item_id": item_id}).one_or_none()
    if found is None:
        raise NotFound(f"no open task {item_id}: it was completed, or never existed")
    return found


def _detail(found: Row) -> dict:
    item, dossier_version, procedure, version = found
    step = dossiers.parsed_diagram(version).step(item.step_id)
    return {**task_view(item, procedure.code), "outcomes": list(step.outcomes),
            "dossier_version": dossier_version}


@bp.route(f"/tasks/{ITEM}", methods=["GET"])
@guarded(*OFFICER_ROLES, also=(404,))
@bp.doc(tags=["tasks"])
@bp.response(200, TaskDetailOut)
def get_task(item_id: int):
    """One open task with the outcomes offered and the dossier version to send back"""
    found = _open_task(db(), item_id)
    check_may_see(api_user(), found[0])
    return _detail(found)


@bp.route(f"/tasks/{ITEM}/claim", methods=["POST"])
@guarded(*OFFICER_ROLES, also=(404, 409))
@bp.doc(tags=["tasks"])
@bp.response(200, TaskDetailOut)
def claim(item_id: int):
    """Take a task: it leaves the shared queue for the caller's (409 if someone took it)"""
    session = db()
    queue.claim(session, api_user(), now(), item_id)
    session.commit()
    return _detail(_open_task(session, item_id))


@bp.route(f"/tasks/{ITEM}/release", methods=["POST"])
@guarded(*OFFICER_ROLES, also=(404,))
@bp.doc(tags=["tasks"])
@bp.response(200, TaskDetailOut)
def release(item_id: int):
    """Give a claimed task back to the shared queue"""
    session = db()
    queue.release(session, api_user(), now(), _item(session, item_id).id)
    session.commit()
    return _detail(_open_task(session, item_id))


@bp.route(f"/tasks/{ITEM}/complete", methods=["POST"])
@guarded(*OFFICER_ROLES, also=(404, 409, 413))
@bp.doc(tags=["tasks"])
@bp.arguments(CompleteIn)
@bp.response(200, DossierOut)
def complete(body, item_id: int):
    """Complete a task with its outcome, on the dossier version the decision was taken on

    A stale `version` is a 409 and changes nothing. The step that returns the result needs
    the `delivery` (and may carry the applicant's `rating`); the outcome `supplement` needs
    the `supplement_items` and the reason in `note`.
    """
    session = db()
    task = dossiers.open_task(session, item_id)  # its dossier locked: one statement for both
    if task is None:
        raise NotFound(f"no open task {item_id}: it was completed, or never existed")
    item = task.item
    check_may_act(api_user(), item)  # who may act is said before what is wrong with the body
    common = {"outcome": body["outcome"], "note": body["note"].strip(),
              "expected_version": body["version"]}
    if item.action == "return":
        if "delivery" not in body:
            raise InvalidInput("the step that returns the result needs the delivery",
                               {"delivery": "required"})
        dossier = returns.complete_return(session, api_user(), now(), item_id, **common,
                                          delivery=body["delivery"], rating=body.get("rating"),
                                          task=task)
    else:
        dossier = dossiers.complete_task(session, api_user(), now(), item_id,
                                         data=_supplement(body), task=task, **common)
    session.commit()
    return dossier_view(session, dossier)


def _supplement(body: dict) -> dict | None:
    if body["outcome"] != "supplement":
        return None
    if not body.get("supplement_items") or not body["note"].strip():
        raise InvalidInput("a supplement request needs the items the applicant must supplement "
                           "and the reason in the note",
                           {"supplement_items": "required", "note": "required"})
    return {"supplement_items": body["supplement_items"]}
