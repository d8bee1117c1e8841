"""B5: gunicorn with two workers on PostgreSQL under 50 simulated officers; worker memory.

    .venv/bin/python -m bench.http_load --url postgresql://postgres@127.0.0.1:5432/test \
        [--officers 50] [--duration 30] [--dossiers 20000]

In a fresh schema (dropped at the end) bench.generate writes the load's set: every dossier
open at its procedure's first specialist step, claimed by one of 10 specialists of its
department (50 officers in all). `motcua serve --workers 2` serves it. Then, in one run:
1. (`queue_pages_via_server`, called by bench.run_all on the province's data before B5) the
   queue pages of B2 through the real server (HTML, logged in through the login form), one
   request at a time: p50/p95; and the workers' peak resident memory (VmHWM) after them;
2. a bare Flask app under the same gunicorn (two workers of four threads, as `motcua serve`
   runs them; bench/bare_app.py): the same load
   generator at the same concurrency, for the floor of HTTP on this machine;
3. the load: each officer, with its bearer token (minted with the app's key, as POST /tokens
   does, so the token rate limit does not count), loops: its queue (`GET /api/v1/tasks`), the
   first task's outcomes and version (`GET /api/v1/tasks/{id}`), the completion
   (`POST /api/v1/tasks/{id}/complete`), for a fixed duration: requests/s, p50/p95 per kind,
   errors, completions/s;
4. the workers' peak memory again, and the CPU time each side spent during the load (the
   web workers, the PostgreSQL server's processes, this generator) per completion: where the
   time goes.
The load generator is asyncio + aiohttp in this process (one core at most).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
from sqlalchemy import select, text

from engine.db import make_engine, normalise_url, session_factory
from engine.models import User

from .figures import Figure, percentile, summary
from .generate import SEED, generate
from .templates import PASSWORD, ROAD

COMPLETIONS_TARGET = 150.0
MEMORY_TARGET_MB = 250.0
SECRET = "bench-secret-key-not-for-production"
THREADS = 4  # per worker: `motcua serve`'s default (gthread), for the bare app too
PREFERRED = tuple(o for o in ROAD if o not in ("consult", "back_to_review"))
MINE_PAGES = ["/officer/queue?tab=mine", "/officer/queue?tab=mine&page=41",
              "/officer/queue?tab=unclaimed", "/officer/queue?tab=mine&due=overdue"]
DEPARTMENT_PAGES = ["/officer/queue?tab=department", "/officer/queue?tab=department&sort=newest",
                    "/officer/queue?tab=department&field=investment"]


@contextmanager
def fresh_schema(url: str):
    """A new PostgreSQL schema for the load's data; its URL; dropped after."""
    name = f"motcua_load_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield normalise_url(url) + f"{sep}options=-csearch_path%3D{name}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(command: list[str], port: int, env: dict):
    """A gunicorn master started with `command`, waited for on `port`, stopped after."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server did not start: "
                                   + process.stderr.read().decode()[-2000:])
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not listen within 60 s") from None
                time.sleep(0.2)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def workers_peak_mb(master: subprocess.Popen) -> float:
    """The largest peak resident set (VmHWM) among the master's worker processes."""
    peaks = []
    for child in psutil.Process(master.pid).children(recursive=True):
        try:
            status = Path(f"/proc/{child.pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        if found:
            peaks.append(int(found.group(1)) / 1024)
    return max(peaks, default=0.0)


def cpu_seconds(processes) -> float:
    """User and system CPU time of these processes (those gone meanwhile count nothing)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def cpu_by_side(master: subprocess.Popen) -> dict[str, float]:
    """CPU seconds so far of the web workers, the PostgreSQL server's processes (those of
    this machine) and this load generator: where B5's time goes."""
    postgres = [p for p in psutil.process_iter(["name"])
                if (p.info["name"] or "").startswith("postgres")]
    return {"web workers": cpu_seconds(psutil.Process(master.pid).children(recursive=True)),
            "PostgreSQL": cpu_seconds(postgres),
            "load generator": cpu_seconds([psutil.Process()])}


def tokens(url: str, usernames: list[str]) -> dict[str, str]:
    """Bearer tokens as POST /tokens issues them (same key as the server's)."""
    from datetime import datetime, timezone

    from web import create_app
    from web.api.auth import issue_token
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    sessions = session_factory(app.extensions["motcua.engine"])
    out = {}
    with app.app_context(), sessions() as session:
        for user in session.execute(select(User).where(User.username.in_(usernames))).scalars():
            out[user.username] = issue_token(user, datetime.now(timezone.utc))[0]
    app.extensions["motcua.engine"].dispose()
    return out


