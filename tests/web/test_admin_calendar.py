"""The organisation calendar from the administrator's page (CSRF on) and from the command line:
each change audited, bad input refused with nothing changed, other roles kept out."""
from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.models import AuditEvent, CalendarDay, Dossier
from tests.conftest import T0
from tests.engine.helpers import add_user, receive
from web.cli import main

from .conftest import by_testid, csrf, flashes, login, page, post_form, text


@pytest.fixture
def admin(library):
    add_user(library, "admin", ["admin"])
    return library


def rows(client, year: int = 2026) -> dict[str, tuple[str, str, str]]:
    """The listed days: ISO date -> (kind, source, reason cell)."""
    response = client.get(f"/admin/calendar?year={year}")
    assert response.status_code == 200
    return {row.get("data-day"): (row.get("data-kind"), row.get("data-source"),
                                  text(row.xpath("./td")[3]))
            for row in by_testid(page(response), "calendar-day")}


def stored(sessions) -> tuple:
    with sessions() as session:
        days = [(r.day, r.kind, r.reason) for r in session.execute(
            select(CalendarDay).order_by(CalendarDay.day)).scalars()]
        events = session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "calendar_change")).scalar_one()
    return days, events


def changes(sessions) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.execute(select(AuditEvent).where(
            AuditEvent.action == "calendar_change").order_by(AuditEvent.id)).scalars())


def test_only_administrators_see_the_calendar(client, admin):
    assert client.get("/admin/calendar").status_code == 302  # to the login page
    for username in ("officer", "leader", "quality", "auditor"):
        login(client, username)
        assert client.get("/admin/calendar?year=2026").status_code == 403
    token = csrf(client, "/officer/dossiers")
    response = client.post("/admin/calendar", data={"day": "2026-01-02", "kind": "off",
                                                    "reason": "x", "csrf_token": token})
    assert response.status_code == 403
    assert stored(admin) == ([], 0)
    login(client, "admin")
    assert client.get("/admin/calendar?year=2026").status_code == 200
    assert client.get("/admin/calendar?year=abc").status_code == 404


def test_the_year_lists_national_holidays_and_worked_saturdays(client, admin):
    login(client, "admin")
    listed = rows(client, 2026)
    assert listed["2026-02-16"][:2] == ("off", "national")
    assert "Lunar New Year's Eve" in listed["2026-02-16"][2]
    assert listed["2026-08-22"][:2] == ("work", "national")
    assert "2026-03-07" not in listed  # an ordinary Saturday


def test_add_a_change_then_remove_it_after_confirming(client, admin):
    login(client, "admin")
    response = post_form(client, "/admin/calendar?year=2026",
                         {"day": "2026-01-10", "kind": "work",
                          "reason": "Saturday worked in exchange for 2 January"})
    assert response.status_code == 302 and response.location.endswith("/admin/calendar?year=2026")
    assert rows(client)["2026-01-10"][:2] == ("work", "organisation")
    assert "Saturday worked in exchange" in rows(client)["2026-01-10"][2]
    [event] = changes(admin)
    assert event.actor_name == "admin" and event.after["kind"] == "work"

    # an override changes the due date of a dossier received from now on
    code = receive(admin, T0.replace(month=1, day=6), "BQL.LD.03")  # Tuesday 6 January
    with admin() as session:
        due = session.execute(select(Dossier.due_date).where(Dossier.code == code)).scalar_one()
    assert due == date(2026, 1, 19)  # 20 January without the Saturday worked

    confirm = client.get("/admin/calendar/2026-01-10/remove")
    assert confirm.status_code == 200
    assert "10/01/2026" in text(by_testid(page(confirm), "remove-day")[0])
    assert stored(admin)[0] != []  # asking is not removing
    response = post_form(client, "/admin/calendar/2026-01-10/remove", {},
                         token_page="/admin/calendar/2026-01-10/remove")
    assert response.status_code == 302
    assert "2026-01-10" not in rows(client)
    assert stored(admin) == ([], 2)
    assert changes(admin)[-1].before["kind"] == "work" and changes(admin)[-1].after["kind"] is None
    assert client.get("/admin/calendar/2026-01-10/remove").status_code == 404
    assert client.get("/admin/calendar/2026-13-10/remove").status_code == 404


@pytest.mark.parametrize("form, message", [
    ({"day": "2026-02-30", "kind": "off", "reason": "x"}, "not a date"),
    ({"day": "", "kind": "off", "reason": "x"}, "not a date"),
    ({"day": "2026-01-02", "kind": "holiday", "reason": "x"}, "'off' or 'work'"),
    ({"day": "2026-01-02", "kind": "off", "reason": " "}, "reason is required"),
])
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(client, admin, form,
                                                                       message):
    login(client, "admin")
    before = stored(admin)
    response = post_form(client, "/admin/calendar?year=2026", form,
                         token_page="/admin/calendar?year=2026")
    assert response.status_code == 422
    [error] = flashes(page(response), "error")
    assert message in error
    assert stored(admin) == before


# --- the command line ---------------------------------------------------------------------

@pytest.fixture
def cli(admin, db_url, monkeypatch):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["calendar", *args])


def test_cli_set_list_and_clear_are_audited(cli, admin):
    result = cli("set", "2026-01-02", "off", "--reason", "Day off in exchange for 10 January")
    assert result.exit_code == 0, result.output
    assert "2026-01-02 off" in result.output
    listed = cli("list", "2026")
    assert listed.exit_code == 0
    lines = {line.split()[0]: line for line in listed.output.splitlines()}
    assert "organisation" in lines["2026-01-02"] and "Day off in exchange" in lines["2026-01-02"]
    assert "national" in lines["2026-02-17"] and "Lunar New Year" in lines["2026-02-17"]
    assert cli("clear", "2026-01-02").exit_code == 0
    assert "2026-01-02" not in {line.split()[0] for line in cli("list", "2026").output.splitlines()}
    first, second = changes(admin)
    assert first.actor_name == "system" and first.after["kind"] == "off"
    assert second.before["kind"] == "off" and second.after["kind"] is None


@pytest.mark.parametrize("args, message", [
    (("set", "2026-02-30", "off", "--reason", "x"), "not a date"),
    (("set", "2026-01-02", "holiday", "--reason", "x"), "'off' or 'work'"),
    (("set", "2026-01-02", "off", "--reason", ""), "reason is required"),
    (("clear", "2026-03-09"), "no change on 2026-03-09"),
    (("list", "1800"), "2000 to 2099"),
])
def test_cli_refuses_bad_input_and_changes_nothing(cli, admin, args, message):
    result = cli(*args)
    assert result.exit_code != 0 and message in result.output
    assert stored(admin) == ([], 0)
