"""Record a withdrawal (rút hồ sơ) or stop the processing of a dossier (dừng xử lý hồ sơ)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.clock import now
from engine.errors import DomainError, InvalidInput
from engine.models import Dossier
from engine.services import stops

from ..database import db
from ..security import actor, roles_required
from . import bp
from .common import readable_dossier

STOP_ROLES = ("one_stop", "head", "leader")


@bp.app_template_global("stop_kinds")
def stop_kinds(dossier: Dossier) -> tuple[str, ...]:
    """What the signed-in officer may record on the dossier: withdrawn, stopped, or nothing."""
    return stops.allowed_kinds(actor(), dossier)


@bp.app_template_global("stop_of")
def stop_of(dossier: Dossier) -> stops.StopRecord | None:
    return stops.stop_of(db(), dossier)


@bp.route("/dossiers/<code>/stop", methods=["GET", "POST"])
@roles_required(*STOP_ROLES)
def stop(code: str):
    session = db()
    dossier = readable_dossier(code, actor())
    if dossier.finished_at is not None:
        flash(_("Dossier %(code)s is already finished: its processing cannot be stopped.",
                code=code), "error")
        return redirect(url_for(".dossier", code=code))
    kinds = stops.allowed_kinds(actor(), dossier)
    if not kinds:
        abort(403)
    if request.method == "GET":
        return render_template("officer/stop.html", dossier=dossier, kinds=kinds,
                               form={"kind": kinds[0], "version": dossier.version})
    form = request.form
    try:
        stops.stop_dossier(session, actor(), now(), dossier.id, kind=form.get("kind", ""),
                           reason=form.get("reason", ""),
                           expected_version=_version(form.get("version", "")),
                           requested_on=_day(form.get("requested_on", "")))
        session.commit()
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
        session.refresh(dossier)
        if dossier.finished_at is not None:  # finished meanwhile: nothing left to stop
            return redirect(url_for(".dossier", code=code))
        conflict = exc.status == 409
        # after a conflict the page shows the dossier as it is now: confirming again acts on it
        shown = {**form, "version": dossier.version} if conflict else form
        return render_template("officer/stop.html", dossier=dossier, kinds=kinds, form=shown,
                               conflict=conflict), exc.status
    flash(_("Dossier %(code)s: withdrawal recorded. Print the notice for the applicant.",
            code=code) if form["kind"] == "withdrawn" else
          _("Dossier %(code)s: processing stopped. Print the notice for the applicant.",
            code=code), "success")
    return redirect(url_for(".dossier", code=code))


def _version(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(_("The form lacks the dossier's version: reload the page."),
                           {"version": "required"}) from None


def _day(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(_("Give the date of the applicant's request as a date."),
                           {"requested_on": "invalid"}) from None
