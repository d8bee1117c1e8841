"""The REST API under /api/v1: bearer tokens, marshmallow schemas at the edge, and its
OpenAPI 3 document at /api/v1/openapi.json (flask-smorest). See docs/api.md."""
from __future__ import annotations

from http import HTTPStatus

from flask import Flask, current_app, request
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser

from engine.errors import InvalidInput

from ..security import csrf
from . import errors
from .auth import token_required


class StrictParser(FlaskParser):
    """Unknown query parameters are refused (422) like unknown body fields: the schemas say."""
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None,
                                   "querystring": None}


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()

    def arguments(self, schema, *args, **kwargs):
        """A schema class is made into its instance once here: given the class, webargs
        would make a new one at every request."""
        return super().arguments(schema() if isinstance(schema, type) else schema,
                                 *args, **kwargs)


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1",
                  description="Procedures, dossiers, tasks and reports of the one-stop shop")
MAX_BODY = 4 * 1024 * 1024  # bytes; a bigger request body is refused (413)
SPEC = {
    "title": "motcua API", "version": "1", "openapi_version": "3.0.3",
    "info": {"description": "The one-stop shop's REST API. Authenticate with "
                            "`Authorization: Bearer <token>` from `POST /api/v1/tokens`. "
                            "Every error is `{\"error\": {\"code\", \"message\", \"details\"}}`."},
    "security": [{"bearerAuth": []}],
}


class MotcuaApi(Api):
    ERROR_SCHEMA = errors.ErrorOut

    def _register_error_handlers(self):
        """The API's error handlers stay on its blueprint (errors.register_on_blueprint):
        the HTML pages keep theirs."""


def guarded(*roles: str, also: tuple[int, ...] = ()):
    """token_required(*roles), with 401, 403 and the codes `also` documented in the OpenAPI."""
    def decorator(view):
        view = token_required(*roles)(view)
        return documented(401, 403, *also)(view)
    return decorator


def documented(*codes: int):
    """Document error responses (the error schema) of a view."""
    def decorator(view):
        for code in codes:
            view = bp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view
    return decorator


errors.register_on_blueprint(bp)


@bp.before_request
def check_request():
    """A body over the limit is a 413; a NUL character anywhere (path, query, JSON) is refused
    before it reaches a query (PostgreSQL cannot store it in text)."""
    request.max_content_length = current_app.config.get("API_MAX_BODY", MAX_BODY)
    where = ("path" if "\x00" in request.path else
             "query" if _has_nul(list(request.args.items(multi=True))) else
             "json" if request.is_json and _has_nul(request.get_json(silent=True)) else None)
    if where:
        raise InvalidInput("NUL characters are not allowed", {where: "NUL character"})


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def init_app(app: Flask) -> None:
    api = MotcuaApi(app, spec_kwargs=dict(SPEC))
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "a token from POST /api/v1/tokens, valid for a few hours"})
    api.register_blueprint(bp)
    csrf.exempt(bp)  # bearer tokens, never cookies: no cross-site request can carry one
    errors.register_on_app(app)
    app.extensions["motcua.api"] = api


from . import dossiers, mining, procedures, reports, tasks, tokens  # noqa: E402,F401  (routes on bp)
