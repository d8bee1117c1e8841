"""The shipped procedure library: every diagram is valid, drawn, staffed by roles, fits its legal
deadline, and runs on each of its paths in memory and through serialize -> JSON -> restore."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from lxml import etree

from bpmn import vocabulary
from bpmn.catalog import FIELDS, LIBRARY, read_catalog, read_diagram
from bpmn.checks import PATH_BUDGET
from bpmn.diagram import load_diagram
from bpmn.problems import DiagramInvalid
from bpmn.runtime import Run
from engine.calendar import BusinessCalendar
from engine.diagram_helpers import diagram_helpers
from engine.services.procedures import deadline_working_days
from tests.conftest import T0

from .helpers import line_of
from .library_scenarios import CONSULTATION_TIMERS, SCENARIOS, Path

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
CATALOG = read_catalog()
ENTRIES = {e["code"]: e for e in CATALOG["procedures"]}
FILES = sorted(p.name for p in LIBRARY.glob("*.bpmn"))
# Shapes this library ships with, and their allotments along the longest path (shapes.py).
TOTALS = {"short_path.bpmn": 3, "two_level.bpmn": 6, "fast_path.bpmn": 6,
          "consultation.bpmn": Decimal("16.5"), "inspection_consultation.bpmn": 14,
          "inspection.bpmn": 11, "work_permit.bpmn": 9, "optional_consultation.bpmn": 24}


def xml_of(file: str) -> str:
    return read_diagram(LIBRARY, file)


def tree(file: str) -> etree._Element:
    return etree.fromstring(xml_of(file).encode())


# --- the catalog ------------------------------------------------------------------------------

def test_at_least_15_procedures_in_all_five_fields_with_the_first_five_kept():
    assert len(ENTRIES) == len(CATALOG["procedures"]) >= 15
    assert {e["field"] for e in ENTRIES.values()} == set(FIELDS)
    assert {code: ENTRIES[code]["department"] for code in
            ("BQL.DT.01", "BQL.TM.01", "BQL.LD.03", "BQL.XD.01", "BQL.MT.01")} == {
        "BQL.DT.01": "dau_tu", "BQL.TM.01": "thuong_mai", "BQL.LD.03": "lao_dong",
        "BQL.XD.01": "xay_dung", "BQL.MT.01": "tai_nguyen_moi_truong"}


def test_every_diagram_file_is_used_and_has_scenarios():
    used = {e["bpmn"] for e in ENTRIES.values()}
    assert used == set(FILES) == set(SCENARIOS)
    assert len(used) >= 7, "diagrams should differ where procedures differ"


@pytest.mark.parametrize("code", sorted(ENTRIES))
def test_entry_has_the_legal_facts(code):
    entry = ENTRIES[code]
    assert entry["name"] and entry["name_en"] and entry["result_document"] and entry["fee"]
    assert entry["day_kind"] in ("working", "calendar") and entry["legal_days"] >= 1
    assert entry["legal_basis"]
    assert entry["documents"] and all(d["form"] in ("original", "copy") and d["count"] >= 1
                                      for d in entry["documents"])


# --- the diagrams -----------------------------------------------------------------------------

@pytest.mark.parametrize("file", FILES)
def test_diagram_loads_without_problems(file):
    diagram = load_diagram(xml_of(file), file)
    assert diagram.warnings == []


@pytest.mark.parametrize("file", FILES)
def test_every_lane_maps_to_a_role_and_every_user_task_is_in_one(file):
    root = tree(file)
    lanes = root.findall(".//bpmn:lane", NS)
    assert lanes and all(vocabulary.role_for_lane(lane.get("name")) in vocabulary.LANE_ROLES
                         for lane in lanes)
    in_lanes = {ref.text for ref in root.iterfind(".//bpmn:flowNodeRef", NS)}
    tasks = [t.get("id") for t in root.iterfind(".//bpmn:userTask", NS)]
    assert set(tasks) <= in_lanes
    steps = load_diagram(xml_of(file), file).steps
    assert all(steps[t].role in vocabulary.LANE_ROLES for t in tasks)


@pytest.mark.parametrize("file", FILES)
def test_user_tasks_carry_allotment_english_name_and_outcomes(file):
    for task in tree(file).iterfind(".//bpmn:userTask", NS):
        props = {p.get("name"): p.get("value")
                 for p in task.iterfind(".//spiffworkflow:property", NS)}
        assert props.get("allotment") and props.get("name_en"), task.get("id")
        # the receive service completes the receipt itself (outcome "done")
        assert props.get("outcomes") or props.get("action") == "receive", task.get("id")


@pytest.mark.parametrize("file", FILES)
def test_counter_actions_and_a_deciding_review(file):
    steps = load_diagram(xml_of(file), file).steps.values()
    actions = [s.action for s in steps if s.action]
    assert actions.count("receive") == 1 and "supplement" in actions and "return" in actions
    assert any(s.decides and {"approve", "refuse"} <= set(s.outcomes) for s in steps)


@pytest.mark.parametrize("file", FILES)
def test_diagram_is_drawn_in_a_pool_of_horizontal_lanes(file):
    root = tree(file)
    drawn = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    elements = [el.get("id") for el in root.find(".//bpmn:process", NS)
                if el.get("id") and not el.tag.endswith(("sequenceFlow", "laneSet",
                                                         "documentation"))]
    lanes = [lane.get("id") for lane in root.iterfind(".//bpmn:lane", NS)]
    participant = root.find(".//bpmn:participant", NS).get("id")
    assert set(elements) | set(lanes) | {participant} <= set(drawn)
    for lane in lanes + [participant]:
        assert drawn[lane].get("isHorizontal") == "true"
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    flows = [f.get("id") for f in root.iterfind(".//bpmn:sequenceFlow", NS)]
    assert set(flows) <= set(edges)
    assert all(len(edges[f].findall("{*}waypoint")) >= 2 for f in flows)
    # the flow runs left to right: each element's box starts right of the start event's
    x = {k: float(v.find("dc:Bounds", NS).get("x")) for k, v in drawn.items()}
    start = root.find(".//bpmn:startEvent", NS).get("id")
    assert all(x[e] >= x[start] for e in elements)


# --- allotments and the legal deadline --------------------------------------------------------

@pytest.mark.parametrize("code", sorted(ENTRIES))
def test_allotments_fit_the_legal_deadline(code):
    entry = ENTRIES[code]
    limit = deadline_working_days(entry["legal_days"], entry["day_kind"] == "calendar")
    diagram = load_diagram(xml_of(entry["bpmn"]), entry["bpmn"], max_working_days=limit)
    assert diagram.total_allotment <= limit
    if entry["bpmn"] in TOTALS:
        assert diagram.total_allotment == TOTALS[entry["bpmn"]]


def test_a_diagram_over_its_deadline_is_refused_on_the_process_element():
    xml = xml_of("short_path.bpmn").replace(
        '<spiffworkflow:property name="allotment" value="1" />\n        </spiffworkflow:properties>'
        '\n      </bpmn:extensionElements>\n      <bpmn:incoming>f_handover_review',
        '<spiffworkflow:property name="allotment" value="7.5" />\n        '
        '</spiffworkflow:properties>\n      </bpmn:extensionElements>\n      '
        '<bpmn:incoming>f_handover_review', 1)
    assert load_diagram(xml, "short_path.bpmn").total_allotment == Decimal("9.5")
    with pytest.raises(DiagramInvalid) as refused:
        load_diagram(xml, "short_path.bpmn", max_working_days=9)
    [problem] = refused.value.problems
    assert problem.message == (
        "allotments along the longest path add up to 9.5 working days; the legal deadline is "
        "9 working days (handover 0.5, review 7.5, approve 1, return_result 0.5)")
    assert (problem.element_id, problem.file) == ("short_path", "short_path.bpmn")
    assert problem.line == line_of(xml, '<bpmn:process id="short_path"')
    assert load_diagram(xml, "short_path.bpmn", max_working_days=Decimal("9.5"))


def _with_allotment(file: str, step: str, value: str) -> str:
    root = tree(file)
    task = root.find(f".//bpmn:userTask[@id='{step}']", NS)
    task.find(".//spiffworkflow:property[@name='allotment']", NS).set("value", value)
    return etree.tostring(root, encoding="unicode")


def test_loops_and_supplement_waits_count_once_or_not_at_all():
    base = load_diagram(xml_of("two_level.bpmn"), "two_level.bpmn")
    assert base.longest_path == ("receive", "handover", "review", "check", "approve",
                                 "return_result")
    waited = load_diagram(_with_allotment("two_level.bpmn", "supplement", "30"), "t.bpmn")
    assert waited.total_allotment == base.total_allotment == 6


def test_a_parallel_split_counts_its_longest_branch():
    base = load_diagram(xml_of("consultation.bpmn"), "consultation.bpmn")
    assert "consult" in base.longest_path and "review" not in base.longest_path
    shorter = load_diagram(_with_allotment("consultation.bpmn", "consult", "1"), "c.bpmn")
    assert shorter.total_allotment == Decimal("9.5")  # 0.5 + review 3 + 2 + 1.5 + 2 + 0.5
    assert "review" in shorter.longest_path and "consult" not in shorter.longest_path


def test_of_two_alternatives_the_longer_counts():
    fast = load_diagram(_with_allotment("fast_path.bpmn", "review_fast", "10"), "f.bpmn")
    assert fast.total_allotment == 12  # 0.5 + 10 + 1 + 0.5
    assert fast.longest_path == ("receive", "handover", "review_fast", "approve",
                                 "return_result")


def _many_paths(diamonds: int) -> str:
    """A chain of `diamonds` two-way decisions: 2**diamonds paths from start to end."""
    task = ('<bpmn:userTask id="{id}" name="{id}"><bpmn:extensionElements>'
            '<spiffworkflow:properties><spiffworkflow:property name="name_en" value="x"/>'
            '<spiffworkflow:property name="allotment" value="0.5"/></spiffworkflow:properties>'
            '</bpmn:extensionElements></bpmn:userTask>')
    nodes, flows, refs, previous = [], [], [], "start"
    for i in range(diamonds):
        nodes += [f'<bpmn:exclusiveGateway id="gw{i}" default="d{i}"/>',
                  task.format(id=f"a{i}"), task.format(id=f"b{i}"),
                  f'<bpmn:exclusiveGateway id="m{i}"/>']
        refs += [f"a{i}", f"b{i}"]
        flows += [f'<bpmn:sequenceFlow id="in{i}" sourceRef="{previous}" targetRef="gw{i}"/>',
                  f'<bpmn:sequenceFlow id="c{i}" sourceRef="gw{i}" targetRef="a{i}">'
                  '<bpmn:conditionExpression>outcome == "a"</bpmn:conditionExpression>'
                  '</bpmn:sequenceFlow>',
                  f'<bpmn:sequenceFlow id="d{i}" sourceRef="gw{i}" targetRef="b{i}"/>',
                  f'<bpmn:sequenceFlow id="ax{i}" sourceRef="a{i}" targetRef="m{i}"/>',
                  f'<bpmn:sequenceFlow id="bx{i}" sourceRef="b{i}" targetRef="m{i}"/>']
        previous = f"m{i}"
    flows.append(f'<bpmn:sequenceFlow id="out" sourceRef="{previous}" targetRef="end"/>')
    lane = "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in refs)
    return ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" '
            'targetNamespace="t"><bpmn:process id="many" isExecutable="true">'
            f'<bpmn:laneSet id="ls"><bpmn:lane id="l" name="Chuyên viên">{lane}</bpmn:lane>'
            '</bpmn:laneSet><bpmn:startEvent id="start"/>' + "".join(nodes)
            + '<bpmn:endEvent id="end"/>' + "".join(flows) + "</bpmn:process></bpmn:definitions>")


def test_a_diagram_with_too_many_paths_to_add_up_is_refused_only_against_a_deadline():
    assert 2 ** 10 < PATH_BUDGET < 2 ** 16
    assert load_diagram(_many_paths(10), "ten.bpmn").total_allotment == 5
    many = _many_paths(16)
    assert load_diagram(many, "many.bpmn").total_allotment is None
    with pytest.raises(DiagramInvalid, match=f"more than {PATH_BUDGET} paths") as refused:
        load_diagram(many, "many.bpmn", max_working_days=30)
    assert refused.value.problems[0].element_id == "many"


# --- running each diagram, in memory and through JSON -----------------------------------------

CALENDAR = BusinessCalendar()
HELPERS = diagram_helpers(CALENDAR, T0)
RUNS = [(file, name) for file in FILES for name in SCENARIOS[file]]


def boundary_timers(file: str) -> dict[str, str]:
    """Timer boundary events of a diagram and the task each sits on."""
    return {e.get("id"): e.get("attachedToRef")
            for e in tree(file).iterfind(".//bpmn:boundaryEvent", NS)
            if e.find("bpmn:timerEventDefinition", NS) is not None}


def start(file: str) -> Run:
    diagram = load_diagram(xml_of(file), file)
    run = Run.start(diagram, {"dossier_code": "X-1", "due_date": "2026-03-25"}, HELPERS,
                    now=T0)
    [receive] = run.open_tasks()
    assert receive.step.action == "receive"
    run.complete(receive.task_id, {"outcome": "done"})
    return run


def complete(run: Run, step: str, outcome: str) -> None:
    matching = [t for t in run.open_tasks() if t.step.id == step]
    assert len(matching) == 1, f"{step} is not open: {[t.step.id for t in run.open_tasks()]}"
    task = matching[0]
    assert outcome in task.step.outcomes
    payload = {"outcome": outcome, f"{step}_outcome": outcome}
    if task.step.decides and outcome in ("approve", "refuse"):
        payload["decision"] = outcome
    run.complete(task.task_id, payload)


def play(file: str, path: Path, round_trip: bool) -> Run:
    run, timers = start(file), boundary_timers(file)
    for step, outcome in path.steps:
        if round_trip:
            state = run.serialize()
            json.loads(state)
            run = Run.restore(run.diagram, state, HELPERS, now=T0)
        open_steps = {t.step.id for t in run.open_tasks()}
        listed = {t.element_id for t in run.timers()}
        assert {t for t, host in timers.items() if host in open_steps} <= listed
        complete(run, step, outcome)
    return run


@pytest.mark.parametrize("round_trip", [False, True], ids=["in-memory", "round-trip"])
@pytest.mark.parametrize("file,name", RUNS, ids=[f"{f[:-5]}-{n}" for f, n in RUNS])
def test_each_path_runs_to_the_end(file, name, round_trip):
    path = SCENARIOS[file][name]
    run = play(file, path, round_trip)
    assert run.is_completed and run.open_tasks() == [] and run.timers() == []
    assert run.data["decision"] == path.decision
    assert {"return_result", "end"} <= set(run.completed_step_ids())


def test_work_permit_refusal_path_fits_three_working_days():
    diagram = load_diagram(xml_of("work_permit.bpmn"), "work_permit.bpmn")
    refusal = SCENARIOS["work_permit.bpmn"]["refusal"]
    assert sum(diagram.step(s).allotment for s, _ in refusal.steps) == 3


@pytest.mark.parametrize("file", sorted(CONSULTATION_TIMERS))
def test_the_consultation_timer_is_armed_for_its_working_days(file):
    run = start(file)
    complete(run, "handover", "handed_over")
    if file == "optional_consultation.bpmn":
        complete(run, "review", "consult")
    [timer] = [t for t in run.timers() if t.element_id == "consult_timeout"]
    expected = datetime.fromisoformat(HELPERS["working_days"](CONSULTATION_TIMERS[file]))
    assert timer.fire_at == expected and timer.interrupting
    complete(run, "consult", "opinions_received")
    assert [t for t in run.timers() if t.element_id == "consult_timeout"] == []


@pytest.mark.parametrize("round_trip", [False, True], ids=["in-memory", "round-trip"])
@pytest.mark.parametrize("file", ["consultation.bpmn", "inspection_consultation.bpmn"])
def test_without_an_answer_in_time_the_consultation_closes(file, round_trip):
    run = start(file)
    complete(run, "handover", "handed_over")
    [timer] = [t for t in run.timers() if t.element_id == "consult_timeout"]
    if round_trip:
        run = Run.restore(run.diagram, run.serialize(), HELPERS, now=timer.fire_at)
    run.fire_timers([timer.task_id])
    assert "consult" not in {t.step.id for t in run.open_tasks()}
    steps = "review:reviewed inspect:inspected" if "inspection" in file else "review:reviewed"
    for step, outcome in Path.of(f"{steps} report:approve check:agree approve:sign "
                                 "return_result:returned").steps:
        complete(run, step, outcome)
    assert run.is_completed and run.data["decision"] == "approve"
