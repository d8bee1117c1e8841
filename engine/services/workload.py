"""Workload per officer for a period: steps completed (early / on time / late against the
step's own due time), dossiers received at the desk, and the open work items assigned to
them now. Three aggregate queries; the receipt is counted as received, not as a step."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, Dossier, User, WorkItem
from .statistics import in_department, period_bounds


@dataclass
class Workload:
    user_id: int
    username: str
    full_name: str
    completed_early: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    completed_unjudged: int = 0  # steps without a due time (waiting for the applicant)
    received: int = 0
    open_now: int = 0

    @property
    def completed(self) -> int:
        return (self.completed_early + self.completed_on_time + self.completed_late
                + self.completed_unjudged)

    @property
    def on_time_rate(self) -> float | None:
        judged = self.completed_early + self.completed_on_time + self.completed_late
        return (self.completed_early + self.completed_on_time) / judged if judged else None


def workload(session: Session, start: date, end: date, now: datetime, *,
             department_id: int | None = None) -> list[Workload]:
    """One row per user with work in the period or open items now, by full name. With
    department_id, only the work on that department's dossiers."""
    start_at, end_at = period_bounds(start, end)
    end_at = min(end_at, now)
    events_scope = ([AuditEvent.dossier_id.in_(select(Dossier.id).where(
        *in_department(department_id)))] if department_id is not None else [])
    result = AuditEvent.after["step_result"].as_string()
    counts: dict[int, dict[str, int]] = {}
    for user_id, outcome, n in session.execute(
            select(AuditEvent.actor_id, result, func.count())
            .where(AuditEvent.action == "complete", AuditEvent.actor_id.is_not(None),
                   AuditEvent.at >= start_at, AuditEvent.at < end_at, *events_scope)
            .group_by(AuditEvent.actor_id, result)):
        column = f"completed_{outcome}" if outcome in ("early", "on_time", "late") \
            else "completed_unjudged"
        row = counts.setdefault(user_id, {})
        row[column] = row.get(column, 0) + int(n)
    for user_id, n in session.execute(
            select(Dossier.received_by_id, func.count())
            .where(Dossier.received_by_id.is_not(None), Dossier.received_at >= start_at,
                   Dossier.received_at < end_at, *in_department(department_id))
            .group_by(Dossier.received_by_id)):
        counts.setdefault(user_id, {})["received"] = int(n)
    for user_id, n in session.execute(
            select(WorkItem.assignee_id, func.count())
            .where(WorkItem.assignee_id.is_not(None),
                   *in_department(department_id, WorkItem.procedure_id))
            .group_by(WorkItem.assignee_id)):
        counts.setdefault(user_id, {})["open_now"] = int(n)
    if not counts:
        return []
    users = session.execute(select(User.id, User.username, User.full_name)
                            .where(User.id.in_(tuple(counts)))).all()
    return sorted((Workload(uid, username, name, **counts[uid]) for uid, username, name in users),
                  key=lambda w: (w.full_name, w.username))
