"""Diagrams drawn in other modelers (Camunda Modeler, bpmn.io, SpiffArena), on their way in.

Every diagram that enters the application (an upload, a save from the modeler, a file of a
corpus) goes through `import_diagram`: the XML is parsed safely (bpmn.xml), what can be
converted faithfully is converted, what cannot is reported as located problems, and the result
is validated by `load_diagram` with our own rules. The report says per file:

- accepted: the file is valid as it is, and kept byte for byte (same sha256);
- converted: valid after the conversions listed (each with its element, line, before, after);
- refused: the problems (each located by element id and line) say why; nothing is kept.

Faithful conversions (the converted diagram does what the original meant on its engine):
- a timer value written as a bare ISO 8601 duration, date-time or repetition (Camunda's
  `PT5M`, `2026-01-01T00:00`, `R3/PT10M`) becomes the Python string `"PT5M"` our engine
  evaluates;
- a Camunda expression `${...}` / `#{...}` that is a plain variable, a negated variable, a
  literal, or a comparison of variables and literals (JUEL `==`, `!=`, `<`, `eq`, `ne`, `lt`,
  `gt`, `le`, `ge`, `!`, `not`, `&&`, `||`, `and`, `or`, `true`, `false`, `null`) becomes the
  same Python expression.

Reported as errors (the diagram is refused): no executable process; a data store; a service,
send or business rule task or a message carrying an implementation this application does not
run (Java classes, expressions, external tasks, connectors, DMN); a message without a name;
a script or condition in another language than Python; a cron timer; Camunda listeners,
input/output mappings and call-activity variable mappings. Reported as warnings (kept, but
ignored here): Camunda task assignment, forms, properties, asynchronous continuations and
history settings, which this application handles its own way (lanes, outcomes).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from .diagram import Diagram, load_diagram
from .foreign import (
    BPMN,
    CAMUNDA,
    check_camunda,
    drawn,
    implementation,
    local_name,
)
from .juel import juel_to_python, py_string
from .problems import DiagramInvalid, Problem
from .xml import MAX_DIAGRAM_BYTES, parse_diagram_xml

_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(rf"^P(?!$)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
                       rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                       r"(?:Z|[+-]\d{2}:?\d{2})?)?$")
_CRON = re.compile(r"^(?:[\d*?/,LW#A-Z-]+\s+){4,6}[\d*?/,LW#A-Z-]+$")
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)


@dataclass(frozen=True)
class Conversion:
    """One faithful change made to a diagram on its way in."""
    message: str
    element_id: str
    before: str
    after: str
    file: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p)
        return (f"{where or '<diagram>'} [{self.element_id}]: {self.message}: "
                f"{self.before!r} -> {self.after!r}")

    def as_dict(self) -> dict:
        return {"message": self.message, "element_id": self.element_id, "before": self.before,
                "after": self.after, "file": self.file, "line": self.line}


@dataclass
class ImportReport:
    """What became of one diagram: accepted, converted or refused, and why."""
    file: str
    status: str  # accepted / converted / refused
    conversions: list[Conversion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # errors, then warnings
    xml: str | None = None  # the diagram to keep (the converted text when converted)
    diagram: Diagram | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def as_dict(self) -> dict:
        return {"file": self.file, "status": self.status,
                "conversions": [c.as_dict() for c in self.conversions],
                "problems": [p.as_dict() for p in self.problems]}


def import_diagram(data: bytes | str, file: str = "", *,
                   max_working_days=None, max_bytes: int = MAX_DIAGRAM_BYTES) -> ImportReport:
    """Convert, check and validate one diagram; never raises for a bad diagram."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        root = parse_diagram_xml(raw, file, max_bytes=max_bytes)
    except DiagramInvalid as exc:
        return ImportReport(file, "refused", problems=exc.problems)
    if local_name(root.tag) != "definitions" or etree.QName(root).namespace != BPMN:
        return ImportReport(file, "refused", problems=[Problem(
            "not a BPMN 2.0 diagram (the root element must be bpmn:definitions)", file=file,
            line=root.sourceline)])
    original_lines = {el.get("id"): el.sourceline for el in root.iter() if el.get("id")}
    try:
        conversions, problems = convert(root, file)
    except Exception as exc:  # noqa: BLE001  (a bug here must not take the import down)
        return ImportReport(file, "refused", problems=[Problem(
            f"the diagram could not be read: {type(exc).__name__}: {exc}", file=file)])
    if not conversions and not _utf8(raw, root):
        encoding = root.getroottree().docinfo.encoding
        conversions.append(Conversion(f"re-encoded as UTF-8 (was {encoding})",
                                      root.get("id", ""), root.getroottree().docinfo.encoding,
                                      "UTF-8", file, root.sourceline))
    text = _serialize(root, raw) if conversions else raw.decode("utf-8")
    errors = [p for p in problems if p.severity == "error"]
    diagram = None
    try:
        diagram = load_diagram(text, file, max_working_days=max_working_days)
        problems += diagram.warnings
    except DiagramInvalid as exc:
        refused_ids = {p.element_id for p in errors if p.element_id}
        for problem in exc.problems:
            problem = _locate(problem, root)
            if errors and "could not be read" in problem.message:
                continue  # a parser crash on what was already reported above
            if problem.element_id and problem.element_id in refused_ids:
                continue  # one reason per element is enough; ours is the clearer one
            if conversions and problem.element_id in original_lines:  # lines of the upload
                problem = Problem(problem.message, problem.element_id, problem.file,
                                  original_lines[problem.element_id], problem.severity)
            errors.append(problem)
            problems.append(problem)
    problems.sort(key=lambda p: p.severity != "error")  # errors first, stable otherwise
    if errors:
        return ImportReport(file, "refused", conversions, problems)
    return ImportReport(file, "converted" if conversions else "accepted", conversions, problems,
                        xml=text, diagram=diagram)


