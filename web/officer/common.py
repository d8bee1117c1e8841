"""What the officer views share: the roles that work dossiers, and turning errors into flashes."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from bpmn.vocabulary import LANE_ROLES
from engine.errors import DomainError, Forbidden
from engine.models import Dossier
from engine.services.access import check_may_read

from ..database import db

OFFICER_ROLES = LANE_ROLES
READER_ROLES = (*LANE_ROLES, "quality", "auditor")


def act(action, *, success: str, done_url: str, error_url: str):
    """Run a service call, commit, flash; a domain or input error rolls back and says why."""
    session = db()
    try:
        result = action(session)
        session.commit()
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
        # a page the user may not see (or that is gone) would only answer 403/404
        return redirect(url_for("officer.queue") if exc.status in (403, 404) else error_url)
    except ValidationError as exc:
        session.rollback()
        flash(format_errors(exc.messages), "error")
        return redirect(error_url)
    flash(success.format(result=result), "success")
    return redirect(done_url)


def format_errors(messages: dict) -> str:
    return "; ".join(f"{field}: {', '.join(map(str, errs)) if isinstance(errs, list) else errs}"
                     for field, errs in messages.items())


def readable_dossier(code: str, actor) -> Dossier:
    """The dossier with this code if the actor may read it: 404 unknown, 403 out of scope."""
    found = db().execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
    if found is None:
        abort(404)
    try:
        check_may_read(actor, found)
    except Forbidden:
        abort(403)
    return found
