"""Scenarios through the standard procedure, each also through serialize -> JSON -> restore.

Timers: the run arms them from the `now` it is given and fires them only when told
(`fire_timers`); the wall clock is moved with time-machine to show it is never read.
"""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

import pytest
import time_machine

from bpmn.diagram import load_diagram
from bpmn.problems import WorkflowError
from bpmn.runtime import Run
from bpmn.sandbox import reads_task_data

from .helpers import DATA, standard_xml

HAPPY = ["done", "handed_over", "approve", "agree", "sign", "returned"]
SUPPLEMENT = ["done", "handed_over", "supplement", "resubmitted", "approve", "agree", "sign",
              "returned"]
SEND_BACK = ["done", "handed_over", "approve", "send_back", "refuse", "agree", "send_back",
             "agree", "sign", "returned"]
T0 = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)  # Wednesday 10:00 in Hanoi
VN = timezone(timedelta(hours=7))
FAR_FUTURE = datetime(2031, 1, 1, tzinfo=timezone.utc)


def helpers(now: datetime) -> dict:
    """Calendar-day stand-ins for the engine's helpers (same ISO form: office time zone)."""
    @reads_task_data
    def before_due(data: dict, days: int = 0) -> str:
        day = date.fromisoformat(data["due_date"]) - timedelta(days=days)
        return datetime.combine(day, time(8), VN).isoformat()

    def working_days(days) -> str:
        return (now + timedelta(days=float(days))).astimezone(VN).isoformat()
    return {"before_due": before_due, "working_days": working_days}


@pytest.fixture(params=["in-memory", "round-trip"])
def round_trip(request) -> bool:
    return request.param == "round-trip"


def standard():
    return load_diagram(standard_xml(), "standard.bpmn")


def again(run: Run, round_trip: bool, now: datetime = T0) -> Run:
    """The same run, or the run restored from its JSON state (as the services do)."""
    if not round_trip:
        return run
    state = run.serialize()
    json.loads(state)  # plain JSON text
    return Run.restore(run.diagram, state, helpers(now), now=now)


def play(outcomes: list[str], round_trip: bool, run: Run | None = None) -> tuple[Run, list[str]]:
    run = run or Run.start(standard(), {"dossier_code": "X-1", "due_date": "2026-03-19"},
                           helpers(T0), now=T0)
    visited = []
    for outcome in outcomes:
        run = again(run, round_trip)
        [task] = run.open_tasks()
        visited.append(task.step.id)
        payload = {"outcome": outcome}
        if task.step.decides:
            payload["decision"] = outcome
        run.complete(task.task_id, payload)
    return run, visited


def test_happy_path(round_trip):
    run, visited = play(HAPPY, round_trip)
    assert visited == ["receive", "handover", "review", "check", "approve", "return_result"]
    assert run.is_completed and run.open_tasks() == [] and run.timers() == []
    assert run.data["decision"] == "approve"
    assert run.data["dossier_code"] == "X-1"


def test_supplement_goes_to_the_counter_and_back_to_review(round_trip):
    run, visited = play(SUPPLEMENT, round_trip)
    assert visited[2:6] == ["review", "supplement", "review", "check"]
    assert run.is_completed


def test_head_and_leader_can_send_back(round_trip):
    run, visited = play(SEND_BACK, round_trip)
    assert visited == ["receive", "handover", "review", "check", "review", "check", "approve",
                       "check", "approve", "return_result"]
    assert run.data["decision"] == "refuse"
    assert run.completed_step_ids().count("check") == 3


def test_completing_a_task_that_is_not_open_fails_clearly():
    run, _ = play(HAPPY[:2], False)
    with pytest.raises(WorkflowError, match="not open"):
        run.complete("no-such-task", {"outcome": "approve"})


# --- timers ---------------------------------------------------------------------------------

def test_duration_timer_is_armed_from_the_given_now_and_fires_only_when_told(round_trip):
    diagram = load_diagram((DATA / "timer.bpmn").read_text(), "timer.bpmn")
    with time_machine.travel(FAR_FUTURE, tick=False):  # the wall clock says nothing here
        run = Run.start(diagram, now=T0)
        [timer] = run.timers()
        assert (timer.element_id, timer.kind, timer.fire_at) == ("wait", "duration",
                                                                 T0 + timedelta(hours=1))
        assert timer.attached_to is None and not timer.interrupting
        run = again(run, round_trip)
        assert run.open_tasks() == [] and run.timers() == [timer]  # far past due: not fired
        opened = run.fire_timers([timer.task_id])
        assert [t.step.id for t in opened] == ["work"] == [t.step.id for t in run.open_tasks()]
        assert run.timers() == []
        run = again(run, round_trip)
        run.complete(opened[0].task_id, {"outcome": "done"})
        assert run.is_completed


