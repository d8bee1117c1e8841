"""Every API error is JSON `{"error": {"code", "message", "details"}}` with its HTTP status:
domain errors, refused diagrams, invalid input, HTTP errors (401, 404, 405, 413, 429), and
anything unexpected (500, without its insides). Never an HTML page."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, request
from marshmallow import Schema, fields
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    default_exceptions,
)

from bpmn.problems import DiagramInvalid
from engine.errors import DomainError

PREFIX = "/api/"
# HTTP statuses as error codes, where the status name alone is not the clearest word.
CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large",
         415: "unsupported_media_type", 422: "invalid_input", 429: "rate_limited",
         500: "internal_error"}


class Unauthenticated(DomainError):
    """No token, or a token that is forged, expired or no longer valid."""
    status = 401
    code = "unauthenticated"


class ErrorBodyOut(Schema):
    code = fields.String(required=True, metadata={"description": "stable, machine-readable"})
    message = fields.String(required=True, metadata={"description": "for people, in English"})
    details = fields.Raw(allow_none=True, metadata={
        "description": "what exactly: invalid fields by location, located diagram problems"})


class ErrorOut(Schema):
    error = fields.Nested(ErrorBodyOut, required=True)


def error_response(status: int, code: str, message: str, details=None, headers=None):
    response = jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="motcua"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def domain_error(exc: DomainError):
    return error_response(exc.status, exc.code, exc.message, exc.details)


def diagram_invalid(exc: DiagramInvalid):
    problems = [p.as_dict() for p in exc.problems]
    return error_response(422, "diagram_invalid",
                          f"the diagram was refused: {len(problems)} problem(s)",
                          {"problems": problems})


def http_error(exc: HTTPException):
    if isinstance(exc, InternalServerError):
        return internal_error(exc)
    data = getattr(exc, "data", None) or {}  # webargs puts validation messages here
    details = data.get("messages")
    status = exc.code or 500
    if status == 422 or (status == 400 and details):
        message = "the request is not valid: see details" if status == 422 else \
            "the request body is not valid JSON"
        return error_response(status, CODES[status], message, details, data.get("headers"))
    headers = {"Allow": ", ".join(exc.valid_methods)} if isinstance(
        exc, MethodNotAllowed) and exc.valid_methods else None
    return error_response(status, CODES.get(status, exc.name.lower().replace(" ", "_")),
                          exc.description or exc.name, None, headers)


def internal_error(exc: BaseException):
    current_app.logger.exception("API request failed", exc_info=getattr(
        exc, "original_exception", None) or exc)
    return error_response(500, "internal_error", "the server failed on this request; "
                          "it was logged")


def register_on_blueprint(bp) -> None:
    bp.register_error_handler(DomainError, domain_error)
    bp.register_error_handler(DiagramInvalid, diagram_invalid)
    bp.register_error_handler(HTTPException, http_error)
    # Flask prefers an app handler for a status code to a blueprint handler for a class:
    # the API takes each HTTP error status on its own blueprint too.
    for status in default_exceptions:
        bp.register_error_handler(status, http_error)


def register_on_app(app: Flask) -> None:
    """A URL under /api/ that matches no route never reaches the blueprint's handlers."""
    def not_routed(exc: HTTPException):
        return http_error(exc) if request.path.startswith(PREFIX) else exc
    app.register_error_handler(NotFound, not_routed)
    app.register_error_handler(MethodNotAllowed, not_routed)
