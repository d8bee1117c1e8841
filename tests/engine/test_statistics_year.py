"""A generated year of dossiers: the statistics service agrees with counts computed here,
in plain Python from the generated list, for the year, a month and quarters, by procedure,
field and department."""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from engine.calendar import VN_TZ
from engine.models import Department, Dossier, DossierPause, Procedure, ProcessVersion, Rating
from engine.services.statistics import GROUPINGS, period_statistics

PROCEDURES = ("BQL.DT.01", "BQL.DT.04", "BQL.TM.01", "BQL.TM.03", "BQL.LD.01", "BQL.XD.02",
              "BQL.MT.01", "BQL.MT.02")
MOVED = ("BQL.MT.02", "xay_dung")  # so that departments do not simply mirror fields
NOW = datetime(2026, 2, 10, 4, 30, tzinfo=timezone.utc)  # Q1 2026 is still running
YEAR_START = datetime(2025, 1, 1, tzinfo=VN_TZ)
LEVELS = ("very_satisfied", "satisfied", "not_satisfied")


@dataclass
class Made:
    procedure: str
    field: str
    department: str
    received_at: datetime
    channel: str
    due_date: date
    finished_at: datetime | None
    outcome: str | None
    decision: str | None
    pauses: list[datetime]
    rating: tuple[str, datetime] | None


def _moment(rng: random.Random, start: datetime, span_days: float) -> datetime:
    """A random moment, often in office hours, sometimes right at a local midnight."""
    day = start + timedelta(days=rng.randrange(int(span_days)))
    if rng.random() < 0.05:
        local = datetime.combine(day.date(), time(0), VN_TZ)
    elif rng.random() < 0.05:
        local = datetime.combine(day.date(), time(23, 59, 59), VN_TZ)
    else:
        local = datetime.combine(day.date(), time(7 + rng.randrange(10), rng.randrange(60)),
                                 VN_TZ)
    return local.astimezone(timezone.utc)


def generate(rng: random.Random, count: int, meta: dict[str, tuple[str, str]]) -> list[Made]:
    made = []
    for _ in range(count):
        code = rng.choice(PROCEDURES)
        # most in 2025, some in the last quarter of 2024 (carried over), some in 2026
        received = _moment(rng, YEAR_START - timedelta(days=90), 90 + 365 + 40)
        if received >= NOW:
            received = NOW - timedelta(hours=rng.randrange(1, 200))
        due = received.astimezone(VN_TZ).date() + timedelta(days=rng.randrange(5, 25))
        finished = outcome = decision = None
        if rng.random() < 0.8:
            end = received + timedelta(days=rng.uniform(0.2, 35))
            if end < NOW:
                finished = end
                day = end.astimezone(VN_TZ).date()
                outcome = "early" if day < due else "on_time" if day == due else "late"
                decision = "refuse" if rng.random() < 0.12 else "approve"
        pauses = [received + timedelta(hours=rng.randrange(1, 24 * 10))
                  for _ in range(rng.choice((0, 0, 0, 1, 2)))]
        pauses = [p for p in pauses if p < (finished or NOW)]
        rating = None
        if finished is not None and rng.random() < 0.5:
            rated = finished + timedelta(hours=rng.choice((0, 0, 1, 30)))
            if rated < NOW:
                rating = (rng.choice(LEVELS), rated)
        made.append(Made(code, *meta[code], received, rng.choice(("online", "counter", "post")),
                         due, finished, outcome, decision, pauses, rating))
    return made


def insert(session, made: list[Made]) -> None:
    procedures = {p.code: p for p in session.execute(select(Procedure)).scalars()}
    versions = {v.procedure_id: v.id for v in session.execute(select(ProcessVersion)).scalars()}
    for n, m in enumerate(made):
        procedure = procedures[m.procedure]
        dossier = Dossier(
            code=f"G-{n:05d}", procedure_id=procedure.id,
            process_version_id=versions[procedure.id], applicant_name=f"Công ty {n}",
            channel=m.channel, status="returned" if m.finished_at else "in_progress",
            decision=m.decision, received_at=m.received_at, due_date=m.due_date,
            appointment_at=datetime.combine(m.due_date, time(16), VN_TZ),
            finished_at=m.finished_at, outcome=m.outcome, workflow_state="{}")
        session.add(dossier)
        session.flush()
        for at in m.pauses:
            session.add(DossierPause(dossier_id=dossier.id, requested_at=at,
                                     due_before=m.due_date))
        if m.rating:
            session.add(Rating(dossier_id=dossier.id, procedure_id=dossier.procedure_id,
                                   level=m.rating[0], rated_at=m.rating[1]))


