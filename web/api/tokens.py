"""Tokens, the caller's identity, and the OpenAPI document."""
from __future__ import annotations

from flask import current_app, jsonify

from engine.clock import now
from engine.errors import DomainError
from engine.services.users import authenticate

from ..database import db
from ..ratelimit import limiter
from ..security import public
from . import bp, documented, guarded
from .auth import ALL_ROLES, api_user, issue_token
from .errors import Unauthenticated
from .present import user_view
from .schemas import TokenIn, TokenOut, UserOut

TOKEN_LIMIT = "20 per minute"  # per client address, like the login page


@bp.route("/tokens", methods=["POST"])
@limiter.limit(lambda: current_app.config.get("API_TOKEN_RATE_LIMIT", TOKEN_LIMIT))
@public
@documented(401, 403, 429)
@bp.doc(security=[], tags=["auth"])
@bp.arguments(TokenIn)
@bp.response(201, TokenOut)
def create_token(body):
    """Exchange a username and password for a bearer token

    Every attempt is audited; five wrong passwords in 15 minutes lock the account (403
    `account_locked`).
    """
    session = db()
    try:
        user = authenticate(session, body["username"], body["password"], now())
    except DomainError:
        session.commit()  # the attempt is audited whatever its result
        raise
    session.commit()
    if user is None:
        raise Unauthenticated("wrong username or password", {"reason": "credentials"})
    token, expires_at = issue_token(user, now())
    return {"token": token, "token_type": "Bearer", "expires_at": expires_at,
            "user": user_view(user)}


@bp.route("/me", methods=["GET"])
@guarded(*ALL_ROLES)
@bp.doc(tags=["auth"])
@bp.response(200, UserOut)
def me():
    """Who the token belongs to, with the roles it may act in"""
    return user_view(api_user())


@bp.route("/openapi.json", methods=["GET"])
@public
@bp.doc(security=[], tags=["auth"])
@bp.response(200, description="this document (OpenAPI 3)")
def openapi():
    """The OpenAPI 3 document of this API"""
    return jsonify(current_app.extensions["motcua.api"].spec.to_dict())
