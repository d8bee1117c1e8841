"""The organisation calendar through its services: set and clear a day, each audited; the year's
list; overrides and a procedure's receipt cut-off change the due date of a receipt."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from engine.calendar import VN_TZ
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.models import AuditEvent, CalendarDay, Dossier, Procedure
from engine.services import calendar_days, dossiers

from ..conftest import T0
from .helpers import add_user, receive, user

LABOUR = "BQL.LD.03"  # 10 working days


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def due_of(sessions, code: str) -> date:
    with sessions.begin() as session:
        return session.execute(select(Dossier.due_date).where(Dossier.code == code)).scalar_one()


def calendar_events(session) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(AuditEvent.action == "calendar_change")
                                .order_by(AuditEvent.id)).scalars())


def state(session) -> tuple:
    rows = [(r.day, r.kind, r.reason) for r in session.execute(
        select(CalendarDay).order_by(CalendarDay.day)).scalars()]
    return rows, session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


@pytest.fixture
def admin(library):
    add_user(library, "admin", ["admin"])
    return library


def set_day(sessions, day, kind, reason, username="admin"):
    with sessions.begin() as session:
        actor = user(session, username) if username else None
        return calendar_days.set_day(session, actor, T0, day=day, kind=kind, reason=reason)


def test_the_2026_swap_changes_the_due_date_of_a_receipt_and_is_audited(admin):
    received = local(2026, 1, 6)  # Tuesday
    without = receive(admin, received, LABOUR)
    assert due_of(admin, without) == date(2026, 1, 20)
    set_day(admin, "2026-01-02", "off", "Day off in exchange for Saturday 10 January")
    set_day(admin, date(2026, 1, 10), "work", "Saturday worked in exchange for 2 January")
    with_swap = receive(admin, received, LABOUR)
    assert due_of(admin, with_swap) == date(2026, 1, 19)  # Saturday 10 January is worked
    assert due_of(admin, without) == date(2026, 1, 20)  # an appointment given stays
    with admin.begin() as session:
        first, second = calendar_events(session)
        assert first.actor_name == "admin" and first.reason.startswith("Day off")
        assert first.before == {"day": "2026-01-02", "kind": None, "reason": None}
        assert first.after == {"day": "2026-01-02", "kind": "off",
                               "reason": "Day off in exchange for Saturday 10 January"}
        assert second.after["kind"] == "work"
    with admin.begin() as session:
        calendar_days.clear_day(session, user(session, "admin"), T0, day="2026-01-10")
    assert due_of(admin, receive(admin, received, LABOUR)) == date(2026, 1, 20)
    with admin.begin() as session:
        cleared = calendar_events(session)[-1]
        assert cleared.before["kind"] == "work" and cleared.after["kind"] is None
        assert session.get(CalendarDay, date(2026, 1, 10)) is None


def test_a_new_change_of_a_day_replaces_the_old_one_and_the_same_change_is_not_repeated(admin):
    set_day(admin, "2026-11-24", "work", "Culture Day not yet confirmed")
    set_day(admin, "2026-11-24", "off", "Culture Day confirmed")
    set_day(admin, "2026-11-24", "off", "Culture Day confirmed")
    with admin.begin() as session:
        events = calendar_events(session)
        assert [(e.before["kind"], e.after["kind"]) for e in events] == [(None, "work"),
                                                                        ("work", "off")]
        assert session.get(CalendarDay, date(2026, 11, 24)).reason == "Culture Day confirmed"


@pytest.mark.parametrize("day, kind, reason, error, message", [
    ("2026-02-30", "off", "x", InvalidInput, "not a date"),
    ("02/01/2026", "off", "x", InvalidInput, "YYYY-MM-DD"),
    ("2026-01-02", "holiday", "x", InvalidInput, "'off' or 'work'"),
    ("2026-01-02", "off", "   ", InvalidInput, "reason is required"),
    ("2026-01-02", "off", "x" * 301, InvalidInput, "longer than"),
    ("1899-01-02", "off", "x", InvalidInput, "years 2000 to 2099"),
])
def test_bad_input_is_refused_and_changes_nothing(admin, day, kind, reason, error, message):
    with admin.begin() as session:
        before = state(session)
    with pytest.raises(error, match=message):
        set_day(admin, day, kind, reason)
    with admin.begin() as session:
        assert state(session) == before


def test_only_an_administrator_or_the_command_line_changes_the_calendar(admin):
    with pytest.raises(Forbidden):
        set_day(admin, "2026-01-02", "off", "x", username="officer")
    with admin.begin() as session, pytest.raises(Forbidden):
        calendar_days.clear_day(session, user(session, "quality"), T0, day="2026-01-02")
    set_day(admin, "2026-01-02", "off", "from the command line", username=None)
    with admin.begin() as session:
        assert calendar_events(session)[-1].actor_name == "system"


def test_clearing_a_day_without_a_change_is_refused(admin):
    with admin.begin() as session, pytest.raises(NotFound, match="no change on 2026-03-09"):
        calendar_days.clear_day(session, user(session, "admin"), T0, day="2026-03-09")


def test_year_list_has_holidays_worked_saturdays_and_overrides_with_reasons(admin):
    set_day(admin, "2026-01-02", "off", "Day off in exchange for Saturday 10 January")
    set_day(admin, "2026-01-10", "work", "Saturday worked in exchange for 2 January")
    set_day(admin, "2026-11-24", "work", "Culture Day not observed yet")
    with admin.begin() as session:
        entries = {e.day: e for e in calendar_days.year_entries(session, 2026)}
    assert (entries[date(2026, 1, 1)].kind, entries[date(2026, 1, 1)].source) == ("off", "national")
    assert entries[date(2026, 2, 16)].reason == "Lunar New Year's Eve"
    assert entries[date(2026, 8, 22)].kind == "work"  # worked Saturday from the package
    assert "substituted" in entries[date(2026, 8, 31)].reason
    assert (entries[date(2026, 1, 2)].kind, entries[date(2026, 1, 2)].source) == (
        "off", "organisation")
    assert (entries[date(2026, 1, 2)].national_kind, entries[date(2026, 1, 2)].national_reason) \
        == ("work", None)
    assert entries[date(2026, 1, 10)].national_reason == "Saturday"
    assert entries[date(2026, 11, 24)].kind == "work"
    assert (entries[date(2026, 11, 24)].national_kind,
            entries[date(2026, 11, 24)].national_reason) == ("off", "Vietnam Cultural Day")
    assert date(2026, 3, 7) not in entries  # a plain Saturday is not listed
    with admin.begin() as session, pytest.raises(InvalidInput):
        calendar_days.year_entries(session, 3000)


def test_procedure_receipt_cutoff_moves_a_late_afternoon_receipt_to_the_next_working_day(library):
    friday_afternoon = local(2026, 3, 6, 15, 20)
    plain = receive(library, friday_afternoon, LABOUR)
    with library.begin() as session:
        session.execute(select(Procedure).where(Procedure.code == LABOUR)).scalar_one() \
            .receipt_cutoff = "15:00"
    cut = receive(library, friday_afternoon, LABOUR)
    assert due_of(library, plain) == date(2026, 3, 20)  # 10 working days from Friday
    assert due_of(library, cut) == date(2026, 3, 23)  # counts from Monday 9 March
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == cut)).scalar_one()
        assert dossier.appointment_at == local(2026, 3, 23, 15, 20)  # received in office hours
    assert due_of(library, receive(library, local(2026, 3, 6, 15), LABOUR)) == date(2026, 3, 20)


def test_invalid_receipt_cutoff_is_a_clear_error(library):
    with library.begin() as session:
        session.execute(select(Procedure).where(Procedure.code == LABOUR)).scalar_one() \
            .receipt_cutoff = "3pm"
    with library.begin() as session, pytest.raises(InvalidInput, match="receipt cut-off"):
        dossiers.receive(session, user(session, "officer"), T0, procedure_code=LABOUR,
                         applicant={"name": "A"})
