"""One action, one transaction: concurrent completions, failures before commit."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select

import bpmn.runtime
from engine import audit
from engine.db import unit_of_work
from engine.errors import Conflict
from engine.models import Dossier
from engine.services import dossiers, queue

from ..conftest import T0
from .helpers import advance, hours, open_item, receive, snapshot, user


def _race(library, code: str, monkeypatch, *, interleave: bool) -> list:
    """Two officers complete the same hand-over at once; returns what each got.

    With `interleave`, the second starts only once the first is inside its transaction, past
    the engine step and before writing: it must wait for the first and then see its result.
    """
    with library.begin() as session:
        item_id, version = open_item(session, code).id, session.execute(
            select(Dossier.version).where(Dossier.code == code)).scalar_one()
    barrier = threading.Barrier(2, timeout=20)
    first_inside, second_started = threading.Event(), threading.Event()
    if interleave:
        complete = bpmn.runtime.Run.complete

        def complete_and_hold(self, task_id, data):
            complete(self, task_id, data)
            first_inside.set()
            second_started.wait(10)
        monkeypatch.setattr(bpmn.runtime.Run, "complete", complete_and_hold)
    results = []

    def officer(second: bool):
        try:
            if interleave and second:
                first_inside.wait(20)
                second_started.set()
            elif not interleave:
                barrier.wait()
            with unit_of_work(library) as session:
                dossiers.complete_task(session, user(session, "officer"), T0 + hours(1), item_id,
                                       outcome="handed_over", expected_version=version)
            results.append("ok")
        except Conflict as exc:
            results.append(exc)
        except Exception as exc:  # anything else is a failure the assertions will show
            results.append(repr(exc))

    threads = [threading.Thread(target=officer, args=(n == 1,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_concurrent_completions_one_wins_one_conflicts(library, monkeypatch):
    code = receive(library, T0)
    with library.begin() as session:
        before = snapshot(session, code)
    results = _race(library, code, monkeypatch, interleave=False)
    assert results.count("ok") == 1 and len(results) == 2
    assert isinstance(next(r for r in results if r != "ok"), Conflict)
    with library.begin() as session:
        after = snapshot(session, code)
        assert after["version"] == before["version"] + 1
        assert [i[0] for i in after["items"]] == ["review"]
        assert after["audit"] == before["audit"] + 1


def test_second_completion_waits_for_the_first_and_conflicts(library, monkeypatch):
    """The second action starts while the first is mid-transaction: the dossier row lock
    (PostgreSQL) or the write lock (SQLite) makes it wait, then it sees the first's result."""
    code = receive(library, T0)
    with library.begin() as session:
        before = snapshot(session, code)
    results = _race(library, code, monkeypatch, interleave=True)
    assert results.count("ok") == 1
    assert isinstance(next(r for r in results if r != "ok"), Conflict)
    with library.begin() as session:
        after = snapshot(session, code)
        assert after["version"] == before["version"] + 1
        assert [i[0] for i in after["items"]] == ["review"]
        assert after["audit"] == before["audit"] + 1


def test_failure_after_engine_step_before_commit_changes_nothing(library, monkeypatch):
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    with library.begin() as session:
        before = snapshot(session, code)
        item_id = open_item(session, code).id

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(audit, "record", fail)  # runs after the engine step and row rewrite
    with pytest.raises(RuntimeError, match="disk full"):
        with unit_of_work(library) as session:
            actor = user(session, "specialist")
            dossiers.complete_task(session, actor, T0 + hours(2), item_id, outcome="approve")
    monkeypatch.undo()
    with library.begin() as session:
        assert snapshot(session, code) == before


def test_work_queue_reads_only_work_item_rows(library, engine, monkeypatch):
    for n in range(3):
        receive(library, T0 + hours(n), name=f"Công ty {n}")

    def no_restore(*args, **kwargs):
        raise AssertionError("the work queue must not deserialise workflows")
    monkeypatch.setattr(bpmn.runtime.Run, "restore", no_restore)
    statements = []
    listener = lambda conn, cursor, sql, *rest: statements.append(sql.lower())  # noqa: E731
    with library.begin() as session:
        actor = user(session, "officer")
        event.listen(engine, "before_cursor_execute", listener)
        try:
            items = queue.work_queue(session, actor, "unclaimed")
            counts = queue.queue_counts(session, actor)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert [i.applicant_name for i in items] == ["Công ty 0", "Công ty 1", "Công ty 2"]
    assert counts == {"mine": 0, "unclaimed": 3}
    queries = [s for s in statements if s.lstrip().startswith("select")]
    assert queries and all("from work_item" in s for s in queries)
    assert not any("dossier." in s or "workflow_state" in s for s in queries)
