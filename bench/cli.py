"""The command line shared by the benchmarks that read the generated province."""
from __future__ import annotations

import argparse

from .generate import DEFAULT_DOSSIERS, cached_sqlite


def run_on_province(description: str, run, runs: int, argv: list[str] | None = None) -> None:
    """Parse --url/--dossiers/--runs, run `run(url, runs)` and print its figures."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", default="", help="a database URL (default: the cached "
                        "SQLite file of bench.generate, generated if missing)")
    parser.add_argument("--dossiers", type=int, default=DEFAULT_DOSSIERS)
    parser.add_argument("--runs", type=int, default=runs)
    args = parser.parse_args(argv)
    for figure in run(args.url or cached_sqlite(args.dossiers), args.runs):
        print(figure.line())
