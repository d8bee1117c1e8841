"""B1: one human-task completion through the service layer, against the bare SpiffWorkflow floor.

    .venv/bin/python -m bench.step_cost [--dossiers 200] [--database-url URL] [--profile]

Both sides take the same diagram (bpmn/procedures/standard.bpmn) through the same five steps
after receipt (hand-over, review, check, approval, return):
- floor: SpiffWorkflow alone; per step, deserialize the JSON state, run the task, run the
  engine steps, serialize to JSON. No database.
- service: `engine.services.dossiers.complete_task` plus the commit, as a view does it: lock
  and load the dossier, restore, run, arm timers, write the state, rewrite work-item and timer
  rows, judge the step, append the hash-chained audit event, commit.
Prints per-step times (median and mean, ms), the ratio service / floor, and the machine.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from bench.common import bench_database, machine
from bpmn.catalog import LIBRARY
from engine.db import session_factory
from engine.demo import install_library
from engine.models import User, WorkItem
from engine.services import dossiers
from engine.services.users import create_user, ensure_roles

T0 = datetime(2026, 3, 4, 2, 0, tzinfo=timezone.utc)  # a Wednesday, 09:00 in Vietnam
STEPS = [("officer", "handed_over"), ("specialist", "approve"), ("head", "agree"),
         ("leader", "sign"), ("officer", "returned")]


def floor(dossiers_count: int) -> list[float]:
    """Seconds per step with SpiffWorkflow alone (JSON round trip each step)."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(LIBRARY / "standard.bpmn"))
    spec, subprocesses = parser.get_spec("standard"), parser.get_subprocess_specs("standard")
    helpers = {"before_due": lambda days=0: "2026-12-31T08:00:00+07:00",
               "working_days": lambda days: "2026-12-31T08:00:00+07:00"}
    engine = PythonScriptEngine(environment=TaskDataEnvironment(helpers))
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    times = []
    for _ in range(dossiers_count):
        wf = BpmnWorkflow(spec, subprocesses, script_engine=engine)
        wf.get_tasks(state=TaskState.READY)[0].data.update({"due_date": "2026-12-31"})
        wf.do_engine_steps()
        ready = wf.get_tasks(state=TaskState.READY, manual=True)[0]  # receipt, not timed
        ready.data.update({"outcome": "done"})
        ready.run()
        wf.do_engine_steps()
        state = serializer.serialize_json(wf)
        for _, outcome in STEPS:
            started = time.perf_counter()
            wf = serializer.deserialize_json(state)
            wf.script_engine = engine
            task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update({"outcome": outcome, "note": ""})
            task.run()
            wf.do_engine_steps()
            state = serializer.serialize_json(wf)
            times.append(time.perf_counter() - started)
    return times


def seed(sessions) -> dict[str, int]:
    with sessions.begin() as session:
        ensure_roles(session)
        install_library(session, T0)
        for username, role, dept in [("officer", "one_stop", "van_phong"),
                                     ("specialist", "specialist", "dau_tu"),
                                     ("head", "head", "dau_tu"), ("leader", "leader", None)]:
            create_user(session, None, T0, username=username, full_name=username,
                        password="bench-pass-1", roles=[role], department_code=dept)
        return {u.username: u.id for u in session.execute(select(User)).scalars()}


def service(sessions, dossiers_count: int, profiler: cProfile.Profile | None) -> list[float]:
    """Seconds per step through complete_task and the commit."""
    users = seed(sessions)
    times = []
    for n in range(dossiers_count):
        at = T0 + timedelta(minutes=n)
        with sessions.begin() as session:
            dossier = dossiers.receive(session, session.get(User, users["officer"]), at,
                                       procedure_code="BQL.DT.01", applicant={"name": f"C{n}"})
            dossier_id = dossier.id
        for step, (username, outcome) in enumerate(STEPS, start=1):
            with sessions.begin() as session:
                item_id = session.execute(select(WorkItem.id).where(
                    WorkItem.dossier_id == dossier_id)).scalar_one()
            session = sessions()
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            dossiers.complete_task(session, session.get(User, users[username]),
                                   at + timedelta(seconds=step), item_id, outcome=outcome)
            session.commit()
            if profiler:
                profiler.disable()
            times.append(time.perf_counter() - started)
            session.close()
    return times


def describe(label: str, times: list[float]) -> float:
    median, mean = statistics.median(times) * 1000, statistics.fmean(times) * 1000
    print(f"  {label:<34} median {median:7.2f} ms   mean {mean:7.2f} ms   ({len(times)} steps)")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--profile", action="store_true", help="where the service time goes")
    args = parser.parse_args()
    profiler = cProfile.Profile() if args.profile else None
    with bench_database(args.database_url) as engine:
        print("B1 step cost: one human-task completion")
        for line in machine(engine):
            print("  " + line)
        floor(5)  # warm both paths (imports, parser caches)
        base = describe("SpiffWorkflow floor (JSON, no DB)", floor(args.dossiers))
        ours = describe("service layer (complete_task+commit)",
                        service(session_factory(engine), args.dossiers, profiler))
        print(f"  ratio service / floor: {ours / base:.2f} (target at most 1.3)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
