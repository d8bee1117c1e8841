"""The Flask application: `create_app(config)` builds it; nothing is built at import time."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, redirect, url_for
from flask_login import current_user

from . import database, formatting, i18n, ratelimit, security
from .security import public as public_view


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("MOTCUA_SECRET_KEY", "dev-only-change-me"),
        DATABASE_URL=os.environ.get(
            "MOTCUA_DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'motcua.sqlite3'}"),
        AGENCY_CODE=os.environ.get("MOTCUA_AGENCY_CODE", "000.00.31.H26"),
        AGENCY_NAME="Ban Quản lý Khu kinh tế",
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind HTTPS (production) set MOTCUA_SECURE_COOKIES=1: cookies only travel encrypted.
        SESSION_COOKIE_SECURE=os.environ.get("MOTCUA_SECURE_COOKIES") == "1",
        REMEMBER_COOKIE_SECURE=os.environ.get("MOTCUA_SECURE_COOKIES") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
    )
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    database.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    ratelimit.init_app(app)

    from .admin import bp as admin_bp
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .nonconformities import bp as nonconformities_bp
    from .officer import bp as officer_bp
    from .public import bp as public_bp
    from .quality import bp as quality_bp
    from .reports import bp as reports_bp
    from .slips import bp as slips_bp
    app.register_blueprint(auth_bp)
    app.register_blueprint(officer_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(slips_bp)
    app.register_blueprint(quality_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(nonconformities_bp)
    from . import api
    api.init_app(app)  # the REST API (its own blueprint "api", /api/v1, bearer tokens)

    @app.get("/")
    @public_view
    def index():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return redirect(url_for(_home_of(current_user.user)))

    return app


def _home_of(user) -> str:
    """Where a user lands after login: the work queue for those who work dossiers."""
    if user.has_role("one_stop", "specialist", "head", "leader"):
        return "officer.queue"
    if user.has_role("quality"):
        return "quality.procedures"
    if user.has_role("auditor"):
        return "audit.events"
    return "admin.calendar" if user.has_role("admin") else "auth.login"
