"""Alembic builds the schema from nothing, and the models and migrations agree."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from engine import models  # noqa: F401
from engine.db import Base, make_engine
from engine.schema import upgrade


def built_from_nothing(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:  # start from an empty database
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)
    return engine


def test_migrations_build_the_models_schema(db_url):
    engine = built_from_nothing(db_url)
    upgrade(engine)  # a second run is a no-op
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        tables = set(inspect(conn).get_table_names())
    assert {"dossier", "work_item", "timer", "audit_event", "process_version"} <= tables
    engine.dispose()


def test_the_workflow_state_is_compressed_with_lz4_on_postgresql(db_url):
    """0007: the state rewritten at every step costs less to store (see the migration)."""
    engine = built_from_nothing(db_url)
    with engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            engine.dispose()
            return  # SQLite stores text as it is
        available = conn.execute(text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'")).scalar()
        compression = conn.execute(text(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'dossier'::regclass AND attname = 'workflow_state'")).scalar()
    engine.dispose()
    assert compression == ("l" if available else "")
