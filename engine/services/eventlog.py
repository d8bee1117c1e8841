"""The event log of a period for process mining, as XES (IEEE 1849-2016).

One trace per dossier with an event in the period (concept:name is the dossier code), one
event per thing done to it, read from the audit trail (`process_events`, shared with the OCEL
export and the conformance check):

- the receipt and each step completed (lifecycle `complete`; a refusal is the deciding step
  completed with outcome `refuse`, the return of the result is the return step's completion),
  claimed (`start`) and reassigned (`reassign`);
- timers fired (`complete`, by "system") and the escalations they opened (`schedule`);
- the clock stopped for a supplement (`suspend`) and restarted on resubmission (`resume`);
- the apology slip, the applicant's rating, a move to another version of the process.

An event carries its activity (concept:name: the step's or the timer's name, or a fixed name
below), time (time:timestamp, Vietnam time), lifecycle:transition, the officer (org:resource,
a username or "system"), the officer's department (org:group), the step's role (org:role) and
the audit event's id (`event_id`). A trace carries the procedure, its field, the version run
(number and sha256), channel, receipt time, due date, outcome and decision. Applicants'
personal data (name, identity number, address, contacts, recipients, free-text comments) is
left out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Iterator

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bpmn.diagram import Diagram

from ..calendar import VN_TZ
from ..models import AuditEvent, Department, Dossier, User
from .procedures import diagram_for
from .statistics import period_bounds

# audit action -> lifecycle:transition (the XES standard lifecycle model)
TRANSITIONS = {"receive": "complete", "claim": "start", "reassign": "reassign",
               "complete": "complete", "timer_fired": "complete", "escalation": "schedule",
               "clock_stop": "suspend", "clock_resume": "resume", "apology": "complete",
               "rating": "complete", "dossier_migrate": "complete"}
# Activities that are not a step of the diagram (in the process's language, Vietnamese).
ACTIVITIES = {"escalation": "Chuyển cấp đôn đốc xử lý",
              "clock_stop": "Tạm dừng tính thời hạn (yêu cầu bổ sung hồ sơ)",
              "clock_resume": "Tính tiếp thời hạn (đã nhận hồ sơ bổ sung)",
              "apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
              "rating": "Đánh giá mức độ hài lòng",
              "dossier_migrate": "Chuyển sang phiên bản quy trình khác"}
EXTENSIONS = (("Concept", "concept"), ("Time", "time"), ("Lifecycle", "lifecycle"),
              ("Organizational", "org"))
XES_VERSION = "2.0"  # IEEE 1849-2016
# What of an audit event's `after` becomes an event attribute: key -> (XES type, attribute).
EVENT_DATA = {"outcome": ("string", "outcome"), "step_result": ("string", "step_result"),
              "effect": ("string", "effect"), "late_seconds": ("float", "late_seconds"),
              "days_used": ("int", "days_used"), "level": ("string", "rating"),
              "version": ("int", "to_version")}


@dataclass(frozen=True)
class DossierEvents:
    """A dossier and its audit events (oldest first), each with its actor's department."""
    dossier: Dossier
    events: list[tuple[AuditEvent, str]]


