"""A small facade over a running SpiffWorkflow workflow: start, open tasks, complete, timers, JSON.

The engine layer never touches SpiffWorkflow objects; it sees `OpenTask`, `WaitingTimer` and
plain dicts, and stores the workflow as the JSON text `serialize()` returns.

Timers never read the wall clock. SpiffWorkflow's own timer definitions compare their fire
time with `datetime.now()` whenever a waiting timer is updated (including at the end of every
`do_engine_steps`); here they are replaced by clock-free subclasses that only report what
`fire_timers` told them. After each step the run *arms* new timers: it evaluates their
expression and stores the fire time where SpiffWorkflow keeps it (`event_value`), computing
durations from the `now` it was given. Firing is the scheduler's job (engine/services/timers).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any, Callable
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .diagram import Diagram, Step
from .problems import ScriptRefused, WorkflowError
from .sandbox import script_engine
from .state import StateCodec

# A timer value without a zone is office time (the diagrams are Vietnamese procedures).
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class OpenTask:
    task_id: str  # SpiffWorkflow's task uuid, stable across serialize/restore
    step: Step
    data: dict


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    element_id: str
    fire_at: datetime
    kind: str = "date"  # date / duration / cycle
    effect: str | None = None  # the event's `effect` property (warn, escalate), if any
    interrupting: bool = False  # an interrupting boundary event
    attached_to: str | None = None  # task id of the task a boundary event sits on


# --- clock-free timer definitions -----------------------------------------------------------

class _ClockFreeTimeDate(TimeDateEventDefinition):
    """Fired only when told (`event_fired`), never by comparing with the wall clock."""

    def has_fired(self, my_task):
        return my_task._get_internal_data("event_fired", False)


class _ClockFreeDuration(DurationTimerEventDefinition):
    def has_fired(self, my_task):
        return my_task._get_internal_data("event_fired", False)


class _ClockFreeCycle(CycleTimerEventDefinition):
    """One occurrence per `fire_timers` call; done when the cycles are used up."""

    def cycle_complete(self, my_task):
        value = my_task._get_internal_data("event_value")
        if value is None or not my_task._get_internal_data("cycle_due", False):
            return False
        my_task._set_internal_data(cycle_due=False)
        if value["cycles"] == 0:
            return False
        value = dict(value, cycles=value["cycles"] - 1,
                     next=(datetime.fromisoformat(value["next"])
                           + timedelta(seconds=value["duration"])).isoformat())
        if value["cycles"] == 0:
            my_task.internal_data.pop("event_value", None)
            my_task._set_internal_data(event_fired=True)
        else:
            my_task._set_internal_data(event_value=value)
        return True


_CLOCK_FREE = {TimeDateEventDefinition: _ClockFreeTimeDate,
               DurationTimerEventDefinition: _ClockFreeDuration,
               CycleTimerEventDefinition: _ClockFreeCycle}
_KIND = {_ClockFreeTimeDate: "date", _ClockFreeDuration: "duration", _ClockFreeCycle: "cycle"}


def _make_clock_free(event_definition) -> None:
    replacement = _CLOCK_FREE.get(type(event_definition))
    if replacement is not None:
        event_definition.__class__ = replacement  # same state, clock-free behaviour
    elif isinstance(event_definition, MultipleEventDefinition):
        for inner in event_definition.event_definitions:
            _make_clock_free(inner)


def _clock_free_specs(wf: BpmnWorkflow) -> None:
    """Swap SpiffWorkflow's timer definitions for ours, in place (idempotent and cheap)."""
    for spec in (wf.spec, *wf.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            event_definition = getattr(task_spec, "event_definition", None)
            if event_definition is not None:
                _make_clock_free(event_definition)


@lru_cache(maxsize=1)
def workflow_serializer() -> BpmnWorkflowSerializer:
    """SpiffWorkflow's serializer with the clock-free timer definitions (same JSON)."""
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    for stock, ours in _CLOCK_FREE.items():  # same JSON as SpiffWorkflow's own classes
        TimerConditionalEventDefinitionConverter(ours, registry, typename=stock.__name__)
    return BpmnWorkflowSerializer(registry)


_serializer = workflow_serializer  # the name bpmn.migrate imports


@lru_cache(maxsize=1)
def _codec() -> StateCodec:
    return StateCodec(workflow_serializer())


def load_workflow(diagram: Diagram, state: str) -> BpmnWorkflow:
    """The SpiffWorkflow workflow of a state written for `diagram` (see bpmn.state)."""
    return _codec().load(state, diagram.spec, diagram.subprocess_specs)


def dump_workflow(workflow: BpmnWorkflow) -> str:
    return _codec().dump(workflow)


class Run:
    """One running instance of a diagram.

    `now` is the moment the caller acts at; durations and cycles are armed from it. Without
    it, only date timers can be armed (a duration timer then fails clearly).
    """

    def __init__(self, diagram: Diagram, workflow: BpmnWorkflow, now: datetime | None = None):
        if now is not None and now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.diagram = diagram
        self._wf = workflow
        self._now = now
        self._ready: list | None = None  # the open SpiffWorkflow tasks, until the run moves
        self._completed: bool | None = None  # likewise
        _clock_free_specs(workflow)

    @classmethod
    def start(cls, diagram: Diagram, data: dict | None = None,
              helpers: dict[str, Callable] | None = None, now: datetime | None = None) -> "Run":
        wf = BpmnWorkflow(diagram.spec, diagram.subprocess_specs,
                          script_engine=script_engine(helpers))
        if data:
            wf.get_tasks(state=TaskState.READY)[0].data.update(data)
        run = cls(diagram, wf, now)
        run._engine_steps()
        return run

    @classmethod
    def restore(cls, diagram: Diagram, state: str,
                helpers: dict[str, Callable] | None = None, now: datetime | None = None) -> "Run":
        wf = load_workflow(diagram, state)
        wf.script_engine = script_engine(helpers)
        return cls(diagram, wf, now)

    def serialize(self) -> str:
        return dump_workflow(self._wf)

    @property
    def is_completed(self) -> bool:
        if self._completed is None:
            self._completed = self._wf.is_completed()
        return self._completed

    def open_tasks(self) -> list[OpenTask]:
        return [OpenTask(task_id, step, dict(t.data)) for task_id, step, t in self._open()]

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        task = next((t for open_id, _, t in self._open() if open_id == task_id), None)
        if task is None:
            raise WorkflowError(f"task {task_id} is not open")
        self._moved()
        task.data.update(data)
        self._guard(task.run)
        self._engine_steps()

    def fire_timers(self, task_ids: list[str]) -> list[OpenTask]:
        """Fire these waiting timers, in order of fire time, and run on; the tasks it opened.

        A timer cancelled by an earlier one of the list (an interrupting boundary event ends
        its siblings) is skipped. Timers that appear on the way are armed, not fired.
        """
        waiting = {t.task_id: t for t in self.timers()}
        unknown = [i for i in task_ids if i not in waiting]
        if unknown:
            raise WorkflowError(f"timer task {', '.join(unknown)} is not waiting")
        before = {t.task_id for t in self.open_tasks()}
        for timer in sorted((waiting[i] for i in dict.fromkeys(task_ids)),
                            key=lambda t: t.fire_at):
            task = self._waiting_timer_task(timer.task_id)
            if task is None:
                continue
            if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
                task._set_internal_data(cycle_due=True)
            else:
                task._set_internal_data(event_fired=True)
            update = partial(task.task_spec._update, task)
            self._moved()
            self._guard(update)
            if task.state == TaskState.WAITING and task._get_internal_data("event_fired"):
                self._guard(update)  # a cycle's last occurrence
            self._engine_steps()
        return [t for t in self.open_tasks() if t.task_id not in before]

    def timers(self) -> list[WaitingTimer]:
        found = []
        for task in self._timer_tasks():
            fire_at = _fire_time(task.task_spec.event_definition.details(task).value)
            if fire_at is not None:
                found.append(self._describe(task, fire_at))
        return sorted(found, key=lambda t: (t.fire_at, t.task_id))

    def completed_step_ids(self) -> list[str]:
        return [t.task_spec.bpmn_id for t in self._wf.get_tasks(state=TaskState.COMPLETED)
                if getattr(t.task_spec, "bpmn_id", None)]

    @property
    def data(self) -> dict:
        """The process data: the end data once finished, else the newest open task's data."""
        if self.is_completed:
            return dict(self._wf.data)
        ready = self._wf.get_tasks(state=TaskState.READY | TaskState.WAITING)
        return dict(ready[-1].data) if ready else dict(self._wf.data)

    # --- internals -------------------------------------------------------------------------

    def _open(self) -> list[tuple[str, Step, Any]]:
        """(task id, step, SpiffWorkflow task) of the open user tasks; the tree is walked
        once per state of the run, not at each of the engine's several questions."""
        if self._ready is None:
            self._ready = [(str(t.id), self.diagram.step(t.task_spec.bpmn_id), t)
                           for t in self._wf.get_tasks(state=TaskState.READY, manual=True)]
        return self._ready

    def _engine_steps(self) -> None:
        # do_engine_steps ends with SpiffWorkflow's refresh_timers; with the clock-free
        # definitions that only re-reads the `event_fired` flags, so it fires nothing.
        self._moved()
        try:
            self._guard(self._wf.do_engine_steps)
            self._guard(self._arm_timers)
        finally:
            self._moved()

    def _moved(self) -> None:
        self._ready = self._completed = None

    def _timer_tasks(self) -> list:
        return [t for t in self._wf.event_manager.tasks.values()
                if isinstance(t.task_spec.event_definition, TimerEventDefinition)]

    def _waiting_timer_task(self, task_id: str):
        return next((t for t in self._timer_tasks() if str(t.id) == task_id
                     and t.state == TaskState.WAITING), None)

    def _arm_timers(self) -> None:
        for task in self._timer_tasks():
            if task._get_internal_data("event_value") is None and \
                    not task._get_internal_data("event_fired", False):
                definition = task.task_spec.event_definition
                value = self._wf.script_engine.evaluate(task, definition.expression)
                task._set_internal_data(event_value=self._armed_value(task, definition, value))

    def _armed_value(self, task, definition, value: Any) -> Any:
        element = task.task_spec.bpmn_id
        if not isinstance(value, str):
            raise WorkflowError(f"timer {element}: the expression gave {value!r}, "
                                "not an ISO 8601 string")
        try:
            if isinstance(definition, CycleTimerEventDefinition):
                cycles, start, duration = _parse_cycle(value, self._needs_now(element))
                return {"cycles": cycles, "next": start.isoformat(),
                        "duration": duration.total_seconds()}
            if isinstance(definition, DurationTimerEventDefinition):
                now = self._needs_now(element)
                parsed = TimerEventDefinition.parse_iso_duration(value)
                delta = TimerEventDefinition.get_timedelta_from_start(parsed, now)
                return (now + delta).isoformat()
            _instant(value)
            return value
        except WorkflowError:
            raise
        except Exception:  # SpiffWorkflow's parsers raise bare Exception / ValueError
            raise WorkflowError(f"timer {element}: {value!r} is not a valid ISO 8601 "
                                "date-time, duration or cycle") from None

    def _needs_now(self, element: str) -> datetime:
        if self._now is None:
            raise WorkflowError(f"timer {element} counts from now: pass now= to the run")
        return self._now

    def _describe(self, task, fire_at: datetime) -> WaitingTimer:
        spec = task.task_spec
        props = (getattr(spec, "extensions", None) or {}).get("properties", {})
        boundary = isinstance(spec, BoundaryEvent)
        attached = None
        if boundary and task.parent is not None:
            attached = next((str(c.id) for c in task.parent.children
                             if not isinstance(c.task_spec, BoundaryEvent)), None)
        return WaitingTimer(str(task.id), spec.bpmn_id, fire_at,
                            kind=_KIND.get(type(spec.event_definition), "date"),
                            effect=props.get("effect") or None,
                            interrupting=boundary and bool(spec.cancel_activity),
                            attached_to=attached)

    @staticmethod
    def _guard(fn: Callable[[], Any]) -> None:
        try:
            fn()
        except ScriptRefused:
            raise
        except WorkflowException as exc:
            raise WorkflowError(str(exc)) from None


def _instant(text: str) -> datetime:
    """An ISO date-time; without a zone it is office time (Asia/Ho_Chi_Minh)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=LOCAL_TZ)


def _parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """`R[n]/start/duration`, `R[n]/duration/end` or `R[n]/duration` (first one from now)."""
    parts = expression.upper().replace("--", "/").strip("R").split("/")
    cycles = int(parts[0]) if parts[0] else -1

    def part(text: str):
        return (TimerEventDefinition.parse_iso_duration(text) if text.startswith("P")
                else _instant(text))
    first = part(parts[1])
    second = part(parts[2]) if len(parts) == 3 else None
    if isinstance(first, datetime) and isinstance(second, dict):
        return cycles, first, TimerEventDefinition.get_timedelta_from_start(second, first)
    if isinstance(first, dict) and isinstance(second, datetime):
        duration = TimerEventDefinition.get_timedelta_from_end(first, second)
        return cycles, second - duration, duration
    if isinstance(first, dict) and second is None:
        duration = TimerEventDefinition.get_timedelta_from_start(first, now)
        return cycles, now + duration, duration
    raise ValueError("invalid recurring interval")


def _fire_time(value: Any) -> datetime | None:
    if isinstance(value, dict):  # a cycle: {'cycles', 'next', 'duration'}
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return _instant(value)
    except ValueError:
        return None