class Tally:
    def __init__(self):
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.completed = 0

    def add(self, kind: str, ms: float, ok: bool, detail: str = "") -> None:
        self.times.setdefault(kind, []).append(ms)
        if not ok:
            key = f"{kind}: {detail}"[:200]
            self.errors[key] = self.errors.get(key, 0) + 1

    @property
    def requests(self) -> int:
        return sum(len(t) for t in self.times.values())

    def all_times(self) -> list[float]:
        return [t for times in self.times.values() for t in times]


async def _request(http, tally: Tally, kind: str, method: str, url: str, expect: int,
                   **kwargs):
    start = time.perf_counter()
    try:
        async with http.request(method, url, **kwargs) as response:
            body = await response.json(content_type=None) if expect != -1 else None
            ok = response.status == expect or expect == -1 and response.status == 200
            tally.add(kind, (time.perf_counter() - start) * 1000, ok,
                      "" if ok else f"HTTP {response.status} {str(body)[:120]}")
            return body if ok else None
    except Exception as exc:  # a refused or broken connection is an error of the run
        tally.add(kind, (time.perf_counter() - start) * 1000, False, type(exc).__name__)
        return None


async def officer_loop(http, base: str, token: str, tally: Tally, stop_at: float) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    first = True  # one round at least, however loaded the machine
    while first or time.monotonic() < stop_at:
        first = False
        queue = await _request(http, tally, "queue", "GET", f"{base}/api/v1/tasks?tab=mine",
                               200, headers=headers)
        if not queue or not queue.get("items"):
            if queue is not None:
                return  # nothing left to do
            continue
        item_id = queue["items"][0]["id"]
        task = await _request(http, tally, "task", "GET", f"{base}/api/v1/tasks/{item_id}",
                              200, headers=headers)
        if task is None:
            continue
        outcome = next((o for o in PREFERRED if o in task["outcomes"]), task["outcomes"][0])
        done = await _request(http, tally, "complete", "POST",
                              f"{base}/api/v1/tasks/{item_id}/complete", 200, headers=headers,
                              json={"outcome": outcome, "version": task["dossier_version"],
                                    "note": "bench"})
        if done is not None:
            tally.completed += 1


async def trivial_loop(http, url: str, tally: Tally, stop_at: float) -> None:
    await _request(http, tally, "trivial", "GET", url, -1)
    while time.monotonic() < stop_at:
        await _request(http, tally, "trivial", "GET", url, -1)


async def drive(loops, concurrency: int, duration: float) -> float:
    """Run each loop(http, stop_at) at once until `duration` has passed; the seconds taken."""
    import aiohttp
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        stop_at = time.monotonic() + duration
        await asyncio.gather(*(loop(http, stop_at) for loop in loops))
        return time.perf_counter() - started


def run_trivial(port: int, officers: int, duration: float, env: dict, log) -> list[Figure]:
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
               "2", "--worker-class", "gthread", "--threads", str(THREADS), "bench.bare_app:app"]
    tally = Tally()
    with server(command, port, env):
        elapsed = asyncio.run(drive(
            [lambda http, stop_at: trivial_loop(http, f"http://127.0.0.1:{port}/ping", tally,
                                                stop_at)
             for _ in range(officers)], officers, duration))
    times = tally.all_times()
    log(f"  bare Flask /ping, gunicorn 2 workers × {THREADS} threads: "
        f"{tally.requests / elapsed:.0f} req/s, {summary(times)}, "
        f"errors {sum(tally.errors.values())}")
    return [Figure("B5", "bare Flask endpoint requests/s", tally.requests / elapsed, "req/s"),
            Figure("B5", "bare Flask endpoint p95", percentile(times, 95), "ms")]


def queue_pages(base: str, officer: str, paths: list[str]) -> list[float]:
    """Milliseconds of each page of `paths` (8 times over) after a login through the form."""
    import aiohttp

    async def go() -> list[float]:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"{base}/login") as response:
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                  await response.text()).group(1)
            async with http.post(f"{base}/login", data={
                    "csrf_token": token, "username": officer, "password": PASSWORD},
                    allow_redirects=False) as response:
                if response.status not in (302, 303):
                    raise RuntimeError(f"login of {officer} failed: HTTP {response.status}")
            times = []
            for path in paths * 8:
                start = time.perf_counter()
                async with http.get(base + path) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{path}: HTTP {response.status}")
                times.append((time.perf_counter() - start) * 1000)
            return times
    return asyncio.run(go())


