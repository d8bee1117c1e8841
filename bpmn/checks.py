"""Our rules on top of SpiffWorkflow's: roles, allotments, outcomes, code in the sandbox."""
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


# Simple paths explored before giving up on adding up a diagram's allotments (a diagram of the
# library has a few dozen; a pathological upload could have billions).
PATH_BUDGET = 20_000


def longest_allotment_path(process: etree._Element,
                           steps: dict) -> tuple[Decimal, tuple[str, ...]] | None:
    """The largest total of step allotments along a path from a start event to an end.

    A path visits each element at most once, so loops (send back, ask again) count once; flows
    into supplement steps are left out (the applicant's time is not counted); a boundary event
    follows its task; a parallel split contributes its longest branch, since a path through it
    takes one branch to the join. Returns (total, element ids along the path), or None when the
    diagram has more than PATH_BUDGET paths.
    """
    following: dict[str, list[str]] = {}
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        following.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    for event in process.iterfind("bpmn:boundaryEvent", NS):
        following.setdefault(event.get("attachedToRef"), []).append(event.get("id"))
    waits = {s.id for s in steps.values() if s.action == "supplement"}

    def weight(node: str) -> Decimal:
        allotment = steps[node].allotment if node in steps else None
        return allotment if allotment is not None and allotment.is_finite() else Decimal(0)

    best: tuple[Decimal, tuple[str, ...]] = (Decimal(0), ())
    budget = PATH_BUDGET
    for start in (e.get("id") for e in process.iterfind("bpmn:startEvent", NS)):
        path, totals, on_path = [start], [weight(start)], {start}
        branches = [iter(following.get(start, ()))]
        while branches:
            node = next(branches[-1], None)
            if node is None:
                branches.pop()
                on_path.discard(path.pop())
                totals.pop()
                continue
            if node in on_path or node in waits:
                continue
            budget -= 1
            if budget < 0:
                return None
            path.append(node)
            on_path.add(node)
            totals.append(totals[-1] + weight(node))
            if not following.get(node) and totals[-1] >= best[0]:
                best = (totals[-1], tuple(path))
            branches.append(iter(following.get(node, ())))
    return best


def _days(value: Decimal) -> str:
    return f"{value.normalize():f}"


def check_deadline(process: etree._Element, steps: dict, path: tuple[Decimal, tuple] | None,
                   max_working_days, file: str) -> list[Problem]:
    """A located error when the allotments along the longest path exceed the legal deadline."""
    if max_working_days is None:
        return []
    where = {"element_id": process.get("id", ""), "file": file, "line": process.sourceline}
    if path is None:
        return [Problem(f"the diagram has more than {PATH_BUDGET} paths from start to end; its "
                        "allotments cannot be added up against the legal deadline", **where)]
    total, nodes = path
    if total <= max_working_days:
        return []
    detail = ", ".join(f"{n} {_days(steps[n].allotment)}" for n in nodes
                       if n in steps and steps[n].allotment)
    return [Problem(f"allotments along the longest path add up to {_days(total)} working days; "
                    f"the legal deadline is {_days(Decimal(max_working_days))} working days "
                    f"({detail})", **where)]
