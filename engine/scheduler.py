"""The timer scheduler: every `interval` seconds, sweep the due timer rows and fire them.

`motcua scheduler` runs it in a process of its own (APScheduler's BlockingScheduler); the demo
runs it in a background thread of the demo process. Several scheduler processes may run
against PostgreSQL: `services.timers` locks rows so each timer fires once. Job state lives in
memory only (no shared job store): each process just calls `sweep` on its own schedule.

A sweep commits one transaction per batch of `batch` firings. Every firing appends to the
audit chain, whose head row is locked until commit, so a batch holds up officers' actions for
as long as it runs: batches are kept small (50 firings, a few hundred milliseconds at most),
yet large enough that a backlog after downtime does not pay one commit per timer.

A second job, every `OVERDUE_INTERVAL` seconds, opens the nonconformity (ISO 9001 clause 10.2)
of every dossier gone overdue since, in batches too. Due dates are days, so a dossier goes
overdue at a local midnight: checking every few minutes is prompt enough, and it keeps the
timer sweep's cost independent of the number of open dossiers (bench/timer_sweep.py,
bench/nonconformity_sweep.py).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from . import clock
from .db import unit_of_work
from .services import nonconformities
from .services.timers import TimerResult, fire_due_timers

log = logging.getLogger("motcua.scheduler")

DEFAULT_INTERVAL = 30  # seconds
DEFAULT_BATCH = 50
OVERDUE_INTERVAL = 600  # seconds between the overdue dossiers' nonconformity sweeps
BUSY_RETRIES = 3  # passes over rows whose dossier was locked, before leaving them to next run


@dataclass
class SweepReport:
    started_at: datetime
    fired: list[TimerResult] = field(default_factory=list)
    busy: list[TimerResult] = field(default_factory=list)
    failed: list[TimerResult] = field(default_factory=list)
    batches: int = 0
    error: str = ""

    @property
    def max_late_seconds(self) -> float:
        return max((r.late_seconds or 0.0 for r in self.fired), default=0.0)

    def summary(self) -> str:
        text = (f"sweep at {self.started_at.isoformat(timespec='seconds')}: "
                f"{len(self.fired)} fired")
        if self.fired:
            text += f" (latest {self.max_late_seconds:.0f} s late)"
        if self.busy:
            text += f", {len(self.busy)} busy (next sweep)"
        if self.failed:
            text += f", {len(self.failed)} failed"
        return text + (f", stopped: {self.error}" if self.error else "")


def sweep(sessions: sessionmaker[Session], *, now: Callable[[], datetime] = clock.now,
          batch: int = DEFAULT_BATCH) -> SweepReport:
    """Fire every due timer, batch after batch, until none is left.

    A row that failed is not tried again in the same sweep; a row whose dossier was busy
    (an officer or another sweeper held it) is tried again after the others, a few times.
    """
    report = SweepReport(started_at=now())
    failed: set[int] = set()
    busy: set[int] = set()
    retries = 0
    while True:
        try:
            with unit_of_work(sessions) as session:
                results = fire_due_timers(session, now(), limit=batch, exclude=failed | busy)
        except Exception as exc:  # the database went away, say: the next run tries again
            log.exception("timer sweep stopped")
            report.error = f"{type(exc).__name__}: {exc}"
            break
        if not results:
            if busy and retries < BUSY_RETRIES:  # their dossiers were locked a moment ago
                busy.clear()
                retries += 1
                continue
            break
        report.batches += 1
        for result in results:
            if result.status == "fired":
                report.fired.append(result)
            elif result.status == "failed":
                report.failed.append(result)
                failed.add(result.timer_id)
            else:
                report.busy.append(result)
                busy.add(result.timer_id)
    if report.fired or report.busy or report.failed or report.error:
        log.info(report.summary())
    return report


def open_nonconformities(sessions: sessionmaker[Session],
                         now: Callable[[], datetime] = clock.now,
                         batch: int = DEFAULT_BATCH) -> int:
    """Open the nonconformity of every dossier gone overdue (one indexed query when none);
    return how many were opened."""
    opened = 0
    try:
        while True:
            with unit_of_work(sessions) as session:  # a batch per commit, as for timers
                found = len(nonconformities.open_for_overdue(session, now(), limit=batch))
            opened += found
            if found < batch:
                break
    except Exception:  # the timers matter more: the next sweep tries again
        log.exception("nonconformity sweep stopped")
    if opened:
        log.info("%d nonconformities opened for dossiers gone overdue", opened)
    return opened


def _add_sweep_job(scheduler, sessions, interval: int, batch: int) -> None:
    scheduler.add_job(sweep, "interval", seconds=interval, args=[sessions],
                      kwargs={"batch": batch}, id="timer_sweep", name="timer sweep",
                      max_instances=1, coalesce=True,
                      next_run_time=clock.now())  # the first sweep at once: catch up
    scheduler.add_job(open_nonconformities, "interval", seconds=OVERDUE_INTERVAL,
                      args=[sessions], kwargs={"batch": batch}, id="overdue_sweep",
                      name="overdue dossiers' nonconformities", max_instances=1,
                      coalesce=True, next_run_time=clock.now())


def run_blocking(sessions: sessionmaker[Session], *, interval: int = DEFAULT_INTERVAL,
                 batch: int = DEFAULT_BATCH) -> None:
    """Sweep now and then every `interval` seconds until interrupted (Ctrl+C, SIGTERM)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    scheduler = BlockingScheduler(timezone=timezone.utc)
    _add_sweep_job(scheduler, sessions, interval, batch)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


def start_background(sessions: sessionmaker[Session], *, interval: int = DEFAULT_INTERVAL,
                     batch: int = DEFAULT_BATCH):
    """A scheduler thread inside this process (the demo); call `.shutdown()` to stop it."""
    from apscheduler.schedulers.background import BackgroundScheduler
    scheduler = BackgroundScheduler(timezone=timezone.utc, daemon=True)
    _add_sweep_job(scheduler, sessions, interval, batch)
    scheduler.start()
    return scheduler
