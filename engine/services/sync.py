"""After the engine ran: write the workflow state and rewrite work-item and timer rows.

Rows of tasks still open are kept (with their claim); rows of finished tasks go; new open
tasks get a row with the due time from their allotment in working hours. Timer rows follow
the run's waiting timers (see `_sync_timers`); the scheduler fires them (services/timers.py).
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, literal, select
from sqlalchemy.orm import Session

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
    items, timers = _rows(session, dossier.id)
    _sync_work_items(session, dossier, run, now, calendar, items)
    _sync_timers(session, dossier, run, timers)


def _rows(session: Session, dossier_id: int) -> tuple[dict[str, WorkItem], dict[str, Timer]]:
    """The dossier's work-item and timer rows by task id, in one statement: a dossier has
    a few of each, so their product (an outer join of both to one row) stays small."""
    items, timers = {}, {}
    for item, timer in session.execute(_rows_statement(), {"dossier_id": dossier_id}):
        if item is not None:
            items[item.task_id] = item
        if timer is not None:
            timers[timer.task_id] = timer
    return items, timers


@lru_cache(maxsize=1)
def _rows_statement():  # built once: building it costs more than running it
    return (select(WorkItem, Timer).select_from(select(literal(1).label("one")).subquery())
            .outerjoin(WorkItem, WorkItem.dossier_id == bindparam("dossier_id"))
            .outerjoin(Timer, Timer.dossier_id == bindparam("dossier_id")))


def _sync_work_items(session: Session, dossier: Dossier, run: Run, now: datetime,
                     calendar: BusinessCalendar, existing: dict[str, WorkItem]) -> None:
    open_tasks = {t.task_id: t for t in run.open_tasks()}
    for task_id, item in existing.items():
        if task_id not in open_tasks:
            session.delete(item)
    for task_id, task in open_tasks.items():
        if task_id in existing:
            continue
        step = task.step
        session.add(WorkItem(
            dossier_id=dossier.id, task_id=task_id, step_id=step.id, step_name=step.name,
            step_name_en=step.name_en, action=step.action, role=step.role,
            department_id=(dossier.procedure.department_id
                           if step.role in vocabulary.DEPARTMENT_ROLES else None),
            created_at=now,
            due_at=(calendar.add_working_time(now, step.allotment)
                    if step.allotment and step.action != "supplement" else None),
            dossier_code=dossier.code, applicant_name=dossier.applicant_name,
            procedure_id=dossier.procedure_id, dossier_due_date=dossier.due_date))


def _sync_timers(session: Session, dossier: Dossier, run: Run, rows: dict[str, Timer]) -> None:
    """One row per waiting timer. A fired row stays, marked, as long as the dossier is open
    (a cycle's row is re-armed in place for its next occurrence); a row whose timer was
    cancelled (its task ended) goes; a finished dossier keeps no timer rows."""
    if run.is_completed or dossier.finished_at is not None:
        for row in rows.values():
            session.delete(row)
        return
    waiting = {t.task_id: t for t in run.timers()}
    for task_id, row in rows.items():
        timer = waiting.get(task_id)
        if timer is None:
            if row.fired_at is None:
                session.delete(row)
        elif row.fired_at is not None or row.fire_at != timer.fire_at:
            row.fire_at, row.fired_at = timer.fire_at, None
    for task_id, timer in waiting.items():
        if task_id not in rows:
            session.add(Timer(dossier_id=dossier.id, task_id=task_id,
                              element_id=timer.element_id, fire_at=timer.fire_at))
