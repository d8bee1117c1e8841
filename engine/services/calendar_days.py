"""The organisation calendar: an administrator's days off and working days over the national one.

Each change is a `calendar_day` row (one per date; a later change replaces it) and a
`calendar_change` audit event with the row before and after. A change applies to due dates
computed from then on (receipts, resumptions after a pause); appointments already given keep
their date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..calendar import BusinessCalendar
from ..deadlines import business_calendar
from ..errors import Forbidden, InvalidInput, NotFound
from ..models import CalendarDay, User

KINDS = ("off", "work")
FIRST_YEAR, LAST_YEAR = 2000, 2099
REASON_MAX = 300


@dataclass(frozen=True)
class CalendarEntry:
    """One line of a year's list: a weekday off or a weekend day worked, and why.

    source: national (the holidays package) or organisation (an override). For an override,
    national_kind and national_reason say what the national calendar has for the day.
    A weekend day worked by the national calendar has an empty reason.
    """

    day: date
    kind: str  # off / work
    reason: str
    source: str
    national_kind: str | None = None
    national_reason: str | None = None


def parse_day(value: date | str) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidInput(f"{value!r} is not a date: write it as YYYY-MM-DD",
                               {"day": "not a date"}) from None
    check_year(value.year)
    return value


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"the calendar covers the years {FIRST_YEAR} to {LAST_YEAR}, "
                           f"not {year}", {"year": "out of range"})
    return year


def set_day(session: Session, actor: User | None, now: datetime, *, day: date | str, kind: str,
            reason: str) -> CalendarDay:
    """Make `day` a day off or a working day for the organisation, with the reason."""
    _check_admin(actor)
    day = parse_day(day)
    if kind not in KINDS:
        raise InvalidInput(f"the kind of day must be 'off' or 'work', not {kind!r}",
                           {"kind": list(KINDS)})
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("a reason is required (for example the announcement it follows)",
                           {"reason": "required"})
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"the reason is longer than {REASON_MAX} characters",
                           {"reason": "too long"})
    row = session.get(CalendarDay, day)
    before = _row_dict(row, day)
    if row is not None and (row.kind, row.reason) == (kind, reason):
        return row  # nothing changes, nothing to record
    if row is None:
        row = CalendarDay(day=day)
        session.add(row)
    row.kind, row.reason = kind, reason
    row.changed_by_id, row.changed_at = (actor.id if actor else None), now
    session.flush()
    audit.record(session, at=now, actor=actor, action="calendar_change", before=before,
                 after=_row_dict(row, day), reason=reason)
    return row


def clear_day(session: Session, actor: User | None, now: datetime, *,
              day: date | str) -> CalendarDay:
    """Remove the organisation's change of `day`: the national calendar applies again."""
    _check_admin(actor)
    day = parse_day(day)
    row = session.get(CalendarDay, day)
    if row is None:
        raise NotFound(f"the organisation calendar has no change on {day.isoformat()}")
    before = _row_dict(row, day)
    session.delete(row)
    session.flush()
    audit.record(session, at=now, actor=actor, action="calendar_change", before=before,
                 after=_row_dict(None, day))
    return row


def overrides(session: Session, year: int | None = None) -> list[CalendarDay]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= date(year, 1, 1),
                            CalendarDay.day <= date(year, 12, 31))
    return list(session.execute(query).scalars())


def year_entries(session: Session, year: int) -> list[CalendarEntry]:
    """The year's weekdays off and weekend days worked, national and organisation's, with
    reasons; plain Saturdays and Sundays off are not listed."""
    check_year(year)
    organisation = business_calendar(session)
    national = BusinessCalendar(work_periods=organisation.work_periods)
    own = {row.day: row for row in overrides(session, year)}
    entries, day = [], date(year, 1, 1)
    while day.year == year:
        base = national.day_off_reason(day)
        weekend = day.weekday() >= 5
        if day in own:
            row = own[day]
            entries.append(CalendarEntry(day, row.kind, row.reason, "organisation",
                                         "work" if base is None else "off", base))
        elif base is not None and (not weekend or base not in ("Saturday", "Sunday")):
            entries.append(CalendarEntry(day, "off", base, "national"))
        elif base is None and weekend:
            entries.append(CalendarEntry(day, "work", "", "national"))
        day += timedelta(days=1)
    return entries


def _check_admin(actor: User | None) -> None:
    """The command line acts as the system (actor None); a person must be an administrator."""
    if actor is not None and not actor.has_role("admin"):
        raise Forbidden("only an administrator changes the organisation calendar")


def _row_dict(row: CalendarDay | None, day: date) -> dict:
    """The organisation's change of a day as audited; kind None when there is none."""
    if row is None:
        return {"day": day.isoformat(), "kind": None, "reason": None}
    return {"day": day.isoformat(), "kind": row.kind, "reason": row.reason}
