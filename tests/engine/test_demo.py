"""The demo data of `make demo` loads on a fresh database and holds dossiers in every state."""
from __future__ import annotations

from sqlalchemy import select

from engine.audit_verify import verify_chain
from engine.demo import DEMO_USERS, load_demo
from engine.models import Dossier, User

from ..conftest import T0


def test_demo_loads_with_users_for_every_role_and_dossiers_in_every_state(sessions):
    with sessions.begin() as session:
        load_demo(session, T0)
    with sessions.begin() as session:
        roles = set().union(*(u.roles for u in session.execute(select(User)).scalars()))
        assert {"one_stop", "specialist", "head", "leader", "quality", "auditor",
                "admin"} <= roles
        assert len(DEMO_USERS) >= 7
        found = list(session.execute(select(Dossier)).scalars())
        states = {d.status for d in found}
        outcomes = {d.outcome for d in found if d.outcome}
        decisions = {d.decision for d in found if d.status == "returned"}
        assert {"in_progress", "awaiting_supplement", "returned", "withdrawn"} <= states
        assert {"early", "on_time", "late"} <= outcomes
        assert {"approve", "refuse"} <= decisions
        assert any(d.status == "in_progress" and d.due_date < T0.date() for d in found)
        assert verify_chain(session).intact
