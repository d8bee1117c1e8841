"""A pooled PostgreSQL connection that sat unused is pinged at checkout, and a dead one is
replaced (the server restarted, or dropped it); one in steady use is not pinged."""
from __future__ import annotations

import os

import pytest
import time_machine
from sqlalchemy import event, text

from engine.db import IDLE_BEFORE_PING, make_engine

URL = os.environ.get("MOTCUA_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgres"),
                                reason="pooled connections are PostgreSQL's (set "
                                       "MOTCUA_TEST_DATABASE_URL)")


def test_an_idle_connection_killed_by_the_server_is_replaced_at_checkout():
    engine = make_engine(URL, pool_size=1, max_overflow=0)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    try:
        with time_machine.travel(0, tick=True) as clock:
            with engine.connect() as conn:
                first_pid = conn.execute(text("select pg_backend_pid()")).scalar()
            with make_engine(URL).connect() as other:  # the server ends that session
                other.execute(text("select pg_terminate_backend(:pid)"), {"pid": first_pid})
            clock.shift(IDLE_BEFORE_PING + 1)
            with engine.connect() as conn:  # would fail on the dead connection unpinged
                assert conn.execute(text("select pg_backend_pid()")).scalar() != first_pid
            statements.clear()
            with engine.connect() as conn:  # in steady use: no ping, the query alone
                conn.execute(text("select 1 + 1"))
            assert statements == ["select 1 + 1"]
    finally:
        engine.dispose()
