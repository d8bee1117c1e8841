"""The return of a dossier's result and the applicant's rating; what the dossier page lists
beside its history (slips, attachments, return)."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from engine.clock import now
from engine.deadlines import apology_of
from engine.models import Dossier
from engine.services import ratings
from engine.services.attachments import attachments_of
from engine.services.returns import return_of

from ..database import db
from ..schemas import RatingIn
from ..security import actor, roles_required
from ..slips.records import refusal, supplement_requests
from . import bp
from .common import READER_ROLES, act

METHODS = {"desk": _l("At the one-stop desk"), "post": _l("By post"), "online": _l("Online")}
LEVELS = {"very_satisfied": _l("Very satisfied"), "satisfied": _l("Satisfied"),
          "not_satisfied": _l("Not satisfied")}


@bp.app_template_global("dossier_records")
def dossier_records(dossier: Dossier) -> dict:
    """The slips that apply to the dossier, its attachments, its return and rating."""
    session = db()
    return {"supplements": supplement_requests(session, dossier),
            "refusal": refusal(session, dossier), "apology": apology_of(session, dossier.id),
            "attachments": attachments_of(session, dossier.id),
            "delivery": return_of(session, dossier.id),
            "rating": ratings.rating_of(session, dossier.id),
            "methods": METHODS, "levels": LEVELS}


def _dossier(code: str) -> Dossier:
    found = db().execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


@bp.get("/dossiers/<code>/return")
@roles_required(*READER_ROLES)
def dossier_return(code: str):
    return render_template("officer/return.html", dossier=_dossier(code))


@bp.post("/dossiers/<code>/rating")
@roles_required("one_stop")
def rating(code: str):
    dossier = _dossier(code)

    def action(session):
        form = RatingIn().load(request.form)
        return ratings.rate(session, actor(), now(), dossier.id, level=form["rating"],
                            comment=form["rating_comment"])
    page = url_for(".dossier_return", code=code)
    return act(action, success=_("Rating recorded for dossier %(code)s.", code=code),
               done_url=page, error_url=page)
