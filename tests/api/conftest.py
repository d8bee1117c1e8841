"""The API on top of the `library` fixture: an app, a client that speaks JSON with a bearer
token per user, and a check of the error body every refusal carries."""
from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import func, select

from engine.models import AuditEvent, User
from tests.conftest import PASSWORD, T0
from tests.web.test_authorization import world  # noqa: F401  (the web matrix's sample objects)
from web import create_app
from web.api.auth import issue_token

API = "/api/v1"


@pytest.fixture(autouse=True)
def office_hours():
    """The clock at T0, a Wednesday 10:00 Vietnam time, ticking."""
    with time_machine.travel(T0, tick=True) as traveller:
        yield traveller


@pytest.fixture
def app(db_url, library):
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "test",
                      "API_TOKEN_RATE_LIMIT": "1000 per minute"})
    yield app
    app.extensions["motcua.engine"].dispose()


class ApiClient:
    """Calls /api/v1 as a user (a token issued once per username) or anonymously."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            with self.app.app_context():
                from web.database import db
                user = db().execute(select(User).where(User.username == username)).scalar_one()
                self.tokens[username] = issue_token(user, T0)[0]
        return self.tokens[username]

    def call(self, method: str, path: str, as_: str | None = None, token: str | None = None,
             **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if as_ is not None:
            token = self.token(as_)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(API + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, as_: str | None = None, **kwargs):
        return self.call("GET", path, as_, **kwargs)

    def post(self, path: str, as_: str | None = None, **kwargs):
        return self.call("POST", path, as_, **kwargs)


@pytest.fixture
def api(app):
    return ApiClient(app)


def error_of(response, status: int, code: str | None = None) -> dict:
    """The error body of a refusal, checked: JSON, the status, the code if given."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def audit_count(sessions) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


APPLICANT = {"name": "Công ty TNHH An Phú", "kind": "organisation", "id_number": "0312345678",
             "address": "12 Lê Lợi, Quận 1", "phone": "028 3822 1234",
             "email": "anphu@example.vn"}


def receive(api, procedure: str = "BQL.DT.01", **extra) -> dict:
    response = api.post("/dossiers", "officer",
                        json={"procedure_code": procedure, "applicant": APPLICANT, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


__all__ = ["API", "APPLICANT", "PASSWORD", "T0", "audit_count", "error_of", "receive"]
