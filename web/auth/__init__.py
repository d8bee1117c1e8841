"""Log in and out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from engine.clock import now
from engine.services.users import AccountLocked, authenticate

from ..database import db
from ..ratelimit import limiter
from ..security import SessionUser, public

bp = Blueprint("auth", __name__)
LOGIN_LIMIT = "20 per minute"  # per client address; the account lockout counts per account


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT", LOGIN_LIMIT), methods=["POST"])
@public
def login():
    if request.method == "POST":
        session = db()
        try:
            user = authenticate(session, request.form.get("username", "").strip()[:80],
                                request.form.get("password", "")[:200], now())
        except AccountLocked as exc:
            flash(_("Too many wrong passwords: this account is locked for a while. "
                    "Try again later or ask an administrator."), "error")
            return render_template("auth/login.html", locked=exc.message), 403
        finally:
            session.commit()  # the attempt is audited whatever its result
        if user is None:
            flash(_("Wrong username or password."), "error")
            return render_template("auth/login.html"), 401
        login_user(SessionUser(user))
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
