"""The authorization matrix: every route, every role. A new route without a guard fails here."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.models import Department, User
from engine.services.users import create_user
from tests.conftest import PASSWORD, T0
from tests.engine.helpers import advance, hours, open_item, receive
from tests.web.conftest import login

# Views that also check the object: the sample task is a specialist's of the investment
# department, so other working roles pass the role guard and are then refused on the task.
OBJECT_SCOPED = {"officer.task", "officer.claim", "officer.complete", "officer.release",
                 "officer.reassign"}
TASK_OWNER = "specialist"
USERS = {"one_stop": "officer", "specialist": "specialist", "head": "head",
         "leader": "leader", "quality": "quality", "auditor": "auditor", "admin": "admin"}


@pytest.fixture
def world(app, library):
    with library.begin() as session:
        create_user(session, None, T0, username="admin", full_name="Admin", password=PASSWORD,
                    roles=["admin"], department_code="van_phong")
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    with library.begin() as session:
        item = open_item(session, code).id
        # the administrator acts last in the walk: a sample user other than the admin, so
        # deactivating it is allowed (an administrator may not deactivate themself)
        user_id = session.execute(select(User.id).where(User.username == "auditor")).scalar_one()
        department_id = session.execute(select(Department.id)).scalars().first()
    return {"code": code, "item_id": item, "day": "2026-01-02", "year": "2026",
            "attachment_id": 1, "procedure": "BQL.DT.01", "number": 1, "user_id": user_id,
            "department_id": department_id}


MISSING = object()


def allowed_roles(app, endpoint: str):
    """The view's own declaration, else its blueprint's guard (a guarded before_request)."""
    declared = getattr(app.view_functions[endpoint], "allowed_roles", MISSING)
    if declared is not MISSING:
        return declared
    blueprint = endpoint.rpartition(".")[0]
    guards = [f.allowed_roles for f in app.before_request_funcs.get(blueprint, [])
              if hasattr(f, "allowed_roles")]
    return guards[0] if guards else MISSING


def urls(app, samples: dict) -> list[tuple[str, str, str]]:
    """The routes a browser session uses. The API's (api.*) take bearer tokens, never the
    session: tests/api/test_authorization.py walks them with tokens of every role."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("api."):
            continue
        missing = [a for a in rule.arguments if a not in samples]
        assert not missing, f"{rule.endpoint}: add a sample value for {missing}"
        url = rule.build({a: samples[a] for a in rule.arguments})[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            found.append((rule.endpoint, method, url))
    return found


def test_every_view_declares_who_may_use_it(app):
    unguarded = [endpoint for endpoint in app.view_functions
                 if endpoint != "static" and allowed_roles(app, endpoint) is MISSING]
    assert unguarded == []


def test_each_role_gets_only_what_its_role_allows(app, client, world):
    token_re = re.compile(r'name="csrf_token" value="([^"]+)"')
    checked = 0
    for role, username in USERS.items():
        login(client, username)
        token = token_re.search(client.get("/tra-cuu/").get_data(as_text=True))
        for endpoint, method, url in urls(app, world):
            if endpoint == "auth.logout":
                continue
            allowed = allowed_roles(app, endpoint)
            data = {"csrf_token": token.group(1)} if token else {}
            response = client.open(url, method=method, data=data if method == "POST" else None)
            if allowed is None or role in allowed:
                scoped_out = endpoint in OBJECT_SCOPED and role != TASK_OWNER
                assert response.status_code != 500, (role, method, url)
                assert scoped_out or response.status_code != 403, (role, method, url)
            else:
                assert response.status_code == 403, (role, method, url, response.status_code)
            checked += 1
        client.post("/logout", data={"csrf_token": token.group(1)} if token else {})
    assert checked > 100


def test_anonymous_is_sent_to_login_everywhere_but_public_pages(app, world):
    anonymous = app.test_client()
    for endpoint, method, url in urls(app, world):
        if method != "GET":
            continue
        response = anonymous.get(url)
        if allowed_roles(app, endpoint) is None:
            assert response.status_code in (200, 302, 404), url
        else:
            assert response.status_code == 302 and "/login" in response.location, url


@pytest.mark.parametrize("username,home", [("officer", "/officer/queue"),
                                           ("auditor", "/audit/events"),
                                           ("quality", "/quality/"),
                                           ("admin", "/admin/calendar")])
def test_each_role_lands_on_a_page_it_may_see(client, world, username, home):
    login(client, username)
    landing = client.get("/")
    assert landing.status_code == 302 and landing.location == home
    assert client.get(home).status_code == 200
