"""Every diagram written elsewhere (SpiffWorkflow's and Camunda's test models) goes through the
same loading path as an upload: each is accepted or refused with located problems, none crashes."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bpmn.diagram import load_diagram
from bpmn.problems import DiagramInvalid

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
SUFFIXES = (".bpmn", ".bpmn20.xml")


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPORA.rglob("*") if p.name.endswith(SUFFIXES))


@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared/corpora is not beside the checkout")
def test_no_corpus_diagram_crashes_the_loader():
    files = corpus_files()
    assert len(files) > 200
    outcome = Counter()
    for path in files:
        name = str(path.relative_to(CORPORA))
        try:
            load_diagram(path.read_bytes(), file=name)
            outcome["accepted"] += 1
        except DiagramInvalid as exc:
            outcome["refused"] += 1
            assert exc.problems, name
            assert all(p.message and p.file for p in exc.problems), name
            assert not any("could not be read" in p.message for p in exc.problems), (
                name, exc.problems[0].message)
    print(f"\ncorpus: {len(files)} files, {dict(outcome)}")
    assert sum(outcome.values()) == len(files)
