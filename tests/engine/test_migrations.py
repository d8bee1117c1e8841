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


def test_0008_gives_existing_ratings_their_dossiers_procedure(db_url):
    from alembic import command
    from sqlalchemy import select

    from engine.db import session_factory
    from engine.demo import install_library
    from engine.models import Dossier, Rating
    from engine.schema import alembic_config
    from engine.services.users import create_user, ensure_roles

    from ..conftest import T0
    from .helpers import receive

    engine = built_from_nothing(db_url)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        ensure_roles(session)
        install_library(session, T0)
        create_user(session, None, T0, username="officer", full_name="Officer",
                    password="a-long-password-1", roles=["one_stop"],
                    department_code="van_phong")
    codes = [receive(sessions, T0, procedure) for procedure in ("BQL.DT.01", "BQL.LD.01")]
    with sessions.begin() as session:
        for code in codes:
            dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
            session.add(Rating(dossier_id=dossier.id, procedure_id=dossier.procedure_id,
                               level="satisfied", rated_at=T0))
    config = alembic_config(db_url)
    with engine.begin() as connection:  # back to 0007: the ratings lose the column
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    upgrade(engine)
    with sessions() as session:
        pairs = session.execute(select(Rating.procedure_id, Dossier.procedure_id)
                                .join(Dossier, Dossier.id == Rating.dossier_id)).all()
    engine.dispose()
    assert len(pairs) == 2 and all(copied == own for copied, own in pairs)
    assert pairs[0][0] != pairs[1][0]
