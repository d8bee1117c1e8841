"""The conformance check replays each dossier's audit trail on its own version: the paths the
services allow conform (supplement, refusal, send-back, timers and escalation, a move to a new
version); forged or altered histories are found, each deviation naming its event."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import update

from engine.errors import InvalidInput
from engine.models import WorkItem
from engine.services import moves
from engine.services.conformance import check_conformance

from .helpers import add_user, advance, receive, user
from .mining_paths import dossier_of, forge, local, return_result, varied
from .test_versions import edit, publish_v2, rename, set_allotment, v1_xml

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def checks_of(sessions, start=MARCH[0], end=MARCH[1], **kwargs):
    with sessions() as session:
        report = check_conformance(session, start, end, **kwargs)
    return report, {c.code: c for c in report.checks}


def test_the_paths_the_services_allow_all_conform(library):
    codes = varied(library, 10, local(2026, 3, 2, 9))
    report, checks = checks_of(library, date(2026, 3, 1), date(2026, 4, 30))
    assert set(checks) == {c for each in codes.values() for c in each}
    assert [c.deviations for c in report.checks if not c.conforming] == []
    assert report.by_kind == {} and report.seconds > 0
    assert all(c.events >= 2 for c in report.checks)
    late = checks[codes["late"][0]]
    assert late.conforming and late.procedure == "BQL.DT.01" and late.version == 1


def test_a_forged_completion_of_a_step_not_open_is_found(library):
    code = receive(library, local(2026, 3, 4))
    advance(library, code, "officer", "handed_over", local(2026, 3, 4, 11))
    honest = receive(library, local(2026, 3, 4, 14), name="Công ty B")
    forged = forge(library, code, "approve", "sign", local(2026, 3, 5))  # review skipped
    report, checks = checks_of(library)
    assert checks[honest].conforming
    [deviation] = checks[code].deviations
    assert (deviation.kind, deviation.event_id, deviation.step) == ("not_open", forged, "approve")
    assert "open: review" in deviation.detail
    assert [c.code for c in report.deviating] == [code]


def test_an_outcome_the_step_does_not_offer_is_found(library):
    code = receive(library, local(2026, 3, 4))
    advance(library, code, "officer", "handed_over", local(2026, 3, 4, 11))
    forged = forge(library, code, "review", "waive", local(2026, 3, 5))
    _, checks = checks_of(library)
    [deviation] = checks[code].deviations
    assert (deviation.kind, deviation.event_id) == ("outcome_not_offered", forged)
    assert "approve, supplement, refuse" in deviation.detail


def test_a_stored_state_the_history_does_not_lead_to_is_found(library):
    code = receive(library, local(2026, 3, 4))
    advance(library, code, "officer", "handed_over", local(2026, 3, 4, 11))
    with library.begin() as session:
        session.execute(update(WorkItem).where(WorkItem.dossier_id == dossier_of(
            session, code).id).values(step_id="check"))
    _, checks = checks_of(library)
    [deviation] = checks[code].deviations
    assert deviation.kind == "end_state" and deviation.event_id is None
    assert deviation.detail == "open steps: stored check, replayed review"


def test_a_recorded_version_that_is_not_the_dossiers_is_found(library):
    code = receive(library, local(2026, 3, 4))
    forged = forge(library, code, "handover", "", local(2026, 3, 5), action="claim",
                   sha256="a" * 64)
    _, checks = checks_of(library)
    assert [(d.kind, d.event_id) for d in checks[code].deviations] == [
        ("version_mismatch", forged)]


def test_a_timer_that_was_not_waiting_is_found(library):
    code = receive(library, local(2026, 3, 4))  # at the hand-over: no timer armed yet
    forged = forge(library, code, "review_late", "", local(2026, 3, 5), action="timer_fired")
    _, checks = checks_of(library)
    assert [(d.kind, d.event_id, d.step) for d in checks[code].deviations] == [
        ("timer_not_waiting", forged, "review_late")]


def test_a_dossier_moved_to_a_new_version_is_replayed_across_the_move(library):
    add_user(library, "quality2", ["quality"], "van_phong")
    t0 = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)
    code = receive(library, t0)
    advance(library, code, "officer", "handed_over", local(2026, 3, 4, 11))
    advance(library, code, "specialist", "approve", local(2026, 3, 4, 12))
    xml = edit(v1_xml(library), lambda root: (set_allotment("check", "1.5")(root),
                                             rename("check", "Trưởng phòng kiểm tra, ký nháy")(root)))
    publish_v2(library, xml, at=local(2026, 3, 4, 13))
    with library.begin() as session:
        [moved] = moves.migrate_dossiers(session, user(session, "quality"), local(2026, 3, 4, 14),
                                         procedure_code="BQL.DT.01", to_number=2, codes=[code])
        assert moved.moved
    advance(library, code, "head", "agree", local(2026, 3, 4, 15))
    advance(library, code, "leader", "sign", local(2026, 3, 4, 16))
    return_result(library, code, local(2026, 3, 5, 9))
    _, checks = checks_of(library)
    assert checks[code].conforming and checks[code].version == 2


def test_a_period_and_a_procedure_select_the_dossiers(library):
    march = receive(library, local(2026, 3, 4))
    receive(library, local(2026, 4, 6))
    report, checks = checks_of(library)
    assert set(checks) == {march}
    assert checks_of(library, procedure="BQL.LD.03")[0].checks == []
    with pytest.raises(InvalidInput, match="ends before it starts"):
        checks_of(library, date(2026, 3, 31), date(2026, 3, 1))
    receive(library, local(2026, 3, 5))
    with pytest.raises(InvalidInput, match="holds 2 dossiers; the check replays at most 1") as e:
        checks_of(library, max_dossiers=1)
    assert e.value.details == {"to": "too many dossiers"}
    assert len(checks_of(library, max_dossiers=2)[0].checks) == 2