def test_a_duration_timer_without_now_fails_clearly():
    diagram = load_diagram((DATA / "timer.bpmn").read_text(), "timer.bpmn")
    with pytest.raises(WorkflowError, match="timer wait counts from now"):
        Run.start(diagram)


@pytest.mark.parametrize("expression, message", [
    ('"soon"', "not a valid ISO 8601"), ("3600", "not an ISO 8601 string")])
def test_a_timer_expression_that_is_not_iso_fails_clearly(expression, message):
    xml = (DATA / "timer.bpmn").read_text().replace('"PT1H"', expression)
    with pytest.raises(WorkflowError, match=message):
        Run.start(load_diagram(xml, "timer.bpmn"), now=T0)


def test_a_date_without_zone_is_office_time():
    xml = (DATA / "timer.bpmn").read_text().replace(
        '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration>',
        '<bpmn:timeDate>"2026-03-05T08:00:00"</bpmn:timeDate>')
    [timer] = Run.start(load_diagram(xml, "timer.bpmn")).timers()  # a date needs no now
    assert timer.kind == "date" and timer.fire_at == datetime(2026, 3, 5, 1, tzinfo=timezone.utc)


def review_run(round_trip: bool) -> Run:
    run, _ = play(HAPPY[:2], round_trip)
    return again(run, round_trip)


def test_review_arms_a_warning_and_an_escalation_from_the_due_date(round_trip):
    run = review_run(round_trip)
    [review] = run.open_tasks()
    warn, late = run.timers()
    assert (warn.element_id, warn.effect, warn.interrupting) == ("review_due_soon", "warn", False)
    assert (late.element_id, late.effect, late.interrupting) == ("review_late", "escalate", True)
    assert warn.attached_to == late.attached_to == review.task_id
    assert warn.fire_at == datetime(2026, 3, 17, 8, tzinfo=VN)  # before_due(2)
    assert late.fire_at == datetime(2026, 3, 18, 8, tzinfo=VN)  # before_due(1), later than T0+½


def test_warning_keeps_the_review_open_and_the_escalation_waiting(round_trip):
    run = review_run(round_trip)
    [review] = run.open_tasks()
    warn, late = run.timers()
    with time_machine.travel(FAR_FUTURE, tick=False):
        assert run.fire_timers([warn.task_id]) == []
        run = again(run, round_trip)
        assert [t.task_id for t in run.open_tasks()] == [review.task_id]
        assert run.timers() == [late]


def test_escalation_interrupts_review_for_the_head_and_comes_back(round_trip):
    run = review_run(round_trip)
    warn, late = run.timers()
    [expedite] = run.fire_timers([late.task_id])
    assert (expedite.step.id, expedite.step.role) == ("expedite", "head")
    assert expedite.step.outcomes == ("back_to_review",)
    run = again(run, round_trip)
    assert run.timers() == [] and [t.step.id for t in run.open_tasks()] == ["expedite"]
    with pytest.raises(WorkflowError, match="not waiting"):
        run.fire_timers([warn.task_id])  # ended with the review it sat on
    later = T0 + timedelta(days=14)  # 18 March 03:00 UTC: past before_due(1)
    run = again(run, True, later)
    run.complete(expedite.task_id, {"outcome": "back_to_review"})
    [review] = run.open_tasks()
    warn2, late2 = run.timers()
    assert review.step.id == "review" and warn2.attached_to == review.task_id
    assert warn2.fire_at == datetime(2026, 3, 17, 8, tzinfo=VN)  # already due: warns at once
    assert late2.fire_at == (later + timedelta(days=0.5)).astimezone(VN)  # not at once again


def test_timers_due_together_fire_in_order(round_trip):
    run = review_run(round_trip)
    warn, late = run.timers()
    opened = run.fire_timers([late.task_id, warn.task_id])  # both due: warning first
    assert [t.step.id for t in opened] == ["expedite"]
    assert run.timers() == []


def test_completing_review_cancels_its_timers(round_trip):
    run = review_run(round_trip)
    run, _ = play(["approve"], round_trip, run)
    assert [t.step.id for t in run.open_tasks()] == ["check"] and run.timers() == []


def test_cycle_timer_fires_each_occurrence_once(round_trip):
    diagram = load_diagram((DATA / "cycle.bpmn").read_text(), "cycle.bpmn")
    run = Run.start(diagram, now=T0)
    [work] = run.open_tasks()
    [first] = run.timers()
    assert (first.kind, first.fire_at, first.attached_to) == ("cycle", T0 + timedelta(hours=1),
                                                              work.task_id)
    run = again(run, round_trip)
    assert run.fire_timers([first.task_id]) == []
    [second] = run.timers()
    assert second.task_id == first.task_id and second.fire_at == T0 + timedelta(hours=2)
    run = again(run, round_trip)
    run.fire_timers([second.task_id])
    assert run.timers() == [] and [t.task_id for t in run.open_tasks()] == [work.task_id]
    run.complete(work.task_id, {"outcome": "done"})
    assert run.is_completed
