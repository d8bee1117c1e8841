"""Time taken by each step of each procedure against its allotment, to find the bottleneck.

Read from the audit trail. A step's work starts when its work item is created: at the event
(receipt, a step completed, a timer fired) after which the step first appears among the
dossier's open steps (`after.next`), or the receipt when the event does not list them. It
ends at its `complete` event, which also carries the step's result against its own due time
(`after.step_result`: early / on time / late). The time taken is working time (the business
calendar's work periods), in working days like the allotment. Steps that wait for the
applicant (action "supplement") are left out: their time is not the agency's.

The bottleneck of a procedure is its step with the largest share late, then the largest
mean overrun (time taken minus allotment).
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..deadlines import business_calendar
from ..models import AuditEvent, Dossier, Procedure, ProcessVersion
from .procedures import diagram_for
from .statistics import in_department, period_bounds

STARTS = ("receive", "complete", "timer_fired", "dossier_migrate")


@dataclass
class StepTime:
    procedure: str
    step_id: str
    name: str
    name_en: str
    allotment: float | None  # working days
    count: int
    early: int
    on_time: int
    late: int
    mean_days: float
    p90_days: float
    mean_overrun: float | None  # mean of (taken - allotment), working days
    bottleneck: bool = False

    @property
    def share_late(self) -> float:
        judged = self.early + self.on_time + self.late
        return self.late / judged if judged else 0.0


def p90(values: list[float]) -> float:
    """The 90th percentile by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _spans(session: Session, start_at: datetime, end_at: datetime, scope: list):
    """(dossier_id, step_id, sha256, started, completed, result) of the steps completed in
    the period, walking each such dossier's events in order."""
    completed_in_period = (select(AuditEvent.dossier_id)
                           .where(AuditEvent.action == "complete", AuditEvent.at >= start_at,
                                  AuditEvent.at < end_at, *scope).distinct())
    events = session.execute(
        select(AuditEvent.dossier_id, AuditEvent.action, AuditEvent.at, AuditEvent.step_id,
               AuditEvent.process_sha256, AuditEvent.after)
        .where(AuditEvent.dossier_id.in_(completed_in_period), AuditEvent.at < end_at,
               AuditEvent.action.in_(STARTS))
        .order_by(AuditEvent.dossier_id, AuditEvent.id))
    dossier, open_since, last = None, {}, None
    for dossier_id, action, at, step_id, sha, after in events:
        if dossier_id != dossier:
            dossier, open_since, last = dossier_id, {}, at
        after = after or {}
        if action == "complete":
            started = open_since.pop(step_id, last)
            if at >= start_at:
                yield dossier_id, step_id, sha, started, at, after.get("step_result")
        if "next" in after:
            now_open = set(after["next"])
            open_since = {s: t for s, t in open_since.items() if s in now_open}
            for s in now_open:
                open_since.setdefault(s, at)
        last = at


def step_times(session: Session, start: date, end: date, now: datetime, *,
               department_id: int | None = None) -> list[StepTime]:
    """Each (procedure, step) with a completion in the period, ordered by procedure and by
    the order its steps were first met; `bottleneck` marks one step per procedure. With
    department_id, only that department's procedures."""
    start_at, end_at = period_bounds(start, end)
    end_at = min(end_at, now)
    calendar = business_calendar(session)
    day_hours = sum((datetime.combine(date.min, b) - datetime.combine(date.min, a)
                     for a, b in calendar.work_periods), timedelta(0)) / timedelta(hours=1)
    scope = ([AuditEvent.dossier_id.in_(select(Dossier.id).where(*in_department(department_id)))]
             if department_id is not None else [])
    spans = list(_spans(session, start_at, end_at, scope))
    if not spans:
        return []
    procedure_of = dict(session.execute(
        select(Dossier.id, Procedure.code).join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(Dossier.id.in_({s[0] for s in spans}))).all())
    versions = {v.sha256: v for v in session.execute(
        select(ProcessVersion).where(ProcessVersion.sha256.in_({s[2] for s in spans})))
        .scalars()}
    taken: dict[tuple[str, str], list[tuple[float, float | None, str | None]]] = \
        defaultdict(list)
    steps = {}
    for dossier_id, step_id, sha, started, completed, result in spans:
        version = versions.get(sha)
        step = diagram_for(version).steps.get(step_id) if version else None
        if step is None or step.action == "supplement":
            continue
        key = (procedure_of[dossier_id], step_id)
        steps[key] = step
        days = calendar.working_hours_between(started, completed) / day_hours
        allotment = float(step.allotment) if step.allotment is not None else None
        taken[key].append((days, None if allotment is None else days - allotment, result))
    rows = [_row(key, steps[key], values) for key, values in taken.items()]
    by_procedure: dict[str, list[StepTime]] = defaultdict(list)
    for row in rows:
        by_procedure[row.procedure].append(row)
    for group in by_procedure.values():
        worst = max(group, key=lambda r: (r.share_late, r.mean_overrun or float("-inf")))
        worst.bottleneck = worst.late > 0 or (worst.mean_overrun or 0) > 0
    return [row for code in sorted(by_procedure) for row in by_procedure[code]]


def _row(key: tuple[str, str], step, values: list[tuple[float, float | None, str | None]]
         ) -> StepTime:
    days = [d for d, _, _ in values]
    overruns = [o for _, o, _ in values if o is not None]
    results = [r for _, _, r in values]
    return StepTime(
        procedure=key[0], step_id=key[1], name=step.name, name_en=step.name_en,
        allotment=float(step.allotment) if step.allotment is not None else None,
        count=len(values), early=results.count("early"), on_time=results.count("on_time"),
        late=results.count("late"), mean_days=sum(days) / len(days), p90_days=p90(days),
        mean_overrun=sum(overruns) / len(overruns) if overruns else None)
