"""B2: an officer's work queue over the generated province (target p95 ≤ 20 ms).

    .venv/bin/python -m bench.queue_bench [--url URL] [--dossiers N] [--runs 40]

Two ways, as the officer's queue page uses them:
- the service: `engine.services.queue.work_queue` (one page of 26 rows, as web/officer asks
  for 25 + 1 to know if there is a next page) and `queue_counts` (the tab badges), for the
  busiest specialist's "mine" tab, the desk's "unclaimed" tab, the biggest department's head's
  "department" tab, with filters (field, overdue, due soon, search), other sorts, and a deep
  page (page 41: offset 1,000);
- the HTTP page `/queue` through Flask's test client (the whole request: session, user,
  procedures, the service calls, the template), logged in as the same officers.
Without --url the cached SQLite file of bench.generate is used (generated if missing).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

from sqlalchemy import func, select

from engine.db import make_engine, session_factory
from engine.models import Procedure, User, WorkItem
from engine.services.queue import QueueFilter, queue_counts, work_queue

from .cli import run_on_province
from .common import machine
from .figures import Figure, percentile, summary, timed_ms
from .generate import NOW

TARGET_MS = 20.0
PAGE = 26  # web/officer asks for 25 + 1


@dataclass
class Officers:
    specialist: User
    head: User
    desk: User


def busiest(session) -> Officers:
    """The specialist with the most claimed tasks, the head of the busiest department, a desk
    officer: the worst queues a real user of the generated data would open."""
    specialist_id = session.execute(
        select(WorkItem.assignee_id).where(WorkItem.role == "specialist",
                                           WorkItem.assignee_id.is_not(None))
        .group_by(WorkItem.assignee_id).order_by(func.count().desc()).limit(1)).scalar_one()
    department_id = session.execute(
        select(WorkItem.department_id).where(WorkItem.department_id.is_not(None))
        .group_by(WorkItem.department_id).order_by(func.count().desc()).limit(1)).scalar_one()
    head = session.execute(select(User).where(
        User.department_id == department_id, User.username.like("bench.tp.%"))
        .order_by(User.id).limit(1)).scalar_one()
    desk = session.execute(select(User).where(User.username == "bench.desk.01")).scalar_one()
    return Officers(session.get(User, specialist_id), head, desk)


def scenarios(session, officers: Officers) -> list[tuple[str, User, str, QueueFilter, int]]:
    investment = tuple(session.execute(select(Procedure.id).where(
        Procedure.field == "investment")).scalars())
    s, h, d = officers.specialist, officers.head, officers.desk
    return [
        ("specialist mine, by due", s, "mine", QueueFilter(), 0),
        ("specialist mine, page 41", s, "mine", QueueFilter(), 1000),
        ("specialist unclaimed", s, "unclaimed", QueueFilter(), 0),
        ("specialist mine, overdue", s, "mine", QueueFilter(due="overdue"), 0),
        ("specialist mine, due soon", s, "mine", QueueFilter(due="soon"), 0),
        ("specialist mine, search", s, "mine", QueueFilter(q="Sao Biển"), 0),
        ("desk unclaimed, by due", d, "unclaimed", QueueFilter(), 0),
        ("desk unclaimed, waiting for supplement", d, "unclaimed",
         QueueFilter(waiting="supplement"), 0),
        ("head department, by due", h, "department", QueueFilter(), 0),
        ("head department, newest", h, "department", QueueFilter(sort="newest"), 0),
        ("head department, appointment", h, "department", QueueFilter(sort="appointment"), 0),
        ("head department, field investment", h, "department",
         QueueFilter(procedure_ids=investment), 0),
        ("head department, page 41", h, "department", QueueFilter(), 1000),
        ("head department, by code", h, "department", QueueFilter(sort="code"), 0),
    ]


def service_figures(sessions, runs: int, log=print) -> list[Figure]:
    all_times, figures = [], []
    with sessions() as session:
        officers = busiest(session)
        cases = scenarios(session, officers)
        for name, officer, tab, filters, offset in cases:
            def call(officer=officer, tab=tab, filters=filters, offset=offset):
                work_queue(session, officer, tab, filters=filters, now=NOW, limit=PAGE,
                           offset=offset)
            times = timed_ms(call, runs)
            all_times += times
            log(f"  service {name}: {summary(times)}")
        for name, officer in (("specialist", officers.specialist), ("head", officers.head),
                              ("desk", officers.desk)):
            times = timed_ms(lambda officer=officer: queue_counts(session, officer), runs)
            all_times += times
            log(f"  service counts ({name}): {summary(times)}")
    figures.append(Figure("B2", "queue service p50", percentile(all_times, 50), "ms"))
    figures.append(Figure("B2", "queue service p95", percentile(all_times, 95), "ms",
                          TARGET_MS, note=f"{len(cases)} queries + counts"))
    return figures


def http_figures(url: str, runs: int, log=print) -> list[Figure]:
    from web import create_app
    app = create_app({"DATABASE_URL": url, "TESTING": False})
    sessions = session_factory(app.extensions["motcua.engine"])
    with sessions() as session:
        officers = busiest(session)
    pages = [(officers.specialist, "/officer/queue?tab=mine"),
             (officers.specialist, "/officer/queue?tab=mine&page=41"),
             (officers.specialist, "/officer/queue?tab=unclaimed"),
             (officers.specialist, "/officer/queue?tab=mine&due=overdue"),
             (officers.desk, "/officer/queue?tab=unclaimed"),
             (officers.head, "/officer/queue?tab=department"),
             (officers.head, "/officer/queue?tab=department&sort=newest"),
             (officers.head, "/officer/queue?tab=department&field=investment")]
    all_times = []
    for officer, path in pages:
        client = app.test_client()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"], flask_session["_fresh"] = str(officer.id), True

        def get(client=client, path=path):
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
        times = timed_ms(get, runs)
        all_times += times
        log(f"  HTTP {officer.username} {path}: {summary(times)}")
    return [Figure("B2", "queue page HTTP p50", percentile(all_times, 50), "ms"),
            Figure("B2", "queue page HTTP p95", percentile(all_times, 95), "ms", TARGET_MS,
                   note="Flask test client, whole request")]


def run(url: str, runs: int = 40, log=print) -> list[Figure]:
    engine = make_engine(url)
    log("B2 work queue")
    for line in machine(engine):
        log("  " + line)
    with engine.connect() as conn:
        items = conn.execute(select(func.count()).select_from(WorkItem)).scalar_one()
    log(f"  {items:,} open work items")
    figures = service_figures(session_factory(engine), runs, log)
    engine.dispose()
    figures += http_figures(url, runs, log)
    suffix = f" ({engine.dialect.name})"
    for figure in figures:
        figure.name += suffix
    return figures


def main(argv: list[str] | None = None) -> None:
    run_on_province(__doc__.splitlines()[0], run, 40, argv)


if __name__ == "__main__":
    sys.exit(main())
