"""The API's authorization matrix: every /api/v1 route, every role, with a valid token; and
every guarded route without a token, with a forged, an expired and a revoked one. A new API
route without a guard (or with a wrong one) fails here, as the web's matrix does for pages."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import User
from engine.services.users import _hasher
from web.api.auth import DEFAULT_TTL

from .conftest import API, error_of

USERS = {"one_stop": "officer", "specialist": "specialist", "head": "head",
         "leader": "leader", "quality": "quality", "auditor": "auditor", "admin": "admin"}
# Views that also check the object: the sample task is a specialist's of the investment
# department, so other working roles pass the role guard and are then refused on the task.
OBJECT_SCOPED = {"api.get_task", "api.claim", "api.complete", "api.release"}
TASK_OWNER = "specialist"


def api_routes(app, samples: dict) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        missing = [a for a in rule.arguments if a not in samples]
        assert not missing, f"{rule.endpoint}: add a sample value for {missing}"
        url = rule.build({a: samples[a] for a in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def roles_of(app, endpoint: str):
    return app.view_functions[endpoint].allowed_roles


def test_the_api_has_the_routes_of_the_issue(app, world):
    endpoints = {e for e, _, _ in api_routes(app, world)}
    assert {"api.list_procedures", "api.upload_version", "api.receive", "api.get_dossier",
            "api.list_tasks", "api.claim", "api.complete", "api.dossier_events",
            "api.statistics", "api.eventlog", "api.create_token", "api.openapi"} <= endpoints


def test_each_role_gets_only_what_its_role_allows(app, api, world):
    checked = 0
    for role, username in USERS.items():
        for endpoint, method, url in api_routes(app, world):
            allowed = roles_of(app, endpoint)
            response = api.client.open(url, method=method, json={} if method == "POST" else None,
                                       headers={"Authorization": f"Bearer {api.token(username)}"})
            assert response.status_code != 500, (role, method, url)
            assert response.mimetype in ("application/json", "application/xml"), (role, url)
            if allowed is None or role in allowed:
                scoped_out = endpoint in OBJECT_SCOPED and role != TASK_OWNER
                assert scoped_out or response.status_code not in (401, 403), (
                    role, method, url, response.get_json())
            else:
                error_of(response, 403, "forbidden")
            checked += 1
    assert checked >= 7 * 15


def test_without_a_token_every_guarded_route_answers_401(app, api, world):
    for endpoint, method, url in api_routes(app, world):
        response = api.client.open(url, method=method, json={} if method == "POST" else None)
        if roles_of(app, endpoint) is None:
            assert response.status_code != 401, url
            continue
        error = error_of(response, 401, "unauthenticated")
        assert error["details"] == {"reason": "missing"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic b2ZmaWNlcjpzZWNyZXQ=", "Bearer", "Bearer  ",
                                    "token abc", ""])
def test_a_header_that_is_not_a_bearer_token_is_401(api, header):
    error = error_of(api.get("/me", headers={"Authorization": header}), 401, "unauthenticated")
    assert error["details"] == {"reason": "missing"}


def test_a_forged_token_is_401(app, api, world):
    good = api.token("quality")
    payload, _, signature = good.rpartition(".")
    forged = [good[:-2] + ("AA" if not good.endswith("AA") else "BB"), "not-a-token",
              payload + ".", "x" * 5000]
    key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another key"
    signed_elsewhere = type(api)(app).token("quality")
    app.config["SECRET_KEY"] = key
    for token in [*forged, signed_elsewhere]:
        for endpoint, method, url in api_routes(app, world):
            if roles_of(app, endpoint) is None:
                continue
            response = api.client.open(url, method=method, headers={
                "Authorization": f"Bearer {token}"})
            assert error_of(response, 401, "unauthenticated")["details"] == {
                "reason": "invalid"}, (token[:20], url)


def test_an_expired_token_is_401(api, office_hours):
    token = api.token("auditor")
    assert api.get("/me", token=token).status_code == 200
    office_hours.shift(DEFAULT_TTL - 60)
    assert api.get("/me", token=token).status_code == 200
    office_hours.shift(120)
    error = error_of(api.get("/me", token=token), 401, "unauthenticated")
    assert error["details"] == {"reason": "expired"}


def test_a_password_change_or_deactivation_ends_the_tokens_issued_before(api, library):
    officer, head = api.token("officer"), api.token("head")
    with library.begin() as session:
        user = session.execute(select(User).where(User.username == "officer")).scalar_one()
        user.password_hash = _hasher.hash("a new password 2")
        session.execute(select(User).where(User.username == "head")).scalar_one().active = False
    for token in (officer, head):
        error = error_of(api.get("/me", token=token), 401, "unauthenticated")
        assert error["details"] == {"reason": "revoked"}
    assert api.get("/me", "quality").status_code == 200


def test_unknown_api_urls_and_methods_answer_json_not_html(api):
    error_of(api.get("/nothing/here", "officer"), 404, "not_found")
    error_of(api.get("/nothing/here"), 404, "not_found")
    response = api.call("DELETE", "/procedures", "officer")
    error_of(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    # the HTML pages keep their own error pages
    assert api.client.get("/officer/nothing").mimetype == "text/html"


def test_the_api_needs_no_csrf_token_and_ignores_the_session_cookie(app, api, world):
    from tests.web.conftest import login
    login(api.client, "officer")
    assert api.client.get(API + "/me").status_code == 401  # a logged-in browser is no caller
    assert api.get("/me", "officer").status_code == 200
    response = api.post("/dossiers", "officer", json={"procedure_code": "BQL.DT.01",
                                                      "applicant": {"name": "Lê Thị C"}})
    assert response.status_code == 201
