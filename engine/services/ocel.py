"""The event log of a period as an object-centric event log, OCEL 2.0 JSON (ocel-standard.org).

Object types: dossiers (with their status and due date as they changed), officers, departments,
procedure versions and apology slips. Each audit event of a dossier in the period is an event
related to its dossier ("dossier"), to the officer who acted ("performed by") and the
officer's department ("in department"), to the officer a
step was claimed by or handed to ("assigned to"), to the version it ran on ("on version"; a
move relates "from version" and "to version") and to the slip it issued ("issued").
Object-to-object: a dossier "runs on" its version (and "ran on" the versions it left), an
officer "belongs to" a department, a slip "is for" its dossier. Applicants' personal data
(names, numbers, addresses, free text) is left out, as in the XES export.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Apology, AuditEvent, Department, Dossier, ProcessVersion, User
from .eventlog import DossierEvents, element_name, process_events, timestamp
from .procedures import diagram_for
from .statistics import period_bounds

# audit action -> OCEL event type, and the type's attributes: name -> (OCEL type, where from)
EVENT_TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "receive": ("receive dossier", {"step": "string", "channel": "string"}),
    "claim": ("claim step", {"step": "string", "step_name": "string"}),
    "release": ("release step", {"step": "string", "step_name": "string"}),
    "reassign": ("reassign step", {"step": "string", "step_name": "string"}),
    "complete": ("complete step", {"step": "string", "step_name": "string",
                                   "outcome": "string", "step_result": "string"}),
    "timer_fired": ("timer fired", {"timer": "string", "timer_name": "string",
                                    "effect": "string", "late_seconds": "float"}),
    "escalation": ("escalate", {"timer": "string", "opened": "string"}),
    "clock_stop": ("stop the clock", {"step": "string", "days_used": "integer"}),
    "clock_resume": ("restart the clock", {"step": "string", "due_date": "string"}),
    "apology": ("issue apology", {"new_appointment": "time"}),
    "rating": ("rate", {"level": "string"}),
    "dossier_migrate": ("move to version", {"from_version": "integer",
                                            "to_version": "integer"}),
    "attach": ("attach files", {"files": "integer"}),
}
OBJECT_TYPES = {
    "dossier": {"procedure": "string", "channel": "string", "received": "time",
                "status": "string", "due_date": "string", "outcome": "string",
                "decision": "string"},
    "officer": {"roles": "string", "active": "boolean"},
    "department": {"code": "string", "name": "string"},
    "procedure version": {"procedure": "string", "number": "integer", "sha256": "string",
                          "status": "string"},
    "apology slip": {"new_appointment": "time"},
}


def ocel_log(session: Session, start: date, end: date) -> dict[str, Any]:
    """The OCEL 2.0 JSON document (a dict) of the events of the local days start..end."""
    start_at, end_at = period_bounds(start, end)
    found = list(process_events(session, start_at, end_at, tuple(EVENT_TYPES)))
    builder = _Builder(session, found)
    return {
        "objectTypes": [{"name": name, "attributes": _declared(attributes)}
                        for name, attributes in OBJECT_TYPES.items()],
        "eventTypes": [{"name": name, "attributes": _declared(attributes)}
                       for name, attributes in EVENT_TYPES.values()],
        "objects": builder.objects(),
        "events": [builder.event(event, each.dossier) for each in found
                   for event, _ in each.events],
    }


def _declared(attributes: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "type": kind} for name, kind in attributes.items()]


def _attribute(name: str, value: Any, at: datetime | str | None = None) -> dict[str, Any]:
    if isinstance(value, datetime):
        value = timestamp(value)
    moment = timestamp(at) if isinstance(at, datetime) else at or "1970-01-01T00:00:00+00:00"
    return {"name": name, "value": value, "time": moment}


class _Builder:
    """Reads once what the events refer to (officers, departments, versions, slips)."""

    def __init__(self, session: Session, found: list[DossierEvents]):
        self.found = found
        self.dossiers = {each.dossier.id: each.dossier for each in found}
        events = [event for each in found for event, _ in each.events]
        user_ids = {e.actor_id for e in events if e.actor_id} | {
            (e.after or {}).get("assignee") for e in events
            if e.action in ("claim", "reassign")} - {None}
        self.users = {u.id: u for u in session.execute(
            select(User).where(User.id.in_(sorted(user_ids)))).scalars()} if user_ids else {}
        self.departments = {d.id: d for d in session.execute(select(Department)).scalars()}
        procedure_ids = {d.procedure_id for d in self.dossiers.values()}
        self.versions = {(v.procedure_id, v.sha256): v for v in session.execute(
            select(ProcessVersion).where(ProcessVersion.procedure_id.in_(sorted(procedure_ids))))
            .scalars()} if procedure_ids else {}
        self.slips = {a.dossier_id: a for a in session.execute(select(Apology).where(
            Apology.dossier_id.in_(sorted(self.dossiers)))).scalars()} if self.dossiers else {}

    # --- objects ---------------------------------------------------------------------------

    def objects(self) -> list[dict[str, Any]]:
        objects = [self._dossier(each) for each in self.found]
        objects += [self._version(v) for v in self._versions_used()]
        for user in sorted(self.users.values(), key=lambda u: u.username):
            objects.append(self._officer(user))
        used = {u.department_id for u in self.users.values()} - {None}
        for department_id in sorted(used):
            department = self.departments[department_id]
            objects.append({"id": _department_id(department), "type": "department",
                            "attributes": [_attribute("code", department.code),
                                           _attribute("name", department.name)]})
        for dossier_id, slip in sorted(self.slips.items()):
            objects.append({"id": f"slip:apology:{self.dossiers[dossier_id].code}",
                            "type": "apology slip",
                            "attributes": [_attribute("new_appointment", slip.new_appointment_at,
                                                      slip.issued_at)],
                            "relationships": [{"objectId": _dossier_id(self.dossiers[dossier_id]),
                                               "qualifier": "is for"}]})
        return objects

    def _dossier(self, each: DossierEvents) -> dict[str, Any]:
        dossier = each.dossier
        received = dossier.received_at
        attributes = [_attribute("procedure", dossier.procedure.code, received),
                      _attribute("channel", dossier.channel, received),
                      _attribute("received", received, received)]
        status, due = None, None
        for event, _ in each.events:
            after = event.after or {}
            if after.get("status") and after["status"] != status:
                status = after["status"]
                attributes.append(_attribute("status", status, event.at))
            if after.get("due_date") and after["due_date"] != due:
                due = after["due_date"]
                attributes.append(_attribute("due_date", due, event.at))
        if dossier.finished_at is not None:
            for key in ("outcome", "decision"):
                if getattr(dossier, key):
                    attributes.append(_attribute(key, getattr(dossier, key), dossier.finished_at))
        relationships = [{"objectId": _version_id(dossier.process_version), "qualifier": "runs on"}]
        for event, _ in each.events:
            if event.action == "dossier_migrate":
                left = self._version_by_sha(dossier, (event.before or {}).get("sha256"))
                if left is not None:
                    relationships.append({"objectId": _version_id(left), "qualifier": "ran on"})
        return {"id": _dossier_id(dossier), "type": "dossier", "attributes": attributes,
                "relationships": relationships}

    def _versions_used(self) -> list[ProcessVersion]:
        used = {v.id: v for v in (d.process_version for d in self.dossiers.values())}
        for each in self.found:
            for event, _ in each.events:
                for sha in (event.process_sha256, (event.before or {}).get("sha256")):
                    version = self._version_by_sha(each.dossier, sha)
                    if version is not None:
                        used[version.id] = version
        return sorted(used.values(), key=lambda v: (v.procedure.code, v.number))

    @staticmethod
    def _version(version: ProcessVersion) -> dict[str, Any]:
        at = version.published_at or version.created_at
        return {"id": _version_id(version), "type": "procedure version",
                "attributes": [_attribute("procedure", version.procedure.code, at),
                               _attribute("number", version.number, at),
                               _attribute("sha256", version.sha256, at),
                               _attribute("status", version.status, at)]}

    def _officer(self, user: User) -> dict[str, Any]:
        department = self.departments.get(user.department_id)
        return {"id": _user_id(user), "type": "officer",
                "attributes": [_attribute("roles", ",".join(sorted(user.roles))),
                               _attribute("active", bool(user.active))],
                "relationships": ([{"objectId": _department_id(department),
                                    "qualifier": "belongs to"}] if department else [])}

    def _version_by_sha(self, dossier: Dossier, sha: str | None) -> ProcessVersion | None:
        return self.versions.get((dossier.procedure_id, sha)) if sha else None

    # --- events ----------------------------------------------------------------------------

    def event(self, event: AuditEvent, dossier: Dossier) -> dict[str, Any]:
        name, declared = EVENT_TYPES[event.action]
        values = self._values(event, dossier)
        relationships = [{"objectId": _dossier_id(dossier), "qualifier": "dossier"}]
        actor = self.users.get(event.actor_id)
        if actor is not None:
            relationships.append({"objectId": _user_id(actor), "qualifier": "performed by"})
            if actor.department_id in self.departments:
                relationships.append({"objectId": _department_id(
                    self.departments[actor.department_id]), "qualifier": "in department"})
        assignee = (event.after or {}).get("assignee")
        if event.action in ("claim", "reassign") and assignee in self.users:
            relationships.append({"objectId": _user_id(self.users[assignee]),
                                  "qualifier": "assigned to"})
        if event.action == "dossier_migrate":
            for qualifier, sha in (("from version", (event.before or {}).get("sha256")),
                                   ("to version", event.process_sha256)):
                version = self._version_by_sha(dossier, sha)
                if version is not None:
                    relationships.append({"objectId": _version_id(version),
                                          "qualifier": qualifier})
        elif self._version_by_sha(dossier, event.process_sha256) is not None:
            relationships.append({"objectId": _version_id(
                self._version_by_sha(dossier, event.process_sha256)), "qualifier": "on version"})
        if event.action == "apology" and dossier.id in self.slips:
            relationships.append({"objectId": f"slip:apology:{dossier.code}",
                                  "qualifier": "issued"})
        return {"id": f"e{event.id}", "type": name, "time": timestamp(event.at),
                "attributes": [{"name": key, "value": values[key]} for key in declared
                               if values.get(key) is not None],
                "relationships": relationships}

    def _values(self, event: AuditEvent, dossier: Dossier) -> dict[str, Any]:
        after, before = event.after or {}, event.before or {}
        diagram = diagram_for(dossier.process_version)
        step = diagram.steps.get(event.step_id)
        values: dict[str, Any] = {
            "step": event.step_id or None, "step_name": step.name if step else None,
            "outcome": after.get("outcome"), "step_result": after.get("step_result"),
            "timer": event.step_id or None, "effect": after.get("effect"),
            "late_seconds": after.get("late_seconds"), "days_used": after.get("days_used"),
            "due_date": after.get("due_date"), "level": after.get("level"),
            "channel": after.get("channel"), "from_version": before.get("version"),
            "to_version": after.get("version"),
            "opened": ",".join(after.get("opened", [])) or None,
            "files": len(after.get("attachments", [])) or None,
        }
        if event.action == "timer_fired":
            values["timer_name"] = element_name(diagram, event.step_id) or None
        slip = self.slips.get(dossier.id)
        if event.action == "apology" and slip is not None:
            values["new_appointment"] = timestamp(slip.new_appointment_at)
        return values


def _dossier_id(dossier: Dossier) -> str:
    return f"dossier:{dossier.code}"


def _version_id(version: ProcessVersion) -> str:
    return f"version:{version.procedure.code}:{version.number}"


def _user_id(user: User) -> str:
    return f"officer:{user.username}"


def _department_id(department: Department) -> str:
    return f"department:{department.code}"
