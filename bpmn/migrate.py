"""Move a running workflow onto another version of its diagram, or say why it cannot move.

The rule (docs/quality-manager.md explains it to quality managers):

A workflow moves when the token can be placed on the new version exactly where it stands:
1. no sub-process instance is running (sub-processes are not carried over);
2. every step it has done or has open is in the new version (SpiffWorkflow's spec diff aligns
   the old and new elements, by id first); the new version may add, change or remove steps
   the workflow has not reached;
3. every open step keeps its id and is still a user task with the same role and action (so
   its work item, claim and due time stay right);
4. every waiting timer keeps its definition (its fire time is carried over, not re-armed).

Steps the new version adds before an open step are not done by a moved workflow: it is past
that point (`skipped_steps` lists them, so the quality manager can decide not to move it).

Moving keeps the workflow's task tree: completed tasks are re-pointed at the new version's
elements, open tasks keep their ids and their data (so work items, claims and timer rows stay
as they are) and what lies ahead is predicted again from the new version. The result is checked
by serializing it, restoring it, and comparing its open steps and timers with the old ones.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.util.task import TaskState

from .diagram import Diagram
from .runtime import Run, _clock_free_specs, _serializer, dump_workflow, load_workflow
from .sandbox import script_engine

_DEFINITE = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED | \
    TaskState.ERROR
_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class Migration:
    """The outcome of moving one workflow: the new state, or the reasons it cannot move."""
    state: str | None
    reasons: tuple[str, ...]
    open_steps: tuple[str, ...]  # ids of the open human steps (the same before and after)
    changed_steps: tuple[str, ...] = ()  # open steps whose definition changed (name, allotment)
    skipped_steps: tuple[str, ...] = ()  # new steps before an open step: the workflow skips them

    @property
    def possible(self) -> bool:
        return self.state is not None


def migrate(state: str, old: Diagram, new: Diagram,
            helpers: dict[str, Callable] | None = None) -> Migration:
    """Move the workflow `state` (JSON, running on `old`) onto `new`; never raises for a
    workflow that cannot move: `reasons` say why."""
    before = Run.restore(old, state, helpers)
    open_before = [(t.task_id, t.step.id) for t in before.open_tasks()]
    timers_before = [(t.task_id, t.element_id, t.fire_at) for t in before.timers()]
    open_steps = tuple(dict.fromkeys(step for _, step in open_before))

    def refuse(*reasons: str) -> Migration:
        return Migration(None, tuple(reasons), open_steps)

    wf = load_workflow(old, state)
    wf.script_engine = script_engine(helpers)
    if wf.subprocesses:
        return refuse("a sub-process is running; sub-processes are not moved")
    registry = _serializer().registry
    spec_diff = SpecDiff(registry, wf.spec, new.spec)
    reasons: list[str] = []
    for task in wf.get_tasks(state=_DEFINITE):
        spec = task.task_spec
        bpmn_id = getattr(spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        aligned = spec_diff.alignment.get(spec)
        done = task.state == TaskState.COMPLETED
        if aligned is None:
            reasons.append(f"{'done' if done else 'open'} step {_label(spec)} is not in the new "
                           "version")
        elif not done and aligned.name != spec.name:
            reasons.append(f"open step {_label(spec)} has another id in the new version "
                           f"({aligned.name})")
    reasons = list(dict.fromkeys(reasons))
    if reasons:
        return refuse(*reasons)

    changed = []
    for task in wf.get_tasks(state=_OPEN):
        spec, aligned = task.task_spec, spec_diff.alignment[task.task_spec]
        if getattr(spec, "manual", False):
            old_step, new_step = old.steps.get(spec.bpmn_id), new.steps.get(aligned.bpmn_id)
            if new_step is None or not getattr(aligned, "manual", False):
                reasons.append(f"open step {_label(spec)} is no longer a user task")
                continue
            if old_step and (old_step.role, old_step.action) != (new_step.role, new_step.action):
                reasons.append(f"open step {_label(spec)} changes role or action "
                               f"({old_step.role}/{old_step.action or '-'} → "
                               f"{new_step.role}/{new_step.action or '-'})")
                continue
            if old_step != new_step:
                changed.append(spec.bpmn_id)
        event_definition = getattr(spec, "event_definition", None)
        if isinstance(event_definition, TimerEventDefinition) and \
                "event_definition" in spec_diff.comparisons.get(spec, []):
            reasons.append(f"waiting timer {_label(spec)} changed; its fire time cannot be "
                           "carried over")
    reasons = list(dict.fromkeys(reasons))
    if reasons:
        return refuse(*reasons)

    open_specs = [spec_diff.alignment[t.task_spec] for t in wf.get_tasks(state=_OPEN)]
    try:
        moved = _move(wf, spec_diff, new)
        after = Run.restore(new, moved, helpers)
        open_after = [(t.task_id, t.step.id) for t in after.open_tasks()]
        timers_after = [(t.task_id, t.element_id, t.fire_at) for t in after.timers()]
    except Exception as exc:  # noqa: BLE001  (SpiffWorkflow could not rebuild the tree)
        return refuse(f"the workflow state could not be carried over ({type(exc).__name__}: "
                      f"{exc})")
    if sorted(open_after) != sorted(open_before):
        return refuse("the open steps would not be the same after the move "
                      f"({', '.join(s for _, s in open_after) or 'none'} instead of "
                      f"{', '.join(open_steps) or 'none'})")
    if sorted(timers_after) != sorted(timers_before):
        return refuse("the waiting timers would not be the same after the move")
    return Migration(moved, (), open_steps, tuple(dict.fromkeys(changed)),
                     _skipped(spec_diff, open_specs))


def _skipped(spec_diff: SpecDiff, open_specs: list) -> tuple[str, ...]:
    """New user tasks from which an open step is reached: the moved workflow has passed the
    place where they stand, so it will not do them (unless a loop brings it back there)."""
    targets = set(open_specs)
    skipped = []
    for added in spec_diff.added:
        if not getattr(added, "manual", False):
            continue
        seen, todo = set(), list(added.outputs)
        while todo:
            spec = todo.pop()
            if spec in targets:
                skipped.append(added.bpmn_id)
                break
            if spec not in seen:
                seen.add(spec)
                todo.extend(spec.outputs)
    return tuple(sorted(skipped))


def _move(wf, spec_diff: SpecDiff, new: Diagram) -> str:
    """SpiffWorkflow's migrate_workflow, keeping each open task's data and timer state."""
    kept = {task.id: (task.data, dict(task.internal_data))
            for task in wf.get_tasks(state=TaskState.READY | TaskState.WAITING)}
    wf.spec = new.spec
    wf.subprocess_specs = dict(new.subprocess_specs)
    for task in wf.tasks.values():
        aligned = spec_diff.alignment.get(task.task_spec)
        if aligned is not None:
            task.task_spec = aligned
    _clock_free_specs(wf)
    for task in list(wf.get_tasks(state=TaskState.READY | TaskState.WAITING)):
        if task.id not in wf.tasks:
            continue  # removed with an earlier branch
        data, internal = kept[task.id]
        task.reset_branch(data)
        if internal:
            task.internal_data.update(internal)
            task.task_spec._update(task)
    if wf.last_task is not None and wf.last_task.id not in wf.tasks:
        wf.last_task = None
    return dump_workflow(wf)


def _label(spec) -> str:
    name = getattr(spec, "bpmn_name", None)
    return f"{spec.bpmn_id} ({name})" if name else str(spec.bpmn_id)
