"""pm4py reads what the exports write: a few dozen dossiers taken through the real services
along varied paths (supplement, refusal, send-back, late with timers and an apology), the XES
of the period read, a model discovered from it with the inductive miner, the log replayed on
that model; the OCEL read with its objects and events counted."""
from __future__ import annotations

import json
from datetime import date

import pytest

from engine.services.eventlog import xes_log
from engine.services.ocel import ocel_log
from engine.services.procedures import diagram_for, procedure_by_code, published_version

from .mining_paths import local, varied

pm4py = pytest.importorskip("pm4py")
PERIOD = (date(2026, 3, 1), date(2026, 5, 31))


@pytest.fixture
def exported(library, tmp_path):
    codes = varied(library, 30, local(2026, 3, 2, 9))
    with library() as session:
        xes = tmp_path / "log.xes"
        xes.write_bytes(xes_log(session, *PERIOD))
        ocel = tmp_path / "log.jsonocel"
        ocel.write_text(json.dumps(ocel_log(session, *PERIOD), ensure_ascii=False),
                        encoding="utf-8")
        steps = diagram_for(published_version(session, procedure_by_code(session, "BQL.DT.01"))
                            ).steps
    return codes, xes, ocel, steps


def test_a_model_discovered_from_the_xes_holds_the_steps_and_replays_the_log(exported):
    codes, xes, _, steps = exported
    frame = pm4py.read_xes(str(xes))
    assert frame["case:concept:name"].nunique() == sum(len(v) for v in codes.values()) == 31
    assert set(frame["case:procedure"]) == {"BQL.DT.01"}
    completed = frame[frame["lifecycle:transition"] == "complete"]
    net, initial, final = pm4py.discover_petri_net_inductive(completed)
    labels = {t.label for t in net.transitions if t.label}
    done = {steps[s].name for s in ("receive", "handover", "review", "supplement", "check",
                                    "approve", "return_result", "expedite")}
    assert done <= labels
    assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in labels
    fitness = pm4py.fitness_token_based_replay(completed, net, initial, final)
    assert fitness["log_fitness"] >= 0.95, fitness
    assert fitness["perc_fit_traces"] >= 90, fitness
    tree = pm4py.discover_process_tree_inductive(completed)
    assert done <= {str(node.label) for node in _leaves(tree)}


def _leaves(tree):
    if not tree.children:
        yield tree
    for child in tree.children:
        yield from _leaves(child)


def test_pm4py_reads_the_ocel_with_its_objects_and_events(exported):
    codes, _, path, _ = exported
    document = json.loads(path.read_text(encoding="utf-8"))
    ocel = pm4py.read_ocel2_json(str(path))
    assert len(ocel.events) == len(document["events"]) > 31 * 5
    assert len(ocel.objects) == len(document["objects"])
    types = ocel.objects["ocel:type"].value_counts().to_dict()
    assert types["dossier"] == 31
    assert types["apology slip"] == len(codes["late"]) == 6
    assert types["procedure version"] == 1 and types["department"] == 2
    assert set(ocel.events["ocel:activity"]) >= {"receive dossier", "complete step",
                                                 "timer fired", "stop the clock", "rate"}
