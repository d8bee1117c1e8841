"""The audit trail is append-only in the database and its hash chain shows any tampering."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from engine.audit_verify import verify_chain
from engine.models import AuditEvent

from ..conftest import T0
from .helpers import advance, hours, receive


@pytest.fixture
def trail(library):
    """A few dossiers' worth of events (users created, receipts, claims, completions)."""
    for n in range(3):
        code = receive(library, T0 + hours(n))
        advance(library, code, "officer", "handed_over", T0 + hours(n + 1))
    with library.begin() as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def behind_the_back(engine, sql: str) -> None:
    """What someone with the database's admin rights could do: lift the guard, then edit."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        conn.execute(text(sql))


def test_intact_chain_verifies(library, trail):
    with library.begin() as session:
        report = verify_chain(session)
    assert report.intact and report.checked == trail and trail >= 18


@pytest.mark.parametrize("sql", ["UPDATE audit_event SET reason = 'x' WHERE id = 3",
                                 "DELETE FROM audit_event WHERE id = 3"])
def test_database_refuses_update_and_delete(library, engine, trail, sql):
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(sql))
    with library.begin() as session:
        assert verify_chain(session).intact


def test_altered_event_is_named(library, engine, trail):
    behind_the_back(engine, "UPDATE audit_event SET reason = 'nothing to see' WHERE id = 12")
    with library.begin() as session:
        report = verify_chain(session)
    assert not report.intact and report.event_id == 12 and "altered" in report.problem
    assert report.checked == 11


def test_deleted_event_is_named(library, engine, trail):
    behind_the_back(engine, "DELETE FROM audit_event WHERE id = 7")
    with library.begin() as session:
        report = verify_chain(session)
    assert (report.event_id, report.checked) == (7, 6) and "missing" in report.problem


def test_cut_off_tail_is_noticed(library, engine, trail):
    behind_the_back(engine, f"DELETE FROM audit_event WHERE id > {trail - 2}")
    with library.begin() as session:
        report = verify_chain(session)
    assert report.event_id == trail - 1 and "missing" in report.problem


def test_cli_verify_exit_codes(library, engine, trail, db_url, monkeypatch):
    from web.cli import main
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    good = CliRunner().invoke(main, ["audit", "verify"])
    assert good.exit_code == 0 and f"{trail} events" in good.output
    behind_the_back(engine, "UPDATE audit_event SET actor_name = 'someone' WHERE id = 5")
    bad = CliRunner().invoke(main, ["audit", "verify"])
    assert bad.exit_code == 1 and "event 5 was altered" in bad.output


def test_an_event_recorded_in_vietnam_time_still_verifies(library):
    from engine import audit
    from engine.calendar import VN_TZ
    with library.begin() as session:
        event = audit.record(session, at=T0.astimezone(VN_TZ), actor=None, action="test")
        assert event.at == T0 and event.at.utcoffset().total_seconds() == 0
    with library() as session:
        assert verify_chain(session).intact
