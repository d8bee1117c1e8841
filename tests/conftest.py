"""Shared fixtures: a real SQLite file per test, and a real PostgreSQL server when
MOTCUA_TEST_DATABASE_URL points at one (each test run works in a schema of its own)."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from engine.db import Base, create_schema, make_engine, normalise_url, session_factory
from engine.demo import install_library
from engine.services.users import create_user, ensure_roles

PG_URL = os.environ.get("MOTCUA_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
PASSWORD = "secret-pass-1"
# A Wednesday in working hours, Vietnam time (03:00 UTC = 10:00 local).
T0 = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Argon2 at its production cost takes most of a test's time; tests need the function,
    not the cost."""
    from argon2 import PasswordHasher

    import engine.services.users as users
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def pg_schema_url():
    """A fresh schema for this test run, so parallel runs on one server never collide."""
    if not PG_URL:
        pytest.skip("MOTCUA_TEST_DATABASE_URL is not set")
    schema = f"motcua_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = normalise_url(PG_URL) + f"{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    create_schema(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'motcua.sqlite3'}"
        engine = make_engine(url)
        create_schema(engine)
        engine.dispose()
        return url
    url = request.getfixturevalue("pg_schema_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


@pytest.fixture
def library(sessions):
    """Roles, departments, the shipped procedures and one user per working role."""
    with sessions.begin() as session:
        ensure_roles(session)
        install_library(session, T0)
        for username, roles, dept in [("officer", ["one_stop"], "van_phong"),
                                      ("specialist", ["specialist"], "dau_tu"),
                                      ("specialist2", ["specialist"], "dau_tu"),
                                      ("head", ["head"], "dau_tu"),
                                      ("leader", ["leader"], None),
                                      ("labour_specialist", ["specialist"], "lao_dong"),
                                      ("auditor", ["auditor"], None),
                                      ("quality", ["quality"], "van_phong")]:
            create_user(session, None, T0, username=username, full_name=username.title(),
                        password=PASSWORD, roles=roles, department_code=dept)
    return sessions
