"""A late dossier's apology and new appointment; the deadline state on every dossier page."""
from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine.calendar import VN_TZ
from engine.clock import now
from engine.deadlines import DeadlineState, deadline_state, procedure_calendar
from engine.errors import DomainError, InvalidInput
from engine.models import Dossier
from engine.services import apology as apology_service

from ..database import db
from ..security import actor, roles_required
from . import bp


@bp.app_template_global("deadline")
def deadline(dossier: Dossier) -> DeadlineState:
    """Where the dossier stands against its due date (paused, overdue...), with its pauses
    and apology."""
    session = db()
    return deadline_state(session, dossier, now(), procedure_calendar(session, dossier.procedure))


@bp.route("/dossiers/<code>/apology", methods=["GET", "POST"])
@roles_required("one_stop")
def apology(code: str):
    session = db()
    dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
    if dossier is None:
        abort(404)
    if request.method == "GET":
        return render_template("officer/apology.html", dossier=dossier, form={})
    form = request.form
    try:
        new_at = _appointment(form.get("new_date", ""), form.get("new_time", ""))
        apology_service.issue_apology(session, actor(), now(), dossier.id,
                                      reason=form.get("reason", ""), new_appointment_at=new_at)
        session.commit()
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
        return render_template("officer/apology.html", dossier=dossier, form=form), exc.status
    flash(_("Apology recorded for dossier %(code)s: print the slip for the applicant.",
            code=dossier.code), "success")
    return redirect(url_for(".dossier", code=dossier.code))


def _appointment(day: str, at: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(day.strip()),
                                datetime.strptime(at.strip(), "%H:%M").time(), tzinfo=VN_TZ)
    except ValueError:
        raise InvalidInput(_("Give the new appointment as a date and a time (HH:MM)."),
                           {"new_appointment_at": "required"}) from None
