"""Where a dossier stands on its diagram: the steps done and the steps open."""
from __future__ import annotations

from dataclasses import dataclass

from bpmn.runtime import Run

from ..models import Dossier
from .procedures import diagram_for


@dataclass(frozen=True)
class Progress:
    bpmn_xml: str
    completed: list[str]  # element ids, each once, in the order first completed
    current: list[str]  # element ids of open human tasks


def dossier_progress(dossier: Dossier) -> Progress:
    version = dossier.process_version
    run = Run.restore(diagram_for(version), dossier.workflow_state)
    completed = list(dict.fromkeys(run.completed_step_ids()))
    return Progress(version.bpmn_xml, completed, [t.step.id for t in run.open_tasks()])
