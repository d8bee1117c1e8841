"""After the engine ran: write the workflow state and rewrite work-item and timer rows.

Rows of tasks still open are kept (with their claim); rows of finished tasks go; new open
tasks get a row with the due time from their allotment in working hours. Timer rows follow
the run's waiting timers (see `_sync_timers`); the scheduler fires them (services/timers.py).
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bpmn import vocabulary
from bpmn.runtime import Run

from ..calendar import BusinessCalendar
from ..models import Dossier, Timer, WorkItem


def dossier_status(run: Run) -> str:
    if run.is_completed:
        return "returned"
    if any(t.step.action == "supplement" for t in run.open_tasks()):
        return "awaiting_supplement"
    return "in_progress"


def apply_run(session: Session, dossier: Dossier, run: Run, now: datetime,
              calendar: BusinessCalendar, *, flush: bool = True) -> None:
    """Write the state and rewrite the rows. flush=False: the caller flushes it all once
    later and turns a StaleDataError (the version check) into a Conflict."""
    dossier.workflow_state = run.serialize()
    dossier.status = dossier_status(run)
    if flush:
        session.flush()  # the version check happens here, before any other row is touched
    sync_rows(session, dossier, run, now, calendar)


def sync_rows(session: Session, dossier: Dossier, run: Run, now: datetime,
              calendar: BusinessCalendar) -> None:
    """Through Core statements on the session's connection: at every step the ORM's unit of
    work cost several times the few statements themselves. Rows an ORM object of this
    session stands for are kept in step with it (see `_forget`, `_refresh`)."""
    connection = session.connection()
    items, timers = _rows(connection, dossier.id)
    _sync_work_items(session, connection, dossier, run, now, calendar, items)
    _sync_timers(session, connection, dossier, run, timers)


_ITEMS, _TIMERS = WorkItem.__table__, Timer.__table__


def _rows(connection, dossier_id: int) -> tuple[dict[str, int], dict[str, tuple]]:
    """The dossier's work-item ids and timer rows (id, fire_at, fired_at) by task id, in one
    statement."""
    items, timers = {}, {}
    for kind, row_id, task_id, fire_at, fired_at in connection.execute(
            _rows_statement(), {"dossier_id": dossier_id}):
        if kind == "item":
            items[task_id] = row_id
        else:
            timers[task_id] = (row_id, fire_at, fired_at)
    return items, timers


@lru_cache(maxsize=1)
def _rows_statement():  # built once: building it costs more than running it
    null = literal(None, _TIMERS.c.fire_at.type)
    return union_all(
        select(literal("item").label("kind"), _ITEMS.c.id, _ITEMS.c.task_id,
               null.label("fire_at"), null.label("fired_at"))
        .where(_ITEMS.c.dossier_id == bindparam("dossier_id")),
        select(literal("timer"), _TIMERS.c.id, _TIMERS.c.task_id, _TIMERS.c.fire_at,
               _TIMERS.c.fired_at).where(_TIMERS.c.dossier_id == bindparam("dossier_id")))


@lru_cache(maxsize=1)
def _write_statements():
    return (_ITEMS.delete().where(_ITEMS.c.id.in_(bindparam("ids", expanding=True))),
            _ITEMS.insert(),
            _TIMERS.delete().where(_TIMERS.c.id.in_(bindparam("ids", expanding=True))),
            _TIMERS.insert(),
            _TIMERS.update().where(_TIMERS.c.id == bindparam("row_id"))
            .values(fire_at=bindparam("new_fire_at"), fired_at=None))


def _sync_work_items(session: Session, connection, dossier: Dossier, run: Run, now: datetime,
                     calendar: BusinessCalendar, existing: dict[str, int]) -> None:
    delete, insert = _write_statements()[:2]
    open_tasks = {t.task_id: t for t in run.open_tasks()}
    new = [_work_item_row(dossier, task.step, now, calendar)
           | {"task_id": task_id} for task_id, task in open_tasks.items()
           if task_id not in existing]
    if new:  # before the deletes, as the ORM did: SQLite would give a deleted id again
        connection.execute(insert, new)
    gone = [row_id for task_id, row_id in existing.items() if task_id not in open_tasks]
    if gone:
        connection.execute(delete, {"ids": gone})
        _forget(session, WorkItem, gone)


def _work_item_row(dossier: Dossier, step, now: datetime, calendar: BusinessCalendar) -> dict:
    return {
        "dossier_id": dossier.id, "step_id": step.id, "step_name": step.name,
        "step_name_en": step.name_en, "action": step.action, "role": step.role,
        "department_id": (dossier.procedure.department_id
                          if step.role in vocabulary.DEPARTMENT_ROLES else None),
        "assignee_id": None, "created_at": now, "claimed_at": None,
        "due_at": (calendar.add_working_time(now, step.allotment)
                   if step.allotment and step.action != "supplement" else None),
        "warned_at": None, "escalated": False,
        "dossier_code": dossier.code, "applicant_name": dossier.applicant_name,
        "procedure_id": dossier.procedure_id, "dossier_due_date": dossier.due_date}


def _sync_timers(session: Session, connection, dossier: Dossier, run: Run,
                 rows: dict[str, tuple]) -> None:
    """One row per waiting timer. A fired row stays, marked, as long as the dossier is open
    (a cycle's row is re-armed in place for its next occurrence); a row whose timer was
    cancelled (its task ended) goes; a finished dossier keeps no timer rows."""
    delete, insert, rearm = _write_statements()[2:]
    if run.is_completed or dossier.finished_at is not None:
        gone = [row_id for row_id, _, _ in rows.values()]
    else:
        waiting = {t.task_id: t for t in run.timers()}
        gone = [row_id for task_id, (row_id, _, fired_at) in rows.items()
                if task_id not in waiting and fired_at is None]
        for task_id, (row_id, fire_at, fired_at) in rows.items():
            timer = waiting.get(task_id)
            if timer is not None and (fired_at is not None or fire_at != timer.fire_at):
                connection.execute(rearm, {"row_id": row_id, "new_fire_at": timer.fire_at})
                _refresh(session, Timer, row_id, fire_at=timer.fire_at, fired_at=None)
        new = [{"dossier_id": dossier.id, "task_id": task_id, "element_id": timer.element_id,
                "fire_at": timer.fire_at, "fired_at": None, "late_seconds": None}
               for task_id, timer in waiting.items() if task_id not in rows]
        if new:
            connection.execute(insert, new)
    if gone:
        connection.execute(delete, {"ids": gone})
        _forget(session, Timer, gone)


def _forget(session: Session, model, ids: list[int]) -> None:
    """Rows deleted under the ORM: objects of this session standing for them leave it (a
    later flush of one would find its row gone)."""
    for row_id in ids:
        obj = session.identity_map.get(identity_key(model, row_id))
        if obj is not None:
            session.expunge(obj)


def _refresh(session: Session, model, row_id: int, **values) -> None:
    """A row updated under the ORM: an object of this session standing for it sees the
    values as stored (not as changes to write)."""
    obj = session.identity_map.get(identity_key(model, row_id))
    if obj is not None:
        for key, value in values.items():
            set_committed_value(obj, key, value)
