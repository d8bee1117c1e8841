"""Users and departments: list, create, edit roles and department, deactivate after a
confirmation, reset a password; list, create and rename departments."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from bpmn.vocabulary import ROLES
from engine.clock import now
from engine.errors import DomainError, NotFound
from engine.services import people

from ..database import db
from ..security import actor
from . import bp


def _refused(exc: DomainError) -> None:
    db().rollback()
    flash(_("Nothing was changed: %(error)s", error=exc.message), "error")


def _user(user_id: int):
    try:
        return people.get_user(db(), user_id)
    except NotFound:
        abort(404)


def _department(department_id: int):
    try:
        return people.get_department(db(), department_id)
    except NotFound:
        abort(404)


# --- users ----------------------------------------------------------------------------------

def _users_page(form=None, status: int = 200):
    session = db()
    return render_template("admin/users.html", users=people.list_users(session),
                           departments=people.list_departments(session), roles=list(ROLES),
                           form=form or {}, form_roles=(form.getlist("roles") if form else []),
                           me=actor()), status


@bp.get("/users")
def users():
    return _users_page()


@bp.post("/users")
def user_create():
    form = request.form
    session = db()
    try:
        user = people.add_user(session, actor(), now(), username=form.get("username", ""),
                               full_name=form.get("full_name", ""),
                               password=form.get("password", ""), roles=form.getlist("roles"),
                               department_code=form.get("department") or None,
                               email=form.get("email", ""))
        session.commit()
    except DomainError as exc:
        _refused(exc)
        return _users_page(form, exc.status)
    flash(_("User %(username)s was created.", username=user.username), "success")
    return redirect(url_for(".users"))


def _user_page(user, status: int = 200):
    session = db()
    return render_template("admin/users_edit.html", user=user,
                           departments=people.list_departments(session), roles=list(ROLES),
                           me=actor()), status


@bp.get("/users/<int:user_id>")
def user_edit(user_id: int):
    return _user_page(_user(user_id))


def _change(user_id: int, change, done: str):
    """Run `change(session)` on the user; on a refusal show the user's page with the error."""
    user = _user(user_id)
    session = db()
    try:
        change(session)
        session.commit()
    except DomainError as exc:
        _refused(exc)
        return _user_page(_user(user_id), exc.status)
    flash(done % {"username": user.username}, "success")
    return redirect(url_for(".user_edit", user_id=user_id))


@bp.post("/users/<int:user_id>")
def user_update(user_id: int):
    form = request.form
    return _change(user_id, lambda session: people.update_user(
        session, actor(), now(), user_id, full_name=form.get("full_name", ""),
        email=form.get("email", ""), department_code=form.get("department") or None),
        _("The details of %(username)s were saved."))


@bp.post("/users/<int:user_id>/roles")
def user_roles(user_id: int):
    return _change(user_id, lambda session: people.set_roles(
        session, actor(), now(), user_id, request.form.getlist("roles")),
        _("The roles of %(username)s were saved."))


@bp.post("/users/<int:user_id>/password")
def user_password(user_id: int):
    return _change(user_id, lambda session: people.reset_password(
        session, actor(), now(), user_id, request.form.get("password", "")),
        _("The password of %(username)s was reset."))


@bp.get("/users/<int:user_id>/deactivate")
def user_deactivate_confirm(user_id: int):
    return render_template("admin/users_deactivate.html", user=_user(user_id))


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    return _change(user_id, lambda session: people.set_active(
        session, actor(), now(), user_id, False),
        _("%(username)s was deactivated: they can no longer log in."))


@bp.post("/users/<int:user_id>/activate")
def user_activate(user_id: int):
    return _change(user_id, lambda session: people.set_active(
        session, actor(), now(), user_id, True),
        _("%(username)s was reactivated."))


# --- departments ----------------------------------------------------------------------------

def _departments_page(form=None, status: int = 200):
    return render_template("admin/departments.html",
                           departments=people.list_departments(db()), form=form or {}), status


@bp.get("/departments")
def departments():
    return _departments_page()


@bp.post("/departments")
def department_create():
    form = request.form
    session = db()
    try:
        dept = people.create_department(session, actor(), now(), code=form.get("code", ""),
                                        name=form.get("name", ""),
                                        name_en=form.get("name_en", ""))
        session.commit()
    except DomainError as exc:
        _refused(exc)
        return _departments_page(form, exc.status)
    flash(_("Department %(code)s was created.", code=dept.code), "success")
    return redirect(url_for(".departments"))


@bp.get("/departments/<int:department_id>")
def department_edit(department_id: int):
    return render_template("admin/departments_edit.html", dept=_department(department_id),
                           form={})


@bp.post("/departments/<int:department_id>")
def department_update(department_id: int):
    dept = _department(department_id)
    form = request.form
    session = db()
    try:
        dept = people.update_department(session, actor(), now(), department_id,
                                        name=form.get("name", ""),
                                        name_en=form.get("name_en", ""))
        session.commit()
    except DomainError as exc:
        _refused(exc)
        return render_template("admin/departments_edit.html",
                               dept=_department(department_id), form=form), exc.status
    flash(_("Department %(code)s was renamed.", code=dept.code), "success")
    return redirect(url_for(".departments"))
