"""Login: lockout after repeated wrong passwords, a rate limit per address, audited attempts."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from engine.models import AuditEvent
from tests.conftest import PASSWORD, T0
from tests.web.conftest import csrf

# Messages are asserted in English; the interface defaults to Vietnamese.
pytestmark = pytest.mark.usefixtures("english")


def attempt(client, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client, "/login")})


def test_account_locks_after_five_wrong_passwords_then_unlocks(client, library):
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            assert attempt(client, "officer", "wrong-password").status_code == 401
        locked = attempt(client, "officer", PASSWORD)
        assert locked.status_code == 403 and "locked" in locked.get_data(as_text=True)
    with time_machine.travel(T0 + timedelta(minutes=14), tick=False):
        assert attempt(client, "officer", PASSWORD).status_code == 403
    with time_machine.travel(T0 + timedelta(minutes=16), tick=False):
        assert attempt(client, "officer", PASSWORD).status_code == 302
    with library.begin() as session:
        actions = [e.action for e in session.execute(
            select(AuditEvent).where(AuditEvent.action.in_(("login", "login_failed")))
            .order_by(AuditEvent.id)).scalars()]
    assert actions == ["login_failed"] * 5 + ["login"]


def test_a_success_clears_earlier_failures(client, library):
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            attempt(client, "officer", "wrong-password")
        assert attempt(client, "officer", PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": csrf(client, "/officer/queue")})
        for _ in range(4):
            attempt(client, "officer", "wrong-password")
        assert attempt(client, "officer", PASSWORD).status_code == 302


def test_unknown_users_are_not_told_apart_and_addresses_are_rate_limited(app, client, library):
    app.config["LOGIN_RATE_LIMIT"] = "5 per minute"
    answers = [attempt(client, "nobody", "whatever").status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]


@pytest.mark.parametrize("secure", [False, True])
def test_cookies_are_http_only_and_secure_behind_https(db_url, library, monkeypatch, secure):
    from web import create_app
    monkeypatch.setenv("MOTCUA_SECURE_COOKIES", "1" if secure else "0")
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "t"})
    client = app.test_client()
    answer = attempt(client, "officer", PASSWORD)
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and ("Secure" in cookie) == secure
    assert ("Strict-Transport-Security" in answer.headers) == secure
