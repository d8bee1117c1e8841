"""B4: the period reports over the generated province (target ≤ 1 s each).

    .venv/bin/python -m bench.statistics_bench [--url URL] [--dossiers N] [--runs 5]

`engine.services.statistics.period_statistics` for the last whole month and the last whole
year before the data's "today", each run several times (median and worst are printed; the
figure is the worst). The step-time and workload reports are measured too when their
services exist (engine/services/step_times.py, workload.py), for the same periods.
Without --url the cached SQLite file of bench.generate is used (generated if missing).
"""
from __future__ import annotations

import importlib
import inspect
import statistics
import sys
from datetime import date

from engine.db import make_engine, session_factory
from engine.services.statistics import period_statistics

from .cli import run_on_province
from .common import machine
from .figures import Figure, timed_ms
from .generate import NOW

TARGET_MS = 1000.0
PERIODS = {"month": (date(2026, 10, 1), date(2026, 10, 31)),
           "year": (date(2025, 1, 1), date(2025, 12, 31))}
# Other reports, measured when their service exists: (module, function names to try)
OTHER_REPORTS = (("engine.services.step_times", ("step_times", "step_time_report")),
                 ("engine.services.workload", ("workload", "workload_report")))


def reports() -> dict[str, object]:
    """The report functions present, each called as fn(session, start, end, now)."""
    found = {"statistics": period_statistics}
    for module_name, names in OTHER_REPORTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in names:
            fn = getattr(module, name, None)
            if callable(fn) and len(inspect.signature(fn).parameters) >= 4:
                found[module_name.rsplit(".", 1)[1]] = fn
                break
    return found


def run(url: str, runs: int = 5, log=print) -> list[Figure]:
    engine = make_engine(url)
    sessions = session_factory(engine)
    log("B4 statistics")
    for line in machine(engine):
        log("  " + line)
    figures = []
    with sessions() as session:
        for report, fn in reports().items():
            for period, (start, end) in PERIODS.items():
                result = {}

                def call(fn=fn, start=start, end=end, result=result):
                    result["value"] = fn(session, start, end, NOW)
                times = timed_ms(call, runs, warm=1)
                total = getattr(result["value"], "total", None)
                shown = f", received {total.received:,}" if hasattr(total, "received") else ""
                log(f"  {report}, {period} {start}..{end}: median "
                    f"{statistics.median(times):.0f} ms, worst {max(times):.0f} ms{shown}")
                figures.append(Figure("B4", f"{report}, a {period} ({engine.dialect.name})",
                                      max(times), "ms", TARGET_MS,
                                      note=f"worst of {runs}"))
    engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> None:
    run_on_province(__doc__.splitlines()[0], run, 5, argv)


if __name__ == "__main__":
    sys.exit(main())
