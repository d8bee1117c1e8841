"""Users and departments from the administrator's pages (CSRF on): others get 403, create a
user, edit roles, deactivate after a confirmation (then the user cannot log in), the
self-protection rules and bad input refused with nothing changed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent, Department, User
from tests.engine.helpers import add_user

from .conftest import by_testid, csrf, flashes, login, page, post_form, text


@pytest.fixture
def admin(library):
    add_user(library, "admin", ["admin"], "van_phong")
    return library


def user_id(sessions, username: str) -> int:
    with sessions() as session:
        return session.execute(select(User.id).where(User.username == username)).scalar_one()


def stored_user(sessions, username: str) -> User | None:
    with sessions() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is not None:
            session.expunge(user)
        return user


def audit_count(sessions) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def test_only_administrators_manage_people(client, admin):
    officer = user_id(admin, "officer")
    assert client.get("/admin/users").status_code == 302
    for username in ("officer", "head", "quality", "auditor"):
        login(client, username)
        for url in ("/admin/users", f"/admin/users/{officer}", "/admin/departments",
                    f"/admin/users/{officer}/deactivate"):
            assert client.get(url).status_code == 403, (username, url)
    token = csrf(client, "/officer/dossiers")
    response = client.post(f"/admin/users/{officer}/deactivate", data={"csrf_token": token})
    assert response.status_code == 403
    assert stored_user(admin, "officer").active
    login(client, "admin")
    listing = page(client.get("/admin/users"))
    rows = {row.get("data-username"): text(row) for row in by_testid(listing, "user")}
    assert "officer" in rows and "admin" in rows
    assert client.get("/admin/users/99999").status_code == 404
    assert client.get("/admin/departments/99999").status_code == 404


def test_create_a_user_then_change_their_roles_and_department(client, admin, english):
    login(client, "admin")
    response = post_form(client, "/admin/users",
                         {"username": "lan", "full_name": "Nguyễn Thị Lan",
                          "email": "lan@example.vn", "department": "dau_tu",
                          "roles": ["specialist", "head"], "password": "long enough"})
    assert response.status_code == 302 and response.location.endswith("/admin/users")
    lan = stored_user(admin, "lan")
    assert lan.roles == {"specialist", "head"} and lan.department.code == "dau_tu"

    url = f"/admin/users/{lan.id}"
    response = post_form(client, f"{url}/roles", {"roles": ["leader"]}, token_page=url)
    assert response.status_code == 302
    assert stored_user(admin, "lan").roles == {"leader"}
    response = post_form(client, url, {"full_name": "Lan Nguyễn", "email": "",
                                       "department": "lao_dong"})
    assert response.status_code == 302
    lan = stored_user(admin, "lan")
    assert lan.full_name == "Lan Nguyễn" and lan.department.code == "lao_dong"
    response = post_form(client, f"{url}/password", {"password": "another one"},
                         token_page=url)
    assert response.status_code == 302
    assert login(client, "lan", "another one").status_code == 302
    assert client.get("/admin/users").status_code == 403  # a leader, not an administrator


def test_deactivate_after_confirming_then_the_user_cannot_log_in(client, admin, english):
    officer = user_id(admin, "officer")
    login(client, "admin")
    confirm = client.get(f"/admin/users/{officer}/deactivate")
    assert confirm.status_code == 200
    assert text(by_testid(page(confirm), "deactivate-user")[0]) == "officer"
    assert stored_user(admin, "officer").active  # asking is not deactivating
    response = post_form(client, f"/admin/users/{officer}/deactivate", {},
                         token_page=f"/admin/users/{officer}/deactivate")
    assert response.status_code == 302
    assert not stored_user(admin, "officer").active
    listing = page(client.get("/admin/users"))
    [row] = [r for r in by_testid(listing, "user") if r.get("data-username") == "officer"]
    assert row.get("data-active") == "no"

    refused = login(client, "officer")
    assert refused.status_code != 302 or "/login" in refused.location
    assert client.get("/officer/queue").status_code == 302  # still anonymous

    login(client, "admin")
    response = post_form(client, f"/admin/users/{officer}/activate", {},
                         token_page=f"/admin/users/{officer}")
    assert response.status_code == 302 and stored_user(admin, "officer").active
    assert login(client, "officer").status_code == 302
    assert client.get("/officer/queue").status_code == 200


def test_an_administrator_cannot_deactivate_themself_or_drop_their_admin_role(client, admin,
                                                                             english):
    me = user_id(admin, "admin")
    login(client, "admin")
    before = audit_count(admin)
    url = f"/admin/users/{me}"
    response = post_form(client, f"{url}/deactivate", {}, token_page=url)
    assert response.status_code == 403
    [error] = flashes(page(response), "error")
    assert "cannot deactivate your own account" in error
    response = post_form(client, f"{url}/roles", {"roles": ["quality"]}, token_page=url)
    assert response.status_code == 403
    [error] = flashes(page(response), "error")
    assert "cannot remove your own administrator role" in error
    stored = stored_user(admin, "admin")
    assert stored.active and stored.roles == {"admin"}
    assert audit_count(admin) == before


@pytest.mark.parametrize("form, message", [
    ({"username": "officer", "full_name": "X", "roles": ["one_stop"],
      "password": "long enough"}, "already exists"),
    ({"username": "new", "full_name": "X", "roles": ["one_stop"], "password": "short"},
     "at least 8 characters"),
    ({"username": "new", "full_name": "X", "password": "long enough"}, "at least one role"),
    ({"username": "new", "full_name": "X", "roles": ["one_stop"], "password": "long enough",
      "department": "nowhere"}, "unknown department"),
])
def test_bad_user_input_is_refused_and_changes_nothing(client, admin, english, form, message):
    login(client, "admin")
    before = audit_count(admin)
    response = post_form(client, "/admin/users", form)
    assert response.status_code == 422
    [error] = flashes(page(response), "error")
    assert message in error
    assert audit_count(admin) == before
    assert stored_user(admin, "new") is None
    # what was typed is kept, the password is not
    tree = page(response)
    assert tree.xpath('//input[@name="username"]')[0].get("value") == form["username"]


def test_departments_create_rename_and_refuse_a_taken_code(client, admin, english):
    login(client, "admin")
    response = post_form(client, "/admin/departments",
                         {"code": "ke_hoach", "name": "Phòng Kế hoạch", "name_en": "Planning"})
    assert response.status_code == 302
    listing = page(client.get("/admin/departments"))
    codes = [row.get("data-code") for row in by_testid(listing, "department")]
    assert "ke_hoach" in codes and "van_phong" in codes
    with admin() as session:
        dept_id = session.execute(select(Department.id).where(
            Department.code == "ke_hoach")).scalar_one()
    url = f"/admin/departments/{dept_id}"
    response = post_form(client, url, {"name": "Phòng Kế hoạch - Tài chính", "name_en": ""})
    assert response.status_code == 302
    with admin() as session:
        assert session.get(Department, dept_id).name == "Phòng Kế hoạch - Tài chính"
    before = audit_count(admin)
    response = post_form(client, "/admin/departments",
                         {"code": "ke_hoach", "name": "Again"})
    assert response.status_code == 422
    assert "already exists" in flashes(page(response), "error")[0]
    response = post_form(client, url, {"name": " "})
    assert response.status_code == 422
    assert "needs a name" in flashes(page(response), "error")[0]
    assert audit_count(admin) == before
    with admin() as session:
        assert session.get(Department, dept_id).name == "Phòng Kế hoạch - Tài chính"


def test_the_users_page_is_in_the_administrators_menu(client, admin):
    login(client, "admin")
    tree = page(client.get("/admin/calendar"))
    assert tree.xpath('//nav//a[@href="/admin/users"]')
    login(client, "officer")
    assert not page(client.get("/officer/queue")).xpath('//nav//a[@href="/admin/users"]')
