"""Small steps used by the service tests."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from engine.models import AuditEvent, Dossier, Timer, User, WorkItem
from engine.services import dossiers, queue
from engine.services.users import create_user

from ..conftest import PASSWORD, T0


def user(session, username: str) -> User:
    return session.execute(select(User).where(User.username == username)).scalar_one()


def add_user(sessions, username: str, roles: list[str], department: str | None = None) -> None:
    """One more user (password tests.conftest.PASSWORD) beside the library's."""
    with sessions.begin() as session:
        create_user(session, None, T0, username=username, full_name=username.title(),
                    password=PASSWORD, roles=roles, department_code=department)


def receive(sessions, at: datetime, procedure: str = "BQL.DT.01", name: str = "Công ty A") -> str:
    with sessions.begin() as session:
        return dossiers.receive(session, user(session, "officer"), at, procedure_code=procedure,
                                applicant={"name": name, "kind": "organisation"}).code


def open_item(session, code: str) -> WorkItem:
    dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
    return session.execute(select(WorkItem).where(WorkItem.dossier_id == dossier.id)).scalar_one()


def advance(sessions, code: str, username: str, outcome: str, at: datetime) -> Dossier:
    with sessions.begin() as session:
        actor = user(session, username)
        item = open_item(session, code)
        queue.claim(session, actor, at, item.id)
        return dossiers.complete_task(session, actor, at, item.id, outcome=outcome)


def snapshot(session, code: str) -> dict:
    """Everything an action may change about one dossier."""
    dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
    session.refresh(dossier)
    return {
        "version": dossier.version, "status": dossier.status, "state": dossier.workflow_state,
        "items": sorted((w.step_id, w.task_id, w.assignee_id) for w in session.execute(
            select(WorkItem).where(WorkItem.dossier_id == dossier.id)).scalars()),
        "timers": sorted((t.task_id, t.fire_at) for t in session.execute(
            select(Timer).where(Timer.dossier_id == dossier.id)).scalars()),
        "audit": session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
    }


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