def xes_log(session: Session, start: date, end: date) -> bytes:
    """The XES document (UTF-8 bytes) of the events of the local days start..end."""
    start_at, end_at = period_bounds(start, end)
    log = etree.Element("log", {"xes.version": XES_VERSION, "xes.features": ""})
    for name, prefix in EXTENSIONS:
        etree.SubElement(log, "extension", name=name, prefix=prefix,
                         uri=f"http://www.xes-standard.org/{prefix}.xesext")
    _globals(log)
    etree.SubElement(log, "classifier", name="Activity", keys="concept:name")
    etree.SubElement(log, "classifier", name="ActivityTransition",
                     keys="concept:name lifecycle:transition")
    _attr(log, "string", "concept:name", f"motcua {start.isoformat()}..{end.isoformat()}")
    _attr(log, "string", "lifecycle:model", "standard")
    for found in process_events(session, start_at, end_at):
        _trace(log, found)
    return etree.tostring(log, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _trace(log: etree._Element, found: DossierEvents) -> None:
    dossier = found.dossier
    version = dossier.process_version
    trace = etree.SubElement(log, "trace")
    _attr(trace, "string", "concept:name", dossier.code)
    _attr(trace, "string", "procedure", dossier.procedure.code)
    _attr(trace, "string", "field", dossier.procedure.field)
    _attr(trace, "int", "procedure_version", str(version.number))
    _attr(trace, "string", "process_sha256", version.sha256)
    _attr(trace, "string", "channel", dossier.channel)
    _attr(trace, "date", "received", timestamp(dossier.received_at))
    _attr(trace, "string", "due_date", dossier.due_date.isoformat())
    _attr(trace, "string", "status", dossier.status)
    for key in ("outcome", "decision"):
        if getattr(dossier, key):
            _attr(trace, "string", key, getattr(dossier, key))
    if dossier.finished_at is not None:
        _attr(trace, "date", "finished", timestamp(dossier.finished_at))
    diagram = diagram_for(version)
    for event, group in found.events:
        _event(trace, event, group, diagram)


def _event(trace: etree._Element, event: AuditEvent, group: str, diagram: Diagram) -> None:
    step = diagram.steps.get(event.step_id)
    element = etree.SubElement(trace, "event")
    _attr(element, "string", "concept:name", activity(event, diagram))
    _attr(element, "date", "time:timestamp", timestamp(event.at))
    _attr(element, "string", "lifecycle:transition", TRANSITIONS[event.action])
    _attr(element, "string", "org:resource", event.actor_name)
    _attr(element, "string", "org:group", group)
    _attr(element, "string", "org:role", step.role or "" if step else "")
    _attr(element, "int", "event_id", str(event.id))
    _attr(element, "string", "action", event.action)
    _attr(element, "string", "step", event.step_id)
    if event.process_sha256:
        _attr(element, "string", "process_sha256", event.process_sha256)
    after = event.after or {}
    if event.action == "rating":
        after = {"level": after.get("level")}  # the comment is the applicant's own words
    for key, (kind, name) in EVENT_DATA.items():
        value = after.get(key)
        if value is not None and value != "":
            _attr(element, kind, name, str(value))
    if event.action == "dossier_migrate":
        _attr(element, "int", "from_version", str((event.before or {}).get("version", 0)))
    if event.action == "complete" and step is not None and step.decides:
        _attr(element, "string", "decision", after.get("outcome", ""))


def activity(event: AuditEvent, diagram: Diagram) -> str:
    """The activity's name: the step's, the timer's (from its diagram), or a fixed one."""
    if event.action in ACTIVITIES:
        return ACTIVITIES[event.action]
    step = diagram.steps.get(event.step_id)
    if step is not None:
        return step.name
    return element_name(diagram, event.step_id) or event.step_id or event.action


def element_name(diagram: Diagram, element_id: str) -> str:
    spec = diagram.spec.task_specs.get(element_id)
    return (getattr(spec, "bpmn_name", None) or "") if spec is not None else ""


def process_events(session: Session, start_at: datetime, end_at: datetime,
                   actions: Iterable[str] = tuple(TRANSITIONS)) -> Iterator[DossierEvents]:
    """The dossiers with an event in [start_at, end_at), in receipt order, each with those
    events (of these actions) and the department of the officer who did each."""
    rows = session.execute(
        select(AuditEvent, Department.code)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(AuditEvent.at >= start_at, AuditEvent.at < end_at,
               AuditEvent.dossier_id.is_not(None), AuditEvent.action.in_(tuple(actions)))
        .order_by(AuditEvent.dossier_id, AuditEvent.id)).all()
    by_dossier: dict[int, list[tuple[AuditEvent, str]]] = {}
    for event, department in rows:
        by_dossier.setdefault(event.dossier_id, []).append((event, department or ""))
    if not by_dossier:
        return
    dossiers = session.execute(select(Dossier).where(Dossier.id.in_(tuple(by_dossier)))
                               .options(selectinload(Dossier.process_version))).scalars()
    for dossier in sorted(dossiers, key=lambda d: (d.received_at, d.id)):
        yield DossierEvents(dossier, by_dossier[dossier.id])


def _globals(log: etree._Element) -> None:
    """Defaults every trace and event is declared to carry."""
    trace = etree.SubElement(log, "global", scope="trace")
    _attr(trace, "string", "concept:name", "UNKNOWN")
    event = etree.SubElement(log, "global", scope="event")
    _attr(event, "string", "concept:name", "UNKNOWN")
    _attr(event, "date", "time:timestamp", "1970-01-01T07:00:00.000+07:00")
    _attr(event, "string", "lifecycle:transition", "complete")
    _attr(event, "string", "org:resource", "UNKNOWN")


def _attr(parent: etree._Element, kind: str, key: str, value: str) -> None:
    etree.SubElement(parent, kind, key=key, value=value)


def timestamp(moment: datetime) -> str:
    """An instant in Vietnam time, ISO 8601 with milliseconds and offset."""
    return moment.astimezone(VN_TZ).isoformat(timespec="milliseconds")
