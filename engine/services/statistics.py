"""Period statistics of dossiers, as a one-stop shop reports them.

For a period of local (Vietnam) days: dossiers carried over from before it and received in
it; resolved in it (early, on time, late); and still in progress at its end (within or past
the deadline), in all and by procedure. "The end" is the end of the last day, or now when the
period has not ended yet. A dossier past its due date at the end is past the deadline: due on
the last day and unfinished that evening, it is late. The due date is the one stored now
(moved by supplements and apologies), so a past period is seen with today's due dates.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..calendar import VN_TZ
from ..errors import InvalidInput
from ..models import Dossier, Procedure

MAX_DAYS = 366 * 5  # a period longer than this is refused (InvalidInput)
FIRST_YEAR, LAST_YEAR = 1900, 9000


@dataclass
class Counts:
    carried_over: int = 0
    received: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    in_progress_within: int = 0
    in_progress_late: int = 0

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def in_progress(self) -> int:
        return self.in_progress_within + self.in_progress_late

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class PeriodStatistics:
    start: date
    end: date
    as_of: datetime  # the moment "in progress" is counted at
    total: Counts = field(default_factory=Counts)
    by_procedure: dict[str, Counts] = field(default_factory=dict)  # procedure code -> counts


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and after-last moments (local midnights), checked."""
    if start.year < FIRST_YEAR or end.year > LAST_YEAR:
        raise InvalidInput(f"a period lies within the years {FIRST_YEAR} to {LAST_YEAR}",
                           {"from": "out of range", "to": "out of range"})
    if end < start:
        raise InvalidInput("the period ends before it starts", {"to": "before from"})
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(f"a period covers at most {MAX_DAYS} days", {"to": "too far"})
    return (datetime.combine(start, time(0), VN_TZ),
            datetime.combine(end + timedelta(days=1), time(0), VN_TZ))


def period_statistics(session: Session, start: date, end: date, now: datetime
                      ) -> PeriodStatistics:
    start_at, end_at = period_bounds(start, end)
    as_of = min(end_at, now)
    late_before = as_of.astimezone(VN_TZ).date()  # due before this day and open: late

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    resolved = and_(Dossier.finished_at >= start_at, Dossier.finished_at < as_of)
    open_at_end = or_(Dossier.finished_at.is_(None), Dossier.finished_at >= as_of)
    rows = session.execute(
        select(Procedure.code,
               count(Dossier.received_at < start_at),
               count(Dossier.received_at >= start_at),
               count(and_(resolved, Dossier.outcome == "early")),
               count(and_(resolved, Dossier.outcome == "on_time")),
               count(and_(resolved, Dossier.outcome == "late")),
               count(and_(open_at_end, Dossier.due_date >= late_before)),
               count(and_(open_at_end, Dossier.due_date < late_before)))
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(Dossier.received_at < as_of,
               or_(Dossier.finished_at.is_(None), Dossier.finished_at >= start_at))
        .group_by(Procedure.code).order_by(Procedure.code))
    result = PeriodStatistics(start=start, end=end, as_of=as_of)
    for code, *numbers in rows:
        counts = Counts(*(int(n) for n in numbers))
        result.by_procedure[code] = counts
        result.total.add(counts)
    return result
