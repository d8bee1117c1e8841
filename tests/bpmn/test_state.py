"""The workflow state's JSON (bpmn/state.py): SpiffWorkflow's format, the spec's part made once.

A state written here is a complete SpiffWorkflow serialization; read back for its own
diagram it runs on the diagram's spec objects (not rebuilt); a state written the stock way,
or for another diagram, is still read whole and runs on its own spec.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bpmn.catalog import LIBRARY
from bpmn.diagram import load_diagram
from bpmn.runtime import Run, load_workflow, workflow_serializer

from .test_runtime import HAPPY, T0, helpers

ROOT = Path(__file__).resolve().parents[2]
START = {"dossier_code": "X-1", "due_date": "2026-03-19"}


def library(name: str):
    return load_diagram((LIBRARY / name).read_bytes(), name)


def standard():
    return library("standard.bpmn")


def walked(diagram, outcomes) -> Run:
    run = Run.start(diagram, dict(START), helpers(T0), now=T0)
    for outcome in outcomes:
        run.complete(run.open_tasks()[0].task_id, {"outcome": outcome})
    return run


def open_steps(run: Run) -> list[str]:
    return [t.step.id for t in run.open_tasks()]


def test_a_state_is_a_whole_spiffworkflow_serialization():
    run = walked(standard(), HAPPY[:3])
    state = run.serialize()
    stock = workflow_serializer().deserialize_json(state)  # SpiffWorkflow reads it alone
    assert json.loads(state)["spec"]["name"] == run.diagram.spec.name
    assert {str(t.id) for t in stock.get_tasks()} == {str(t.id) for t in run._wf.get_tasks()}
    assert workflow_serializer().serialize_json(stock) != state  # ours puts the spec first
    assert Run.restore(run.diagram, workflow_serializer().serialize_json(stock),
                       helpers(T0), now=T0).serialize() == state


def test_a_state_for_its_diagram_runs_on_the_diagrams_spec_objects():
    diagram = standard()
    state = walked(diagram, HAPPY[:2]).serialize()
    restored = Run.restore(diagram, state, helpers(T0), now=T0)
    assert restored._wf.spec is diagram.spec  # not rebuilt from the text
    again = walked(diagram, HAPPY[:2])
    assert open_steps(restored) == open_steps(again)
    task = restored.open_tasks()[0]
    restored.complete(task.task_id, {"outcome": HAPPY[2]})
    again.complete(again.open_tasks()[0].task_id, {"outcome": HAPPY[2]})
    assert open_steps(restored) == open_steps(again)
    assert restored.serialize() == Run.restore(diagram, restored.serialize()).serialize()


def test_a_stock_state_is_read_whole_and_written_back_in_the_shared_form():
    diagram = standard()
    run = walked(diagram, HAPPY[:2])
    stock_text = workflow_serializer().serialize_json(run._wf)
    restored = Run.restore(diagram, stock_text, helpers(T0), now=T0)
    assert restored._wf.spec is not diagram.spec  # the state's own spec, rebuilt
    assert open_steps(restored) == open_steps(run)
    assert Run.restore(diagram, restored.serialize())._wf.spec is diagram.spec


def test_a_state_written_for_another_diagram_keeps_its_own_spec():
    diagram, other = standard(), library("short_path.bpmn")
    state = walked(diagram, HAPPY[:2]).serialize()
    wf = load_workflow(other, state)  # a caller's mistake: read whole, not on `other`
    assert wf.spec is not other.spec and wf.spec is not diagram.spec
    assert set(wf.spec.task_specs) == set(diagram.spec.task_specs) != set(other.spec.task_specs)


def test_the_spec_text_is_the_same_in_every_process():
    """Gunicorn's workers each make the text; a state written by one is read fast by the
    other only if they agree (no set or hash order in it)."""
    script = ("import hashlib; from bpmn.catalog import LIBRARY; from bpmn.diagram import "
              "load_diagram; from bpmn.runtime import _codec\n"
              "for f in sorted(LIBRARY.glob('*.bpmn')):\n"
              "    d = load_diagram(f.read_bytes(), f.name)\n"
              "    print(f.name, hashlib.sha256(_codec()._prefix(d.spec, d.subprocess_specs)"
              ".encode()).hexdigest())\n")
    outputs = {subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                              capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(outputs) == 1 and outputs.pop().count(".bpmn") >= 5
