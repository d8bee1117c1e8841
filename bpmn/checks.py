"""Our rules on top of what SpiffWorkflow checks: roles, allotments, outcomes, code in the sandbox."""
from __future__ import annotations

from decimal import Decimal

from lxml import etree

from . import vocabulary
from .problems import Problem
from .sandbox import check_code

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def check_rules(root: etree._Element, spec, steps: dict, file: str) -> list[Problem]:
    lines = {el.get("id"): el.sourceline for el in root.iter() if el.get("id")}

    def problem(element_id: str, message: str, severity: str = "error") -> Problem:
        return Problem(message, element_id=element_id, file=file, line=lines.get(element_id),
                       severity=severity)

    problems = [*_check_steps(steps, problem), *_check_code(root, problem),
                *_check_gateways(root, problem)]
    if not steps:
        problems.append(problem(spec.name, "the process has no user task for people to do"))
    return problems


def _check_steps(steps: dict, problem) -> list[Problem]:
    found = []
    for step in steps.values():
        if step.role is None:
            found.append(problem(step.id, f"lane '{step.lane or '(none)'}' does not map to a role "
                                 f"({', '.join(vocabulary.LANE_ROLES)})"))
        if step.allotment is None:
            found.append(problem(step.id, "no time allotment (property 'allotment', working days)"))
        elif not step.allotment.is_finite() or step.allotment < 0 or (step.allotment * 2) % 1:
            found.append(problem(step.id, "allotment must be a number of working days in halves "
                                          "(0, 0.5, 1, 1.5, ...)"))
        if step.action and step.action not in vocabulary.ACTIONS:
            found.append(problem(step.id, f"unknown action '{step.action}'"))
        for outcome in step.outcomes:
            if outcome not in vocabulary.OUTCOMES:
                found.append(problem(step.id, f"outcome '{outcome}' has no label; it will be "
                                              "shown as its code", severity="warning"))
    return found


def _check_code(root: etree._Element, problem) -> list[Problem]:
    found = []
    for el in root.iterfind(".//bpmn:conditionExpression", NS):
        flow = el.getparent().get("id", "")
        reason = check_code(el.text or "", expression=True) if (el.text or "").strip() else None
        if reason:
            found.append(problem(flow, f"condition refused: {reason}"))
    for el in root.iterfind(".//bpmn:script", NS):
        task = el.getparent().get("id", "")
        reason = check_code(el.text or "", expression=False)
        if reason:
            found.append(problem(task, f"script refused: {reason}"))
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for el in root.iterfind(f".//bpmn:{tag}", NS):
            event = el.getparent().getparent().get("id", "")
            reason = check_code((el.text or "").strip(), expression=True)
            if reason:
                found.append(problem(event, f"timer expression refused: {reason}"))
    return found


def _check_gateways(root: etree._Element, problem) -> list[Problem]:
    found = []
    flows = {f.get("id"): f for f in root.iterfind(".//bpmn:sequenceFlow", NS)}
    for gw in root.iterfind(".//bpmn:exclusiveGateway", NS):
        outgoing = [f for f in flows.values() if f.get("sourceRef") == gw.get("id")]
        if len(outgoing) < 2:
            continue
        for flow in outgoing:
            has_condition = flow.find("bpmn:conditionExpression", NS) is not None
            if not has_condition and flow.get("id") != gw.get("default"):
                found.append(problem(flow.get("id"), "a flow out of a decision needs a condition "
                                                     "or must be the gateway's default"))
    return found


