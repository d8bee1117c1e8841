"""Diagram timers fired by the scheduler's sweep from their rows, with the clock moved by
time-machine (the sweep reads `engine.clock.now`; nothing sleeps).

BQL.DT.01 (15 calendar days) received on Wednesday 4 March 2026 is due on Thursday 19 March.
The review step's warning fires at before_due(2) = Tuesday 17 March 08:00 (01:00 UTC), its
escalation at before_due(1) = Wednesday 18 March 08:00 (01:00 UTC).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import func, select, update

from engine.models import AuditEvent, Dossier, Timer, WorkItem
from engine.scheduler import sweep
from engine.services import apology, timers
from web.formatting import urgency

from ..conftest import T0
from .helpers import advance, hours, open_item, receive, user

UTC = timezone.utc
WARN_AT = datetime(2026, 3, 17, 1, 0, tzinfo=UTC)
ESCALATE_AT = datetime(2026, 3, 18, 1, 0, tzinfo=UTC)
HANDOVER_AT = datetime(2026, 3, 12, 3, 0, tzinfo=UTC)  # review then due Thu 19 March 10:00


def sweep_at(sessions, moment: datetime):
    with time_machine.travel(moment, tick=False):
        return sweep(sessions)


def rows(session, code: str) -> list[Timer]:
    return list(session.execute(select(Timer).join(Dossier).where(Dossier.code == code)
                                .order_by(Timer.fire_at, Timer.id)).scalars())


def events(session, code: str, *actions: str) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(
        AuditEvent.dossier_code == code, AuditEvent.action.in_(actions))
        .order_by(AuditEvent.id)).scalars())


def in_review(sessions, received: datetime = T0, handed_over: datetime = HANDOVER_AT) -> str:
    code = receive(sessions, received)
    advance(sessions, code, "officer", "handed_over", handed_over)
    return code


def test_review_has_a_warning_and_an_escalation_row(library):
    code = in_review(library)
    with library.begin() as session:
        warn, late = rows(session, code)
    assert (warn.element_id, warn.fire_at, warn.fired_at) == ("review_due_soon", WARN_AT, None)
    assert (late.element_id, late.fire_at, late.fired_at) == ("review_late", ESCALATE_AT, None)


def test_nothing_fires_before_its_time_even_when_the_wall_clock_is_past_it(library):
    code = in_review(library)
    assert sweep_at(library, WARN_AT - timedelta(seconds=1)).fired == []
    with time_machine.travel(ESCALATE_AT + timedelta(days=30), tick=False):
        with library.begin() as session:  # the engine itself never fires: only a sweep does
            assert timers.fire_due_timers(session, WARN_AT - timedelta(seconds=1)) == []
    with library.begin() as session:
        assert [r.fired_at for r in rows(session, code)] == [None, None]
        assert open_item(session, code).warned_at is None


def test_warning_turns_the_review_due_soon(library):
    code = in_review(library)
    before = WARN_AT - timedelta(minutes=1)
    with library.begin() as session:
        item = open_item(session, code)
        assert urgency(item.due_at, item.dossier_due_date, before) == "ok"
    at = WARN_AT + timedelta(seconds=20)
    [fired] = sweep_at(library, at).fired
    assert (fired.element_id, fired.effect, fired.late_seconds) == ("review_due_soon", "warned", 20)
    with library.begin() as session:
        item = open_item(session, code)
        assert (item.step_id, item.warned_at, item.escalated) == ("review", at, False)
        assert urgency(item.due_at, item.dossier_due_date, at, warned_at=item.warned_at) == "soon"
        warn, late = rows(session, code)
        assert (warn.fired_at, warn.late_seconds, late.fired_at) == (at, 20.0, None)
        [event] = events(session, code, "timer_fired")
        assert (event.actor_id, event.actor_name, event.step_id) == (None, "system",
                                                                      "review_due_soon")
        assert event.after["fire_at"] == WARN_AT.isoformat()
        assert event.after["late_seconds"] == 20.0 and event.after["effect"] == "warned"
    assert sweep_at(library, at + hours(1)).fired == []  # fired once


def test_escalation_gives_the_head_an_expedite_task_then_a_late_return(library):
    code = in_review(library)
    report = sweep_at(library, ESCALATE_AT + timedelta(minutes=2))
    assert [(r.element_id, r.effect) for r in report.fired] == [
        ("review_due_soon", "warned"), ("review_late", "escalated")]
    with library.begin() as session:
        item = open_item(session, code)
        assert (item.step_id, item.role, item.escalated) == ("expedite", "head", True)
        assert item.department_id == user(session, "head").department_id
        [escalation] = events(session, code, "escalation")
        assert escalation.before == {"step": "review"}
        assert escalation.after == {"opened": ["expedite"], "roles": ["head"]}
        assert [e.action for e in events(session, code, "timer_fired", "escalation")] == [
            "timer_fired", "timer_fired", "escalation"]
        assert urgency(item.due_at, item.dossier_due_date, ESCALATE_AT,
                       escalated=item.escalated) == "escalated"
    back = ESCALATE_AT + hours(3)
    advance(library, code, "head", "back_to_review", back)
    with library.begin() as session:
        review = open_item(session, code)
        assert (review.step_id, review.escalated, review.warned_at) == ("review", False, None)
        assert [r.element_id for r in rows(session, code) if r.fired_at is None] == [
            "review_due_soon", "review_late"]
    # the new review's warning is already due; its escalation comes half a day later, not at once
    report = sweep_at(library, back + timedelta(seconds=30))
    assert [(r.element_id, r.effect) for r in report.fired] == [("review_due_soon", "warned")]
    for username, outcome, at in [("specialist", "approve", back + hours(1)),
                                  ("head", "agree", back + hours(2)),
                                  ("leader", "sign", back + hours(24))]:
        advance(library, code, username, outcome, at)
    returned_at = datetime(2026, 3, 20, 3, 0, tzinfo=UTC)  # the day after the due date
    with library.begin() as session:
        apology.issue_apology(session, user(session, "officer"), returned_at - hours(1),
                              open_item(session, code).dossier_id, reason="review was late",
                              new_appointment_at=datetime(2026, 3, 20, 8, 0, tzinfo=UTC))
    dossier = advance(library, code, "officer", "returned", returned_at)
    assert (dossier.status, dossier.outcome) == ("returned", "late")
    with library.begin() as session:
        assert rows(session, code) == []  # a finished dossier keeps no timer rows
        assert len(events(session, code, "timer_fired")) == 3


def test_completing_the_review_cancels_its_timers_but_keeps_fired_rows(library):
    code = in_review(library)
    sweep_at(library, WARN_AT)
    advance(library, code, "specialist", "approve", WARN_AT + hours(1))
    with library.begin() as session:
        [warn] = rows(session, code)
        assert (warn.element_id, warn.fired_at, warn.late_seconds) == ("review_due_soon",
                                                                        WARN_AT, 0.0)
    assert sweep_at(library, ESCALATE_AT + hours(1)).fired == []


def test_after_a_three_day_outage_every_missed_timer_fires_once_in_order(library):
    """The scheduler last swept a minute before the first warning and came back three days
    later. Dossiers received on 4, 5 and 6 March are due on 19, 20 and 23 March (the 21st is
    a Saturday); during the outage five of their six timers became due.
    """
    codes = [in_review(library, T0 + timedelta(days=n), T0 + timedelta(days=n, hours=1))
             for n in range(3)]
    last_sweep = WARN_AT - timedelta(minutes=1)
    back = last_sweep + timedelta(days=3)
    assert sweep_at(library, last_sweep).fired == []
    with library.begin() as session:
        waiting = [r for code in codes for r in rows(session, code)]
        due = sorted((r for r in waiting if r.fire_at <= back), key=lambda r: (r.fire_at, r.id))
        expected = [(r.id, r.fire_at) for r in due]
    assert len(waiting) == 6 and len(expected) == 5
    report = sweep_at(library, back)
    assert [(r.timer_id, r.fire_at) for r in report.fired] == expected
    assert report.busy == [] and report.failed == []
    for result in report.fired:
        assert result.late_seconds == (back - result.fire_at).total_seconds()
        assert 0 < result.late_seconds < 3 * 86400
    assert report.fired[0].late_seconds == 3 * 86400 - 60  # the first: three days late
    assert sweep_at(library, back + timedelta(seconds=30)).fired == []  # each fired once
    with library.begin() as session:
        fired = list(session.execute(select(AuditEvent).where(AuditEvent.action == "timer_fired")
                                     .order_by(AuditEvent.id)).scalars())
        assert [e.after["timer_id"] for e in fired] == [timer_id for timer_id, _ in expected]
        assert all(e.at == back for e in fired)
        for timer_id, fire_at in expected:
            row = session.get(Timer, timer_id)
            assert row.fired_at == back and row.late_seconds == (back - fire_at).total_seconds()
        escalated = session.execute(select(func.count()).select_from(WorkItem).where(
            WorkItem.escalated.is_(True))).scalar_one()
        assert escalated == 2  # the first two dossiers' reviews went to the head


def test_a_failing_dossier_is_recorded_once_and_does_not_block_the_others(library, caplog):
    broken, fine = in_review(library), in_review(library)
    with library.begin() as session:
        session.execute(update(Dossier).where(Dossier.code == broken)
                        .values(workflow_state='{"not": "a workflow"}'))
    at = WARN_AT + hours(1)
    report = sweep_at(library, at)
    assert [(r.dossier_code, r.element_id) for r in report.fired] == [(fine, "review_due_soon")]
    [failed] = report.failed
    assert failed.dossier_code == broken and failed.error
    assert f"dossier {broken} failed" in caplog.text
    again = sweep_at(library, at + hours(1))  # retried by the next sweep, recorded once
    assert again.fired == [] and len(again.failed) == 1
    with library.begin() as session:
        [event] = events(session, broken, "timer_failed")
        assert event.actor_name == "system" and event.after["timer_id"] == failed.timer_id
        assert [r.fired_at for r in rows(session, broken)] == [None, None]
        assert events(session, broken, "timer_fired") == []


def test_fire_due_timers_honours_its_limit_and_the_due_index(library):
    codes = [in_review(library) for _ in range(3)]
    with library.begin() as session:
        first = timers.fire_due_timers(session, WARN_AT, limit=2)
    assert len(first) == 2 and {r.status for r in first} == {"fired"}
    with library.begin() as session:
        rest = timers.fire_due_timers(session, WARN_AT, limit=500)
    assert [r.dossier_code for r in rest] == [codes[2]]
    with library.begin() as session:
        assert timers.fire_due_timers(session, WARN_AT) == []
