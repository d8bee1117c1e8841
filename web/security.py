"""Login sessions, CSRF on every form, role guards and security headers."""
from __future__ import annotations

from functools import lru_cache, wraps

from flask import Flask, abort
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from engine.models import User

from .database import db

login_manager = LoginManager()
csrf = CSRFProtect()


class SessionUser(UserMixin):
    """The logged-in user as Flask-Login sees it, wrapping the domain User."""

    def __init__(self, user: User):
        self.user = user
        self.id = str(user.id)

    def __getattr__(self, name):
        return getattr(self.user, name)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    csrf.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        user = user_by_id(db(), int(user_id)) if user_id.isdigit() else None
        return SessionUser(user) if user is not None and user.active else None

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; font-src 'self' data:; "
            "style-src 'self' 'unsafe-inline'")
        return response


@lru_cache(maxsize=1)
def _user_statement():
    # built once: building it and its cache key costs more than running it
    return (select(User).options(joinedload(User.role_links))
            .where(User.id == bindparam("user_id")))


def user_by_id(session: Session, user_id: int) -> User | None:
    """The user with its department and roles in one statement: every request's login check
    (the web session's and the API token's) reads the user afresh, never from a cache, so a
    deactivation or a password change counts at the next request."""
    return session.execute(_user_statement(), {"user_id": user_id}).unique().scalar_one_or_none()


def actor() -> User:
    return current_user.user


def roles_required(*roles: str):
    """Guard a view by role. The roles are kept on the view for the authorization test."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        wrapped.allowed_roles = frozenset(roles)
        return wrapped
    return decorator


def public(view):
    """Mark a view open to everyone, so the authorization test knows it is meant to be."""
    view.allowed_roles = None
    return view
