"""Stop the clock while the applicant supplements the dossier (tạm dừng tính thời gian).

A step whose outcome opens a `supplement`-action task stops the clock: a `DossierPause` row
records the request, the days of the legal period used up to and including the request day,
and the due date as it stood. Completing the supplement task (the applicant resubmitted)
closes the pause and recomputes the due date from every pause of the dossier with
`BusinessCalendar.due_with_pauses`, in the same transaction: the dossier's due date and
appointment, the copies on its open work items and (through the completed task's data) the
workflow's `due_date`. See docs/deadlines.md, "Stopping the clock".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from bpmn.runtime import Run

from .. import audit
from ..calendar import BusinessCalendar, Due
from ..deadlines import clock_stopped, local_date, pauses_of
from ..errors import DomainError
from ..models import Dossier, DossierPause, User, WorkItem


def open_pause(session: Session, dossier_id: int,
               pauses: list[DossierPause] | None = None) -> DossierPause | None:
    return next((p for p in _known(session, dossier_id, pauses) if p.resumed_at is None), None)


def _known(session: Session, dossier_id: int,
           pauses: list[DossierPause] | None) -> list[DossierPause]:
    """The dossier's pauses: the list the caller read after locking the dossier (kept up to
    date by these functions), or read now."""
    return pauses_of(session, dossier_id) if pauses is None else pauses


def waits_for_applicant(run: Run) -> bool:
    return any(t.step.action == "supplement" for t in run.open_tasks())


@dataclass
class Resumption:
    """A pause about to close and the due date it gives; `apply` writes both."""

    pause: DossierPause
    due: Due
    due_before: date
    appointment_before: datetime

    def apply(self, dossier: Dossier, now: datetime) -> None:
        self.pause.resumed_at = now
        self.pause.due_after = self.due.date
        dossier.due_date = self.due.date
        dossier.appointment_at = self.due.appointment_at


def prepare_resume(session: Session, dossier: Dossier, now: datetime,
                   calendar: BusinessCalendar,
                   pauses: list[DossierPause] | None = None) -> Resumption | None:
    """The resumption of the open pause at `now`, computed but not yet written."""
    pauses = _known(session, dossier.id, pauses)
    pause = open_pause(session, dossier.id, pauses)
    if pause is None:
        return None
    due = recomputed_due(session, dossier, calendar, closing_at=now, pauses=pauses)
    return Resumption(pause, due, dossier.due_date, dossier.appointment_at)


def recomputed_due(session: Session, dossier: Dossier, calendar: BusinessCalendar, *,
                   closing_at: datetime | None = None,
                   pauses: list[DossierPause] | None = None) -> Due:
    """The due date from the receipt and every closed pause (the open one closing at
    `closing_at`, if given)."""
    procedure = dossier.procedure
    spans = _pause_days(calendar, dossier, _known(session, dossier.id, pauses), closing_at)
    try:
        return calendar.due_with_pauses(dossier.received_at, procedure.legal_days, spans,
                                        restart=procedure.restart_on_supplement,
                                        calendar_days=procedure.calendar_days)
    except ValueError as exc:  # pauses out of order: only if `now` went backwards
        raise DomainError(f"dossier {dossier.code}: the pauses cannot be counted: {exc}") from None


def after_step(session: Session, actor: User | None, now: datetime, dossier: Dossier, run: Run,
               calendar: BusinessCalendar, *, step_id: str, resumed: Resumption | None = None,
               reason: str = "", pauses: list[DossierPause] | None = None) -> None:
    """After the engine ran and the rows were synced: finish a resumption (work-item copies,
    audit), close a pause whose supplement task went away otherwise, open a pause when the
    dossier now waits for the applicant. `pauses`: the dossier's, if the caller has read
    them since locking it."""
    waiting = waits_for_applicant(run)
    pauses = _known(session, dossier.id, pauses)
    if resumed is None and not waiting:
        resumed = prepare_resume(session, dossier, now, calendar, pauses)
        if resumed is not None:
            resumed.apply(dossier, now)
    if resumed is not None:
        _finish_resume(session, actor, now, dossier, resumed, step_id)
    if waiting and open_pause(session, dossier.id, pauses) is None:
        stop_clock(session, actor, now, dossier, calendar, step_id=step_id, reason=reason,
                   pauses=pauses)


def stop_clock(session: Session, actor: User | None, now: datetime, dossier: Dossier,
               calendar: BusinessCalendar, *, step_id: str = "", reason: str = "",
               pauses: list[DossierPause] | None = None) -> DossierPause:
    procedure = dossier.procedure
    pauses = _known(session, dossier.id, pauses)
    start, remaining = _clock_position(calendar, dossier, pauses)
    requested_on = max(local_date(now, calendar), start)
    days_used = procedure.legal_days - remaining + _used(calendar, start, requested_on,
                                                         procedure.calendar_days)
    pause = DossierPause(dossier_id=dossier.id, requested_at=now, days_used=days_used,
                         due_before=dossier.due_date, reason=reason)
    session.add(pause)
    session.flush()
    pauses.append(pause)
    stopped = clock_stopped(pause, calendar)
    audit.record(session, at=now, actor=actor, action="clock_stop", dossier=dossier,
                 step_id=step_id, reason=reason,
                 before={"due_date": dossier.due_date.isoformat()},
                 after={"due_date": dossier.due_date.isoformat(), "pause_id": pause.id,
                        "requested_on": requested_on.isoformat(), "days_used": days_used,
                        "legal_days": procedure.legal_days,
                        "day_kind": "calendar" if procedure.calendar_days else "working",
                        "clock_stopped": stopped})
    return pause


def _finish_resume(session: Session, actor: User | None, now: datetime, dossier: Dossier,
                   resumed: Resumption, step_id: str) -> None:
    session.execute(update(WorkItem).where(WorkItem.dossier_id == dossier.id)
                    .values(dossier_due_date=dossier.due_date)
                    .execution_options(synchronize_session="fetch"))
    pause = resumed.pause
    audit.record(session, at=now, actor=actor, action="clock_resume", dossier=dossier,
                 step_id=step_id,
                 before={"due_date": resumed.due_before.isoformat(),
                         "appointment_at": resumed.appointment_before.isoformat()},
                 after={"due_date": dossier.due_date.isoformat(),
                        "appointment_at": dossier.appointment_at.isoformat(),
                        "pause_id": pause.id, "days_used": pause.days_used,
                        "restart": dossier.procedure.restart_on_supplement,
                        "notes": resumed.due.notes})


# --- counting -----------------------------------------------------------------------------

def _pause_days(calendar: BusinessCalendar, dossier: Dossier, pauses: list[DossierPause],
                closing_at: datetime | None) -> list[tuple[date, date]]:
    """The pauses as (requested_on, resubmitted_on) local dates, in order, each starting no
    earlier than the clock did (a request on the evening of a dossier that counts from the
    next day pauses from that day)."""
    spans, floor = [], calendar.receipt_day(dossier.received_at)
    for pause in pauses:
        end_at = pause.resumed_at or closing_at
        if end_at is None:
            continue
        requested = max(local_date(pause.requested_at, calendar), floor)
        resubmitted = max(local_date(end_at, calendar), requested)
        spans.append((requested, resubmitted))
        floor = resubmitted
    return spans


def _clock_position(calendar: BusinessCalendar, dossier: Dossier,
                    pauses: list[DossierPause]) -> tuple[date, int]:
    """Where the clock restarted last and how many days of the period remained then,
    following the rules of `due_with_pauses` over the closed pauses."""
    procedure = dossier.procedure
    days, calendar_days = procedure.legal_days, procedure.calendar_days
    start, remaining = calendar.receipt_day(dossier.received_at), days
    for requested_on, resubmitted_on in _pause_days(calendar, dossier, pauses, None):
        if requested_on > _period_end(calendar, start, remaining, calendar_days):
            continue  # requested after the due date: the clock did not stop
        left = remaining - _used(calendar, start, requested_on, calendar_days)
        remaining = days if procedure.restart_on_supplement else max(left, 1)
        start = resubmitted_on
    return start, remaining


def _period_end(calendar: BusinessCalendar, start: date, days: int, calendar_days: bool) -> date:
    if calendar_days:
        return calendar.working_day_on_or_after(start + timedelta(days=days))
    return calendar.add_working_days(start, days)


def _used(calendar: BusinessCalendar, start: date, up_to: date, calendar_days: bool) -> int:
    if calendar_days:
        return max((up_to - start).days, 0)
    return calendar.working_days_between(start, up_to)
