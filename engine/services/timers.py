"""Fire the timers that are due, from their rows: what the scheduler's sweep does.

Only this service fires timers; the workflow engine never looks at a clock (bpmn/runtime.py).

Locking, so that several sweepers (processes, on PostgreSQL) and officers never fire a timer
twice, never fire one dossier's timers out of order, and never deadlock:

1. the next due row is claimed with `FOR UPDATE SKIP LOCKED` (another sweeper's claims are
   passed over), inside a savepoint;
2. its dossier is locked with `SKIP LOCKED` too: a sweeper never *waits* for a dossier while
   it holds a timer row, because an officer's action holds the dossier and then deletes the
   timer rows its step cancelled (waiting here would close a lock cycle). A busy dossier is
   left for the next sweep; rolling back the savepoint releases the claimed row at once;
3. with the dossier held, its due rows are read again (fresh, locked) and fired in fire_at
   order; a row another sweeper fired meanwhile is no longer due and is not seen.

A failure (a diagram error, say) rolls back to the savepoint, is logged and recorded once as
a `timer_failed` audit event, and the sweep goes on with the other rows; the row stays due and
is tried again by the next sweep. The caller commits (the scheduler commits each small batch).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from bpmn.runtime import Run, WaitingTimer

from .. import audit
from ..deadlines import business_calendar
from ..diagram_helpers import diagram_helpers
from ..models import AuditEvent, Dossier, Timer, WorkItem
from .procedures import diagram_for
from .sync import apply_run

log = logging.getLogger("motcua.timers")


@dataclass(frozen=True)
class TimerResult:
    """What the sweep did with one timer row."""
    timer_id: int
    dossier_code: str
    element_id: str
    fire_at: datetime
    status: str  # fired / busy (its dossier was locked by someone else) / failed
    late_seconds: float | None = None
    effect: str | None = None  # warned / escalated
    opened: tuple[str, ...] = ()  # steps the firing opened
    error: str = ""


def due_timers_query(now: datetime, exclude: Iterable[int] = (), limit: int = 1):
    """The due rows, oldest first, skipping rows other sweepers hold (PostgreSQL)."""
    query = select(Timer).where(Timer.fired_at.is_(None), Timer.fire_at <= now)
    excluded = sorted(exclude)
    if excluded:
        query = query.where(Timer.id.not_in(excluded))
    # fired_at (NULL in every row here) leads the ORDER BY so that it matches the index
    # ix_timer_due (fired_at, fire_at): PostgreSQL then reads the index in order and stops
    # at the first row (an "IS NULL" condition alone does not let it use the index order,
    # and it would sort every due row for each claim: quadratic after a long outage).
    return (query.order_by(Timer.fired_at, Timer.fire_at, Timer.id).limit(limit)
            .with_for_update(of=Timer, skip_locked=True))


def fire_due_timers(session: Session, now: datetime, *, limit: int = 500,
                    exclude: Iterable[int] = ()) -> list[TimerResult]:
    """Fire due timers (rows with fire_at <= now), oldest first, until `limit` are handled.

    A dossier's due timers fire together, in order, so a call may handle a few more than
    `limit`. Rows in `exclude` (ids that were busy or failed earlier in the same sweep) are
    passed over. Returns one result per row handled; an empty list means nothing is due.
    """
    skip, results = set(exclude), []
    while len(results) < limit:
        savepoint = session.begin_nested()
        claimed = session.execute(due_timers_query(now, skip)).scalar_one_or_none()
        if claimed is None:
            savepoint.rollback()
            break
        handled = _fire_dossier(session, savepoint, claimed, now)
        skip.update(r.timer_id for r in handled if r.status != "fired")
        results += handled
    return results


def _fire_dossier(session: Session, savepoint, claimed: Timer,
                  now: datetime) -> list[TimerResult]:
    """Fire all the due timers of the claimed row's dossier, in order, in the savepoint."""
    claim = (claimed.id, claimed.dossier_id, claimed.element_id, claimed.fire_at)
    dossier = session.execute(
        select(Dossier).where(Dossier.id == claimed.dossier_id)
        .options(undefer(Dossier.workflow_state))
        .with_for_update(of=Dossier, skip_locked=True)
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if dossier is None:
        savepoint.rollback()  # releases the claimed row
        log.info("timer %s: dossier %s is busy, left for the next sweep", claim[0], claim[1])
        return [TimerResult(claim[0], "", claim[2], claim[3], "busy")]
    code = dossier.code
    try:
        results = _fire_locked(session, dossier, now)
        savepoint.commit()
        return results
    except Exception as exc:  # one dossier's failure must not stop the sweep
        savepoint.rollback()
        log.exception("timer %s of dossier %s failed", claim[0], code)
        error = f"{type(exc).__name__}: {exc}"
        _record_failure(session, claim, now, error)
        return [TimerResult(claim[0], code, claim[2], claim[3], "failed", error=error)]


def _fire_locked(session: Session, dossier: Dossier, now: datetime) -> list[TimerResult]:
    rows = list(session.execute(
        select(Timer).where(Timer.dossier_id == dossier.id, Timer.fired_at.is_(None),
                            Timer.fire_at <= now)
        .order_by(Timer.fire_at, Timer.id).with_for_update(of=Timer)
        .execution_options(populate_existing=True)).scalars())
    if not rows:
        return []  # another sweeper fired them after we claimed
    calendar = business_calendar(session)
    version = dossier.process_version
    run = Run.restore(diagram_for(version), dossier.workflow_state,
                      diagram_helpers(calendar, now), now=now)
    results: list[TimerResult] = []
    for row in rows:
        timer = next((t for t in run.timers() if t.task_id == row.task_id), None)
        if timer is None:
            continue  # cancelled by the timer fired before it; apply_run removed its row
        results.append(_fire_one(session, dossier, run, row, timer, now, calendar))
    return results


def _fire_one(session: Session, dossier: Dossier, run: Run, row: Timer, timer: WaitingTimer,
              now: datetime, calendar) -> TimerResult:
    attached_step = next((t.step.id for t in run.open_tasks()
                          if t.task_id == timer.attached_to), None)
    opened = run.fire_timers([row.task_id])
    row.fired_at, row.late_seconds = now, max(0.0, (now - row.fire_at).total_seconds())
    if run.is_completed and dossier.finished_at is None:
        dossier.finished_at = now
        dossier.outcome = calendar.classify(now, dossier.due_date)
    apply_run(session, dossier, run, now, calendar)
    effect = _apply_effect(session, dossier, timer, opened, now)
    sha = dossier.process_version.sha256
    audit.record(session, at=now, actor=None, action="timer_fired", dossier=dossier,
                 step_id=timer.element_id, process_sha256=sha,
                 after={"timer_id": row.id, "task_id": row.task_id,
                        "fire_at": row.fire_at.isoformat(), "late_seconds": row.late_seconds,
                        "effect": effect, "status": dossier.status,
                        "next": [t.step.id for t in run.open_tasks()]})
    if effect == "escalated":
        audit.record(session, at=now, actor=None, action="escalation", dossier=dossier,
                     step_id=timer.element_id, process_sha256=sha,
                     before={"step": attached_step},
                     after={"opened": [t.step.id for t in opened],
                            "roles": sorted({t.step.role or "" for t in opened})})
    log.info("fired %s of %s (due %s, %.0f s late)%s", timer.element_id, dossier.code,
             row.fire_at.isoformat(), row.late_seconds, f": {effect}" if effect else "")
    return TimerResult(row.id, dossier.code, timer.element_id, row.fire_at, "fired",
                       late_seconds=row.late_seconds, effect=effect,
                       opened=tuple(t.step.id for t in opened))


def _apply_effect(session: Session, dossier: Dossier, timer: WaitingTimer, opened,
                  now: datetime) -> str | None:
    """warn: the task it sits on turns "due soon"; escalate: the tasks it opened are marked."""
    if timer.effect == "warn":
        item = _work_item(session, dossier, timer.attached_to)
        if item is None:
            return None
        item.warned_at = now
        return "warned"
    if opened and (timer.interrupting or timer.effect == "escalate"):
        session.flush()  # apply_run added the new work items
        for task in opened:
            item = _work_item(session, dossier, task.task_id)
            if item is not None:
                item.escalated = True
        return "escalated"
    return None


def _work_item(session: Session, dossier: Dossier, task_id: str | None) -> WorkItem | None:
    if task_id is None:
        return None
    return session.execute(select(WorkItem).where(WorkItem.dossier_id == dossier.id,
                                                  WorkItem.task_id == task_id)).scalar_one_or_none()


def _record_failure(session: Session, claim: tuple, now: datetime, error: str) -> None:
    """A `timer_failed` audit event, once per timer row (the sweep retries it every run)."""
    timer_id, dossier_id = claim[0], claim[1]
    earlier = session.execute(select(AuditEvent.after).where(
        AuditEvent.dossier_id == dossier_id, AuditEvent.action == "timer_failed")).scalars()
    if any((after or {}).get("timer_id") == timer_id for after in earlier):
        return
    dossier = session.get(Dossier, dossier_id)
    audit.record(session, at=now, actor=None, action="timer_failed", dossier=dossier,
                 step_id=claim[2], after={"timer_id": timer_id, "fire_at": claim[3].isoformat(),
                                          "error": error[:500]})
