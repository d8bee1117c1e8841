"""The register's pages: the list with its filters and counts, its XLSX export, one
nonconformity with its history, and the quality manager's forms (open, edit, close, reopen)."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine import clock
from engine.errors import DomainError, InvalidInput
from engine.models import Procedure, User
from engine.models.quality_records import SOURCES, STATUSES
from engine.services import nonconformities as ncs

from ..database import db
from ..security import actor, roles_required
from . import bp, register
from .context import REGISTER_READERS
from .export import workbook
from .labels import ACTION, SOURCE, STATUS, field_label

READERS = REGISTER_READERS  # heads: their department's procedures only
WRITERS = ncs.WRITERS


def _page_context(session) -> dict:
    return {"sources": SOURCES, "statuses": STATUSES, "source_labels": SOURCE,
            "status_labels": STATUS, "action_labels": ACTION, "field_label": field_label,
            "procedures": list(session.execute(select(Procedure).order_by(Procedure.code))
                               .scalars()),
            "users": list(session.execute(select(User).where(User.active.is_(True))
                                          .order_by(User.full_name)).scalars()),
            "may_write": actor().has_role(*WRITERS), "today": ncs.local_today(clock.now())}


def _refused(exc: DomainError) -> None:
    db().rollback()
    flash(_("Nothing was changed: %(error)s", error=exc.message), "error")


# --- the register ------------------------------------------------------------------------------

@bp.get("/")
@roles_required(*READERS)
def register_page():
    session, now = db(), clock.now()
    try:
        filters = register.parse(session, request.args)
    except InvalidInput as exc:
        flash(_("The filter was not applied: %(error)s", error=exc.message), "error")
        return render_template("nonconformities/register.html", filters=register.Filters(),
                               rows=[], counts=None, errors=exc.details or {},
                               **_page_context(session)), 400
    scope = ncs.register_scope(actor())
    return render_template("nonconformities/register.html", filters=filters,
                           rows=register.rows(session, filters, scope, now),
                           counts=register.counts(session, filters, scope, now), errors={},
                           page_size=register.PAGE_SIZE, **_page_context(session))


@bp.get("/export.xlsx")
@roles_required(*READERS)
def export():
    session, now = db(), clock.now()
    try:
        filters = register.parse(session, request.args)
    except InvalidInput as exc:
        return Response(exc.message + "\n", status=400, mimetype="text/plain")
    found = register.rows(session, filters, ncs.register_scope(actor()), now, limit=None)
    name = f"nonconformities-{ncs.local_today(now).isoformat()}.xlsx"
    return Response(workbook(found, ncs.local_today(now)), headers={
        "Content-Disposition": f'attachment; filename="{name}"'},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- reading the form ---------------------------------------------------------------------------

def _whole(name: str, *, required: bool = False) -> int | None:
    value = request.form.get(name, "").strip()
    if not value and not required:
        return None
    if not value.isdigit() or len(value) > 12:
        raise InvalidInput(f"{name.replace('_', ' ')} must be chosen from the list",
                           {name: "invalid"})
    return int(value)


def _day(name: str) -> date | None:
    return register.parse_day(request.form, name)


def _readable(code: str):
    try:
        return ncs.readable(db(), actor(), code)
    except DomainError as exc:
        abort(exc.status)


# --- opening one by hand --------------------------------------------------------------------

def _new_page(status: int = 200, errors: dict | None = None):
    return render_template("nonconformities/new.html", form=request.form, errors=errors or {},
                           **_page_context(db())), status


@bp.get("/new")
@roles_required(*WRITERS)
def new():
    return _new_page()


@bp.post("/new")
@roles_required(*WRITERS)
def create():
    session, form = db(), request.form
    try:
        nc = ncs.open_manual(session, actor(), clock.now(), source=form.get("source", ""),
                             description=form.get("description", ""),
                             procedure_id=_whole("procedure_id"),
                             dossier_code=form.get("dossier_code", "")[:60],
                             owner_id=_whole("owner_id"), due_date=_day("due_date"))
        session.commit()
    except DomainError as exc:
        _refused(exc)
        return _new_page(exc.status, exc.details if isinstance(exc.details, dict) else {})
    flash(_("Nonconformity %(code)s was opened.", code=nc.code), "success")
    return redirect(url_for(".nonconformity", code=nc.code))


# --- one nonconformity --------------------------------------------------------------------------

def _history(session, nc) -> list[dict]:
    names = {u.id: u.full_name for u in session.execute(select(User)).scalars()}

    def shown(key, value):
        if key == "owner_id":
            return names.get(value, "") if value else ""
        if key == "status":
            return str(STATUS.get(value, value or ""))
        return "" if value is None else str(value)

    found = []
    for event in ncs.history(session, nc):
        before, after = event.before or {}, event.after or {}
        changes = [(field_label(key), shown(key, before.get(key)), shown(key, after[key]))
                   for key in after if key != "code" and before and before.get(key) != after[key]]
        found.append({"event": event, "changes": changes})
    return found


def _nc_page(nc, status: int = 200, errors: dict | None = None, form=None):
    session = db()
    return render_template("nonconformities/nonconformity.html", nc=nc,
                           history=_history(session, nc), form=form, errors=errors or {},
                           values=ncs.snapshot(nc),
                           **_page_context(session)), status


@bp.get("/<code>")
@roles_required(*READERS)
def nonconformity(code: str):
    return _nc_page(_readable(code))


def _change(code: str, change, done: str, error_template: str = ""):
    """Run `change(session, nc)`; a refusal shows the page again with what was typed."""
    nc = _readable(code)
    session = db()
    try:
        change(session, nc)
        session.commit()
    except DomainError as exc:
        _refused(exc)
        if exc.status == 404:
            abort(404)
        nc = _readable(code)  # as it is now: a stale form shows the newer record beside it
        errors = exc.details if isinstance(exc.details, dict) else {}
        if error_template:
            return render_template(error_template, nc=nc, errors=errors, form=request.form,
                                   **_page_context(session)), exc.status
        return _nc_page(nc, exc.status, errors, form=request.form)
    flash(done % {"code": nc.code}, "success")
    return redirect(url_for(".nonconformity", code=nc.code))


@bp.post("/<code>")
@roles_required(*WRITERS)
def update(code: str):
    form = request.form
    return _change(code, lambda session, nc: ncs.update(
        session, actor(), clock.now(), nc.id, expected_version=_whole("version", required=True),
        changes={"description": form.get("description", ""), "cause": form.get("cause", ""),
                 "correction": form.get("correction", ""),
                 "corrective_action": form.get("corrective_action", ""),
                 "effectiveness": form.get("effectiveness", ""),
                 "owner_id": _whole("owner_id"), "due_date": _day("due_date")},
        reason=form.get("reason", "")[:4000]), _("%(code)s was saved."))


@bp.get("/<code>/close")
@roles_required(*WRITERS)
def close_confirm(code: str):
    return render_template("nonconformities/close.html", nc=_readable(code), errors={},
                           form=None, **_page_context(db()))


@bp.post("/<code>/close")
@roles_required(*WRITERS)
def close(code: str):
    return _change(code, lambda session, nc: ncs.close(
        session, actor(), clock.now(), nc.id, expected_version=_whole("version", required=True),
        effectiveness=request.form.get("effectiveness", "")),
        _("%(code)s was closed."), "nonconformities/close.html")


@bp.post("/<code>/reopen")
@roles_required(*WRITERS)
def reopen(code: str):
    return _change(code, lambda session, nc: ncs.reopen(
        session, actor(), clock.now(), nc.id, expected_version=_whole("version", required=True),
        reason=request.form.get("reason", "")), _("%(code)s was reopened."))
