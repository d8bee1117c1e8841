"""The work queue shows what timers did: a warned review is "due soon", the head's expedite
task after an escalation is marked as escalated."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine

from engine.scheduler import sweep
from tests.conftest import T0
from tests.engine.helpers import advance, receive

from .conftest import by_testid, login, page

WARN_AT = datetime(2026, 3, 17, 1, 0, tzinfo=timezone.utc)  # before_due(2) of a 19 March due
ESCALATE_AT = datetime(2026, 3, 18, 1, 0, tzinfo=timezone.utc)


def row(client, code: str):
    response = client.get("/officer/queue?tab=unclaimed")
    assert response.status_code == 200
    [found] = [r for r in by_testid(page(response), "queue-row") if r.get("data-code") == code]
    return found


def test_warned_review_is_due_soon_and_escalated_task_stands_out(client, library):
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", datetime(2026, 3, 12, 3, tzinfo=timezone.utc))
    with time_machine.travel(WARN_AT - timedelta(minutes=5), tick=False):
        login(client, "specialist")
        before = row(client, code)
        assert before.get("data-urgency") == "ok" and not by_testid(before, "warned")
    with time_machine.travel(WARN_AT + timedelta(minutes=1), tick=False):
        sweep(library)
        warned = row(client, code)
        assert warned.get("data-urgency") == "soon" and "urgency-soon" in warned.get("class")
        assert len(by_testid(warned, "warned")) == 1
    with time_machine.travel(ESCALATE_AT + timedelta(minutes=1), tick=False):
        sweep(library)
        login(client, "head")
        escalated = row(client, code)
        assert escalated.get("data-urgency") == "escalated"
        assert "escalated" in escalated.get("class").split()
        assert len(by_testid(escalated, "escalated")) == 1
