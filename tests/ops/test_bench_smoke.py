"""The benchmarks run, on a small province: the generator's data hold together, and B2, B4
(and B5 on PostgreSQL) produce figures. The figures themselves are bench/results.md's job."""
from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from bench import queue_bench, statistics_bench
from bench.generate import generate
from engine.calendar import VN_TZ
from engine.db import make_engine, session_factory
from engine.models import Dossier, DossierPause, Rating, Timer, WorkItem

from ..conftest import PG_URL

DOSSIERS = 2_000
# one procedure of each department and of the main diagram shapes (standard, consultation,
# inspection, drafting): fewer diagrams to walk for the templates
SAMPLE = ("BQL.DT.01", "BQL.DT.05", "BQL.LD.01", "BQL.MT.01", "BQL.TM.03", "BQL.XD.02")


def quiet(*_args) -> None:
    pass


def test_small_province_generated_and_benchmarked(db_url):
    """One generation (the slow part) serves both checks."""
    engine = make_engine(db_url)
    counts = generate(engine, DOSSIERS, log=quiet, only=SAMPLE)
    check_data(engine, counts)
    check_benchmarks(engine, db_url)
    engine.dispose()


def check_data(engine, counts: dict) -> None:
    bulk = Dossier.id >= counts["first_id"]
    with session_factory(engine)() as session:
        def scalar(query):
            return session.execute(query).scalar_one()
        assert scalar(select(func.count()).where(bulk)) == DOSSIERS
        by_status = dict(session.execute(select(Dossier.status, func.count()).where(bulk)
                                         .group_by(Dossier.status)).all())
        assert by_status.get("returned", 0) == counts["returned"]
        assert by_status.get("in_progress", 0) + by_status.get(
            "awaiting_supplement", 0) == counts["open"]
        assert 0.05 < counts["open"] / DOSSIERS < 0.25  # about a tenth open
        assert counts["early"] + counts["on_time"] + counts["late"] == counts["returned"]
        assert scalar(select(func.count()).where(bulk, Dossier.outcome == "late")) \
            == counts["late"]
        open_ = Dossier.finished_at.is_(None)
        # every open dossier has a work item; no finished one has any
        without_item = select(func.count()).where(bulk, open_, ~select(WorkItem.id).where(
            WorkItem.dossier_id == Dossier.id).exists())
        assert scalar(without_item) == 0
        for model in (WorkItem, Timer):
            assert scalar(select(func.count()).select_from(model).join(
                Dossier, Dossier.id == model.dossier_id).where(~open_)) == 0
        assert scalar(select(func.count()).select_from(Timer)) > 0
        # ratings only for returned dossiers; open pauses only for dossiers waiting
        assert scalar(select(func.count()).select_from(Rating).join(
            Dossier, Dossier.id == Rating.dossier_id).where(open_)) == 0
        assert scalar(select(func.count()).select_from(DossierPause).join(
            Dossier, Dossier.id == DossierPause.dossier_id).where(
            DossierPause.resumed_at.is_(None), Dossier.status != "awaiting_supplement")) == 0
        # the queue copies of the dossier agree with it
        assert scalar(select(func.count()).select_from(WorkItem).join(
            Dossier, Dossier.id == WorkItem.dossier_id).where(
            (WorkItem.dossier_code != Dossier.code)
            | (WorkItem.dossier_due_date != Dossier.due_date))) == 0
        # dossiers received on weekdays, in office hours (Vietnam time)
        sample = session.execute(select(Dossier.received_at).where(bulk).limit(200)).scalars()
        for received in sample:
            local = received.astimezone(VN_TZ)
            assert local.weekday() < 5 and 7 <= local.hour < 17


def check_benchmarks(engine, db_url: str) -> None:
    figures = queue_bench.service_figures(session_factory(engine), runs=2, log=quiet)
    figures += queue_bench.http_figures(db_url, runs=2, log=quiet)
    figures += statistics_bench.run(db_url, runs=1, log=quiet)
    names = {f.name for f in figures}
    assert {"queue service p95", "queue page HTTP p95", "statistics, a year (%s)"
            % engine.dialect.name} <= names
    for figure in figures:
        assert figure.value > 0 and not math.isnan(figure.value), figure
        if figure.target is not None:
            assert figure.verdict in ("PASS", "MISS")


@pytest.mark.skipif(not PG_URL, reason="B5 runs on PostgreSQL (MOTCUA_TEST_DATABASE_URL)")
def test_http_load_gives_figures():
    from bench import http_load
    figures = {f.name: f for f in http_load.run(PG_URL, officers=10, duration=2.0,
                                                 dossiers=300, log=quiet, only=SAMPLE,
                                                 pages=True)}
    assert 0 < figures["queue page via gunicorn p95 (postgresql)"].value
    assert 20 < figures["peak RSS of a web worker after B2"].value < 2000
    assert figures["completed tasks/s"].value > 0
    assert figures["errors"].value == 0
    assert figures["requests/s"].value > figures["completed tasks/s"].value
    assert 20 < figures["peak RSS of a web worker after B5"].value < 2000
    assert figures["bare Flask endpoint requests/s"].value > 0
