"""Scenarios through the standard procedure, each also through serialize -> JSON -> restore."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from bpmn.diagram import load_diagram
from bpmn.problems import WorkflowError
from bpmn.runtime import Run

from .helpers import DATA, standard_xml

HAPPY = ["done", "handed_over", "approve", "agree", "sign", "returned"]
SUPPLEMENT = ["done", "handed_over", "supplement", "resubmitted", "approve", "agree", "sign",
              "returned"]
SEND_BACK = ["done", "handed_over", "approve", "send_back", "refuse", "agree", "send_back",
             "agree", "sign", "returned"]


@pytest.fixture(params=["in-memory", "round-trip"])
def round_trip(request) -> bool:
    return request.param == "round-trip"


def play(outcomes: list[str], round_trip: bool) -> tuple[Run, list[str]]:
    diagram = load_diagram(standard_xml(), "standard.bpmn")
    run = Run.start(diagram, {"dossier_code": "X-1"})
    visited = []
    for outcome in outcomes:
        if round_trip:
            state = run.serialize()
            json.loads(state)  # plain JSON text
            run = Run.restore(diagram, state)
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
    assert run.is_completed and run.open_tasks() == []
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


def test_waiting_timer_is_listed_with_its_fire_time_and_fires(round_trip):
    diagram = load_diagram((DATA / "timer.bpmn").read_text(), "timer.bpmn")
    start = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False):
        run = Run.start(diagram)
        [timer] = run.timers()
        assert timer.element_id == "wait"
        assert timer.fire_at == start + timedelta(hours=1)
        assert run.open_tasks() == []
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        if round_trip:
            run = Run.restore(diagram, run.serialize())
        run.refresh_timers()
        assert run.open_tasks() == [] and len(run.timers()) == 1
    with time_machine.travel(start + timedelta(hours=1, seconds=1), tick=False):
        if round_trip:
            run = Run.restore(diagram, run.serialize())
        run.refresh_timers()
        assert [t.step.id for t in run.open_tasks()] == ["work"]
        assert run.timers() == []
