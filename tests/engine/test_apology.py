"""Late dossiers: the apology with a new appointment (once only), required before a late return;
each step judged early / on time / late against its allotment."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine.calendar import VN_TZ
from engine.deadlines import deadline_state
from engine.errors import Conflict, DomainError, Forbidden, InvalidInput
from engine.models import Apology, AuditEvent, Dossier
from engine.services import apology, dossiers, queue

from .helpers import advance, open_item, receive, snapshot, user

BEFORE_RETURN = [("officer", "handed_over"), ("specialist", "approve"), ("head", "agree"),
                 ("leader", "sign")]


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def dossier_of(session, code: str) -> Dossier:
    return session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()


def ready_to_return(sessions) -> str:
    """A BQL.DT.01 dossier received Wednesday 4 March 2026 (due Thursday 19 March), signed."""
    code = receive(sessions, local(2026, 3, 4))
    for username, outcome in BEFORE_RETURN:
        advance(sessions, code, username, outcome, local(2026, 3, 5))
    return code


def apologise(sessions, code: str, at: datetime, new_at: datetime, reason: str = "Chờ ý kiến"
              " của Sở Xây dựng / waiting for another agency") -> Apology:
    with sessions.begin() as session:
        return apology.issue_apology(session, user(session, "officer"), at,
                                     dossier_of(session, code).id, reason=reason,
                                     new_appointment_at=new_at)


def test_late_return_is_refused_without_an_apology_then_allowed_with_one(library):
    code = ready_to_return(library)
    late = local(2026, 3, 20, 9)  # the day after the due date
    with library.begin() as session:
        before = snapshot(session, code)
        dossier = dossier_of(session, code)
        assert deadline_state(session, dossier, late).state == "overdue"
        item = open_item(session, code)
        with pytest.raises(DomainError, match="past its due date .*19/03/2026.*apology"):
            dossiers.complete_task(session, user(session, "officer"), late, item.id,
                                   outcome="returned")
        session.rollback()
    with library.begin() as session:
        assert snapshot(session, code) == before
    issued = apologise(library, code, late, local(2026, 3, 24, 14, 30))
    assert issued.due_before == date(2026, 3, 19)
    dossier = advance(library, code, "officer", "returned", local(2026, 3, 24, 14))
    assert dossier.status == "returned" and dossier.outcome == "late"
    assert dossier.due_date == date(2026, 3, 19)  # the legal due date does not move


def test_return_on_the_due_date_needs_no_apology(library):
    code = ready_to_return(library)
    assert advance(library, code, "officer", "returned", local(2026, 3, 19, 16)).outcome == "on_time"


def test_apology_is_audited_with_every_field_of_the_slip(library):
    code = ready_to_return(library)
    apologise(library, code, local(2026, 3, 18, 9), local(2026, 3, 23, 8))
    with library.begin() as session:
        [event] = session.execute(select(AuditEvent).where(AuditEvent.action == "apology")).scalars()
        dossier = dossier_of(session, code)
        assert event.dossier_code == code and event.actor_name == "officer"
        assert event.after["dossier_code"] == code
        assert event.after["received_at"] == dossier.received_at.isoformat()
        assert event.after["original_appointment_at"] == dossier.appointment_at.isoformat()
        assert event.after["due_before"] == "2026-03-19"
        assert datetime.fromisoformat(event.after["new_appointment_at"]) == local(2026, 3, 23, 8)
        assert event.after["issued_by"] == "officer" and event.after["issued_by_name"] == "Officer"
        assert event.reason.startswith("Chờ ý kiến")
        assert deadline_state(session, dossier, local(2026, 3, 18)).may_apologise is False


def test_apology_only_once(library):
    code = ready_to_return(library)
    apologise(library, code, local(2026, 3, 18), local(2026, 3, 23))
    with library.begin() as session:
        before = snapshot(session, code)
    with pytest.raises(Conflict, match="only once"):
        apologise(library, code, local(2026, 3, 20), local(2026, 3, 30))
    with library.begin() as session:
        assert snapshot(session, code) == before
        assert len(list(session.execute(select(Apology)).scalars())) == 1


@pytest.mark.parametrize("new_at, message", [
    (local(2026, 3, 19, 15), "after the current due date 19/03/2026"),
    (local(2026, 3, 22, 9), "working day: 22/03/2026 is a day off \\(Sunday\\)"),
    (local(2026, 4, 30, 9), "working day"),  # Reunification Day
    (local(2026, 3, 23, 12, 30), "within working hours"),
    (local(2026, 3, 23, 18), "within working hours"),
])
def test_bad_new_appointments_are_refused_and_change_nothing(library, new_at, message):
    code = ready_to_return(library)
    with library.begin() as session:
        before = snapshot(session, code)
    with pytest.raises(InvalidInput, match=message):
        apologise(library, code, local(2026, 3, 18), new_at)
    with library.begin() as session:
        assert snapshot(session, code) == before


def test_apology_needs_a_reason_a_one_stop_officer_and_an_open_running_dossier(library):
    code = ready_to_return(library)
    with library.begin() as session:
        dossier_id = dossier_of(session, code).id
        with pytest.raises(InvalidInput, match="reason"):
            apology.issue_apology(session, user(session, "officer"), local(2026, 3, 18),
                                  dossier_id, reason="  ", new_appointment_at=local(2026, 3, 23))
        with pytest.raises(Forbidden):
            apology.issue_apology(session, user(session, "specialist"), local(2026, 3, 18),
                                  dossier_id, reason="x", new_appointment_at=local(2026, 3, 23))
    advance(library, code, "officer", "returned", local(2026, 3, 19))
    with pytest.raises(Conflict, match="already returned"):
        apologise(library, code, local(2026, 3, 19), local(2026, 3, 23))
    paused = receive(library, local(2026, 3, 4))
    advance(library, paused, "officer", "handed_over", local(2026, 3, 5))
    advance(library, paused, "specialist", "supplement", local(2026, 3, 5))
    with pytest.raises(Conflict, match="stopped"):
        apologise(library, paused, local(2026, 3, 30), local(2026, 4, 2))


def test_each_step_is_judged_against_its_allotment(library):
    code = receive(library, local(2026, 3, 4, 10))  # hand-over: half a day, due 15:00
    advance(library, code, "officer", "handed_over", local(2026, 3, 4, 16))  # same day: on time
    advance(library, code, "specialist", "approve", local(2026, 3, 5, 9))  # 5 days: early
    advance(library, code, "head", "agree", local(2026, 3, 9, 9))  # 1 day from Thu 9:00: late
    with library.begin() as session:
        results = [(e.step_id, e.after["step_result"]) for e in session.execute(
            select(AuditEvent).where(AuditEvent.action == "complete").order_by(AuditEvent.id))
            .scalars()]
    assert results == [("handover", "on_time"), ("review", "early"), ("check", "late")]


def test_supplement_step_has_no_allotment_to_judge(library):
    code = receive(library, local(2026, 3, 4))
    advance(library, code, "officer", "handed_over", local(2026, 3, 4, 11))
    advance(library, code, "specialist", "supplement", local(2026, 3, 5))
    with library.begin() as session:
        officer = user(session, "officer")
        item = open_item(session, code)
        queue.claim(session, officer, local(2026, 3, 9), item.id)
        dossiers.complete_task(session, officer, local(2026, 3, 9), item.id, outcome="resubmitted")
    with library.begin() as session:
        last = session.execute(select(AuditEvent).where(AuditEvent.action == "complete")
                               .order_by(AuditEvent.id.desc())).scalars().first()
        assert last.step_id == "supplement" and last.after["step_result"] is None
