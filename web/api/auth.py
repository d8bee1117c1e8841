"""Bearer tokens: signed and expiring (itsdangerous with the app's SECRET_KEY), no table.

A token names the user and a fingerprint of the user's password hash, so changing the
password (or deactivating the user) ends every token issued before; otherwise a token lives
API_TOKEN_TTL seconds. `token_required(*roles)` guards a view by role, as the web's
`roles_required` does (the roles are kept on the view for the authorization tests).
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from functools import wraps

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bpmn.vocabulary import ROLES
from engine.errors import Forbidden
from engine.models import User

from ..database import db
from ..security import user_by_id
from .errors import Unauthenticated

SALT = "motcua-api-token"
DEFAULT_TTL = 8 * 3600  # seconds, like a web session
ALL_ROLES = tuple(ROLES)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _ttl() -> int:
    return int(current_app.config.get("API_TOKEN_TTL", DEFAULT_TTL))


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:16]


def issue_token(user: User, now: datetime) -> tuple[str, datetime]:
    """A token for `user` and the moment it expires."""
    token = _serializer().dumps({"u": user.id, "p": _fingerprint(user)})
    return token, now + timedelta(seconds=_ttl())


def user_of(token: str) -> User:
    try:
        payload = _serializer().loads(token, max_age=_ttl())
    except SignatureExpired:
        raise Unauthenticated("the token has expired: ask for a new one at POST /api/v1/tokens",
                              {"reason": "expired"}) from None
    except BadSignature:
        raise Unauthenticated("the token is not valid", {"reason": "invalid"}) from None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    user = user_by_id(db(), user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or not hmac.compare_digest(
            str(payload.get("p", "")), _fingerprint(user)):
        raise Unauthenticated("the token is no longer valid (password changed or user "
                              "deactivated)", {"reason": "revoked"})
    return user


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send a token: 'Authorization: Bearer <token>' "
                              "(POST /api/v1/tokens gives one)", {"reason": "missing"})
    return token.strip()


def api_user() -> User:
    return g.api_user


def token_required(*roles: str):
    """Guard an API view: a valid bearer token (401) of a user holding one of `roles` (403)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = user_of(bearer_token())
            if not user.has_role(*roles):
                raise Forbidden(f"this needs one of the roles: {', '.join(roles)}",
                                {"roles": list(roles)})
            g.api_user = user
            return view(*args, **kwargs)
        wrapped.allowed_roles = frozenset(roles)
        return wrapped
    return decorator
