"""The audit trail search (with its CSV download and the chain check) and a dossier's timeline.

Read only: nothing here writes. Filters come from the query string; a bad one answers 400
with the page, the field named and marked, and no results.
"""
from __future__ import annotations

import csv
import io
import json
import tempfile

from flask import Response, render_template, request, send_file
from sqlalchemy import select

from engine.audit_verify import verify_chain
from engine.calendar import VN_TZ
from engine.errors import InvalidInput
from engine.models import Procedure, User
from engine.services import auditlog

from ..database import db
from ..officer.common import readable_dossier
from ..security import actor, roles_required
from . import bp
from .labels import AREA_ROLES, action_label

CSV_COLUMNS = ("event", "time (Vietnam)", "user", "user name", "action", "dossier", "step",
               "step name", "process version", "process sha256", "before", "after", "reason")
CSV_IN_MEMORY = 8 * 1024 * 1024  # bytes of CSV kept in memory before spilling to a file


def _choices() -> dict:
    session = db()
    return {
        "procedures": list(session.execute(select(Procedure).order_by(Procedure.code)).scalars()),
        "users": list(session.execute(select(User).order_by(User.username)).scalars()),
        "actions": auditlog.ACTIONS,
    }


def _form_error(exc: InvalidInput) -> dict:
    field = next(iter(exc.details), "") if isinstance(exc.details, dict) else ""
    return {"field": field, "message": exc.message}


@bp.get("/events")
@roles_required(*AREA_ROLES)
def events():
    session = db()
    args = {k: request.args.get(k, "") for k in ("code", "procedure", "user", "action", "from",
                                                 "to")}
    try:
        filters = auditlog.parse_filter(session, request.args)
        before = auditlog.parse_before(request.args.get("before"))
    except InvalidInput as exc:
        return render_template("audit/events.html", rows=[], page=None, args=args,
                               error=_form_error(exc), **_choices()), 400
    page = auditlog.search(session, filters, before=before)
    return render_template("audit/events.html", rows=auditlog.describe(session, page.events),
                           page=page, args=args, error=None, echo=dict(filters.echo),
                           **_choices())


@bp.get("/events.csv")
@roles_required(*AREA_ROLES)
def events_csv():
    session = db()
    try:
        filters = auditlog.parse_filter(session, request.args)
    except InvalidInput as exc:
        return Response(exc.message + "\n", status=400, mimetype="text/plain")

    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        batch = []
        for event in auditlog.all_events(session, filters):
            batch.append(event)
            if len(batch) == 500:
                yield _csv_rows(writer, out, session, batch)
                batch = []
        yield _csv_rows(writer, out, session, batch)

    # Written within the request (spilled to disk past a few megabytes) rather than streamed:
    # a stream would hold the request's session, and its transaction, until the client has
    # read it all. A byte-order mark so spreadsheet programs read Vietnamese as UTF-8.
    spool = tempfile.SpooledTemporaryFile(max_size=CSV_IN_MEMORY)
    for chunk in _with_bom(lines()):
        spool.write(chunk.encode("utf-8"))
    spool.seek(0)
    return send_file(spool, mimetype="text/csv", as_attachment=True,
                     download_name="audit-events.csv")


def _with_bom(chunks):
    yield "\ufeff"
    yield from chunks


def _csv_rows(writer, out: io.StringIO, session, events: list) -> str:
    for row in auditlog.describe(session, events):
        e = row.event
        writer.writerow([
            e.id, e.at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S"), e.actor_name,
            row.actor.full_name if row.actor else "", action_label(e.action), e.dossier_code,
            e.step_id, row.step.name if row.step else "",
            row.version.number if row.version else "", e.process_sha256,
            _json(e.before), _json(e.after), e.reason])
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def _json(value: dict | None) -> str:
    return json.dumps(value or {}, ensure_ascii=False, sort_keys=True, default=str)


@bp.get("/verify")
@roles_required(*AREA_ROLES)
def verify():
    """Walk the hash chain (read only) and say whether it is intact or where it breaks."""
    report = verify_chain(db())
    db().rollback()  # nothing was written; end the read transaction
    return render_template("audit/verify.html", report=report)


@bp.get("/dossiers/<code>")
@roles_required(*AREA_ROLES)
def timeline(code: str):
    dossier = readable_dossier(code, actor())
    rows = auditlog.timeline(db(), dossier)
    return render_template("audit/timeline.html", dossier=dossier, rows=rows)
