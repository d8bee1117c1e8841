"""Cost of the scheduler's timer sweep with 100,000 waiting timers (issue 3).

    .venv/bin/python -m bench.timer_sweep                      # SQLite file in a temp dir
    .venv/bin/python -m bench.timer_sweep --database-url postgresql://postgres@127.0.0.1:5432/test

What is measured, honestly:
- One real dossier is received and taken into review through the services, so it has a real
  workflow state with the standard diagram's two review timers (warning, escalation).
- 500 copies of its rows (dossier, work item, two timers, same workflow state) become the
  1,000 due timers of (b); each copy fires its warning, then its escalation, for real:
  restore, fire, rewrite rows, audit.
- 49,500 more dossier rows with a placeholder workflow state carry the other 99,000 timers,
  due over the next 60 days. The sweep never reads a dossier until one of its timers is due,
  so (a) is exactly what production does with 100,000 waiting timers: one indexed query.
(a) a sweep with none due: median of 25 runs, for the due query alone and for `sweep()`
    (session, transaction, query, commit), before and after (b);
(b) 1,000 due: `sweep()` fires them all (batches of 50 per transaction); total and per timer.
On PostgreSQL the data goes into a fresh schema, dropped at the end.
"""
from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select, text
from sqlalchemy.orm import undefer

from bench.common import machine, query_plan, received_dossier, run_from_command_line
from engine.db import session_factory
from engine.models import AuditEvent, Dossier, Timer, User, WorkItem
from engine.scheduler import sweep
from engine.services import dossiers, queue
from engine.services.timers import due_timers_query, fire_due_timers

T0 = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)  # the sweep's "now" for (b)
WAITING_DOSSIERS, DUE_DOSSIERS = 49_500, 500  # two timers each: 100,000 timers
RUNS = 25
CHUNK = 5_000


def real_dossier(sessions) -> str:
    """A dossier received and handed over through the services: in review, two timers."""
    code = received_dossier(sessions, T0)[1]
    with sessions.begin() as session:
        officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
        item = session.execute(select(WorkItem)).scalar_one()
        queue.claim(session, officer, T0, item.id)
        dossiers.complete_task(session, officer, T0, item.id, outcome="handed_over")
    return code


def _rows(session, model, dossier_id: int) -> list[dict]:
    return [{c.key: getattr(r, c.key) for c in model.__table__.columns if c.key != "id"}
            for r in session.execute(select(model).where(model.dossier_id == dossier_id)
                                     .order_by(model.id)).scalars()]


def bulk_copies(sessions, code: str) -> None:
    """500 full copies whose 1,000 timers are due at NOW; 49,500 light ones, not due."""
    with sessions.begin() as session:
        src = session.execute(select(Dossier).where(Dossier.code == code)
                              .options(undefer(Dossier.workflow_state))).scalar_one()
        table = Dossier.__table__
        base = {c.key: getattr(src, c.key) for c in table.columns if c.key not in ("id", "code")}
        items, timers = _rows(session, WorkItem, src.id), _rows(session, Timer, src.id)
        src_id = src.id
    total = DUE_DOSSIERS + WAITING_DOSSIERS
    for start in range(0, total, CHUNK):
        numbers = range(start, min(start + CHUNK, total))
        with sessions.begin() as session:
            ids = list(session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True),
                [dict(base, code=f"BENCH-{n:07d}", workflow_state=(
                    base["workflow_state"] if n < DUE_DOSSIERS else "{}")) for n in numbers])
                .scalars())
            timer_rows, item_rows = [], []
            for n, dossier_id in zip(numbers, ids, strict=True):
                if n < DUE_DOSSIERS:  # warning then escalation, both due, in that order
                    moments = [NOW - timedelta(seconds=2 * (DUE_DOSSIERS - n) + k)
                               for k in (1, 0)]
                    item_rows += [dict(r, dossier_id=dossier_id) for r in items]
                else:  # spread over the next 60 days
                    later = NOW + timedelta(hours=1, seconds=(n * 103) % (60 * 86400))
                    moments = [later, later + timedelta(days=1)]
                timer_rows += [dict(r, dossier_id=dossier_id, fire_at=m)
                               for r, m in zip(timers, moments, strict=True)]
            session.execute(insert(Timer.__table__), timer_rows)
            if item_rows:
                session.execute(insert(WorkItem.__table__), item_rows)
    with sessions.begin() as session:  # the original stays out of the way
        session.execute(Timer.__table__.delete().where(Timer.dossier_id == src_id))


def explain(engine, at: datetime) -> list[str]:
    """The plan of the sweep's due query (PostgreSQL: as run, with its timing)."""
    return query_plan(engine, due_timers_query(at))


def median_ms(fn, runs: int = RUNS) -> tuple[float, float, float]:
    fn()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), max(times)


def measure_none_due(sessions, at: datetime, label: str) -> None:
    def query_only():
        with sessions() as session, session.begin():
            assert fire_due_timers(session, at, limit=500) == []

    def whole_sweep():
        assert sweep(sessions, now=lambda: at).fired == []
    for name, fn in (("fire_due_timers (one transaction)", query_only),
                     ("sweep() as the scheduler runs it", whole_sweep)):
        med, low, high = median_ms(fn)
        print(f"  (a) {label}, {name}: median {med:.2f} ms (min {low:.2f}, max {high:.2f}, "
              f"{RUNS} runs)")


def main() -> None:
    run_from_command_line(__doc__, run)


def run(engine) -> None:
    sessions = session_factory(engine)
    print("motcua timer sweep benchmark")
    for line in machine(engine):
        print("  " + line)
    started = time.perf_counter()
    code = real_dossier(sessions)
    bulk_copies(sessions, code)
    loaded = time.perf_counter() - started
    with engine.begin() as conn:
        for table in ("timer", "dossier", "work_item"):  # as autovacuum would after a bulk load
            conn.execute(text(f"ANALYZE {table}"))
        count = conn.execute(text("select count(*) from timer")).scalar_one()
        due = conn.execute(select(Timer.id).where(Timer.fire_at <= NOW)).all()
    print(f"  data: {count:,} waiting timers ({len(due):,} due at {NOW:%Y-%m-%d %H:%M} UTC), "
          f"loaded in {loaded:.1f} s")
    for label, at in (("none due", NOW - timedelta(hours=2)), ("1,000 due", NOW)):
        print(f"  plan of the due query, {label}:")
        for line in explain(engine, at):
            print("    " + line)
    measure_none_due(sessions, NOW - timedelta(hours=2), "100,000 waiting, none due")

    start = time.perf_counter()
    report = sweep(sessions, now=lambda: NOW)
    elapsed = time.perf_counter() - start
    fired = len(report.fired)
    effects = {e: sum(r.effect == e for r in report.fired) for e in ("warned", "escalated")}
    print(f"  (b) 1,000 due: {fired} fired in {elapsed:.2f} s = {elapsed / fired * 1000:.2f} ms "
          f"per timer ({report.batches} transactions of up to 50; {effects['warned']} warnings, "
          f"{effects['escalated']} escalations; failed {len(report.failed)}, "
          f"busy {len(report.busy)})")
    with sessions() as session:
        events = session.execute(select(AuditEvent).where(AuditEvent.action.in_(
            ("timer_fired", "escalation")))).all()
    print(f"      audit events appended: {len(events)}")
    measure_none_due(sessions, NOW, "after (b): 99,000 waiting + 1,000 fired rows, none due")


if __name__ == "__main__":
    sys.exit(main())
