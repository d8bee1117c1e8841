"""Public lookup by dossier code (no login): procedure, status, appointment, what is missing.

Nothing personal is shown; requests are rate-limited per client address.
"""
from __future__ import annotations

import re

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.models import AuditEvent, Dossier

from ..database import db
from ..ratelimit import limiter
from ..security import public

bp = Blueprint("public", __name__, url_prefix="/tra-cuu")

CODE_SHAPE = re.compile(r"^[0-9A-Za-z.\-]{6,60}$")
LOOKUP_LIMIT = "30 per minute"


@bp.get("/")
@limiter.limit(LOOKUP_LIMIT)
@public
def lookup():
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for(".lookup_code", code=code))
    return render_template("public/lookup.html", dossier=None, code="", missing=None)


@bp.get("/<code>")
@limiter.limit(LOOKUP_LIMIT)
@public
def lookup_code(code: str):
    dossier = None
    if CODE_SHAPE.match(code):
        dossier = db().execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
    if dossier is None:
        return render_template("public/lookup.html", dossier=None, code=code, missing=None), 404
    return render_template("public/lookup.html", dossier=dossier, code=code,
                           missing=_missing(dossier))


def _missing(dossier: Dossier) -> str | None:
    """What the applicant must supplement: the note of the latest supplement request."""
    if dossier.status != "awaiting_supplement":
        return None
    events = db().execute(select(AuditEvent).where(
        AuditEvent.dossier_id == dossier.id, AuditEvent.action == "complete")
        .order_by(AuditEvent.id.desc())).scalars()
    request_event = next((e for e in events if e.after.get("outcome") == "supplement"), None)
    return request_event.reason if request_event else ""
