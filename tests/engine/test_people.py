"""The administrator's people service: every change audited with before and after, the
self-protection rules (no deactivating oneself, no removing one's own admin role), bad input
refused with nothing changed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import Forbidden, InvalidInput
from engine.models import AuditEvent, Department, User
from engine.services import people
from engine.services.users import authenticate
from tests.conftest import PASSWORD, T0

from .helpers import add_user


@pytest.fixture
def admin(library):
    add_user(library, "admin", ["admin"], "van_phong")
    return library


def _user(session, username: str) -> User:
    return session.execute(select(User).where(User.username == username)).scalar_one()


def events(sessions, action: str) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.execute(select(AuditEvent).where(
            AuditEvent.action == action).order_by(AuditEvent.id)).scalars())


def count_events(sessions) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def test_create_a_user_with_several_roles(admin):
    with admin.begin() as session:
        people.add_user(session, _user(session, "admin"), T0, username="lan",
                        full_name="  Nguyễn  Thị Lan ", password="long enough",
                        roles=["specialist", "head"], department_code="dau_tu",
                        email="lan@example.vn")
    with admin() as session:
        lan = _user(session, "lan")
        assert lan.full_name == "Nguyễn Thị Lan" and lan.roles == {"specialist", "head"}
        assert lan.department.code == "dau_tu"
        assert authenticate(session, "lan", "long enough", T0) is not None
    [event] = [e for e in events(admin, "user_create") if e.after["username"] == "lan"]
    assert event.actor_name == "admin" and event.after["roles"] == ["head", "specialist"]


def test_each_change_is_audited_with_before_and_after(admin):
    with admin.begin() as session:
        me, officer = _user(session, "admin"), _user(session, "officer")
        people.update_user(session, me, T0, officer.id, full_name="Officer Two",
                           email="o@example.vn", department_code="dau_tu")
        people.set_roles(session, me, T0, officer.id, ["one_stop", "specialist"])
        people.reset_password(session, me, T0, officer.id, "a new secret")
        people.set_active(session, me, T0, officer.id, False)
        people.set_active(session, me, T0, officer.id, True)
        dept = people.create_department(session, me, T0, code="ke_hoach", name="Phòng Kế hoạch")
        people.update_department(session, me, T0, dept.id, name="Phòng Kế hoạch - Tài chính",
                                 name_en="Planning and Finance")
    [update] = events(admin, "user_update")
    assert update.before["department"] == "van_phong" and update.after["department"] == "dau_tu"
    assert update.after["full_name"] == "Officer Two"
    [roles] = events(admin, "user_roles")
    assert roles.before["roles"] == ["one_stop"]
    assert roles.after["roles"] == ["one_stop", "specialist"]
    [reset] = events(admin, "password_reset")
    assert reset.after == {"username": "officer"} and "hash" not in str(reset.after)
    [off] = events(admin, "user_deactivate")
    assert off.before["active"] is True and off.after["active"] is False
    [on] = events(admin, "user_activate")
    assert on.after["active"] is True
    [created] = events(admin, "department_create")
    assert created.after["code"] == "ke_hoach"
    [renamed] = events(admin, "department_update")
    assert renamed.before["name"] == "Phòng Kế hoạch"
    assert renamed.after == {"code": "ke_hoach", "name": "Phòng Kế hoạch - Tài chính",
                             "name_en": "Planning and Finance"}
    assert all(e.actor_name == "admin" for e in
               [update, roles, reset, off, on, created, renamed])
    with admin() as session:
        assert authenticate(session, "officer", "a new secret", T0) is not None
        assert authenticate(session, "officer", PASSWORD, T0) is None


def test_a_deactivated_user_cannot_log_in(admin):
    with admin.begin() as session:
        people.set_active(session, _user(session, "admin"), T0, _user(session, "officer").id,
                          False)
    with admin() as session:
        assert authenticate(session, "officer", PASSWORD, T0) is None


def test_an_administrator_cannot_deactivate_themself_or_drop_their_admin_role(admin):
    before = count_events(admin)
    with admin() as session:
        me = _user(session, "admin")
        with pytest.raises(Forbidden, match="your own account"):
            people.set_active(session, me, T0, me.id, False)
        with pytest.raises(Forbidden, match="your own administrator role"):
            people.set_roles(session, me, T0, me.id, ["quality"])
        session.rollback()
    with admin() as session:
        me = _user(session, "admin")
        assert me.active and me.roles == {"admin"}
    assert count_events(admin) == before
    with admin.begin() as session:  # adding a role to oneself is fine
        me = _user(session, "admin")
        people.set_roles(session, me, T0, me.id, ["admin", "quality"])
    with admin() as session:
        assert _user(session, "admin").roles == {"admin", "quality"}


def test_only_an_administrator_manages_people(admin):
    with admin() as session:
        head = _user(session, "head")
        with pytest.raises(Forbidden):
            people.set_active(session, head, T0, _user(session, "officer").id, False)
        with pytest.raises(Forbidden):
            people.create_department(session, head, T0, code="x_y", name="X")
        with pytest.raises(Forbidden):
            people.add_user(session, head, T0, username="z", full_name="Z",
                            password="long enough", roles=["admin"])


@pytest.mark.parametrize("change, message", [
    (lambda s, me, o: people.add_user(s, me, T0, username="officer", full_name="X",
                                      password="long enough", roles=["one_stop"]),
     "already exists"),
    (lambda s, me, o: people.add_user(s, me, T0, username="new", full_name="X",
                                      password="short", roles=["one_stop"]),
     "at least 8 characters"),
    (lambda s, me, o: people.add_user(s, me, T0, username="new", full_name="X",
                                      password="long enough", roles=[]),
     "at least one role"),
    (lambda s, me, o: people.add_user(s, me, T0, username="new", full_name="X",
                                      password="long enough", roles=["king"]),
     "unknown roles: king"),
    (lambda s, me, o: people.add_user(s, me, T0, username="new", full_name=" ",
                                      password="long enough", roles=["one_stop"]),
     "full name is required"),
    (lambda s, me, o: people.add_user(s, me, T0, username="a b", full_name="X",
                                      password="long enough", roles=["one_stop"]),
     "username"),
    (lambda s, me, o: people.add_user(s, me, T0, username="new", full_name="X",
                                      password="long enough", roles=["one_stop"],
                                      department_code="nowhere"),
     "unknown department"),
    (lambda s, me, o: people.update_user(s, me, T0, o.id, full_name="X", email="not-mail",
                                         department_code=None),
     "not an email address"),
    (lambda s, me, o: people.set_roles(s, me, T0, o.id, []), "at least one role"),
    (lambda s, me, o: people.reset_password(s, me, T0, o.id, "1234567"),
     "at least 8 characters"),
    (lambda s, me, o: people.create_department(s, me, T0, code="van_phong", name="Again"),
     "already exists"),
    (lambda s, me, o: people.create_department(s, me, T0, code="Bad Code", name="X"),
     "department code"),
    (lambda s, me, o: people.create_department(s, me, T0, code="new_one", name=" "),
     "needs a name"),
])
def test_bad_input_is_refused_and_changes_nothing(admin, change, message):
    def state():
        with admin() as session:
            return ([(u.username, u.full_name, u.email, u.department_id, sorted(u.roles),
                      u.active, u.password_hash) for u in people.list_users(session)],
                    [(d.code, d.name) for d in session.execute(select(Department)).scalars()])
    before, events_before = state(), count_events(admin)
    with admin() as session:
        with pytest.raises(InvalidInput, match=message):
            change(session, _user(session, "admin"), _user(session, "officer"))
        session.rollback()
    assert state() == before and count_events(admin) == events_before