def expected(made: list[Made], start: date, end: date, grouping: str) -> dict[str, dict]:
    start_at = datetime.combine(start, time(0), VN_TZ)
    as_of = min(datetime.combine(end + timedelta(days=1), time(0), VN_TZ), NOW)
    late_before = as_of.astimezone(VN_TZ).date()
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def within(moment):
        return start_at <= moment < as_of

    for m in made:
        row = rows[{"procedure": m.procedure, "field": m.field,
                    "department": m.department}[grouping]]
        for at in m.pauses:
            if within(at):
                row["supplement_requests"] += 1
        if m.rating and within(m.rating[1]):
            row[m.rating[0]] += 1
        if m.received_at >= as_of or (m.finished_at and m.finished_at < start_at):
            continue
        if m.received_at < start_at:
            row["carried_over"] += 1
        else:
            row["received"] += 1
            row[f"received_{m.channel}"] += 1
        if m.finished_at and within(m.finished_at):
            row[f"resolved_{m.outcome}"] += 1
            row["refused"] += m.decision == "refuse"
        elif m.due_date < late_before:
            row["in_progress_late"] += 1
        else:
            row["in_progress_within"] += 1
    return {key: {k: v for k, v in counts.items() if v} for key, counts in rows.items()
            if any(counts.values())}


def found(statistics, grouping: str) -> dict[str, dict]:
    return {row.key: {k: v for k, v in asdict(row.counts).items() if v}
            for row in statistics.rows(grouping)}


@pytest.fixture
def year(library):
    with library.begin() as session:
        moved = session.execute(select(Procedure).where(Procedure.code == MOVED[0])).scalar_one()
        moved.department_id = session.execute(
            select(Department.id).where(Department.code == MOVED[1])).scalar_one()
    with library.begin() as session:
        meta = {p.code: (p.field, p.department.code)
                for p in session.execute(select(Procedure)).scalars()}
    made = generate(random.Random(20250101), 1500, meta)
    with library.begin() as session:
        insert(session, made)
    return made


PERIODS = [(date(2025, 1, 1), date(2025, 12, 31)),  # the year
           (date(2025, 6, 1), date(2025, 6, 30)),  # a month
           (date(2025, 10, 1), date(2025, 12, 31)),  # a quarter
           (date(2026, 1, 1), date(2026, 3, 31))]  # the running quarter: counted at now


@pytest.mark.parametrize("start,end", PERIODS)
def test_the_statistics_of_a_generated_year_match_counts_made_independently(
        library, year, start, end):
    with library() as session:
        statistics = period_statistics(session, start, end, NOW)
    assert statistics.as_of == min(datetime.combine(end + timedelta(days=1), time(0), VN_TZ),
                                   NOW)
    for grouping in GROUPINGS:
        wanted = expected(year, start, end, grouping)
        assert found(statistics, grouping) == wanted, grouping
    total = expected([*year], start, end, "procedure")
    sums: dict[str, int] = defaultdict(int)
    for counts in total.values():
        for key, value in counts.items():
            sums[key] += value
    assert {k: v for k, v in asdict(statistics.total).items() if v} == dict(sums)
    # the generated mix reaches every figure the period can show
    assert all(sums[k] > 0 for k in ("received_online", "received_post", "resolved_early",
                                     "resolved_late", "refused", "supplement_requests",
                                     "not_satisfied", "in_progress_within"))
    assert sums["carried_over"] > 0 and sums["received"] > 0
    assert statistics.total.on_time_rate == pytest.approx(
        (sums["resolved_early"] + sums["resolved_on_time"])
        / (sums["resolved_early"] + sums["resolved_on_time"] + sums["resolved_late"]))
    assert statistics.total.satisfied_share == pytest.approx(
        (sums["very_satisfied"] + sums["satisfied"])
        / (sums["very_satisfied"] + sums["satisfied"] + sums["not_satisfied"]))
    assert statistics.total.withdrawn == 0  # none withdrawn here (see tests/engine/test_stops.py)


def test_the_year_has_dossiers_late_at_its_end_and_departments_differ_from_fields(
        library, year):
    with library() as session:
        statistics = period_statistics(session, date(2025, 1, 1), date(2025, 12, 31), NOW)
    assert statistics.total.in_progress_late > 0
    departments = {r.key: r.counts for r in statistics.rows("department")}
    procedures = statistics.by_procedure
    assert departments["xay_dung"].received == (procedures["BQL.XD.02"].received
                                                + procedures["BQL.MT.02"].received)
    assert [r.key for r in statistics.rows("procedure")] == sorted(PROCEDURES)


def test_a_department_report_holds_only_its_procedures(library, year):
    with library() as session:
        department_id = session.execute(
            select(Department.id).where(Department.code == "xay_dung")).scalar_one()
        everything = period_statistics(session, date(2025, 1, 1), date(2025, 12, 31), NOW)
        own = period_statistics(session, date(2025, 1, 1), date(2025, 12, 31), NOW,
                                department_id=department_id)
    assert sorted(own.by_procedure) == ["BQL.MT.02", "BQL.XD.02"]
    assert [r.key for r in own.rows("department")] == ["xay_dung"]
    assert own.total == everything.rows("department")[-1].counts
    assert everything.rows("department")[-1].key == "xay_dung"
