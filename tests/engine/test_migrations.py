"""Alembic builds the schema from nothing, and the models and migrations agree."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from engine import models  # noqa: F401
from engine.db import Base, make_engine
from engine.schema import upgrade


def test_migrations_build_the_models_schema(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:  # start from an empty database
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)
    upgrade(engine)  # a second run is a no-op
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        tables = set(inspect(conn).get_table_names())
    assert {"dossier", "work_item", "timer", "audit_event", "process_version"} <= tables
    engine.dispose()
