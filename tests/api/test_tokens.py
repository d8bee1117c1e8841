"""Tokens for a username and password: issued (201), refused (401), audited like a login,
the account locked after five wrong passwords (403), the address rate-limited (429)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import AuditEvent

from .conftest import PASSWORD, error_of


def actions(sessions, username: str) -> list[str]:
    with sessions() as session:
        return list(session.execute(select(AuditEvent.action).where(
            AuditEvent.actor_name == username).order_by(AuditEvent.id)).scalars())


def test_a_token_for_the_right_password_opens_the_api(api, library):
    response = api.post("/tokens", json={"username": "head", "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_at"]
    assert body["user"] == {"username": "head", "full_name": "Head", "roles": ["head"],
                            "department": "dau_tu"}
    me = api.get("/me", token=body["token"])
    assert me.status_code == 200 and me.get_json()["username"] == "head"
    assert actions(library, "head")[-1] == "login"


@pytest.mark.parametrize("username,password", [("head", "wrong password"),
                                               ("nobody", PASSWORD), ("HEAD", PASSWORD)])
def test_wrong_credentials_are_401_and_an_existing_account_audits_them(api, library,
                                                                      username, password):
    error = error_of(api.post("/tokens", json={"username": username, "password": password}),
                     401, "unauthenticated")
    assert error["details"] == {"reason": "credentials"}
    assert ("login_failed" in actions(library, "head")) is (password != PASSWORD)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(api, library):
    for _ in range(5):
        error_of(api.post("/tokens", json={"username": "leader", "password": "guess"}), 401)
    error = error_of(api.post("/tokens", json={"username": "leader", "password": PASSWORD}),
                     403, "account_locked")
    assert "locked" in error["message"]
    assert actions(library, "leader").count("login_failed") == 5


def test_the_token_endpoint_is_rate_limited_per_address(app, api):
    app.config["API_TOKEN_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        error_of(api.post("/tokens", json={"username": "x", "password": "y"}), 401)
    response = api.post("/tokens", json={"username": "head", "password": PASSWORD})
    error_of(response, 429, "rate_limited")
    assert response.headers.get("Retry-After")


@pytest.mark.parametrize("body", [{}, {"username": "head"}, {"password": PASSWORD},
                                  {"username": "", "password": PASSWORD},
                                  {"username": "head", "password": PASSWORD, "otp": 1},
                                  {"username": "h" * 81, "password": PASSWORD},
                                  {"username": ["head"], "password": PASSWORD}])
def test_a_bad_token_request_is_422(api, body):
    error = error_of(api.post("/tokens", json=body), 422, "invalid_input")
    assert "json" in error["details"]


def test_a_token_request_that_is_not_json_is_refused(api):
    error_of(api.post("/tokens", data="{oops", content_type="application/json"), 400,
             "bad_request")
    error_of(api.post("/tokens", data={"username": "head", "password": PASSWORD}), 422,
             "invalid_input")
