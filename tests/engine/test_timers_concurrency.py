"""Two scheduler processes sweep the same due timers on PostgreSQL: each fires exactly once.

Real OS processes run `motcua scheduler --once` against the test schema. One dossier is taken
into review through the services; the others are copies of its rows (dossier, work item,
timer, same workflow state) so that hundreds of due timers exist in a second.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import undefer

from engine.audit import GENESIS, event_hash
from engine.models import AuditEvent, Dossier, Timer, WorkItem

from ..conftest import T0
from .helpers import advance, receive

DOSSIERS = 150  # two timers each, both due when the sweepers start


def clone_dossier(session, code: str, copies: int) -> list[int]:
    """Insert `copies` copies of a dossier with its work-item and timer rows; their ids."""
    src = session.execute(select(Dossier).where(Dossier.code == code)
                          .options(undefer(Dossier.workflow_state))).scalar_one()
    table = Dossier.__table__
    base = {c.key: getattr(src, c.key) for c in table.columns if c.key not in ("id", "code")}
    ids = list(session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [dict(base, code=f"{code}-C{n:05d}") for n in range(copies)]).scalars())
    for model in (WorkItem, Timer):
        rows = [{c.key: getattr(row, c.key) for c in model.__table__.columns if c.key != "id"}
                for row in session.execute(select(model).where(model.dossier_id == src.id))
                .scalars()]
        session.execute(insert(model.__table__), [dict(row, dossier_id=dossier_id)
                                                  for dossier_id in ids for row in rows])
    return ids


def motcua() -> list[str]:
    script = Path(sys.executable).with_name("motcua")
    return [str(script)] if script.exists() else [sys.executable, "-m", "web.cli"]


def test_two_scheduler_processes_fire_each_timer_exactly_once(db_url, library, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("several scheduler processes are for PostgreSQL (SQLite has one writer)")
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", T0)
    with library.begin() as session:
        clone_dossier(session, code, DOSSIERS - 1)
        total = session.execute(select(func.count()).select_from(Timer)).scalar_one()
    assert total == 2 * DOSSIERS  # the real clock is past March 2026: every timer is due
    env = {**os.environ, "MOTCUA_DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}
    command = [*motcua(), "scheduler", "--once", "--batch", "10"]
    logs = [tmp_path / f"scheduler-{n}.log" for n in range(2)]  # files: a full pipe would
    procs = []                                                    # block a sweeper mid-batch
    for log in logs:
        with log.open("w") as out:
            procs.append(subprocess.Popen(command, env=env, cwd=tmp_path, stdout=out,
                                          stderr=subprocess.STDOUT))
    try:
        codes = [p.wait(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    outputs = [log.read_text() for log in logs]
    assert codes == [0, 0], outputs
    fired_by = [int(re.search(r"(\d+) fired", out).group(1)) for out in outputs]
    print(f"fired by each process: {fired_by}")
    assert sum(fired_by) == total

    with library.begin() as session:
        assert session.execute(select(func.count()).select_from(Timer)
                               .where(Timer.fired_at.is_(None))).scalar_one() == 0
        fired = list(session.execute(select(AuditEvent).where(AuditEvent.action == "timer_fired")
                                     .order_by(AuditEvent.id)).scalars())
        per_timer = Counter(e.after["timer_id"] for e in fired)
        row_ids = set(session.execute(select(Timer.id)).scalars())
        assert set(per_timer) == row_ids and set(per_timer.values()) == {1}
        order = {}
        for event in fired:  # each dossier: the warning, then the escalation
            order.setdefault(event.dossier_id, []).append(event.step_id)
        assert set(map(tuple, order.values())) == {("review_due_soon", "review_late")}
        assert session.execute(select(func.count()).select_from(WorkItem)
                               .where(WorkItem.escalated.is_(True))).scalar_one() == DOSSIERS
        chain = list(session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())
    assert [e.id for e in chain] == list(range(1, len(chain) + 1))  # no gaps
    previous = GENESIS
    for event in chain:
        assert event.prev_hash == previous and event.hash == event_hash(previous, event)
        previous = event.hash
