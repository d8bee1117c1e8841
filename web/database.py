"""One SQLAlchemy session per request, closed (rolled back unless committed) at teardown."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from engine.db import make_engine, session_factory


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["motcua.engine"] = engine
    app.extensions["motcua.sessions"] = session_factory(engine)
    app.teardown_appcontext(_close)


def db() -> Session:
    if "db" not in g:
        g.db = current_app.extensions["motcua.sessions"]()
    return g.db


def _close(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
