"""The province's data on PostgreSQL, kept in a schema named by its parameters.

Generating a million dossiers takes minutes, so `make bench` keeps them between runs like the
SQLite file: in the schema `motcua_bench_province_<dossiers>_s<seed>_v<format>_<head>`
(the Alembic head in the name: a new migration means new data). A schema whose bulk load
did not finish (no `bulk_import` audit event) is dropped and generated again.
"""
from __future__ import annotations

from sqlalchemy import text

from engine.db import make_engine, normalise_url

from .generate import FORMAT, SEED, generate, schema_head


def schema_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return normalise_url(url) + f"{sep}options=-csearch_path%3D{schema}"


def cached_schema(url: str, dossiers: int, seed: int = SEED, *, force: bool = False,
                  log=print) -> str:
    """The URL of a schema holding the generated data, generated if missing."""
    name = f"motcua_bench_province_{dossiers}_s{seed}_v{FORMAT}_{schema_head()}".lower()
    admin = make_engine(url)
    try:
        with admin.begin() as conn:
            done = conn.execute(text(
                "select 1 from information_schema.tables where table_schema = :s and "
                "table_name = 'audit_event'"), {"s": name}).first() is not None and (
                conn.execute(text(f'select 1 from "{name}".audit_event '
                                  "where action = 'bulk_import'")).first() is not None)
            if done and not force:
                log(f"using the cached data in PostgreSQL schema {name}")
                return schema_url(url, name)
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    finally:
        admin.dispose()
    engine = make_engine(schema_url(url, name))
    try:
        generate(engine, dossiers, seed, log=log)
    finally:
        engine.dispose()
    return schema_url(url, name)
