"""Procedures and their versions, as the services need them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpmn.diagram import Diagram, load_diagram, sha256_of

from ..errors import InvalidInput, NotFound
from ..models import Department, Procedure, ProcessVersion, User


def diagram_for(version: ProcessVersion) -> Diagram:
    """The parsed diagram of a version (cached by content, so cheap after the first call)."""
    return load_diagram(version.bpmn_xml, file=f"{version.procedure.code} v{version.number}")


def published_version(session: Session, procedure: Procedure) -> ProcessVersion:
    version = session.execute(
        select(ProcessVersion)
        .where(ProcessVersion.procedure_id == procedure.id, ProcessVersion.status == "published")
        .order_by(ProcessVersion.number.desc()).limit(1)).scalar_one_or_none()
    if version is None:
        raise NotFound(f"procedure {procedure.code} has no published version")
    return version


def procedure_by_code(session: Session, code: str) -> Procedure:
    procedure = session.execute(select(Procedure).where(Procedure.code == code)).scalar_one_or_none()
    if procedure is None:
        raise NotFound(f"no procedure with code {code!r}")
    return procedure


def install_procedure(session: Session, actor: User | None, now: datetime, *, entry: dict,
                      bpmn_xml: str) -> ProcessVersion:
    """Create a procedure from a catalog entry with its diagram published as version 1.

    Used to load the shipped library; the quality manager's workspace goes through draft,
    review and approval instead.
    """
    diagram = load_diagram(bpmn_xml, file=entry.get("bpmn", ""))  # raises DiagramInvalid
    department = session.execute(select(Department).where(
        Department.code == entry["department"])).scalar_one_or_none()
    if department is None:
        raise InvalidInput(f"procedure {entry['code']}: unknown department {entry['department']!r}")
    procedure = Procedure(
        code=entry["code"], name=entry["name"], name_en=entry.get("name_en", ""),
        field=entry["field"], department=department, legal_days=int(entry["legal_days"]),
        calendar_days=entry.get("day_kind") == "calendar",
        restart_on_supplement=bool(entry.get("restart_on_supplement", False)),
        fee=entry.get("fee", ""), legal_basis=entry.get("legal_basis", ""),
        result_document=entry.get("result_document", ""), documents=entry.get("documents", []))
    session.add(procedure)
    version = ProcessVersion(
        procedure=procedure, number=1, bpmn_xml=bpmn_xml, sha256=sha256_of(bpmn_xml),
        status="published", change_note="Ban hành lần đầu / first issue",
        created_by_id=actor.id if actor else None, created_at=now, published_at=now,
        effective_from=now.date())
    session.add(version)
    session.flush()
    assert diagram.sha256 == version.sha256
    return version
