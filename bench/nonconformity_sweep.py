"""Cost of the scheduler's overdue sweep (nonconformities of overdue dossiers), 100,000 dossiers.

    .venv/bin/python -m bench.nonconformity_sweep                  # SQLite file in a temp dir
    .venv/bin/python -m bench.nonconformity_sweep --database-url postgresql://postgres@127.0.0.1:5432/test

Data: one real dossier received through the services, copied into 100,000 dossier rows:
95,000 finished (returned over the past year), 4,000 in progress and within their deadline,
1,000 in progress and overdue. The sweep never reads a workflow state.
(a) the overdue query when every overdue dossier already has its nonconformity (the steady
    state: what each ten-minute overdue sweep pays), median of 25 runs, and its plan;
(b) the first sweep after the 1,000 became overdue: all opened, batches of 50;
(c) (a) again after (b), through `open_nonconformities` as the scheduler runs it.
"""
from __future__ import annotations

import sys
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import undefer

from bench.common import machine, query_plan, received_dossier, run_from_command_line
from bench.timer_sweep import median_ms
from engine.db import session_factory
from engine.models import Dossier, Nonconformity, User
from engine.scheduler import open_nonconformities
from engine.services.nonconformities import local_today, overdue_without_nonconformity

T0 = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)
FINISHED, WITHIN, OVERDUE = 95_000, 4_000, 1_000
CHUNK = 5_000
BATCH = 50


def bulk_copies(sessions, source_id: int) -> None:
    today = local_today(NOW)
    with sessions.begin() as session:
        src = session.execute(select(Dossier).where(Dossier.id == source_id)
                              .options(undefer(Dossier.workflow_state))).scalar_one()
        table = Dossier.__table__
        base = {c.key: getattr(src, c.key) for c in table.columns if c.key not in ("id", "code")}
        base["workflow_state"] = "{}"
        # the original is taken out of the sweep's way (its audit events keep it in place)
        src.status, src.finished_at, src.outcome = "returned", T0, "early"

    def row(n: int) -> dict:
        if n < FINISHED:  # returned over the past year, some late
            due = today - timedelta(days=1 + n % 365)
            finished = datetime.combine(due, datetime.min.time(), timezone.utc) + timedelta(
                days=(n % 7) - 4)
            return dict(base, code=f"BENCH-{n:07d}", status="returned", due_date=due,
                        finished_at=finished, outcome="late" if n % 7 > 4 else "on_time")
        if n < FINISHED + WITHIN:
            due = today + timedelta(days=1 + n % 20)
        else:
            due = today - timedelta(days=1 + n % 30)
        return dict(base, code=f"BENCH-{n:07d}", status="in_progress", due_date=due)

    total = FINISHED + WITHIN + OVERDUE
    for start in range(0, total, CHUNK):
        with sessions.begin() as session:
            session.execute(insert(Dossier.__table__),
                            [row(n) for n in range(start, min(start + CHUNK, total))])


def explain(engine, today: date) -> list[str]:
    return query_plan(engine, overdue_without_nonconformity(today, BATCH))


def main() -> None:
    run_from_command_line(__doc__, run)


def run(engine) -> None:
    sessions = session_factory(engine)
    print("motcua nonconformity sweep benchmark")
    for line in machine(engine):
        print("  " + line)
    started = time.perf_counter()
    bulk_copies(sessions, received_dossier(sessions, T0)[0])
    with engine.begin() as conn:
        conn.execute(text("ANALYZE dossier"))
        count = conn.execute(select(func.count()).select_from(Dossier)).scalar_one()
    print(f"  data: {count:,} dossiers ({FINISHED:,} finished, {WITHIN:,} within their "
          f"deadline, {OVERDUE:,} overdue), loaded in {time.perf_counter() - started:.1f} s")
    today = local_today(NOW)
    print("  plan of the overdue query:")
    for line in explain(engine, today):
        print("    " + line)

    def query_only():
        with sessions() as session:
            return session.execute(overdue_without_nonconformity(today, BATCH)).all()

    def scheduler_part():
        return open_nonconformities(sessions, lambda: NOW, BATCH)

    yesterday = NOW - timedelta(days=60)  # before any in-progress dossier was overdue
    med, low, high = median_ms(lambda: open_nonconformities(sessions, lambda: yesterday, BATCH))
    print(f"  (a) none overdue yet, as the scheduler runs it: median {med:.2f} ms "
          f"(min {low:.2f}, max {high:.2f})")
    start = time.perf_counter()
    opened = scheduler_part()
    elapsed = time.perf_counter() - start
    print(f"  (b) {OVERDUE:,} gone overdue: {opened:,} opened in {elapsed:.2f} s = "
          f"{elapsed / max(opened, 1) * 1000:.2f} ms each (transactions of {BATCH})")
    with engine.begin() as conn:  # as autovacuum would after the first openings
        conn.execute(text("ANALYZE nonconformity"))
    print("  plan of the overdue query, all recorded:")
    for line in explain(engine, today):
        print("    " + line)
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(Nonconformity)
                               ).scalar_one() == OVERDUE
        assert session.execute(select(User)).first() is not None
    for label, fn in (("query alone", query_only), ("as the scheduler runs it", scheduler_part)):
        med, low, high = median_ms(fn)
        print(f"  (c) all {OVERDUE:,} recorded, nothing new, {label}: median {med:.2f} ms "
              f"(min {low:.2f}, max {high:.2f})")


if __name__ == "__main__":
    sys.exit(main())
