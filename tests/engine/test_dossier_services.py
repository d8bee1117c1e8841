"""Receive a dossier and carry it through its procedure with the services."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.models import AuditEvent, Dossier, WorkItem
from engine.services import apology, dossiers, queue

from ..conftest import T0
from .helpers import advance, hours, open_item, receive, user

CODE = re.compile(r"^000\.00\.31\.H26-\d{6}-\d{4}$")


def test_receive_assigns_code_due_date_and_hand_over_item(library):
    code = receive(library, T0)
    assert CODE.match(code) and code.endswith("-260304-0001")
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        # BQL.DT.01: 15 calendar days from Wed 4 March 2026 (the day itself not counted)
        assert dossier.due_date == date(2026, 3, 19)
        assert dossier.status == "in_progress" and dossier.version == 1
        item = open_item(session, code)
        assert (item.step_id, item.role, item.department_id) == ("handover", "one_stop", None)
        # half a working day from 10:00: 10-12 and 13-15 local, so 15:00 local = 08:00 UTC
        assert item.due_at == datetime(2026, 3, 4, 8, 0, tzinfo=timezone.utc)
        [event] = session.execute(select(AuditEvent).where(
            AuditEvent.dossier_id == dossier.id)).scalars()
        assert event.action == "receive" and event.actor_name == "officer"
        assert event.process_sha256 == dossier.process_version.sha256


def test_codes_count_up_within_a_day_and_restart_the_next(library):
    codes = [receive(library, T0), receive(library, T0 + hours(1)), receive(library, T0 + hours(24))]
    assert [c[-11:] for c in codes] == ["260304-0001", "260304-0002", "260305-0001"]


def test_full_path_to_return_is_early_and_audited(library):
    code = receive(library, T0)
    steps = [("officer", "handed_over"), ("specialist", "approve"), ("head", "agree"),
             ("leader", "sign"), ("officer", "returned")]
    at = T0
    for username, outcome in steps:
        at += hours(20)
        dossier = advance(library, code, username, outcome, at)
    assert dossier.status == "returned" and dossier.decision == "approve"
    assert dossier.outcome == "early" and dossier.finished_at == at
    with library.begin() as session:
        assert session.execute(select(WorkItem)).first() is None
        actions = [(e.action, e.actor_name, e.step_id) for e in session.execute(
            select(AuditEvent).where(AuditEvent.dossier_code == code).order_by(AuditEvent.id))
            .scalars()]
    assert actions[0] == ("receive", "officer", "receive")
    assert [a for a in actions if a[0] == "complete"] == [
        ("complete", "officer", "handover"), ("complete", "specialist", "review"),
        ("complete", "head", "check"), ("complete", "leader", "approve"),
        ("complete", "officer", "return_result")]


def test_return_after_the_due_date_is_late_and_on_it_on_time(library):
    late, on_time = receive(library, T0), receive(library, T0)
    steps = [("officer", "handed_over"), ("specialist", "approve"), ("head", "agree"),
             ("leader", "sign")]
    for code in (late, on_time):
        for username, outcome in steps:
            advance(library, code, username, outcome, T0 + hours(1))
    due_day = datetime(2026, 3, 19, 9, 0, tzinfo=timezone.utc)  # 16:00 local on the due date
    assert advance(library, on_time, "officer", "returned", due_day).outcome == "on_time"
    with library.begin() as session:  # a late result needs the apology first (test_apology.py)
        apology.issue_apology(session, user(session, "officer"), due_day + hours(20),
                              open_item(session, late).dossier_id, reason="delay",
                              new_appointment_at=datetime(2026, 3, 23, 2, 0, tzinfo=timezone.utc))
    assert advance(library, late, "officer", "returned", due_day + hours(24)).outcome == "late"


def test_supplement_waits_at_the_counter(library):
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    dossier = advance(library, code, "specialist", "supplement", T0 + hours(2))
    assert dossier.status == "awaiting_supplement"
    with library.begin() as session:
        item = open_item(session, code)
        assert (item.step_id, item.role, item.due_at) == ("supplement", "one_stop", None)
    dossier = advance(library, code, "officer", "resubmitted", T0 + hours(30))
    assert dossier.status == "in_progress"


def test_outcome_not_offered_is_refused_and_changes_nothing(library):
    code = receive(library, T0)
    with library.begin() as session:
        actor, item = user(session, "officer"), open_item(session, code)
        with pytest.raises(InvalidInput, match="not offered"):
            dossiers.complete_task(session, actor, T0, item.id, outcome="sign")


def test_wrong_role_or_department_cannot_act(library):
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    with library.begin() as session:
        item = open_item(session, code)
        for username in ("head", "labour_specialist", "auditor"):
            with pytest.raises(Forbidden):
                queue.claim(session, user(session, username), T0, item.id)
            with pytest.raises(Forbidden):
                dossiers.complete_task(session, user(session, username), T0, item.id,
                                       outcome="approve")


def test_claimed_task_is_for_its_claimant_only(library):
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    with library.begin() as session:
        item = open_item(session, code)
        queue.claim(session, user(session, "specialist"), T0, item.id)
    with library.begin() as session:
        with pytest.raises(Conflict, match="claimed"):
            queue.claim(session, user(session, "specialist2"), T0, item.id)
    with library.begin() as session:
        with pytest.raises(Forbidden, match="claimed"):
            dossiers.complete_task(session, user(session, "specialist2"), T0, item.id,
                                   outcome="approve")
    with library.begin() as session:
        with pytest.raises(Forbidden):
            queue.release(session, user(session, "specialist2"), T0, item.id)
        queue.release(session, user(session, "specialist"), T0, item.id)
    with library.begin() as session:
        assert open_item(session, code).assignee_id is None


def test_stale_version_is_a_conflict(library):
    code = receive(library, T0)
    with library.begin() as session:
        item = open_item(session, code)
        with pytest.raises(Conflict, match="changed by someone else"):
            dossiers.complete_task(session, user(session, "officer"), T0, item.id,
                                   outcome="handed_over", expected_version=0)


def test_task_already_done_is_a_conflict(library):
    code = receive(library, T0)
    with library.begin() as session:
        item_id = open_item(session, code).id
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    with library.begin() as session:
        with pytest.raises(Conflict, match="no longer open"):
            dossiers.complete_task(session, user(session, "officer"), T0, item_id,
                                   outcome="handed_over")


def test_unknown_procedure_and_missing_name_are_clear_errors(library):
    with library.begin() as session:
        officer = user(session, "officer")
        with pytest.raises(NotFound, match="NO.SUCH"):
            dossiers.receive(session, officer, T0, procedure_code="NO.SUCH",
                             applicant={"name": "A"})
        with pytest.raises(InvalidInput, match="name"):
            dossiers.receive(session, officer, T0, procedure_code="BQL.DT.01",
                             applicant={"name": "  "})
        with pytest.raises(Forbidden):
            dossiers.receive(session, user(session, "specialist"), T0,
                             procedure_code="BQL.DT.01", applicant={"name": "A"})


def test_the_reviewer_may_not_approve_the_same_dossier(library):
    from engine.models import UserRole
    code = receive(library, T0)
    with library.begin() as session:  # a specialist who is also a leader
        session.add(UserRole(user_id=user(session, "specialist").id, role_code="leader"))
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    advance(library, code, "specialist", "approve", T0 + hours(2))
    advance(library, code, "head", "agree", T0 + hours(3))
    with library.begin() as session:
        item = open_item(session, code)
        assert item.step_id == "approve"
        with pytest.raises(Forbidden, match="both review and approve"):
            dossiers.complete_task(session, user(session, "specialist"), T0 + hours(4),
                                   item.id, outcome="sign")
    assert advance(library, code, "leader", "sign", T0 + hours(4)).status == "in_progress"
