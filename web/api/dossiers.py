"""Receive a dossier, read it, and read its events (the audit trail)."""
from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select

from engine.clock import now
from engine.errors import NotFound
from engine.models import AuditEvent, Dossier, Procedure
from engine.services import dossiers, stops
from engine.services.access import check_may_read

from ..database import db
from ..officer.common import READER_ROLES
from . import bp, guarded
from .auth import api_user
from .present import dossier_view
from .schemas import DossierIn, DossierOut, EventPageOut, PageArgs, StopIn


@bp.route("/dossiers", methods=["POST"])
@guarded("one_stop", also=(404, 413))
@bp.doc(tags=["dossiers"])
@bp.arguments(DossierIn)
@bp.response(201, DossierOut)
def receive(body):
    """Receive a dossier at the counter

    Starts the procedure's published version; the answer carries the dossier code, the due
    date and appointment, and the first open tasks.
    """
    session = db()
    procedure = session.execute(select(Procedure).where(
        Procedure.code == body["procedure_code"])).scalar_one_or_none()
    if procedure is None:
        raise NotFound(f"no procedure with code {body['procedure_code']!r}",
                       {"procedure_code": "unknown"})
    handed = set(body["documents"])
    documents = [{"name": d["name"], "form": d.get("form", "copy"), "count": d.get("count", 1)}
                 for d in procedure.documents or [] if d["name"] in handed]
    dossier = dossiers.receive(
        session, api_user(), now(), procedure_code=procedure.code, applicant=body["applicant"],
        channel=body["channel"], agency_code=current_app.config["AGENCY_CODE"],
        data={"note": body["note"], "documents": documents, "sets": body["sets"],
              "result_delivery": body["result_delivery"]})
    session.commit()
    return dossier_view(session, dossier), {"Location": url_for(".get_dossier",
                                                                code=dossier.code)}


def dossier_by_code(session, code: str, reader=None) -> Dossier:
    found = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no dossier with code {code!r}")
    if reader is not None:
        check_may_read(reader, found)
    return found


@bp.route("/dossiers/<code>", methods=["GET"])
@guarded(*READER_ROLES, also=(404,))
@bp.doc(tags=["dossiers"])
@bp.response(200, DossierOut)
def get_dossier(code: str):
    """A dossier by its code, with its open tasks and its version"""
    session = db()
    return dossier_view(session, dossier_by_code(session, code, api_user()))


@bp.route("/dossiers/<code>/stop", methods=["POST"])
@guarded("one_stop", "head", "leader", also=(404, 409, 422))
@bp.doc(tags=["dossiers"])
@bp.arguments(StopIn)
@bp.response(200, DossierOut)
def stop_dossier(body, code: str):
    """End a dossier without a result: withdrawn or stopped

    `withdrawn`: the applicant asked in writing to withdraw it (a one-stop officer, a head of
    the dossier's department or a leader records it); `stopped`: the agency stops processing
    it (a head of the dossier's department or a leader). The dossier is finished with no
    outcome, its open tasks are abandoned; a stale `version` or a finished dossier is 409.
    """
    session = db()
    dossier = dossier_by_code(session, code, api_user())
    stops.stop_dossier(session, api_user(), now(), dossier.id, kind=body["kind"],
                       reason=body["reason"], expected_version=body["version"],
                       requested_on=body.get("requested_on"))
    session.commit()
    return dossier_view(session, dossier)


@bp.route("/dossiers/<code>/events", methods=["GET"])
@guarded(*READER_ROLES, also=(404,))
@bp.doc(tags=["dossiers"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, EventPageOut)
def dossier_events(args, code: str):
    """A dossier's events from the audit trail, oldest first"""
    session = db()
    dossier = dossier_by_code(session, code, api_user())
    page, per_page = args["page"], args["per_page"]
    events = list(session.execute(
        select(AuditEvent).where(AuditEvent.dossier_id == dossier.id).order_by(AuditEvent.id)
        .limit(per_page + 1).offset((page - 1) * per_page)).scalars())
    return {"items": events[:per_page], "page": page, "per_page": per_page,
            "has_next": len(events) > per_page}
