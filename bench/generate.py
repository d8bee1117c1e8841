"""Generate a province's dossiers (default one million) through bulk paths.

    .venv/bin/python -m bench.generate [--dossiers 1000000] [--url URL] [--seed 8]

Without --url the data go into an SQLite file cached under bench/.cache/, named by the
parameters, and reused when it exists (--force rebuilds it). With a PostgreSQL --url they go
into that database (a fresh one, or a fresh schema through `?options=-csearch_path%3D...`).

How: the schema by Alembic; roles, the shipped library and ~200 officers; each procedure
walked once through the real services to take its templates (bench/templates.py); then the
rows drawn by bench/population.py, written in chunks: SQLite by executemany on the driver,
PostgreSQL by COPY. The audit chain of the bulk load is one event, `bulk_import`, naming how
many rows of each kind it brought: the dossiers' own histories are not generated (the
benchmarks read the dossier, work-item, timer, pause and rating tables only).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.engine import Engine

from engine import audit
from engine.db import make_engine, session_factory
from engine.deadlines import procedure_calendar
from engine.models import (
    Dossier,
    DossierPause,
    DossierSequence,
    Procedure,
    Rating,
    Timer,
    WorkItem,
)
from engine.schema import upgrade
from engine.services.procedures import published_version

from .population import Population, ProcedureInfo
from .templates import build_templates, seed_people

CACHE = Path(__file__).parent / ".cache"
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # the data's "today": Friday 10:00 VN
DEFAULT_DOSSIERS = 1_000_000
SEED = 8
CHUNK = 20_000
FORMAT = 2  # bump when the generated data change: cached files are named by it


def schema_head() -> str:
    """The newest Alembic revision: cached data are named by it (a migration means new data)."""
    from alembic.script import ScriptDirectory

    from engine.schema import alembic_config
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or "none"


def cache_path(dossiers: int, seed: int = SEED) -> Path:
    return CACHE / f"province-{dossiers}-s{seed}-v{FORMAT}-{schema_head()}.sqlite3"


def cached_sqlite(dossiers: int, seed: int = SEED, *, force: bool = False,
                  log=print) -> str:
    """The URL of an SQLite file holding the generated data, generated if missing."""
    path = cache_path(dossiers, seed)
    if force or not path.exists():
        CACHE.mkdir(exist_ok=True)
        partial = path.with_suffix(".partial")
        for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            stale.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{partial}")
        try:
            generate(engine, dossiers, seed, log=log)
        finally:
            engine.dispose()
        os.replace(partial, path)
    else:
        log(f"using the cached data in {path}")
    return f"sqlite:///{path}"


def generate(engine: Engine, dossiers: int, seed: int = SEED, *, log=print,
             reviewers_per_department: int = 0, only: tuple[str, ...] | None = None) -> dict:
    """Fill an empty database; returns the counts and the seconds taken. With
    `reviewers_per_department`, every dossier is open at its first specialist step, claimed
    by one of that many specialists of its department (the load test's set); with `only`,
    dossiers of those procedures alone (the smoke test's, to walk fewer diagrams)."""
    started = time.perf_counter()
    if not inspect(engine).has_table("dossier"):  # a test's schema is made without Alembic
        upgrade(engine)
    sessions = session_factory(engine)
    template_at = NOW - timedelta(days=365 * 5 + 30)
    with sessions.begin() as session:
        duty = seed_people(session, template_at)
    templates = build_templates(sessions, template_at, only)
    prepared = time.perf_counter()
    with sessions() as session:
        procedures = [_info(session, p, template_at) for p in
                      session.execute(select(Procedure).order_by(Procedure.id)).scalars()
                      if p.code in templates]
        first_id = (session.execute(select(func.max(Dossier.id))).scalar() or 0) + 1
        sequences = dict(session.execute(select(DossierSequence.day, DossierSequence.last)).all())
    reviewers = None
    if reviewers_per_department:
        reviewers = {int(key.split(":")[1]): ids[:reviewers_per_department]
                     for key, ids in duty.items() if key.startswith("specialist:")}
    population = Population(seed=seed, now=NOW, procedures=procedures, templates=templates,
                            duty=duty, first_id=first_id, sequences=sequences,
                            reviewers=reviewers)
    writer = _writer(engine)
    if engine.dialect.name == "sqlite":  # no fsync per chunk: a half-written file is redone
        event.listen(engine, "connect", _unsynchronised)
        engine.dispose()
    totals = {"dossier": 0, "work_item": 0, "timer": 0, "dossier_pause": 0, "rating": 0}
    for start in range(0, dossiers, CHUNK):  # a transaction per chunk: no giant WAL
        batch = population.batch(min(CHUNK, dossiers - start))
        with engine.begin() as conn:
            for table, rows in (("dossier", batch.dossiers), ("work_item", batch.work_items),
                                ("timer", batch.timers), ("dossier_pause", batch.pauses),
                                ("rating", batch.ratings)):
                writer(conn, TABLES[table], rows)
                totals[table] += len(rows)
        if (start // CHUNK) % 10 == 9:
            log(f"  {start + CHUNK:,} dossiers written, {time.perf_counter() - started:.0f} s")
    _finish(engine, sessions, population, totals)
    elapsed = time.perf_counter() - started
    log(f"generated {totals['dossier']:,} dossiers ({population.counts['open']:,} open) "
        f"in {elapsed:.1f} s (templates {prepared - started:.1f} s) on {engine.dialect.name}")
    return {**totals, **population.counts, "seconds": elapsed, "first_id": first_id}


TABLES = {"dossier": Dossier.__table__, "work_item": WorkItem.__table__,
          "timer": Timer.__table__, "dossier_pause": DossierPause.__table__,
          "rating": Rating.__table__}


def _info(session, procedure: Procedure, at: datetime) -> ProcedureInfo:
    return ProcedureInfo(
        id=procedure.id, code=procedure.code, field=procedure.field,
        department_id=procedure.department_id,
        process_version_id=published_version(session, procedure, at).id,
        legal_days=procedure.legal_days, calendar_days=procedure.calendar_days,
        calendar=procedure_calendar(session, procedure))


def _writer(engine: Engine):
    """Rows of dicts into a table: COPY on PostgreSQL, the driver's executemany on SQLite."""
    if engine.dialect.name == "postgresql":
        def copy(conn, table, rows):
            if not rows:
                return
            columns = list(rows[0])
            driver = conn.connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(
                    f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copier:
                for row in rows:
                    copier.write_row([_pg(row[c]) for c in columns])
        return copy

    def executemany(conn, table, rows):
        if not rows:
            return
        columns = list(rows[0])
        sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        conn.connection.driver_connection.executemany(
            sql, [tuple(_sqlite(row[c]) for c in columns) for row in rows])
    return executemany


def _unsynchronised(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def _sqlite(value):
    """As SQLAlchemy stores them on SQLite: naive UTC text with microseconds, ISO dates."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _pg(value):
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _finish(engine: Engine, sessions, population: Population, totals: dict) -> None:
    """Daily sequences past the codes used, the id sequences, one audit event, statistics."""
    with sessions.begin() as session:
        known = set(session.execute(select(DossierSequence.day)).scalars())
        for day, last in population.sequences.items():
            if day in known:
                session.get(DossierSequence, day).last = last
            else:
                session.add(DossierSequence(day=day, last=last))
        audit.record(session, at=NOW, actor=None, action="bulk_import",
                     after={"generator": "bench.generate", **totals},
                     reason="benchmark data generated in bulk; dossier histories not generated")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('dossier', 'id'), "
                              "(SELECT max(id) FROM dossier))"))
        # as autovacuum would soon: statistics, and the visibility map that index-only
        # scans need (VACUUM runs outside a transaction)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in TABLES:
                conn.execute(text(f"VACUUM ANALYZE {table}"))
        return
    with engine.begin() as conn:  # as `PRAGMA optimize` would; sampled for the big table
        for table in TABLES:
            conn.exec_driver_sql(f"PRAGMA analysis_limit={1000 if table == 'dossier' else 0}")
            conn.execute(text(f"ANALYZE {table}"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=DEFAULT_DOSSIERS)
    parser.add_argument("--url", default="", help="a PostgreSQL URL (default: cached SQLite)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="rebuild the cached SQLite file")
    args = parser.parse_args(argv)
    if args.url:
        engine = make_engine(args.url)
        generate(engine, args.dossiers, args.seed)
        engine.dispose()
    else:
        print(cached_sqlite(args.dossiers, args.seed, force=args.force))


if __name__ == "__main__":
    sys.exit(main())
