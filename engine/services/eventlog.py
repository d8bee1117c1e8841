"""The event log of a period for process mining, as XES (IEEE 1849-2016).

One trace per dossier with an event in the period (concept:name is the dossier code), one
event per work done on it, read from the audit trail: the receipt, each step claimed (start),
reassigned (reassign) and completed (complete). An event carries the step's name
(concept:name), its time (time:timestamp, Vietnam time), lifecycle:transition, the user
(org:resource, a username or "system"), the user's department (org:group) and the step's
role (org:role). Applicants' personal data is left out.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Iterator

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..calendar import VN_TZ
from ..models import AuditEvent, Department, Dossier, User
from .procedures import diagram_for
from .statistics import period_bounds

# audit action -> lifecycle:transition (the XES standard lifecycle model)
TRANSITIONS = {"receive": "complete", "claim": "start", "reassign": "reassign",
               "complete": "complete"}
EXTENSIONS = (("Concept", "concept"), ("Time", "time"), ("Lifecycle", "lifecycle"),
              ("Organizational", "org"))
XES_VERSION = "2.0"  # IEEE 1849-2016


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
    for dossier, events in _traces(session, start_at, end_at):
        trace = etree.SubElement(log, "trace")
        _attr(trace, "string", "concept:name", dossier.code)
        _attr(trace, "string", "procedure", dossier.procedure.code)
        steps = diagram_for(dossier.process_version).steps
        for event, group in events:
            step = steps.get(event.step_id)
            element = etree.SubElement(trace, "event")
            _attr(element, "string", "concept:name", step.name if step else event.step_id
                  or event.action)
            _attr(element, "date", "time:timestamp", _timestamp(event.at))
            _attr(element, "string", "lifecycle:transition", TRANSITIONS[event.action])
            _attr(element, "string", "org:resource", event.actor_name)
            _attr(element, "string", "org:group", group)
            _attr(element, "string", "org:role", step.role if step else "")
            _attr(element, "string", "step", event.step_id)
    return etree.tostring(log, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _traces(session: Session, start_at: datetime, end_at: datetime
            ) -> Iterator[tuple[Dossier, list[tuple[AuditEvent, str]]]]:
    rows = session.execute(
        select(AuditEvent, Department.code)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(AuditEvent.at >= start_at, AuditEvent.at < end_at,
               AuditEvent.dossier_id.is_not(None), AuditEvent.action.in_(tuple(TRANSITIONS)))
        .order_by(AuditEvent.dossier_id, AuditEvent.id)).all()
    by_dossier: dict[int, list[tuple[AuditEvent, str]]] = {}
    for event, department in rows:
        by_dossier.setdefault(event.dossier_id, []).append((event, department or ""))
    if not by_dossier:
        return
    dossiers = session.execute(select(Dossier).where(Dossier.id.in_(tuple(by_dossier)))
                               .options(selectinload(Dossier.process_version))).scalars()
    for dossier in sorted(dossiers, key=lambda d: (d.received_at, d.id)):
        yield dossier, by_dossier[dossier.id]


def _globals(log: etree._Element) -> None:
    """Defaults every trace and event is declared to carry."""
    trace = etree.SubElement(log, "global", scope="trace")
    _attr(trace, "string", "concept:name", "UNKNOWN")
    event = etree.SubElement(log, "global", scope="event")
    _attr(event, "string", "concept:name", "UNKNOWN")
    _attr(event, "date", "time:timestamp", "1970-01-01T07:00:00.000+07:00")
    _attr(event, "string", "lifecycle:transition", "complete")


def _attr(parent: etree._Element, kind: str, key: str, value: str) -> None:
    etree.SubElement(parent, kind, key=key, value=value)


def _timestamp(moment: datetime) -> str:
    local = moment.astimezone(VN_TZ)
    return local.isoformat(timespec="milliseconds")
