"""Reading the audit trail (engine/services/auditlog.py): each filter, its located errors,
Vietnam-time period bounds, keyset pages that neither skip nor repeat, the step and process
version of each event, and a dossier's timeline in order."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from engine.calendar import VN_TZ
from engine.errors import InvalidInput
from engine.models import AuditEvent, Dossier
from engine.services import auditlog

from .helpers import advance, receive
from .test_handovers import local, returned_dossier


def utc(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(timezone.utc)


def found(session, **args) -> list[AuditEvent]:
    filters = auditlog.parse_filter(session, args)
    return auditlog.search(session, filters, limit=10_000).events


@pytest.fixture
def trail(library):
    code = returned_dossier(library)
    # a labour dossier handed over late in the evening of 18 March, Vietnam time
    other = receive(library, utc(2026, 3, 18, 23, 10), "BQL.LD.03", "Bà Lê Thị C")
    advance(library, other, "officer", "handed_over", utc(2026, 3, 18, 23, 30))
    return {"returned": code, "other": other}


@pytest.mark.parametrize("args,field", [
    ({"code": "NO-SUCH"}, "code"), ({"procedure": "BQL.XX.99"}, "procedure"),
    ({"user": "nobody"}, "user"), ({"action": "delete_everything"}, "action"),
    ({"from": "31/02/2026"}, "from"), ({"to": "2026-3-1x"}, "to"),
    ({"from": "2026-03-10", "to": "2026-03-09"}, "to"), ({"user": "x" * 101}, "user")])
def test_a_bad_filter_names_its_field(trail, library, args, field):
    with library() as session, pytest.raises(InvalidInput) as refused:
        auditlog.parse_filter(session, args)
    assert list(refused.value.details) == [field]
    assert refused.value.message.startswith(f"{field}:")


def test_before_must_be_an_event_number(trail):
    assert auditlog.parse_before("") is None and auditlog.parse_before("42") == 42
    for bad in ("-1", "1e3", "9" * 13):
        with pytest.raises(InvalidInput) as refused:
            auditlog.parse_before(bad)
        assert list(refused.value.details) == ["before"]


def test_each_filter_keeps_only_its_events(trail, library):
    with library() as session:
        total = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        assert len(found(session)) == total
        returned_id = session.execute(select(Dossier.id).where(
            Dossier.code == trail["returned"])).scalar_one()
        by_code = found(session, code=trail["returned"])
        assert by_code and {e.dossier_id for e in by_code} == {returned_id}
        labour = found(session, procedure="BQL.LD.03")
        assert {e.dossier_code for e in labour if e.dossier_id} == {trail["other"]}
        assert {e.action for e in labour if not e.dossier_id} == {"install_procedure"}
        assert [e.action for e in found(session, user="specialist2")] == ["complete"]
        assert {e.actor_name for e in found(session, user="officer")} == {"officer"}
        # no actor: the library installed and its users created at set-up
        assert {e.action for e in found(session, user="system")} == {"install_procedure",
                                                                      "user_create"}
        assert [e.action for e in found(session, action="reassign")] == ["reassign"]
        # dates are Vietnam days: 23:30 on the 18th is the 18th, though 16:30 UTC
        on_18 = found(session, **{"from": "18/03/2026", "to": "18/03/2026"})
        assert [(e.action, e.at) for e in on_18] == [
            ("complete", utc(2026, 3, 18, 23, 30)), ("claim", utc(2026, 3, 18, 23, 30)),
            ("receive", utc(2026, 3, 18, 23, 10))]
        assert all(e.at >= local(19, 0) for e in found(session, **{"from": "2026-03-19"}))
        # a long period is read along the ids, a short one within its first and last ids:
        # both keep exactly the period's events
        year = found(session, **{"from": "2026-01-01", "to": "2026-12-31"})
        march = found(session, **{"from": "2026-03-01", "to": "2026-03-31"})
        assert [e.id for e in year if e.at >= local(1, 0)] == [e.id for e in march]
        assert found(session, **{"from": "2027-01-01", "to": "2027-01-31"}) == []
        assert all(e.at < local(5, 0) for e in found(session, to="2026-03-04"))
        narrowed = found(session, code=trail["returned"], action="complete", user="officer",
                         **{"from": "2026-03-09", "to": "2026-03-20"})
        assert [e.step_id for e in narrowed] == ["return_result", "supplement"]


def test_pages_go_back_in_time_without_gap_or_repeat(trail, library):
    with library() as session:
        filters = auditlog.parse_filter(session, {})
        every = [e.id for e in auditlog.search(session, filters, limit=10_000).events]
        seen, before = [], None
        while True:
            page = auditlog.search(session, filters, before=before, limit=7)
            assert len(page.events) <= 7
            seen += [e.id for e in page.events]
            if page.next_before is None:
                break
            before = page.next_before
        assert seen == every == sorted(every, reverse=True)
        streamed = [e.id for e in auditlog.all_events(session, filters, batch=5)]
        assert streamed == every


def test_events_carry_their_step_and_process_version(trail, library):
    with library() as session:
        dossier = session.execute(select(Dossier).where(
            Dossier.code == trail["returned"])).scalar_one()
        rows = auditlog.timeline(session, dossier)
        assert [r.event.id for r in rows] == sorted(r.event.id for r in rows)
        assert rows[0].event.action == "receive" and rows[-1].event.action == "complete"
        late = [r for r in rows if (r.event.after or {}).get("step_result") == "late"]
        assert [(r.step.name, r.version.number, r.actor.username) for r in late] == [
            ("Thẩm định hồ sơ", 1, "specialist2")]
        assert late[0].version.sha256 == dossier.process_version.sha256
        reassign = next(r for r in rows if r.event.action == "reassign")
        assert reassign.step.id == "review" and reassign.version.number == 1
        assert {r.event.action for r in rows} >= {"claim", "clock_stop", "clock_resume"}
