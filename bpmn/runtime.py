"""A small facade over a running SpiffWorkflow workflow: start, open tasks, complete, timers, JSON.

The engine layer never touches SpiffWorkflow objects; it sees `OpenTask`, `WaitingTimer` and
plain dicts, and stores the workflow as the JSON text `serialize()` returns.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState

from .diagram import Diagram, Step
from .problems import ScriptRefused, WorkflowError
from .sandbox import script_engine


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


@lru_cache(maxsize=1)
def _serializer() -> BpmnWorkflowSerializer:
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


class Run:
    """One running instance of a diagram."""

    def __init__(self, diagram: Diagram, workflow: BpmnWorkflow):
        self.diagram = diagram
        self._wf = workflow

    @classmethod
    def start(cls, diagram: Diagram, data: dict | None = None,
              helpers: dict[str, Callable] | None = None) -> "Run":
        wf = BpmnWorkflow(diagram.spec, diagram.subprocess_specs,
                          script_engine=script_engine(helpers))
        if data:
            wf.get_tasks(state=TaskState.READY)[0].data.update(data)
        run = cls(diagram, wf)
        run._engine_steps()
        return run

    @classmethod
    def restore(cls, diagram: Diagram, state: str,
                helpers: dict[str, Callable] | None = None) -> "Run":
        wf = _serializer().deserialize_json(state)
        wf.script_engine = script_engine(helpers)
        return cls(diagram, wf)

    def serialize(self) -> str:
        return _serializer().serialize_json(self._wf)

    @property
    def is_completed(self) -> bool:
        return self._wf.is_completed()

    def open_tasks(self) -> list[OpenTask]:
        return [OpenTask(str(t.id), self.diagram.step(t.task_spec.bpmn_id), dict(t.data))
                for t in self._wf.get_tasks(state=TaskState.READY, manual=True)]

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        task = next((t for t in self._wf.get_tasks(state=TaskState.READY, manual=True)
                     if str(t.id) == task_id), None)
        if task is None:
            raise WorkflowError(f"task {task_id} is not open")
        task.data.update(data)
        self._guard(task.run)
        self._engine_steps()

    def refresh_timers(self) -> None:
        """Fire every timer whose time has come (SpiffWorkflow compares with the real clock)."""
        self._guard(self._wf.refresh_timers)
        self._engine_steps()

    def timers(self) -> list[WaitingTimer]:
        found = []
        for task in self._wf.event_manager.tasks.values():
            value = task.task_spec.event_definition.details(task).value
            fire_at = _fire_time(value)
            if fire_at is not None:
                found.append(WaitingTimer(str(task.id), task.task_spec.bpmn_id, fire_at))
        return sorted(found, key=lambda t: t.fire_at)

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

    def _engine_steps(self) -> None:
        self._guard(self._wf.do_engine_steps)
        self._wf.refresh_timers()  # evaluates new timers so their fire time is known

    @staticmethod
    def _guard(fn: Callable[[], Any]) -> None:
        try:
            fn()
        except ScriptRefused:
            raise
        except WorkflowException as exc:
            raise WorkflowError(str(exc)) from None


def _fire_time(value: Any) -> datetime | None:
    if isinstance(value, dict):  # a cycle: {'cycles', 'next', 'duration'}
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
