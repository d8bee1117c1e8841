"""The apology and new appointment of a dossier that misses (or will miss) its due date.

An officer of the one-stop desk issues it once per dossier, with the reason for the delay and
a new appointment on a working day, within working hours, after the current due date. The
dossier's legal due date does not move: the dossier is still judged late against it. A late
dossier's result cannot be returned without an apology (`require_apology_to_return`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from .. import audit
from ..calendar import BusinessCalendar
from ..deadlines import apology_of, clock_stopped, local_date, procedure_calendar
from ..errors import Conflict, DomainError, Forbidden, InvalidInput
from ..models import Apology, Dossier, User
from .pauses import open_pause

REASON_MAX = 2000


def issue_apology(session: Session, actor: User, now: datetime, dossier_id: int, *,
                  reason: str, new_appointment_at: datetime) -> Apology:
    if not actor.has_role("one_stop"):
        raise Forbidden("only a one-stop officer issues an apology")
    from .dossiers import locked_dossier  # dossiers imports this module
    dossier = locked_dossier(session, dossier_id)
    calendar = procedure_calendar(session, dossier.procedure)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("the reason for the delay is required", {"reason": "required"})
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"the reason is longer than {REASON_MAX} characters",
                           {"reason": "too long"})
    if dossier.finished_at is not None:
        raise Conflict(f"dossier {dossier.code} was already returned: no apology can be issued")
    existing = apology_of(session, dossier.id)
    if existing is not None:
        raise Conflict(f"an apology was already issued for dossier {dossier.code} on "
                       f"{local_date(existing.issued_at, calendar):%d/%m/%Y}: the new appointment "
                       "may be set only once")
    pause = open_pause(session, dossier.id)
    if pause is not None and clock_stopped(pause, calendar):
        raise Conflict(f"the clock of dossier {dossier.code} is stopped while the applicant "
                       "supplements it: its due date will be recomputed on resubmission")
    new_at = _check_appointment(calendar, dossier, now, new_appointment_at)
    apology = Apology(dossier_id=dossier.id, issued_at=now, issued_by_id=actor.id,
                      reason=reason, due_before=dossier.due_date, new_appointment_at=new_at)
    session.add(apology)
    session.flush()
    audit.record(session, at=now, actor=actor, action="apology", dossier=dossier, reason=reason,
                 before={"due_date": dossier.due_date.isoformat(),
                         "appointment_at": dossier.appointment_at.isoformat()},
                 after=slip_fields(dossier, apology, actor))
    return apology


def slip_fields(dossier: Dossier, apology: Apology, issued_by: User) -> dict:
    """Everything the apology slip prints."""
    return {"apology_id": apology.id, "dossier_code": dossier.code,
            "received_at": dossier.received_at.isoformat(),
            "original_appointment_at": dossier.appointment_at.isoformat(),
            "due_before": apology.due_before.isoformat(), "reason": apology.reason,
            "new_appointment_at": apology.new_appointment_at.isoformat(),
            "issued_at": apology.issued_at.isoformat(), "issued_by": issued_by.username,
            "issued_by_name": issued_by.full_name}


def _check_appointment(calendar: BusinessCalendar, dossier: Dossier, now: datetime,
                       new_at: datetime) -> datetime:
    if not isinstance(new_at, datetime):
        raise InvalidInput("the new appointment needs a date and a time",
                           {"new_appointment_at": "required"})
    if new_at.tzinfo is None:
        new_at = new_at.replace(tzinfo=calendar.tz)  # naive means office time
    day, at = local_date(new_at, calendar), new_at.astimezone(calendar.tz).time()
    if day <= dossier.due_date:
        raise InvalidInput(f"the new appointment must be after the current due date "
                           f"{dossier.due_date:%d/%m/%Y}", {"new_appointment_at": "too early"})
    if new_at <= now:
        raise InvalidInput("the new appointment must be in the future",
                           {"new_appointment_at": "in the past"})
    if not calendar.is_working_day(day):
        raise InvalidInput(f"the new appointment must be on a working day: {day:%d/%m/%Y} is a "
                           f"day off ({calendar.day_off_reason(day)})",
                           {"new_appointment_at": "day off"})
    if not any(start <= at <= end for start, end in calendar.work_periods):
        hours = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in calendar.work_periods)
        raise InvalidInput(f"the new appointment must be within working hours ({hours})",
                           {"new_appointment_at": "outside working hours"})
    return new_at


def require_apology_to_return(session: Session, dossier: Dossier, now: datetime,
                              calendar: BusinessCalendar) -> None:
    """Returning a result after the due date needs the apology first."""
    if calendar.classify(now, dossier.due_date) != "late":
        return
    if apology_of(session, dossier.id) is None:
        raise DomainError(f"dossier {dossier.code} is past its due date "
                          f"({dossier.due_date:%d/%m/%Y}): issue an apology with a new "
                          "appointment before returning the result")
