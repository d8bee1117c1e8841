"""Load a procedure diagram: parse it safely, let SpiffWorkflow build its spec, check our rules.

The result, a `Diagram`, is what the rest of the application knows of a procedure version:
its executable spec and its human steps (lane, role, allotment, outcomes). Diagrams are
cached by sha256, since a published version never changes.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from . import vocabulary
from .checks import check_deadline, check_rules, longest_allotment_path
from .problems import DiagramInvalid, Problem
from .xml import parse_diagram_xml

_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


@dataclass(frozen=True)
class Step:
    """A human task of the procedure, as the application sees it."""
    id: str
    name: str
    name_en: str
    lane: str
    role: str | None
    allotment: Decimal | None  # working days, halves allowed
    outcomes: tuple[str, ...]
    action: str | None  # receive / supplement / return, or None for an ordinary step
    decides: bool  # this step's outcome becomes the dossier's decision


@dataclass
class Diagram:
    process_id: str
    name: str
    sha256: str
    spec: Any = field(repr=False)
    subprocess_specs: dict = field(repr=False)
    steps: dict[str, Step]
    warnings: list[Problem]
    # The largest sum of allotments along a path from start to end (loops and supplement waits
    # left out, the longest branch of a parallel split), and the steps along it; None when the
    # diagram has too many paths to add up (see checks.longest_allotment_path).
    total_allotment: Decimal | None = None
    longest_path: tuple[str, ...] = ()

    def step(self, step_id: str) -> Step:
        return self.steps[step_id]

    @property
    def receive_step(self) -> Step | None:
        return next((s for s in self.steps.values() if s.action == "receive"), None)


@lru_cache(maxsize=1)
def _validator() -> BpmnValidator:
    return BpmnValidator()


def sha256_of(xml: str | bytes) -> str:
    raw = xml.encode("utf-8") if isinstance(xml, str) else xml
    return hashlib.sha256(raw).hexdigest()


def load_diagram(xml: str | bytes, file: str = "", *,
                 max_working_days: int | Decimal | None = None) -> Diagram:
    """Parse and validate a diagram; raise DiagramInvalid listing every located problem.

    With `max_working_days` (the procedure's legal deadline in working days), a diagram whose
    allotments along the longest path add up to more is refused too.
    """
    return _load_cached(xml if isinstance(xml, bytes) else xml.encode("utf-8"), file,
                        max_working_days)


@lru_cache(maxsize=256)
def _load_cached(raw: bytes, file: str, max_working_days: int | Decimal | None) -> Diagram:
    root = parse_diagram_xml(raw, file)
    parser = SpiffBpmnParser(validator=_validator())
    try:
        parser.add_bpmn_xml(root, filename=file)
        process_id = _executable_process(root, file)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        raise DiagramInvalid([_from_validation(exc, file)]) from None
    except DiagramInvalid:
        raise
    except Exception as exc:  # the parser has bugs on odd input; never let them through raw
        raise DiagramInvalid([Problem(f"the diagram could not be read: {type(exc).__name__}: "
                                      f"{exc}", file=file)]) from None
    steps = {s.id: s for s in _steps(spec)}
    process = root.xpath("//bpmn:process[@id=$id]", id=process_id, namespaces=_NS)[0]
    path = longest_allotment_path(process, steps)
    problems = [*check_rules(root, spec, steps, file),
                *check_deadline(process, steps, path, max_working_days, file)]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DiagramInvalid(errors)
    return Diagram(process_id=process_id, name=spec.description or process_id,
                   sha256=sha256_of(raw), spec=spec, subprocess_specs=subprocess_specs,
                   steps=steps, warnings=[p for p in problems if p.severity != "error"],
                   total_allotment=path[0] if path else None,
                   longest_path=tuple(n for n in path[1] if n in steps) if path else ())


def _executable_process(root: etree._Element, file: str) -> str:
    processes = root.xpath("//bpmn:process", namespaces=_NS)
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    if not executable:
        node = processes[0] if processes else root
        raise DiagramInvalid([Problem("no executable process (isExecutable=\"true\")",
                                      element_id=node.get("id", ""), file=file,
                                      line=node.sourceline)])
    process_id = executable[0].get("id")
    if not process_id:
        raise DiagramInvalid([Problem("the executable process has no id", file=file,
                                      line=executable[0].sourceline)])
    return process_id


def _from_validation(exc: ValidationException, file: str) -> Problem:
    line = exc.line_number if isinstance(exc.line_number, int) else None
    message = str(exc.args[0]) if exc.args else str(exc)
    return Problem(message, element_id=exc.id or "", file=exc.file_name or file, line=line)


def _steps(spec) -> list[Step]:
    steps = []
    for task_spec in spec.task_specs.values():
        if not getattr(task_spec, "manual", False):
            continue
        props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        role = props.get("role") or vocabulary.role_for_lane(task_spec.lane)
        steps.append(Step(
            id=task_spec.bpmn_id, name=task_spec.bpmn_name or task_spec.bpmn_id,
            name_en=props.get("name_en", ""), lane=task_spec.lane or "", role=role,
            allotment=_decimal(props.get("allotment")),
            outcomes=tuple(o.strip() for o in props.get("outcomes", "").split(",") if o.strip())
            or ("done",),
            action=props.get("action") or None, decides=props.get("decides") == "true"))
    return steps


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return Decimal("NaN")
