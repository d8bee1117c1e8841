"""The nonconformity register: late dossiers open one each (on their late return or in the
scheduler's sweep), the quality manager records the corrective action and closes it."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from engine import scheduler
from engine.audit_verify import verify_chain
from engine.calendar import VN_TZ
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.models import AuditEvent, Dossier, Nonconformity
from engine.services import dossiers
from engine.services import nonconformities as ncs

from .helpers import advance, open_item, receive, user
from .test_apology import BEFORE_RETURN, apologise

FILLED = {"description": "Trả kết quả chậm 1 ngày", "cause": "Chờ ý kiến Sở Xây dựng",
          "correction": "Đã xin lỗi và hẹn lại", "corrective_action": "Lấy ý kiến song song"}


def local(y, m, d, hh=10, mm=0) -> datetime:
    # in UTC, as engine.clock gives it: the audit chain hashes the time as it is passed
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(timezone.utc)


def registered(session) -> list[Nonconformity]:
    return list(session.execute(select(Nonconformity).order_by(Nonconformity.id)).scalars())


def audit_count(session) -> int:
    return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def ready_to_return(sessions) -> str:
    """A BQL.DT.01 dossier received Wednesday 4 March 2026 (due Thursday 19 March), signed."""
    code = receive(sessions, local(2026, 3, 4))
    for username, outcome in BEFORE_RETURN:
        advance(sessions, code, username, outcome, local(2026, 3, 5))
    return code


def return_at(sessions, code: str, at: datetime) -> Dossier:
    with sessions.begin() as session:
        item = open_item(session, code)
        return dossiers.complete_task(session, user(session, "officer"), at, item.id,
                                      outcome="returned")


def test_a_late_return_opens_exactly_one_nonconformity(library):
    code = ready_to_return(library)  # due Thursday 19 March 2026
    late = local(2026, 3, 20, 9)
    apologise(library, code, late, local(2026, 3, 24, 14, 30))
    with library.begin() as session:
        item_id = open_item(session, code).id
    return_at(library, code, local(2026, 3, 24, 14))
    with library.begin() as session:  # the officer's page resent: refused, nothing added
        with pytest.raises(Conflict):
            dossiers.complete_task(session, user(session, "officer"), local(2026, 3, 24, 15),
                                   item_id, outcome="returned")
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        again = ncs.open_for_late_dossier(session, dossier, local(2026, 3, 25))
        [nc] = registered(session)
        assert again.id == nc.id
        assert (nc.source, nc.status, nc.dossier_id) == ("late_dossier", "open", dossier.id)
        assert nc.code == "NC-2026-0001" and nc.procedure_id == dossier.procedure_id
        assert "19/03/2026" in nc.description and "24/03/2026" in nc.description
        [event] = ncs.history(session, nc)
        assert (event.action, event.actor_name, event.dossier_id) == (
            "nonconformity_open", "system", dossier.id)


def test_an_on_time_return_opens_none(library):
    code = ready_to_return(library)
    dossier = return_at(library, code, local(2026, 3, 19, 16))
    assert dossier.outcome == "on_time"
    assert scheduler.open_nonconformities(library, lambda: local(2026, 4, 1)) == 0
    with library.begin() as session:
        assert registered(session) == []


def test_the_sweep_finds_an_overdue_dossier_once(library):
    code = receive(library, local(2026, 3, 4))  # due 19 March, never worked on
    on_due_day = scheduler.open_nonconformities(library, lambda: local(2026, 3, 19, 23, 59))
    assert on_due_day == 0
    first = scheduler.open_nonconformities(library, lambda: local(2026, 3, 20, 0, 1))
    second = scheduler.open_nonconformities(library, lambda: local(2026, 3, 20, 0, 2))
    assert (first, second) == (1, 0)
    # finished late later on: still the same one
    for username, outcome in BEFORE_RETURN:
        advance(library, code, username, outcome, local(2026, 3, 23))
    apologise(library, code, local(2026, 3, 23), local(2026, 3, 25, 9))
    assert return_at(library, code, local(2026, 3, 24)).outcome == "late"
    with library.begin() as session:
        [nc] = registered(session)
        assert "chưa có kết quả" in nc.description and nc.detected_at == local(2026, 3, 20, 0, 1)


def test_the_sweep_batches_and_skips_paused_and_finished_dossiers(library):
    codes = [receive(library, local(2026, 3, 4), name=f"Công ty {i}") for i in range(5)]
    with library.begin() as session:  # one waits for the applicant: its clock is stopped
        paused = session.execute(select(Dossier).where(Dossier.code == codes[0])).scalar_one()
        paused.status = "awaiting_supplement"
    assert scheduler.open_nonconformities(library, lambda: local(2026, 3, 20), batch=2) == 4
    with library.begin() as session:
        assert [nc.code for nc in registered(session)] == [f"NC-2026-000{i}" for i in (1, 2, 3, 4)]
        assert {nc.dossier.code for nc in registered(session)} == set(codes[1:])


def manual(sessions, **fields) -> Nonconformity:
    with sessions.begin() as session:
        return ncs.open_manual(session, user(session, "quality"), local(2026, 3, 4),
                               **{"source": "complaint", "description": "Khiếu nại", **fields})


def edit(sessions, nc_id: int, version: int, username: str = "quality", **changes):
    with sessions.begin() as session:
        return ncs.update(session, user(session, username), local(2026, 3, 5), nc_id,
                          expected_version=version, changes={**FILLED, **changes})


def test_the_quality_manager_records_and_closes_audited(library):
    code = receive(library, local(2026, 3, 4))
    nc = manual(library, dossier_code=code, due_date=date(2026, 4, 30))
    assert (nc.source, nc.code, nc.status) == ("complaint", "NC-2026-0001", "open")
    with library.begin() as session:
        owner = user(session, "head").id
    edited = edit(library, nc.id, nc.version, owner_id=owner, due_date=date(2026, 4, 15))
    assert (edited.status, edited.owner_id, edited.due_date) == (
        "in_progress", owner, date(2026, 4, 15))
    same = edit(library, nc.id, edited.version, owner_id=owner, due_date=date(2026, 4, 15))
    assert same.version == edited.version  # nothing changed: no new version, no event
    with library.begin() as session:
        closed = ncs.close(session, user(session, "quality"), local(2026, 4, 16), nc.id,
                           expected_version=edited.version, effectiveness="Không tái diễn")
    assert (closed.status, closed.closed_at, closed.effectiveness) == (
        "closed", local(2026, 4, 16), "Không tái diễn")
    with library.begin() as session:
        with pytest.raises(InvalidInput) as refused:
            ncs.reopen(session, user(session, "quality"), local(2026, 5, 1), nc.id,
                       expected_version=closed.version, reason=" ")
        assert refused.value.details == {"reason": "required"}
    with library.begin() as session:
        reopened = ncs.reopen(session, user(session, "quality"), local(2026, 5, 1), nc.id,
                              expected_version=closed.version, reason="Tái diễn")
        assert (reopened.status, reopened.closed_at) == ("in_progress", None)
        events = ncs.history(session, reopened)
        assert [e.action for e in events] == ["nonconformity_open", "nonconformity_update",
                                              "nonconformity_close", "nonconformity_update"]
        assert events[1].before["cause"] == "" and events[1].after["cause"] == FILLED["cause"]
        assert events[2].after["status"] == "closed" and events[3].reason == "Tái diễn"
        assert all(e.dossier_code == code and e.actor_name == "quality" for e in events)
        assert verify_chain(session).intact


def test_closing_needs_cause_correction_and_corrective_action(library):
    nc = manual(library)
    with library.begin() as session:
        before = audit_count(session)
        with pytest.raises(InvalidInput) as refused:
            ncs.close(session, user(session, "quality"), local(2026, 3, 5), nc.id,
                      expected_version=nc.version)
        assert refused.value.details == {"cause": "required", "correction": "required",
                                         "corrective_action": "required"}
    with library.begin() as session:
        found = session.get(Nonconformity, nc.id)
        assert (found.status, found.closed_at, audit_count(session)) == ("open", None, before)


def test_a_stale_edit_is_a_conflict_and_changes_nothing(library):
    nc = manual(library)
    edit(library, nc.id, nc.version)
    with pytest.raises(Conflict, match="changed by someone else"):
        edit(library, nc.id, nc.version, cause="Khác")
    with library.begin() as session:
        assert session.get(Nonconformity, nc.id).cause == FILLED["cause"]


@pytest.mark.parametrize("changes, field", [
    ({"owner_id": 99999}, "owner_id"), ({"owner_id": "1"}, "owner_id"),
    ({"due_date": date(2026, 3, 1)}, "due_date"), ({"due_date": date(2031, 1, 1)}, "due_date"),
    ({"due_date": "2026-04-01"}, "due_date"), ({"cause": "x" * 4001}, "cause"),
    ({"description": " "}, "description")])
def test_bad_edits_are_refused_by_field(library, changes, field):
    nc = manual(library)
    with pytest.raises(InvalidInput) as refused:
        edit(library, nc.id, nc.version, **changes)
    assert field in refused.value.details
    with library.begin() as session:
        assert session.get(Nonconformity, nc.id).version == nc.version


def test_manual_opening_is_checked(library):
    with pytest.raises(InvalidInput) as unknown_source:
        manual(library, source="late_dossier")
    with pytest.raises(InvalidInput) as unknown_dossier:
        manual(library, dossier_code="000.00.31.H26-260304-9999")
    assert "source" in unknown_source.value.details
    assert "dossier_code" in unknown_dossier.value.details
    with library.begin() as session, pytest.raises(Forbidden):
        ncs.open_manual(session, user(session, "auditor"), local(2026, 3, 4),
                        source="other", description="x")
    with library.begin() as session:
        assert registered(session) == []
    assert [manual(library).code, manual(library).code] == ["NC-2026-0001", "NC-2026-0002"]


def test_the_demo_shows_a_register(sessions):
    from engine.demo import load_demo
    from tests.conftest import T0
    with sessions.begin() as session:
        load_demo(session, T0)
    with sessions.begin() as session:
        found = registered(session)
        late = [nc for nc in found if nc.source == "late_dossier"]
        assert {nc.dossier.outcome for nc in late} >= {"late", None}  # returned late, overdue
        assert all(ncs.is_late(nc.dossier, T0) for nc in late)
        assert {(nc.source, nc.status) for nc in found} >= {
            ("complaint", "in_progress"), ("internal_audit", "closed")}
        assert verify_chain(session).intact
