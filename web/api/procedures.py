"""Procedures and the upload of a new BPMN version."""
from __future__ import annotations

from sqlalchemy import func, select

from engine.clock import now
from engine.errors import Conflict, InvalidInput
from engine.models import Procedure, ProcessVersion
from engine.services import versions

from ..database import db
from . import bp, guarded
from .auth import ALL_ROLES, api_user
from .errors import error_response
from .present import procedure_view, version_view
from .schemas import ProcedureArgs, ProcedurePageOut, VersionIn, VersionOut


@bp.route("/procedures", methods=["GET"])
@guarded(*ALL_ROLES)
@bp.doc(tags=["procedures"])
@bp.arguments(ProcedureArgs, location="query")
@bp.response(200, ProcedurePageOut)
def list_procedures(args):
    """The procedures, by code, with the number of their published version"""
    session = db()
    query = select(Procedure).order_by(Procedure.code)
    if args.get("field"):
        query = query.where(Procedure.field == args["field"])
    page, per_page = args["page"], args["per_page"]
    found = list(session.execute(query.limit(per_page + 1)
                                 .offset((page - 1) * per_page)).scalars())
    published = dict(session.execute(
        select(ProcessVersion.procedure_id, func.max(ProcessVersion.number))
        .where(ProcessVersion.status == "published",
               ProcessVersion.procedure_id.in_([p.id for p in found]))
        .group_by(ProcessVersion.procedure_id)).all())
    return {"items": [procedure_view(p, published.get(p.id)) for p in found[:per_page]],
            "page": page, "per_page": per_page, "has_next": len(found) > per_page}


@bp.route("/procedures/<procedure>/versions", methods=["POST"])
@guarded("quality", also=(404, 409, 413))
@bp.doc(tags=["procedures"])
@bp.arguments(VersionIn)
@bp.response(201, VersionOut)
def upload_version(body, procedure: str):
    """Upload a BPMN diagram as the next draft version of a procedure

    The diagram is checked first (and converted from other modelers' dialects where it can
    be): a refused one is a 422 `diagram_invalid` whose details list each problem located by
    element id, file and line, and nothing is changed. A diagram identical to an existing
    version is a 409. Submitting, approving and publishing the draft are the quality
    workspace's business.
    """
    session = db()
    try:
        saved = versions.save_draft(session, api_user(), now(), procedure_code=procedure,
                                    xml=body["bpmn_xml"], file=body["file_name"],
                                    change_note=body["change_note"])
    except versions.DiagramRefused as exc:
        return error_response(422, "diagram_invalid", exc.message, exc.details)
    except InvalidInput as exc:
        if isinstance(exc.details, dict) and "same_as" in exc.details:
            raise Conflict(exc.message, exc.details) from None  # it exists already
        raise
    session.commit()
    return version_view(saved.version, saved.report.as_dict())
