"""The organisation's business calendar, built from the `calendar_day` overrides and settings.

Settings: `MOTCUA_WORK_HOURS` (work periods, default "08:00-12:00,13:00-17:00"), read each time
a calendar is built; a procedure's `receipt_cutoff` ("15:00") replaces the default cut-off
(the end of the last work period) when its dossiers are received.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from .calendar import BusinessCalendar, DayOverride
from .errors import InvalidInput
from .models import Apology, CalendarDay, Dossier, DossierPause, Procedure

WORK_HOURS_ENV = "MOTCUA_WORK_HOURS"
DEFAULT_WORK_HOURS = "08:00-12:00,13:00-17:00"


def parse_clock(text: str) -> time:
    """"HH:MM" (24 hours) as a time; ValueError with the text otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2
            and len(hours) in (1, 2)):
        raise ValueError(f"{text.strip()!r} is not a time of day as HH:MM")
    return time(int(hours), int(minutes))  # raises ValueError for 25:00 or 08:61


@lru_cache(maxsize=8)
def parse_work_hours(text: str) -> tuple[tuple[time, time], ...]:
    """"08:00-12:00,13:00-17:00" as work periods; ValueError saying what is wrong."""
    periods = []
    for part in text.split(","):
        start, sep, end = part.partition("-")
        if not sep:
            raise ValueError(f"{WORK_HOURS_ENV}: {part.strip()!r} is not a period HH:MM-HH:MM")
        try:
            periods.append((parse_clock(start), parse_clock(end)))
        except ValueError as exc:
            raise ValueError(f"{WORK_HOURS_ENV}: {exc}") from None
    try:
        BusinessCalendar(work_periods=periods)  # checks order and overlap
    except ValueError as exc:
        raise ValueError(f"{WORK_HOURS_ENV}={text!r}: {exc}") from None
    return tuple(periods)


def work_periods() -> tuple[tuple[time, time], ...]:
    return parse_work_hours(os.environ.get(WORK_HOURS_ENV, "").strip() or DEFAULT_WORK_HOURS)


@lru_cache(maxsize=1)
def _overrides_statement():  # built once: read at every action
    return select(CalendarDay.day, CalendarDay.kind, CalendarDay.reason).order_by(CalendarDay.day)


def business_calendar(session: Session, *, cutoff: time | None = None) -> BusinessCalendar:
    """The calendar as the database has it now.

    The overrides are read at each call (a few rows, no ORM objects), so a change made by
    another process counts at once; the calendar built from them is shared while they, the
    work hours and the cut-off stay the same, with the years it has already worked out.
    """
    rows = tuple(tuple(row) for row in session.execute(_overrides_statement()))
    return _calendar(rows, work_periods(), cutoff)


@lru_cache(maxsize=32)
def _calendar(rows: tuple[tuple[date, str, str], ...], periods: tuple[tuple[time, time], ...],
              cutoff: time | None) -> BusinessCalendar:
    return BusinessCalendar([DayOverride(*row) for row in rows], work_periods=periods,
                            cutoff=cutoff)


def procedure_calendar(session: Session, procedure: Procedure) -> BusinessCalendar:
    """The calendar for a procedure's dossiers: its own receipt cut-off if it sets one."""
    return business_calendar(session, cutoff=procedure_cutoff(procedure))


def procedure_cutoff(procedure: Procedure) -> time | None:
    if not procedure.receipt_cutoff:
        return None
    try:
        return parse_clock(procedure.receipt_cutoff)
    except ValueError as exc:
        raise InvalidInput(f"procedure {procedure.code} has an invalid receipt cut-off: {exc}",
                           {"receipt_cutoff": procedure.receipt_cutoff}) from None


# --- where a dossier stands against its due date -----------------------------------------

@dataclass(frozen=True)
class DeadlineState:
    """What the dossier page shows about the deadline.

    state: early / on_time / late once returned; ended once withdrawn or stopped; otherwise
    paused (the clock is stopped while the applicant supplements), overdue (past the due
    date), due_soon (on the due date or the working day before: time to send an apology), or
    within.
    """

    state: str
    due_date: date
    pauses: list[DossierPause]
    apology: Apology | None
    stopped_ids: frozenset[int] = frozenset()  # pauses that stopped the clock

    @property
    def open_pause(self) -> DossierPause | None:
        return next((p for p in self.pauses if p.resumed_at is None), None)

    @property
    def finished(self) -> bool:
        return self.state in ("early", "on_time", "late", "ended")

    @property
    def may_apologise(self) -> bool:
        """An apology may be issued once, for an open dossier whose clock runs."""
        return self.apology is None and not self.finished and self.state != "paused"


def pauses_of(session: Session, dossier_id: int) -> list[DossierPause]:
    return list(session.execute(select(DossierPause).where(DossierPause.dossier_id == dossier_id)
                                .order_by(DossierPause.requested_at, DossierPause.id)).scalars())


def apology_of(session: Session, dossier_id: int) -> Apology | None:
    return session.execute(select(Apology).where(Apology.dossier_id == dossier_id)
                           ).scalar_one_or_none()


def local_date(moment: datetime, calendar: BusinessCalendar) -> date:
    """The office's local date of a moment (naive means local, as in the calendar)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(calendar.tz).date()


def clock_stopped(pause: DossierPause, calendar: BusinessCalendar) -> bool:
    """A supplement request stops the clock unless it came after the due date."""
    return local_date(pause.requested_at, calendar) <= pause.due_before


def deadline_state(session: Session, dossier: Dossier, now: datetime,
                   calendar: BusinessCalendar | None = None) -> DeadlineState:
    calendar = calendar or business_calendar(session)
    pauses = pauses_of(session, dossier.id)
    apology = apology_of(session, dossier.id)
    if dossier.finished_at is not None:  # returned (early/on time/late), else withdrawn or
        state = dossier.outcome or "ended"  # stopped (services/stops.py): no deadline runs
    else:
        today = local_date(now, calendar)
        open_pause = next((p for p in pauses if p.resumed_at is None), None)
        if open_pause is not None and clock_stopped(open_pause, calendar):
            state = "paused"
        elif today > dossier.due_date:
            state = "overdue"
        elif today >= calendar.previous_working_day(dossier.due_date):
            state = "due_soon"
        else:
            state = "within"
    stopped = frozenset(p.id for p in pauses if clock_stopped(p, calendar))
    return DeadlineState(state, dossier.due_date, pauses, apology, stopped)