def _locate(problem: Problem, root: etree._Element) -> Problem:
    """Give a problem SpiffWorkflow left unlocated the element its message names, if any."""
    if problem.element_id:
        return problem
    if problem.line:
        at = next((el for el in root.iter() if isinstance(el.tag, str) and el.get("id")
                   and drawn(el) and el.sourceline == problem.line), None)
        return problem if at is None else Problem(problem.message, at.get("id"), problem.file,
                                                  problem.line, problem.severity)
    names = {a or b for a, b in re.findall(r"'([^']+)'|\"([^\"]+)\"", problem.message)}
    names.update(re.findall(r"with name (.+?) has no", problem.message))
    for attr in ("id", "calledElement", "name"):
        for el in root.iter():
            if isinstance(el.tag, str) and el.get(attr) in names:
                node = el
                while node is not None and not (node.get("id") and drawn(node)):
                    node = node.getparent()
                if node is not None:
                    return Problem(problem.message, node.get("id"), problem.file,
                                   node.sourceline, problem.severity)
    return problem


def _utf8(raw: bytes, root: etree._Element) -> bool:
    """Whether the file is stored as it came: UTF-8, as its declaration says (if it has one)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
    return encoding in ("UTF-8", "UTF8", "ASCII", "US-ASCII")


def _serialize(root: etree._Element, raw: bytes) -> str:
    declaration = raw.lstrip().startswith(b"<?xml")
    body = etree.tostring(root.getroottree(), encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' if declaration else "") + body


def convert(root: etree._Element, file: str = "") -> tuple[list[Conversion], list[Problem]]:
    """Convert `root` in place; return the conversions made and the problems found."""
    conversions: list[Conversion] = []
    problems: list[Problem] = []

    def owner(el: etree._Element) -> etree._Element:
        """The nearest ancestor (or self) that is drawn: where to locate a problem."""
        node = el
        while node is not None and not (node.get("id") and drawn(node)):
            node = node.getparent()
        return node if node is not None else el

    def problem(el: etree._Element, message: str, severity: str = "error") -> None:
        at = owner(el)
        problems.append(Problem(message, element_id=at.get("id", ""), file=file,
                                line=at.sourceline, severity=severity))

    def converted(el: etree._Element, message: str, before: str, after: str) -> None:
        at = owner(el)
        conversions.append(Conversion(message, at.get("id", ""), before, after, file,
                                      at.sourceline))

    _check_processes(root, problem)
    _check_unsupported(root, problem)
    check_camunda(root, problem)
    _convert_timers(root, problem, converted)
    _convert_conditions(root, problem, converted)
    _check_scripts(root, problem)
    return conversions, problems


def _check_processes(root, problem) -> None:
    processes = root.findall(f"{{{BPMN}}}process")
    if processes and not any(p.get("isExecutable") == "true" for p in processes):
        for process in processes:
            problem(process, "the process is not executable (isExecutable is not \"true\"); "
                             "mark the process executable in the modeler")
    if not processes:
        problem(root, "the file holds no process")


def _check_unsupported(root, problem) -> None:
    for el in root.iter(f"{{{BPMN}}}dataStore", f"{{{BPMN}}}dataStoreReference"):
        problem(el, f"data store '{el.get('name') or el.get('id', '')}': data stores are not "
                    "supported (a dossier's data lives with the dossier)")
    for el in root.iter(f"{{{BPMN}}}message"):
        if not (el.get("name") or "").strip():
            problem(el, "message without a name: give the message a name")
    for tag, what in (("serviceTask", "service task"), ("sendTask", "send task"),
                      ("businessRuleTask", "business rule task")):
        for el in root.iter(f"{{{BPMN}}}{tag}"):
            how = implementation(el)
            problem(el, f"{what} '{el.get('name') or el.get('id', '')}' "
                        + (f"{how}, which this application does not run" if how else
                           "without an implementation this application runs")
                        + "; model the work as a user task in a lane")
    processes = {p.get("id") for p in root.iter(f"{{{BPMN}}}process")}
    for el in root.iter(f"{{{BPMN}}}callActivity"):
        called = el.get("calledElement") or ""
        if called and called not in processes:
            problem(el, f"call activity '{el.get('name') or el.get('id', '')}' calls process "
                        f"'{called}', which is not in this file (a called process must be drawn "
                        "in the same file)")
    for el in root.iter(f"{{{BPMN}}}conditionalEventDefinition"):
        problem(el, "conditional events are not supported")


# --- timers ------------------------------------------------------------------------------------

def _iso_kind(text: str) -> str | None:
    """'duration', 'date' or 'cycle' when `text` is a bare ISO 8601 value our runtime reads."""
    if _DURATION.match(text):
        return "duration" if "," not in text else None
    if _DATETIME.match(text):
        try:
            datetime.fromisoformat(text)  # Python 3.11 reads a final Z
        except ValueError:
            return None
        return "date"
    if text.startswith("R") and "/" in text:
        count, _, rest = text[1:].partition("/")
        parts = rest.split("/")
        if (count == "" or count.isdigit()) and 1 <= len(parts) <= 2 and all(
                _iso_kind(p) in ("duration", "date") for p in parts) and \
                sum(_iso_kind(p) == "duration" for p in parts) == 1:
            return "cycle"
    return None


def _convert_timers(root, problem, converted) -> None:
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for el in root.iter(f"{{{BPMN}}}{tag}"):
            text = (el.text or "").strip()
            if not text:
                problem(el, f"empty timer value ({tag})")
                continue
            kind = _iso_kind(text)
            if kind is not None:
                el.text = py_string(text)
                converted(el, f"timer {kind} quoted as a text ({tag})", text, el.text)
                continue
            juel = _JUEL.match(text)
            if juel:
                python = juel_to_python(juel.group(1))
                if python is None or not _timer_expression_ok(python):
                    problem(el, f"timer expression {text!r} is Camunda expression language that "
                                "cannot be converted faithfully; write a Python expression giving "
                                "an ISO 8601 text (\"PT1H\", working_days(3))")
                    continue
                el.text = python
                converted(el, "Camunda timer expression rewritten in Python (the value must be "
                              "an ISO 8601 text)", text, python)
                continue
            if _CRON.match(text):
                problem(el, f"cron timer {text!r} is not supported; use an ISO 8601 repetition "
                            "such as \"R/PT5M\"")


def _timer_expression_ok(python: str) -> bool:
    """A converted timer expression is a variable or a string literal."""
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|\"[^\"\\]*\"", python)) and (
        not python.startswith('"') or _iso_kind(python.strip('"')) is not None)


# --- conditions --------------------------------------------------------------------------------

def _convert_conditions(root, problem, converted) -> None:
    for el in root.iter(f"{{{BPMN}}}conditionExpression", f"{{{BPMN}}}completionCondition",
                        f"{{{BPMN}}}loopCondition"):
        language = (el.get("language") or "").strip().lower()
        text = el.text or ""
        if language and language not in ("python", "http://www.python.org/"):
            problem(el, f"condition in {el.get('language')}: only Python conditions run here")
            continue
        if el.get(f"{{{CAMUNDA}}}resource"):
            continue  # reported with the camunda attributes
        juel = _JUEL.match(text)
        if not juel:
            continue
        python = juel_to_python(juel.group(1))
        if python is None:
            problem(el, f"condition {text.strip()!r} is Camunda expression language that cannot "
                        "be converted faithfully (only variables, literals and comparisons "
                        "can); write it in Python")
            continue
        el.text = python
        converted(el, "Camunda condition rewritten in Python", text.strip(), python)


# --- scripts -----------------------------------------------------------------------------------

def _check_scripts(root, problem) -> None:
    for el in root.iter(f"{{{BPMN}}}scriptTask"):
        language = (el.get("scriptFormat") or "").strip().lower()
        if language and language not in ("python", "python3", "text/x-python"):
            problem(el, f"script in {el.get('scriptFormat')}: only Python scripts run here")
