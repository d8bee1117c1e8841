"""Loading and validating diagrams: every refusal is located, nothing crashes."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bpmn.diagram import load_diagram
from bpmn.problems import DiagramInvalid
from bpmn.xml import MAX_DIAGRAM_BYTES

from .helpers import line_of, standard_xml, variant


def problems_of(xml: str | bytes, file: str = "test.bpmn"):
    with pytest.raises(DiagramInvalid) as caught:
        load_diagram(xml, file=file)
    return caught.value.problems


def test_standard_diagram_has_four_lanes_with_roles_and_allotments():
    diagram = load_diagram(standard_xml(), "standard.bpmn")
    roles = {s.id: s.role for s in diagram.steps.values()}
    assert roles == {"receive": "one_stop", "handover": "one_stop", "review": "specialist",
                     "supplement": "one_stop", "check": "head", "approve": "leader",
                     "return_result": "one_stop", "expedite": "head"}
    assert diagram.step("review").outcomes == ("approve", "supplement", "refuse")
    assert diagram.step("review").decides
    # 8 on the main path, plus half a day for the head's expedite step after an escalation
    assert sum(s.allotment for s in diagram.steps.values()) == Decimal("8.5")
    assert diagram.receive_step.id == "receive"
    assert len(diagram.sha256) == 64 and not diagram.warnings


def test_malformed_xml_names_file_and_line():
    xml = standard_xml().replace("<bpmn:endEvent id=\"end\"", "<bpmn:endEvent id=\"end\"<", 1)
    [problem] = problems_of(xml, "broken.bpmn")
    assert problem.file == "broken.bpmn"
    assert problem.line == line_of(xml, '<bpmn:endEvent id="end"<')
    assert "well-formed" in problem.message


@pytest.mark.parametrize("attack", [
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol2;'
    '</bpmn:definitions>',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;'
    '</bpmn:definitions>',
])
def test_entities_and_dtds_are_refused(attack):
    [problem] = problems_of(attack)
    assert "entities" in problem.message or "document type" in problem.message
    assert problem.line == 1


def test_oversized_upload_is_refused_before_parsing():
    xml = standard_xml() + "<!--" + "x" * MAX_DIAGRAM_BYTES + "-->"
    [problem] = problems_of(xml)
    assert "limit" in problem.message


def test_missing_allotment_is_located():
    xml = variant('<spiffworkflow:property name="allotment" value="1" />', "")
    problems = problems_of(xml)
    assert [(p.element_id, p.line) for p in problems] == [("check", line_of(xml, 'id="check"'))]
    assert "allotment" in problems[0].message


def test_allotment_must_be_in_half_days():
    problems = problems_of(variant('name="allotment" value="5"', 'name="allotment" value="1.3"'))
    assert [p.element_id for p in problems] == ["review"]


def test_lane_without_role_is_refused():
    problems = problems_of(variant('name="Lãnh đạo"', 'name="Ban Giám khảo"'))
    assert {p.element_id for p in problems} == {"approve"}
    assert "does not map to a role" in problems[0].message


def test_lane_may_name_its_role_code():
    diagram = load_diagram(variant('name="Lãnh đạo"', 'name="Ban Giám đốc (leader)"'))
    assert diagram.step("approve").role == "leader"


def test_condition_that_imports_is_refused_with_the_flow_id():
    xml = variant('outcome == "supplement"', '__import__("os").system("id")')
    [problem] = problems_of(xml)
    assert problem.element_id == "f_review_to_supplement"
    assert "refused" in problem.message


def test_decision_flow_without_condition_or_default_is_refused():
    xml = variant(' default="f_review_to_check"', "")
    [problem] = problems_of(xml)
    assert problem.element_id == "f_review_to_check"


def test_non_executable_process_is_refused():
    [problem] = problems_of(variant('isExecutable="true"', 'isExecutable="false"'))
    assert problem.element_id == "standard" and "executable" in problem.message


def test_schema_violation_is_reported_with_a_line():
    xml = variant('<bpmn:endEvent id="end" name="Đã trả kết quả">',
                  '<bpmn:endEvent id="end" name="Đã trả kết quả" bogus="1">')
    [problem] = problems_of(xml)
    assert problem.line is not None and problem.file == "test.bpmn"
