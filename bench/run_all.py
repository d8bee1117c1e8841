"""`make bench`: every benchmark, then bench/results.md (each figure against its target).

    .venv/bin/python -m bench.run_all [--dossiers 1000000] [--pg-url URL | --no-pg]
                                      [--duration 30] [--output bench/results.md]

The province's data are generated once per parameters and kept: the SQLite file under
bench/.cache/, the PostgreSQL copy in a schema named by them (bench/pg_cache.py). B2 and B4
run on both; B5 (which changes its data) gets a fresh schema of its own; B1 and B3 run as
their own modules (their output is kept in results.md as they print it).
"""
from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text

from engine.db import make_engine

from . import http_load, queue_bench, statistics_bench
from .common import machine
from .figures import Figure
from .generate import DEFAULT_DOSSIERS, SEED, cached_sqlite
from .pg_cache import cached_schema

RESULTS = Path(__file__).parent / "results.md"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
# Figures read off the printed output of the modules run on their own: (pattern, figure)
PRINTED = {
    "bench.step_cost": [(r"ratio[^0-9]*([0-9.]+)", ("B1", "service / floor ratio", "×", 1.3))],
    "bench.timer_sweep": [
        (r"\(a\) 100,000 waiting, none due, sweep\(\)[^:]*: median ([0-9.]+) ms",
         ("B3", "sweep with none due (SQLite)", "ms", 5.0)),
        (r"\(b\) 1,000 due: \d+ fired in ([0-9.]+) s", ("B3", "1,000 due timers fired", "s",
                                                       None))],
}


class Log:
    """Prints as it goes and keeps every line for results.md."""

    def __init__(self):
        self.buffer = io.StringIO()

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.buffer.write(line + "\n")


def postgres_reachable(url: str) -> bool:
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # no server: the PostgreSQL half is skipped and said so
        return False


def run_module(module: str, log: Log) -> list[Figure]:
    log(f"$ python -m {module}")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True)
    for line in (result.stdout + result.stderr).splitlines():
        log("  " + line)
    log(f"  ({time.perf_counter() - started:.0f} s, exit {result.returncode})")
    figures = []
    for pattern, (bench, name, unit, target) in PRINTED.get(module, []):
        found = re.findall(pattern, result.stdout, flags=re.IGNORECASE)
        if found:
            figures.append(Figure(bench, name, float(found[-1].rstrip(".")), unit, target))
        else:
            figures.append(Figure(bench, name + " (not found in its output)", float("nan"),
                                  unit, target))
    return figures


def write_results(path: Path, figures: list[Figure], log: Log, started: datetime,
                  seconds: float, args) -> None:
    lines = [
        "# Benchmark results", "",
        f"Written by `make bench` (`python -m bench.run_all --dossiers {args.dossiers}`) on "
        f"{started:%Y-%m-%d %H:%M} UTC, in {seconds / 60:.1f} minutes.", "",
        *(f"- {line}" for line in machine()), "",
        "| benchmark | figure | value | target | verdict |", "|---|---|---:|---|---|"]
    for f in figures:
        target = "" if f.target is None else f"{'≥' if f.higher_is_better else '≤'} {f.target:g}"
        lines.append(f"| {f.bench} | {f.name} | {f.value:,.2f} {f.unit} | {target} "
                     f"{f.unit if f.target is not None else ''} | {f.verdict} |")
    lines += ["", "See docs/performance.md for what each figure measures and the profiles of "
              "the targets missed.", "", "## Output", "", "```",
              log.buffer.getvalue().rstrip(), "```", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=DEFAULT_DOSSIERS)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--duration", type=float, default=30.0, help="B5 seconds")
    parser.add_argument("--runs", type=int, default=40, help="B2 runs per query")
    parser.add_argument("--skip-modules", action="store_true", help="skip B1 and B3")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    log = Log()
    figures: list[Figure] = []
    log(f"== the province's data: {args.dossiers:,} dossiers, seed {SEED}")
    sqlite_url = cached_sqlite(args.dossiers, log=log)
    figures += queue_bench.run(sqlite_url, args.runs, log)
    figures += statistics_bench.run(sqlite_url, log=log)
    if not args.no_pg and postgres_reachable(args.pg_url):
        pg_url = cached_schema(args.pg_url, args.dossiers, log=log)
        figures += queue_bench.run(pg_url, args.runs, log)
        figures += statistics_bench.run(pg_url, log=log)
        figures += http_load.queue_pages_via_server(pg_url, log=log)
        figures += http_load.run(args.pg_url, duration=args.duration, log=log)
    else:
        log(f"PostgreSQL not used ({'--no-pg' if args.no_pg else 'unreachable'}): "
            "B2/B4 on PostgreSQL and B5 skipped")
    if not args.skip_modules:
        for module in ("bench.step_cost", "bench.timer_sweep"):
            figures += run_module(module, log)
    log("== figures")
    for figure in figures:
        log(figure.line())
    write_results(args.output, figures, log, started, time.perf_counter() - clock, args)
    log(f"written {args.output} in {(time.perf_counter() - clock) / 60:.1f} minutes")


if __name__ == "__main__":
    sys.exit(main())
