"""Diagrams from other modelers: faithful conversions, located refusals, never a crash."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bpmn.convert import import_diagram
from bpmn.diagram import sha256_of
from bpmn.juel import juel_to_python
from bpmn.runtime import Run

from .helpers import DATA, line_of, standard_xml

T0 = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)


def wrap(body: str, *, executable: str = "true", extra_ns: str = "") -> str:
    """A one-lane diagram around `body` (elements of the process)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" {extra_ns} id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="{executable}">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Chuyên viên"><bpmn:flowNodeRef>work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" name="Work">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="allotment" value="1" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
{body}
  </bpmn:process>
</bpmn:definitions>"""


def test_our_own_diagram_is_accepted_byte_for_byte():
    xml = standard_xml()
    report = import_diagram(xml, "standard.bpmn", max_working_days=11)
    assert report.status == "accepted" and report.conversions == [] and report.errors == []
    assert report.xml == xml and sha256_of(report.xml) == sha256_of(xml)


def test_a_camunda_modeler_diagram_is_converted_faithfully_and_runs():
    path = DATA / "camunda_modeler.bpmn"
    original = path.read_text(encoding="utf-8")
    report = import_diagram(path.read_bytes(), path.name, max_working_days=5)
    assert report.status == "converted", [str(p) for p in report.errors]
    changes = {(c.element_id, c.before, c.after) for c in report.conversions}
    assert changes == {
        ("reminder", "PT5M", '"PT5M"'),
        ("f_yes", "${outcome == 'approve' && !blocked}", 'outcome == "approve" and not blocked'),
        ("f_no", "#{outcome ne 'approve' || blocked}", 'outcome != "approve" or blocked'),
    }
    reminder = next(c for c in report.conversions if c.element_id == "reminder")
    assert reminder.line == line_of(original, 'id="reminder"')
    assert {(p.element_id, p.severity) for p in report.problems} == {
        ("review", "warning"), ("permit", "warning")}  # camunda:assignee, historyTimeToLive
    run = Run.start(report.diagram, {"blocked": False}, now=T0)
    assert [t.fire_at for t in run.timers()] == [T0 + timedelta(minutes=5)]
    run.complete(run.open_tasks()[0].task_id, {"outcome": "approve"})
    assert [t.step.id for t in run.open_tasks()] == ["sign"]


@pytest.mark.parametrize("juel,python", [
    ("approved", "approved"),
    ("!approved", "not approved"),
    ("not approved", "not approved"),
    ("score <= 5", "score <= 5"),
    ("amount gt 1000", "amount > 1000"),
    ("status == 'open'", 'status == "open"'),
    ("x eq null", "x == None"),
    ("(a && b) || !c", "(a and b) or not c"),
    ("done == true", "done == True"),
])
def test_camunda_expressions_that_are_variables_and_comparisons_convert(juel, python):
    assert juel_to_python(juel) == python


@pytest.mark.parametrize("juel", [
    'customer.prop("age").numberValue() < 21', "execution.getVariable('x')", "a + 1 > 2",
    "empty list", "x ? 1 : 2", "bean.cycle", "a[0]", "import", "", "(a", "a b",
])
def test_other_camunda_expressions_do_not(juel):
    assert juel_to_python(juel) is None


@pytest.mark.parametrize("value,converted", [
    ("PT5M", '"PT5M"'), ("P1DT2H", '"P1DT2H"'), ("2026-01-01T00:00", '"2026-01-01T00:00"'),
    ("2026-01-01T08:00:00+07:00", '"2026-01-01T08:00:00+07:00"'), ("R3/PT10M", '"R3/PT10M"'),
    ("R/2026-01-01T08:00/P1D", '"R/2026-01-01T08:00/P1D"'), ("${delay}", "delay"),
    ("#{'2036-11-14T11:12:22'}", '"2036-11-14T11:12:22"'),
])
def test_bare_iso_timer_values_are_quoted(value, converted):
    tag = "timeCycle" if value.startswith("R") else "timeDuration"
    body = f"""<bpmn:boundaryEvent id="t" cancelActivity="false" attachedToRef="work">
      <bpmn:timerEventDefinition id="td"><bpmn:{tag}>{value}</bpmn:{tag}></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>"""
    report = import_diagram(wrap(body), "timer.bpmn")
    assert report.status == "converted", [str(p) for p in report.errors]
    assert [(c.element_id, c.before, c.after) for c in report.conversions] == [
        ("t", value, converted)]


TIMER = ('<bpmn:boundaryEvent id="t" attachedToRef="work"><bpmn:timerEventDefinition id="td">'
         "<bpmn:{tag}>{value}</bpmn:{tag}></bpmn:timerEventDefinition></bpmn:boundaryEvent>")


@pytest.mark.parametrize("body,element,words", [
    (TIMER.format(tag="timeCycle", value="0 0/5 * * * ?"), "t", "cron timer"),
    (TIMER.format(tag="timeDate", value="#{bean.getDate()}"), "t",
     "cannot be converted faithfully"),
    ('<bpmn:serviceTask id="svc" name="Call" camunda:class="org.Acme" />', "svc",
     "runs the Java class 'org.Acme'"),
    ('<bpmn:serviceTask id="svc" name="Call" />', "svc", "without an implementation"),
    ('<bpmn:serviceTask id="svc" camunda:type="external" camunda:topic="t" />', "svc",
     "external"),
    ('<bpmn:businessRuleTask id="rule" camunda:decisionRef="dmn1" />', "rule", "DMN decision"),
    ('<bpmn:dataStoreReference id="ds" name="ERP" />', "ds", "data stores are not supported"),
    (('<bpmn:scriptTask id="js" scriptFormat="javascript"><bpmn:script>x = 1</bpmn:script>'
      "</bpmn:scriptTask>"), "js", "only Python scripts"),
    ('<bpmn:callActivity id="call" calledElement="elsewhere" />', "call", "not in this file"),
])
def test_what_cannot_be_converted_is_refused_located(body, element, words):
    report = import_diagram(wrap(body), "other.bpmn")
    assert report.status == "refused"
    assert any(p.element_id == element and words in p.message and p.line
               for p in report.errors), [str(p) for p in report.problems]
    assert not any("could not be read" in p.message for p in report.problems)


def test_camunda_listeners_and_mappings_are_refused_on_their_element():
    body = ('<bpmn:task id="listened"><bpmn:extensionElements><camunda:executionListener '
            'class="x" event="start" /><camunda:inputOutput><camunda:inputParameter name="a">1'
            '</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:task>')
    report = import_diagram(wrap(body), "listeners.bpmn")
    assert {(p.element_id, p.message.split(" (")[0]) for p in report.errors} == {
        ("listened", "a Camunda execution listener"), ("listened", "Camunda input/output mappings")}


def test_a_message_without_a_name_is_a_located_problem_not_a_crash():
    xml = wrap("").replace("</bpmn:process>", """</bpmn:process>
  <bpmn:message id="nameless" />""")
    report = import_diagram(xml, "message.bpmn")
    assert report.status == "refused"
    assert [(p.element_id, p.message) for p in report.errors] == [
        ("nameless", "message without a name: give the message a name")]


def test_an_executable_process_without_an_id_is_refused_not_a_crash():
    report = import_diagram(wrap("").replace('<bpmn:process id="p" ', "<bpmn:process "), "x.bpmn")
    assert report.status == "refused" and report.errors[0].line


def test_a_non_executable_process_is_refused_on_the_process():
    report = import_diagram(wrap("", executable="false"), "bpmn-io.bpmn")
    assert report.errors[0].element_id == "p" and "not executable" in report.errors[0].message


@pytest.mark.parametrize("data,words", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>', "not allowed"),
    (b"<bpmn:definitions", "not well-formed"),
    (b"<html><body>hello</body></html>", "not a BPMN 2.0 diagram"),
    (b" " * (2 * 1024 * 1024 + 1), "the limit is"),
])
def test_unsafe_or_foreign_files_are_refused_with_the_reason(data, words):
    report = import_diagram(data, "bad.bpmn")
    assert report.status == "refused" and words in report.errors[0].message


def test_a_latin1_file_is_re_encoded_as_utf8():
    xml = wrap("").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
        'name="Work"', 'name="Caf\u00e9"').replace("Chuyên viên", "specialist")
    report = import_diagram(xml.encode("latin-1"), "latin1.bpmn")
    assert report.status == "converted"
    assert report.conversions[0].message.startswith("re-encoded as UTF-8")
    assert 'name="Caf\u00e9"' in report.xml and report.xml.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>')
