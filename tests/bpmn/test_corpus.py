"""Every diagram written elsewhere (SpiffWorkflow's and Camunda's test models) goes through the
same path as an upload (`bpmn.convert.import_diagram`): each is accepted, converted or refused
with located problems, and none crashes. The counts are printed and pinned: a change in them
is a change in what the application accepts, to be looked at."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from bpmn.convert import import_diagram
from bpmn.diagram import load_diagram
from bpmn.problems import DiagramInvalid

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
SUFFIXES = (".bpmn", ".bpmn20.xml")
# A typical legal deadline, as an upload for a procedure would be checked against.
DEADLINE = 15

# What the 270 files of shared/corpora come to. None is accepted or converted: each needs our
# own conventions (lanes that map to roles, allotments), which no foreign model has; 63 of them
# carry something the import converts (bare ISO timers, ${...} conditions), 90 conversions in
# all, which are listed with the other problems of the refused file.
EXPECTED = {"accepted": 0, "converted": 0, "refused": 270}
EXPECTED_WITH_CONVERSIONS = (63, 90)
# Problems that only our conventions raise: a file refused for these alone would run on
# SpiffWorkflow as it is (after conversion).
OUR_RULES = ("does not map to a role", "no time allotment", "has no user task for people",
             "allotments along the longest path")


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPORA.rglob("*") if p.name.endswith(SUFFIXES))


pytestmark = pytest.mark.skipif(not CORPORA.is_dir(),
                                reason="shared/corpora is not beside the checkout")


def test_every_corpus_diagram_goes_through_the_upload_path_without_a_crash():
    files = corpus_files()
    assert len(files) > 200
    outcome, reasons = Counter(), Counter()
    with_conversions = conversions = only_our_rules = 0
    for path in files:
        name = str(path.relative_to(CORPORA))
        report = import_diagram(path.read_bytes(), name, max_working_days=DEADLINE)
        outcome[report.status] += 1
        with_conversions += bool(report.conversions)
        conversions += len(report.conversions)
        for change in report.conversions:
            assert change.element_id and change.line and change.before != change.after, name
        if report.status == "refused":
            assert report.errors and report.xml is None, name
            for problem in report.errors:
                assert problem.message and problem.file == name, (name, problem)
                assert problem.element_id or problem.line, (name, str(problem))  # located
                assert "could not be read" not in problem.message, (name, str(problem))
                reasons[problem.message.split(":")[0].split("'")[0][:48]] += 1
            only_our_rules += all(any(r in p.message for r in OUR_RULES)
                                  for p in report.errors)
        else:
            assert report.diagram is not None and report.xml, name
    print(f"\ncorpus: {len(files)} files through the upload path: {dict(outcome)}; "
          f"{with_conversions} files with {conversions} conversions; {only_our_rules} refused "
          "only for our own conventions (lanes, allotments, a user task)")
    for reason, count in reasons.most_common(12):
        print(f"  {count:4} × {reason}")
    assert sum(outcome.values()) == len(files)
    assert {k: outcome[k] for k in EXPECTED} == EXPECTED
    assert (with_conversions, conversions) == EXPECTED_WITH_CONVERSIONS


def test_no_corpus_diagram_crashes_the_loader():
    """The loader alone (no conversion) refuses with located problems too."""
    for path in corpus_files():
        name = str(path.relative_to(CORPORA))
        try:
            load_diagram(path.read_bytes(), file=name)
        except DiagramInvalid as exc:
            assert exc.problems, name
            assert all(p.message and p.file for p in exc.problems), name
            assert not any("could not be read" in p.message for p in exc.problems), name


def mutated(data: bytes, rng: random.Random) -> bytes:
    """The diagram with a few attributes dropped or changed and elements removed at random."""
    root = etree.fromstring(data)
    for _ in range(rng.randint(1, 4)):
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        element = rng.choice(elements)
        roll = rng.random()
        if roll < 0.4 and element.attrib:
            del element.attrib[rng.choice(list(element.attrib))]
        elif roll < 0.7 and element.getparent() is not None:
            element.getparent().remove(element)
        elif element.attrib:
            element.set(rng.choice(list(element.attrib)),
                        rng.choice(["", "x", "PT5M", "${a.b()}", "999", "#{x}"]))
    return etree.tostring(root)


def test_mutated_corpus_diagrams_never_crash_the_import():
    """Broken variants of the corpus (ids, names, references, definitions taken away) are
    refused or accepted with located problems, never with an exception."""
    rng = random.Random(20261121)
    files = corpus_files()
    for _ in range(1000):
        path = rng.choice(files)
        report = import_diagram(mutated(path.read_bytes(), rng), path.name, max_working_days=15)
        assert report.status in ("accepted", "converted", "refused")
        assert not any("could not be read" in p.message for p in report.problems), (
            path.name, [str(p) for p in report.problems])
