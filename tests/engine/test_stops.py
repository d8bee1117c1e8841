"""A dossier withdrawn by the applicant or stopped by the agency: finished with no outcome,
its rows gone, its clock stop closed, audited, counted as "withdrawn or stopped"."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine.calendar import VN_TZ
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.models import AuditEvent, Dossier, DossierPause, Timer, WorkItem
from engine.services import stops
from engine.services.nonconformities import is_late
from engine.services.statistics import period_statistics

from .helpers import add_user, advance, receive, snapshot, user

LABOUR = "BQL.LD.03"  # department lao_dong


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


RECEIVED, HANDED_OVER, STOP_AT = local(2026, 3, 4), local(2026, 3, 5), local(2026, 3, 10, 15)


@pytest.fixture
def library(library):
    add_user(library, "labour_head", ["head"], "lao_dong")
    return library


def dossier_of(session, code: str) -> Dossier:
    return session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()


def in_review(sessions) -> str:
    """A BQL.DT.01 dossier (department dau_tu) in review: one work item, two timers."""
    code = receive(sessions, RECEIVED)
    advance(sessions, code, "officer", "handed_over", HANDED_OVER)
    return code


def stop(sessions, code: str, username: str, kind: str, *, at: datetime = STOP_AT,
         reason: str = "Công dân có đơn xin rút hồ sơ", version: int | None = -1,
         requested_on: date | None = None) -> Dossier:
    with sessions.begin() as session:
        dossier = dossier_of(session, code)
        return stops.stop_dossier(
            session, user(session, username), at, dossier.id, kind=kind, reason=reason,
            expected_version=dossier.version if version == -1 else version,
            requested_on=requested_on)


def refused(sessions, code: str, error, match: str, **kwargs) -> None:
    """The stop fails with `error` and changes nothing."""
    with sessions.begin() as session:
        before = snapshot(session, code)
    with pytest.raises(error, match=match):
        stop(sessions, code, **kwargs)
    with sessions.begin() as session:
        assert snapshot(session, code) == before
        assert dossier_of(session, code).finished_at is None


def test_a_withdrawal_finishes_the_dossier_with_no_outcome_and_drops_its_rows(library):
    code = in_review(library)
    with library.begin() as session:
        dossier = dossier_of(session, code)
        version = dossier.version
        assert session.execute(select(Timer).where(Timer.dossier_id == dossier.id)).first()
    stopped = stop(library, code, "officer", "withdrawn", requested_on=date(2026, 3, 9))
    assert (stopped.status, stopped.outcome) == ("withdrawn", None)
    with library.begin() as session:
        dossier = dossier_of(session, code)
        assert dossier.finished_at == STOP_AT and dossier.version == version + 1
        assert dossier.outcome is None and dossier.decision is None
        for model in (WorkItem, Timer):
            assert session.execute(select(model).where(model.dossier_id == dossier.id)
                                   ).first() is None
        [event] = session.execute(select(AuditEvent).where(AuditEvent.action == "stop")
                                  ).scalars()
        assert (event.dossier_code, event.actor_name) == (code, "officer")
        assert event.reason == "Công dân có đơn xin rút hồ sơ"
        assert event.before["status"] == "in_progress"
        assert [s["step"] for s in event.before["open_steps"]] == ["review"]
        assert event.after == {"status": "withdrawn", "kind": "withdrawn",
                               "reason": "Công dân có đơn xin rút hồ sơ",
                               "requested_on": "2026-03-09", "abandoned_steps": ["review"],
                               "pause_closed": None}
        record = stops.stop_of(session, dossier)
        assert (record.kind, record.requested_on, record.officer.username) == (
            "withdrawn", date(2026, 3, 9), "officer")
        assert not is_late(dossier, local(2026, 6, 1))  # no nonconformity, even much later


def test_a_head_of_the_department_stops_processing(library):
    code = in_review(library)
    stopped = stop(library, code, "head", "stopped", reason="Quá hạn bổ sung hồ sơ")
    assert stopped.status == "stopped"
    with library.begin() as session:
        record = stops.stop_of(session, dossier_of(session, code))
        assert (record.kind, record.requested_on, record.reason) == (
            "stopped", None, "Quá hạn bổ sung hồ sơ")


def test_a_leader_may_record_either_kind(library):
    first, second = in_review(library), in_review(library)
    assert stop(library, first, "leader", "stopped").status == "stopped"
    assert stop(library, second, "leader", "withdrawn").status == "withdrawn"


@pytest.mark.parametrize("username, kind, match", [
    ("officer", "stopped", "head of the dossier's department or a leader stops"),
    ("specialist", "stopped", "head of the dossier's department or a leader stops"),
    ("specialist", "withdrawn", "records a withdrawal"),
    ("labour_head", "stopped", "another department"),
    ("labour_head", "withdrawn", "another department"),
    ("auditor", "withdrawn", "records a withdrawal"),
])
def test_who_may_not_stop_it(library, username, kind, match):
    code = in_review(library)
    refused(library, code, Forbidden, match, username=username, kind=kind)


def test_allowed_kinds_follow_the_roles_and_the_department(library):
    code = in_review(library)
    with library.begin() as session:
        dossier = dossier_of(session, code)
        found = {name: stops.allowed_kinds(user(session, name), dossier)
                 for name in ("officer", "head", "leader", "labour_head", "specialist")}
    assert found == {"officer": ("withdrawn",), "head": ("withdrawn", "stopped"),
                     "leader": ("withdrawn", "stopped"), "labour_head": (),
                     "specialist": ()}


def test_a_stale_version_changes_nothing(library):
    code = in_review(library)
    with library.begin() as session:
        seen = dossier_of(session, code).version
    advance(library, code, "specialist", "approve", local(2026, 3, 6))  # someone moved on
    refused(library, code, Conflict, "changed by someone else", username="officer",
            kind="withdrawn", version=seen)


def test_a_finished_dossier_cannot_be_stopped(library):
    code = in_review(library)
    stop(library, code, "officer", "withdrawn")
    with pytest.raises(Conflict, match="already finished \\(withdrawn\\)"):
        stop(library, code, "leader", "stopped")
    with library.begin() as session:
        assert len(list(session.execute(select(AuditEvent).where(
            AuditEvent.action == "stop")).scalars())) == 1


@pytest.mark.parametrize("kwargs, error, match", [
    ({"reason": "   "}, InvalidInput, "reason is required"),
    ({"reason": "x" * 2001}, InvalidInput, "longer than 2000"),
    ({"kind": "cancelled"}, InvalidInput, "unknown kind of stop"),
    ({"requested_on": date(2026, 3, 3)}, InvalidInput, "between the receipt and today"),
    ({"requested_on": date(2026, 3, 11)}, InvalidInput, "between the receipt and today"),
])
def test_bad_input_is_refused(library, kwargs, error, match):
    code = in_review(library)
    refused(library, code, error, match, **{"username": "officer", "kind": "withdrawn",
                                            **kwargs})


def test_stopping_a_dossier_waiting_for_a_supplement_closes_the_clock_stop(library):
    code = receive(library, RECEIVED, LABOUR)
    advance(library, code, "officer", "handed_over", HANDED_OVER)
    assert advance(library, code, "labour_specialist", "supplement",
                   local(2026, 3, 5, 14)).status == "awaiting_supplement"
    stopped = stop(library, code, "labour_head", "stopped",
                   reason="Quá thời hạn bổ sung hồ sơ mà không bổ sung")
    assert stopped.status == "stopped"
    with library.begin() as session:
        dossier = dossier_of(session, code)
        [pause] = session.execute(select(DossierPause).where(
            DossierPause.dossier_id == dossier.id)).scalars()
        assert pause.resumed_at == STOP_AT and pause.due_after is None
        assert dossier.due_date == pause.due_before  # not recomputed: the clock stays stopped
        [event] = session.execute(select(AuditEvent).where(AuditEvent.action == "stop")
                                  ).scalars()
        assert event.after["pause_closed"] == pause.id
        assert event.after["abandoned_steps"] == ["supplement"]
        assert session.execute(select(WorkItem).where(WorkItem.dossier_id == dossier.id)
                               ).first() is None


def test_statistics_count_it_as_withdrawn_in_its_period_never_as_resolved(library):
    withdrawn, stopped_code = in_review(library), in_review(library)
    in_review(library)  # still open
    stop(library, withdrawn, "officer", "withdrawn")
    stop(library, stopped_code, "head", "stopped", at=local(2026, 4, 2))
    now = local(2026, 6, 1)
    with library.begin() as session:
        march = period_statistics(session, date(2026, 3, 1), date(2026, 3, 31), now).total
        april = period_statistics(session, date(2026, 4, 1), date(2026, 4, 30), now).total
        may = period_statistics(session, date(2026, 5, 1), date(2026, 5, 31), now).total
    assert (march.received, march.withdrawn, march.resolved) == (3, 1, 0)
    assert (march.in_progress_within + march.in_progress_late) == 2  # one stopped in April
    assert (april.carried_over, april.withdrawn, april.resolved, april.in_progress) == (
        2, 1, 0, 1)
    assert {k: v for k, v in asdict(may).items() if v} == {"carried_over": 1,
                                                           "in_progress_late": 1}


def test_a_stopped_dossier_has_no_deadline_to_run_and_nothing_to_rate(library):
    from engine.deadlines import deadline_state
    from engine.services.ratings import record_rating
    code = in_review(library)
    stop(library, code, "officer", "withdrawn")
    later = local(2026, 6, 1)  # long past the due date
    with library.begin() as session:
        dossier = dossier_of(session, code)
        state = deadline_state(session, dossier, later)
        assert state.state == "ended" and state.finished and not state.may_apologise
        with pytest.raises(Conflict, match="withdrawn or stopped"):
            record_rating(session, user(session, "officer"), later, dossier, level="satisfied")
