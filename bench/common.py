"""What the benchmarks share: the machine they ran on and a throw-away database."""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import text
from sqlalchemy.engine import Engine

from engine.db import create_schema, make_engine, normalise_url


def machine(engine: Engine | None = None) -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor() or "?")
    lines = [f"CPU: {cpu}, {os.cpu_count()} cores", f"Python {platform.python_version()}"]
    if engine is not None:
        with engine.connect() as conn:
            version = (conn.execute(text("select sqlite_version()")).scalar_one()
                       if engine.dialect.name == "sqlite" else
                       conn.execute(text("show server_version")).scalar_one())
        lines.append(f"database: {engine.dialect.name} {version} "
                     f"({engine.url.render_as_string()})")
    return lines


@contextmanager
def bench_database(database_url: str = "") -> Iterator[Engine]:
    """A fresh schema: an SQLite file in a temp dir, or a new PostgreSQL schema, dropped after."""
    if database_url:
        schema = f"motcua_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(database_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in database_url else "?"
        url = normalise_url(database_url) + f"{sep}options=-csearch_path%3D{schema}"
    else:
        directory = tempfile.mkdtemp(prefix="motcua-bench-")
        url = f"sqlite:///{directory}/bench.sqlite3"
    engine = make_engine(url)
    try:
        create_schema(engine)
        yield engine
    finally:
        engine.dispose()
        if database_url:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        else:
            shutil.rmtree(directory, ignore_errors=True)


def query_plan(engine: Engine, statement) -> list[str]:
    """The plan of `statement` (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: as run, timed)."""
    compiled = statement.compile(dialect=engine.dialect)
    params = compiled.construct_params()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            values = tuple(params[name] for name in compiled.positiontup)
            return [row[-1] for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", values).all()]
        return [row[0] for row in conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, COSTS OFF) {compiled}", params).all()]


def run_from_command_line(doc: str, run: Callable[[Engine], None]) -> None:
    """`python -m bench.X [--database-url URL]`: run a benchmark in a throw-away database."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    with bench_database(args.database_url) as engine:
        run(engine)


def received_dossier(sessions, at) -> tuple[int, str]:
    """The library installed, a desk officer, and one dossier received through the services
    at `at`: its id and code (benchmarks copy it in bulk)."""
    from engine.demo import install_library
    from engine.services import dossiers
    from engine.services.users import create_user, ensure_roles
    with sessions.begin() as session:
        ensure_roles(session)
        install_library(session, at)
        officer = create_user(session, None, at, username="officer", full_name="Officer",
                              password="bench-pass-1", roles=["one_stop"],
                              department_code="van_phong")
        dossier = dossiers.receive(session, officer, at, procedure_code="BQL.DT.01",
                                   applicant={"name": "Công ty Bench"})
        return dossier.id, dossier.code