def queue_pages_via_server(url: str, log=print) -> list[Figure]:
    """B2's pages served by `motcua serve --workers 2` on `url` (the province's data), one
    request at a time; then the workers' peak memory."""
    from .queue_bench import busiest
    engine = make_engine(url)
    with session_factory(engine)() as session:
        officers = busiest(session)
        pages = [(officers.specialist.username, MINE_PAGES),
                 (officers.desk.username, ["/officer/queue?tab=unclaimed"]),
                 (officers.head.username, DEPARTMENT_PAGES)]
    dialect = engine.dialect.name
    engine.dispose()
    port = free_port()
    env = {**os.environ, "MOTCUA_DATABASE_URL": url, "MOTCUA_SECRET_KEY": SECRET}
    times = []
    with server(serve_command(port), port, env) as master:
        for username, paths in pages:
            page_times = queue_pages(f"http://127.0.0.1:{port}", username, paths)
            log(f"  B2 pages through gunicorn as {username}: {summary(page_times)}")
            times += page_times
        memory = workers_peak_mb(master)
    log(f"  peak RSS of a web worker after the B2 pages: {memory:.0f} MB")
    return [Figure("B2", f"queue page via gunicorn p50 ({dialect})", percentile(times, 50),
                   "ms"),
            Figure("B2", f"queue page via gunicorn p95 ({dialect})", percentile(times, 95),
                   "ms", 20.0),
            Figure("memory", "peak RSS of a web worker after B2", memory, "MB",
                   MEMORY_TARGET_MB)]


def serve_command(port: int) -> list[str]:
    return [sys.executable, "-m", "web.cli", "serve", "--host", "127.0.0.1", "--port",
            str(port), "--workers", "2", "--threads", str(THREADS)]


def run(url: str, officers: int = 50, duration: float = 30.0, dossiers: int = 20_000,
        log=print, only: tuple[str, ...] | None = None, pages: bool = False
        ) -> list[Figure]:
    """B5 in a fresh schema; with `pages`, B2's pages through the server on that set first
    (the smoke test's one generation; `make bench` serves them on the province instead)."""
    log("B5 HTTP load")
    with fresh_schema(url) as schema_url:
        engine = make_engine(schema_url)
        counts = generate(engine, dossiers, SEED, log=log, only=only,
                          reviewers_per_department=officers // 5)
        with engine.connect() as conn:
            names = list(conn.execute(text(
                "select distinct u.username from work_item w join user_account u "
                "on u.id = w.assignee_id where w.role = 'specialist' order by 1")).scalars())
        engine.dispose()
        log(f"  {counts['work_item']:,} open tasks, {len(names)} officers holding them")
        env = {**os.environ, "MOTCUA_DATABASE_URL": schema_url, "MOTCUA_SECRET_KEY": SECRET}
        figures = queue_pages_via_server(schema_url, log) if pages else []
        figures += run_trivial(free_port(), officers, min(duration, 15.0), env, log)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with server(serve_command(port), port, env) as master:
            bearer = tokens(schema_url, names)
            tally = Tally()
            before = cpu_by_side(master)
            elapsed = asyncio.run(drive(
                [lambda http, stop_at, t=bearer[n]: officer_loop(http, base, t, tally, stop_at)
                 for n in names], len(names), duration))
            spent = {side: seconds - before[side]
                     for side, seconds in cpu_by_side(master).items()}
            memory = workers_peak_mb(master)
    for kind, times in sorted(tally.times.items()):
        log(f"  {kind}: {summary(times)}")
    errors = sum(tally.errors.values())
    for detail, n in sorted(tally.errors.items(), key=lambda e: -e[1])[:10]:
        log(f"  error ×{n}: {detail}")
    all_times = tally.all_times()
    log(f"  {len(names)} officers for {elapsed:.1f} s: {tally.requests / elapsed:.0f} req/s, "
        f"{tally.completed / elapsed:.1f} completions/s, errors {errors}; "
        f"peak worker RSS {memory:.0f} MB")
    completed = max(tally.completed, 1)
    log("  CPU per completion (with its queue view and task read): " + ", ".join(
        f"{side} {seconds / completed * 1000:.1f} ms" for side, seconds in spent.items())
        + f"; {sum(spent.values()) / elapsed:.2f} of {os.cpu_count()} cores busy")
    return figures + [
        *(Figure("B5", f"CPU per completion: {side}", seconds / completed * 1000, "ms")
          for side, seconds in spent.items()),
        Figure("memory", "peak RSS of a web worker after B5", memory, "MB", MEMORY_TARGET_MB),
        Figure("B5", "requests/s", tally.requests / elapsed, "req/s"),
        Figure("B5", "request p50", percentile(all_times, 50), "ms"),
        Figure("B5", "request p95", percentile(all_times, 95), "ms"),
        Figure("B5", "errors", errors, "", 0),
        Figure("B5", "completed tasks/s", tally.completed / elapsed, "/s", COMPLETIONS_TARGET,
               higher_is_better=True),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get(
        "MOTCUA_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--dossiers", type=int, default=20_000)
    args = parser.parse_args(argv)
    for figure in run(args.url, args.officers, args.duration, args.dossiers):
        print(figure.line())


if __name__ == "__main__":
    sys.exit(main())
