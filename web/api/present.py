"""What the API shows of the domain's objects, as plain dicts for the `<Thing>Out` schemas."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from engine.models import Dossier, Procedure, ProcessVersion, User, WorkItem

TASK_COLUMNS = ("id", "dossier_code", "step_id", "step_name", "step_name_en", "action", "role",
                "assignee_id", "claimed_at", "created_at", "due_at", "dossier_due_date",
                "applicant_name", "escalated")


def user_view(user: User) -> dict:
    return {"username": user.username, "full_name": user.full_name, "roles": sorted(user.roles),
            "department": user.department.code if user.department else None}


def procedure_view(procedure: Procedure, published: int | None) -> dict:
    return {"code": procedure.code, "name": procedure.name, "name_en": procedure.name_en,
            "field": procedure.field, "department": procedure.department.code,
            "legal_days": procedure.legal_days,
            "day_kind": "calendar" if procedure.calendar_days else "working",
            "fee": procedure.fee, "result_document": procedure.result_document,
            "documents": procedure.documents or [], "published_version": published}


def version_view(version: ProcessVersion, report: dict | None = None) -> dict:
    return {"procedure": version.procedure.code, "number": version.number,
            "status": version.status, "sha256": version.sha256,
            "change_note": version.change_note, "created_at": version.created_at,
            "report": report or {}}


def task_view(item: WorkItem, procedure_code: str) -> dict:
    return {**{column: getattr(item, column) for column in TASK_COLUMNS},
            "procedure": procedure_code, "warned": item.warned_at is not None}


def _task_row() -> tuple:
    """A task's columns as `TaskOut` reads them, whether a warning timer fired among them."""
    return (*(getattr(WorkItem, column) for column in TASK_COLUMNS),
            WorkItem.warned_at.is_not(None).label("warned"))


@lru_cache(maxsize=1)
def task_columns() -> Select:
    """A queue row as `TaskOut` reads it, with its procedure's code (read for the page's rows
    only). Selected once: coercing the columns at each request costs more than the rest of
    the statement's building."""
    procedure = (select(Procedure.code).where(Procedure.id == WorkItem.procedure_id)
                 .scalar_subquery().label("procedure"))
    return select(*_task_row(), procedure)


@lru_cache(maxsize=1)
def _open_tasks() -> Select:
    return (select(*_task_row()).where(WorkItem.dossier_id == bindparam("dossier_id"))
            .order_by(WorkItem.id))


def dossier_view(session: Session, dossier: Dossier) -> dict:
    code = dossier.procedure.code
    rows = session.execute(_open_tasks(), {"dossier_id": dossier.id})
    return {
        "code": dossier.code, "procedure": code,
        "procedure_name": dossier.procedure.name,
        "process_version": dossier.process_version.number,
        "applicant": {"name": dossier.applicant_name, "kind": dossier.applicant_kind,
                      "id_number": dossier.applicant_id_number,
                      "address": dossier.applicant_address, "phone": dossier.applicant_phone,
                      "email": dossier.applicant_email},
        "channel": dossier.channel, "status": dossier.status, "decision": dossier.decision,
        "received_at": dossier.received_at, "due_date": dossier.due_date,
        "appointment_at": dossier.appointment_at, "finished_at": dossier.finished_at,
        "outcome": dossier.outcome, "version": dossier.version, "data": dossier.data or {},
        "open_tasks": [{**row._asdict(), "procedure": code} for row in rows],
    }
