"""Log in and out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from engine import audit
from engine.clock import now
from engine.services.users import authenticate

from ..database import db
from ..security import SessionUser, public

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if request.method == "POST":
        session = db()
        user = authenticate(session, request.form.get("username", "").strip(),
                            request.form.get("password", ""))
        if user is None:
            flash(_("Wrong username or password."), "error")
            return render_template("auth/login.html"), 401
        login_user(SessionUser(user))
        audit.record(session, at=now(), actor=user, action="login")
        session.commit()
        return redirect(safe_next(request.args.get("next", "")) or url_for("index"))
    return render_template("auth/login.html")


def safe_next(target: str) -> str | None:
    """A local path to go back to after login, or None: never another site."""
    if not target.startswith("/") or any(ch.isspace() or ord(ch) < 32 or ch == "\\"
                                         for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


@bp.post("/logout")
@public
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
