"""Receive a dossier at the counter: fill in, see the appointment date and why, then save."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from engine.clock import now
from engine.deadlines import procedure_calendar
from engine.errors import DomainError
from engine.models import Procedure
from engine.services import dossiers
from engine.services.attachments import check_uploads, human_size, store

from ..database import db
from ..deadline_text import explain_due
from ..schemas import ApplicantIn, ReceiveIn
from ..security import actor, roles_required
from . import attachments, bp
from .common import format_errors


@bp.route("/receive", methods=["GET", "POST"])
@roles_required("one_stop")
def receive():
    session = db()
    procedures = list(session.execute(select(Procedure).order_by(Procedure.code)).scalars())
    context = {"procedures": procedures, "form": request.form, "preview": None,
               "attachment_limit": human_size(attachments.max_bytes())}
    if request.method == "GET":
        return render_template("officer/receive.html", **context)
    try:
        form = ReceiveIn().load(request.form)
        applicant = ApplicantIn().load(_prefixed(request.form, "applicant_"))
    except ValidationError as exc:
        flash(format_errors(exc.messages), "error")
        return render_template("officer/receive.html", **context), 422
    procedure = next((p for p in procedures if p.code == form["procedure_code"]), None)
    if procedure is None:
        flash(_("Choose a procedure from the list."), "error")
        return render_template("officer/receive.html", **context), 422
    context["preview"] = _preview(session, procedure)  # shown again if saving is refused
    if request.form.get("step") != "save":
        return render_template("officer/receive.html", **context)
    try:  # every file is checked before anything is written: a refused one changes nothing
        uploads = check_uploads(attachments.received_files(), max_bytes=attachments.max_bytes())
        at = now()
        dossier = dossiers.receive(
            session, actor(), at, procedure_code=procedure.code, applicant=applicant,
            channel=form["channel"], data=_receipt_data(form, procedure),
            agency_code=current_app.config["AGENCY_CODE"])
        store(session, actor(), at, dossier, uploads, attachments.folder())
        session.commit()
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
        return render_template("officer/receive.html", **context), exc.status
    flash(_("Dossier %(code)s received. Print the receipt slip for the applicant.",
            code=dossier.code), "success")
    return redirect(url_for("slips.receipt", code=dossier.code))


def _preview(session, procedure: Procedure) -> dict:
    calendar = procedure_calendar(session, procedure)  # its receipt cut-off, if any
    at = now()
    due = calendar.due(at, procedure.legal_days, calendar_days=procedure.calendar_days)
    return {"due": due, "lines": explain_due(due, at, procedure.calendar_days)}


def _receipt_data(form: dict, procedure: Procedure) -> dict:
    """What the receipt slip needs beyond the applicant: documents, sets, where to collect."""
    checked = set(request.form.getlist("documents"))
    documents = [{"name": d["name"], "form": d.get("form", "copy"), "count": d.get("count", 1)}
                 for d in procedure.documents if d["name"] in checked]
    return {"note": form["note"], "documents": documents, "sets": form["sets"],
            "result_delivery": form["result_delivery"]}


def _prefixed(form, prefix: str) -> dict:
    return {key[len(prefix):]: value for key, value in form.items() if key.startswith(prefix)}
