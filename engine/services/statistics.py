"""Period statistics of dossiers, as a one-stop shop reports them.

For a period of local (Vietnam) days: dossiers carried over from before it and received in
it (by channel); resolved in it (early, on time, late; refused among them); withdrawn or
stopped; still in progress at its end (within or past the deadline); supplement requests
made in it; ratings given in it. By procedure, and rolled up by field and by department.
"The end" is the end of the last day, or now when the period has not ended yet. A dossier
past its due date at the end is past the deadline: due on the last day and unfinished that
evening, it is late. The due date is the one stored now (moved by supplements and
apologies), so a past period is seen with today's due dates.

Three aggregate queries grouped by procedure (dossiers, pauses, ratings) do all the
counting; the roll-ups add a few dozen procedure rows, never dossiers.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..calendar import VN_TZ
from ..errors import InvalidInput
from ..models import Department, Dossier, DossierPause, Procedure, Rating
from . import stops
from .ratings import LEVELS

MAX_DAYS = 366 * 5  # a period longer than this is refused (InvalidInput)
FIRST_YEAR, LAST_YEAR = 1900, 9000
GROUPINGS = ("procedure", "field", "department")
CHANNELS = ("online", "counter", "post")
# A dossier withdrawn by the applicant or stopped by the agency: finished with no outcome, so
# never counted as resolved.
STOPPED_STATUSES = stops.KINDS
SATISFIED_LEVELS = ("very_satisfied", "satisfied")


@dataclass
class Counts:
    # the first seven in this order: the API and older callers build and read them so
    carried_over: int = 0
    received: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    in_progress_within: int = 0
    in_progress_late: int = 0
    received_online: int = 0
    received_counter: int = 0
    received_post: int = 0
    refused: int = 0  # among the resolved: the decision was a refusal
    withdrawn: int = 0  # withdrawn or stopped in the period
    supplement_requests: int = 0
    very_satisfied: int = 0
    satisfied: int = 0
    not_satisfied: int = 0

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def in_progress(self) -> int:
        return self.in_progress_within + self.in_progress_late

    @property
    def handled(self) -> int:
        """Số hồ sơ nhận giải quyết: carried over and received."""
        return self.carried_over + self.received

    @property
    def on_time_rate(self) -> float | None:
        """(early + on time) / resolved, None when nothing was resolved."""
        done = self.resolved
        return (self.resolved_early + self.resolved_on_time) / done if done else None

    @property
    def rated(self) -> int:
        return self.very_satisfied + self.satisfied + self.not_satisfied

    @property
    def satisfied_share(self) -> float | None:
        rated = self.rated
        return (self.very_satisfied + self.satisfied) / rated if rated else None

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Group:
    """One row of a report: a procedure, a field or a department, with its counts."""
    key: str
    name: str
    name_en: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class PeriodStatistics:
    start: date
    end: date
    as_of: datetime  # the moment "in progress" is counted at
    total: Counts = field(default_factory=Counts)
    by_procedure: dict[str, Counts] = field(default_factory=dict)  # procedure code -> counts
    groups: dict[str, list[Group]] = field(default_factory=dict)  # grouping -> rows

    def rows(self, grouping: str) -> list[Group]:
        if grouping not in GROUPINGS:
            raise InvalidInput(f"unknown grouping {grouping!r}: one of {', '.join(GROUPINGS)}",
                               {"group": list(GROUPINGS)})
        return self.groups[grouping]


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


def in_department(department_id: int | None, column=Dossier.procedure_id) -> list:
    """The filter keeping a department's procedures (a head's report), or none."""
    if department_id is None:
        return []
    return [column.in_(select(Procedure.id).where(Procedure.department_id == department_id))]


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _dossier_counts(session: Session, start_at: datetime, as_of: datetime, scope: list
                    ) -> dict[int, Counts]:
    """Two disjoint reads whose counts add up: the open dossiers, then those finished since
    the period began. Each is a range of the covering index ix_dossier_period per procedure;
    `finished_at IS NULL OR finished_at >= start` in one query read the whole index (a year
    over a million dossiers: 1.25 s on SQLite)."""
    counts: dict[int, Counts] = {}
    for part in (Dossier.finished_at.is_(None), Dossier.finished_at >= start_at):
        for procedure_id, found in _dossier_counts_where(session, start_at, as_of,
                                                          [part, *scope]).items():
            counts.setdefault(procedure_id, Counts()).add(found)
    return counts


def _dossier_counts_where(session: Session, start_at: datetime, as_of: datetime,
                          conditions: list) -> dict[int, Counts]:
    late_before = as_of.astimezone(VN_TZ).date()  # due before this day and open: late
    new = Dossier.received_at >= start_at
    finished = and_(Dossier.finished_at >= start_at, Dossier.finished_at < as_of)
    open_at_end = or_(Dossier.finished_at.is_(None), Dossier.finished_at >= as_of)
    rows = session.execute(
        select(Dossier.procedure_id,
               _count(Dossier.received_at < start_at),
               _count(new),
               *(_count(and_(finished, Dossier.outcome == o))
                 for o in ("early", "on_time", "late")),
               _count(and_(open_at_end, Dossier.due_date >= late_before)),
               _count(and_(open_at_end, Dossier.due_date < late_before)),
               *(_count(and_(new, Dossier.channel == c)) for c in CHANNELS),
               _count(and_(finished, Dossier.outcome.is_not(None),
                           Dossier.decision == "refuse")),
               _count(and_(finished, Dossier.status.in_(STOPPED_STATUSES))))
        .where(Dossier.received_at < as_of, *conditions)
        .group_by(Dossier.procedure_id))
    return {pid: Counts(*(int(n) for n in numbers)) for pid, *numbers in rows}


def _supplement_requests(session: Session, start_at: datetime, as_of: datetime, scope: list
                         ) -> dict[int, int]:
    rows = session.execute(
        select(Dossier.procedure_id, func.count(DossierPause.id))
        .join(Dossier, Dossier.id == DossierPause.dossier_id)
        .where(DossierPause.requested_at >= start_at, DossierPause.requested_at < as_of, *scope)
        .group_by(Dossier.procedure_id))
    return {pid: int(n) for pid, n in rows}


def _ratings(session: Session, start_at: datetime, as_of: datetime, scope: list
             ) -> dict[tuple[int, str], int]:
    rows = session.execute(
        select(Rating.procedure_id, Rating.level, func.count())
        .where(Rating.rated_at >= start_at, Rating.rated_at < as_of, *scope)
        .group_by(Rating.procedure_id, Rating.level))
    return {(pid, level): int(n) for pid, level, n in rows}


def period_statistics(session: Session, start: date, end: date, now: datetime, *,
                      department_id: int | None = None) -> PeriodStatistics:
    """The period's figures; with department_id, only that department's procedures."""
    start_at, end_at = period_bounds(start, end)
    as_of = min(end_at, now)
    scope = in_department(department_id)
    counted = _dossier_counts(session, start_at, as_of, scope)
    for pid, n in _supplement_requests(session, start_at, as_of, scope).items():
        counted.setdefault(pid, Counts()).supplement_requests = n
    for (pid, level), n in _ratings(session, start_at, as_of,
                                    in_department(department_id, Rating.procedure_id)).items():
        if level in LEVELS:
            setattr(counted.setdefault(pid, Counts()), level, n)
    result = PeriodStatistics(start=start, end=end, as_of=as_of)
    groups: dict[str, dict[str, Group]] = {g: {} for g in GROUPINGS}
    procedures = session.execute(
        select(Procedure.id, Procedure.code, Procedure.name, Procedure.name_en, Procedure.field,
               Department.code, Department.name, Department.name_en)
        .join(Department, Department.id == Procedure.department_id)
        .where(Procedure.id.in_(tuple(counted) or (-1,))).order_by(Procedure.code))
    for pid, code, name, name_en, field_code, dept_code, dept_name, dept_en in procedures:
        counts = counted[pid]
        result.by_procedure[code] = counts
        result.total.add(counts)
        for grouping, key, label, label_en in (
                ("procedure", code, name, name_en), ("field", field_code, field_code, ""),
                ("department", dept_code, dept_name, dept_en)):
            row = groups[grouping].setdefault(key, Group(key, label, label_en))
            row.counts.add(counts)
    result.groups = {g: sorted(rows.values(), key=lambda r: r.key)
                     for g, rows in groups.items()}
    return result
