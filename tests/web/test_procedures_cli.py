"""`motcua procedures import [DIR]`: the report of what was added, skipped and refused."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bpmn.catalog import LIBRARY, read_catalog
from engine.db import make_engine, session_factory
from engine.models import Procedure
from engine.services.users import ensure_roles
from web.cli import main

SHIPPED = len(read_catalog()["procedures"])


@pytest.fixture
def cli(db_url, monkeypatch):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    engine = make_engine(db_url)
    with session_factory(engine).begin() as session:
        ensure_roles(session)
    engine.dispose()
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["procedures", "import", *args])


def codes(db_url) -> set[str]:
    engine = make_engine(db_url)
    with session_factory(engine).begin() as session:
        found = set(session.execute(select(Procedure.code)).scalars())
    engine.dispose()
    return found


def test_the_shipped_library_by_default_then_everything_is_skipped(cli, db_url):
    first = cli()
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-1] == f"{SHIPPED} added, 0 skipped, 0 refused"
    assert "added    BQL.DT.01" in first.output
    again = cli(str(LIBRARY))
    assert again.exit_code == 0
    assert again.output.splitlines()[-1] == f"0 added, {SHIPPED} skipped, 0 refused"
    assert len(codes(db_url)) == SHIPPED


def test_a_refused_procedure_is_reported_with_its_problem_and_the_rest_is_added(cli, db_url,
                                                                                tmp_path):
    cli()
    shutil.copy(LIBRARY / "short_path.bpmn", tmp_path)
    entry = {"code": "T.OK", "name": "Thủ tục thử", "field": "labour", "department": "lao_dong",
             "legal_days": 3, "day_kind": "working", "bpmn": "short_path.bpmn",
             "documents": [{"name": "Đơn", "form": "original", "count": 1}]}
    (tmp_path / "catalog.json").write_text(json.dumps({"procedures": [
        entry, {**entry, "code": "T.SHORT", "legal_days": 2}]}), encoding="utf-8")
    result = cli(str(tmp_path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split() == ["added", "T.OK", "Thủ", "tục", "thử"]
    assert lines[1].split()[:2] == ["refused", "T.SHORT"]
    assert lines[2].strip().startswith("short_path.bpmn:")
    assert "add up to 3 working days; the legal deadline is 2 working days" in lines[2]
    assert lines[-1] == "1 added, 0 skipped, 1 refused"
    assert "T.OK" in codes(db_url) and "T.SHORT" not in codes(db_url)


def test_a_directory_without_a_catalog_is_an_error(cli, tmp_path):
    result = cli(str(tmp_path))
    assert result.exit_code != 0 and "catalog.json: not found" in result.output
