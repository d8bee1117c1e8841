"""Stop the clock: a supplement request pauses the legal period, the resubmission moves the due
date by exactly the days paused (docs/deadlines.md), everywhere the due date is copied."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from bpmn.runtime import Run
from engine.calendar import VN_TZ
from engine.deadlines import business_calendar, deadline_state
from engine.models import AuditEvent, Dossier, DossierPause, Procedure
from engine.services.procedures import diagram_for

from .helpers import add_user, advance, open_item, receive

LABOUR = "BQL.LD.03"  # 10 working days
INVESTMENT = "BQL.DT.01"  # 15 calendar days


@pytest.fixture
def library(library):
    """The shared library plus a head of the labour department, whose procedure counts
    working days."""
    add_user(library, "labour_head", ["head"], "lao_dong")
    return library


SPECIALIST = {LABOUR: "labour_specialist", INVESTMENT: "specialist"}
HEAD = {LABOUR: "labour_head", INVESTMENT: "head"}


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def dossier_of(session, code: str) -> Dossier:
    return session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()


def request_supplement(sessions, code: str, at: datetime, procedure: str = LABOUR) -> Dossier:
    """Hand over (if not yet) and let the specialist ask for a supplement at `at`."""
    with sessions.begin() as session:
        step = open_item(session, code).step_id
    if step == "handover":
        advance(sessions, code, "officer", "handed_over", at)
    return advance(sessions, code, SPECIALIST[procedure], "supplement", at)


def resubmit(sessions, code: str, at: datetime) -> Dossier:
    return advance(sessions, code, "officer", "resubmitted", at)


def events(session, code: str, action: str) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(
        AuditEvent.dossier_code == code, AuditEvent.action == action)
        .order_by(AuditEvent.id)).scalars())


def workflow_due_date(session, dossier: Dossier) -> str:
    run = Run.restore(diagram_for(dossier.process_version), dossier.workflow_state)
    [task] = run.open_tasks()
    return task.data["due_date"]


def test_one_pause_moves_the_due_date_by_the_working_days_paused_over_a_weekend(library):
    code = receive(library, local(2026, 3, 2), LABOUR)  # Monday; due Monday 16 March
    with library.begin() as session:
        assert dossier_of(session, code).due_date == date(2026, 3, 16)
    dossier = request_supplement(library, code, local(2026, 3, 5, 15))  # Thursday
    assert dossier.status == "awaiting_supplement" and dossier.due_date == date(2026, 3, 16)
    with library.begin() as session:
        dossier = dossier_of(session, code)
        [pause] = session.execute(select(DossierPause)).scalars()
        assert (pause.days_used, pause.due_before, pause.resumed_at) == (3, date(2026, 3, 16), None)
        assert pause.requested_at == local(2026, 3, 5, 15)
        # paused: neither overdue nor late, even long after the original due date
        assert deadline_state(session, dossier, local(2026, 4, 30)).state == "paused"
        [stop] = events(session, code, "clock_stop")
        assert stop.after["days_used"] == 3 and stop.after["clock_stopped"] is True
        assert stop.before == {"due_date": "2026-03-16"}
    dossier = resubmit(library, code, local(2026, 3, 12, 9))  # Thursday a week later
    # 3 used (3, 4, 5 March), 7 remain from Friday 13: 13, 16-20, 23 March
    assert dossier.due_date == date(2026, 3, 23) and dossier.status == "in_progress"
    assert dossier.appointment_at == local(2026, 3, 23, 10)
    with library.begin() as session:
        dossier = dossier_of(session, code)
        [pause] = session.execute(select(DossierPause)).scalars()
        assert pause.resumed_at == local(2026, 3, 12, 9) and pause.due_after == date(2026, 3, 23)
        item = open_item(session, code)
        assert item.step_id == "review" and item.dossier_due_date == date(2026, 3, 23)
        assert workflow_due_date(session, dossier) == "2026-03-23"
        [resume] = events(session, code, "clock_resume")
        assert resume.before["due_date"] == "2026-03-16"
        assert resume.after["due_date"] == "2026-03-23"
        assert resume.actor_name == "officer" and resume.step_id == "supplement"
        assert deadline_state(session, dossier, local(2026, 3, 19)).state == "within"
        assert deadline_state(session, dossier, local(2026, 3, 20)).state == "due_soon"
        assert deadline_state(session, dossier, local(2026, 3, 24)).state == "overdue"


def test_a_pause_across_tet(library):
    code = receive(library, local(2026, 2, 9), LABOUR)  # Monday before Tết
    with library.begin() as session:
        # 10, 11, 12, 13, then Tết: 23, 24, 25, 26, 27 Feb, 2 Mar
        assert dossier_of(session, code).due_date == date(2026, 3, 2)
    request_supplement(library, code, local(2026, 2, 11, 14))  # Wednesday: 10, 11 used
    with library.begin() as session:
        assert session.execute(select(DossierPause.days_used)).scalar_one() == 2
    dossier = resubmit(library, code, local(2026, 2, 24, 8, 30))  # Tuesday after Tết
    # 8 remain from 25 February: 25, 26, 27 Feb, 2, 3, 4, 5, 6 March
    assert dossier.due_date == date(2026, 3, 6)


def test_two_pauses(library):
    code = receive(library, local(2026, 3, 2), LABOUR)
    request_supplement(library, code, local(2026, 3, 5))
    assert resubmit(library, code, local(2026, 3, 12)).due_date == date(2026, 3, 23)
    request_supplement(library, code, local(2026, 3, 16))  # 13, 16 used: 5 of 10 in all
    with library.begin() as session:
        second = session.execute(select(DossierPause).order_by(DossierPause.id.desc())).scalars().first()
        assert (second.days_used, second.due_before) == (5, date(2026, 3, 23))
    dossier = resubmit(library, code, local(2026, 3, 20))
    assert dossier.due_date == date(2026, 3, 27)  # 23, 24, 25, 26, 27 March
    with library.begin() as session:
        assert [e.after["due_date"] for e in events(session, code, "clock_resume")] == [
            "2026-03-23", "2026-03-27"]


def test_restart_counts_the_full_period_again_from_the_resubmission(library):
    with library.begin() as session:
        session.execute(select(Procedure).where(Procedure.code == LABOUR)).scalar_one() \
            .restart_on_supplement = True
    code = receive(library, local(2026, 3, 2), LABOUR)
    request_supplement(library, code, local(2026, 3, 5))
    dossier = resubmit(library, code, local(2026, 3, 12))
    assert dossier.due_date == date(2026, 3, 26)  # 10 working days from Friday 13 March


def test_calendar_day_procedure_counts_calendar_days(library):
    code = receive(library, local(2026, 3, 2), INVESTMENT)  # 15 calendar days: Tuesday 17
    with library.begin() as session:
        assert dossier_of(session, code).due_date == date(2026, 3, 17)
    request_supplement(library, code, local(2026, 3, 4), INVESTMENT)  # 3, 4 March used
    with library.begin() as session:
        assert session.execute(select(DossierPause.days_used)).scalar_one() == 2
    dossier = resubmit(library, code, local(2026, 3, 9))
    # 13 remain from 9 March: Sunday 22 March, so the period ends on Monday 23
    assert dossier.due_date == date(2026, 3, 23)


def test_request_after_the_due_date_does_not_stop_the_clock(library):
    code = receive(library, local(2026, 3, 2), LABOUR)  # due 16 March
    request_supplement(library, code, local(2026, 3, 17))
    with library.begin() as session:
        dossier = dossier_of(session, code)
        assert deadline_state(session, dossier, local(2026, 3, 18)).state == "overdue"
        [stop] = events(session, code, "clock_stop")
        assert stop.after["clock_stopped"] is False
    assert resubmit(library, code, local(2026, 3, 20)).due_date == date(2026, 3, 16)


def test_return_after_a_pause_is_judged_against_the_recomputed_due_date(library):
    code = receive(library, local(2026, 3, 2), LABOUR)
    request_supplement(library, code, local(2026, 3, 5))
    resubmit(library, code, local(2026, 3, 12))  # due 23 March
    at = local(2026, 3, 20)  # after the first due date (16), before the new one
    for username, outcome in [("labour_specialist", "approve"), ("labour_head", "agree"),
                              ("leader", "sign"), ("officer", "returned")]:
        dossier = advance(library, code, username, outcome, at)
    assert dossier.status == "returned" and dossier.outcome == "early"


def test_work_hours_setting_shapes_step_due_times(library, monkeypatch):
    monkeypatch.setenv("MOTCUA_WORK_HOURS", "07:30-11:30,13:00-16:30")
    code = receive(library, local(2026, 3, 9, 16))  # Monday 16:00, hand-over 0.5 day
    with library.begin() as session:
        assert business_calendar(session).work_periods[1][1].hour == 16
        # a day is 7.5 working hours, half of it 3.75: 16:00-16:30, then 07:30-10:45 Tuesday
        assert open_item(session, code).due_at == local(2026, 3, 10, 10, 45)


def test_bad_work_hours_setting_is_a_clear_error(library, monkeypatch):
    monkeypatch.setenv("MOTCUA_WORK_HOURS", "08:00-12:00,11:00-17:00")
    with library.begin() as session, pytest.raises(ValueError, match="MOTCUA_WORK_HOURS"):
        business_calendar(session)
    monkeypatch.setenv("MOTCUA_WORK_HOURS", "8h-12h")
    with library.begin() as session, pytest.raises(ValueError, match="MOTCUA_WORK_HOURS"):
        business_calendar(session)
