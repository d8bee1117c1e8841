"""Every shipped procedure through the services on each path of its diagram (the services
restore the workflow from JSON at every step), and `import_library` adding, skipping and
refusing the procedures of a catalog directory."""
from __future__ import annotations

import json
import shutil
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bpmn.catalog import LIBRARY, read_catalog
from engine.calendar import VN_TZ, BusinessCalendar
from engine.errors import InvalidInput
from engine.models import AuditEvent, Dossier, Procedure, ProcessVersion, Timer, WorkItem
from engine.services import dossiers, queue
from engine.services.procedures import deadline_working_days, fewest_working_days, import_library
from engine.services.users import create_user, ensure_roles
from tests.bpmn.library_scenarios import CONSULTATION_TIMERS, SCENARIOS
from tests.conftest import PASSWORD, T0

from .helpers import hours, receive, user

ENTRIES = {e["code"]: e for e in read_catalog()["procedures"]}
OTHER_DEPARTMENTS = ("thuong_mai", "lao_dong", "xay_dung", "tai_nguyen_moi_truong")


@pytest.fixture
def staffed(library):
    """The library plus a specialist and a head in every department (`library` staffs only
    Investment fully)."""
    with library.begin() as session:
        for dept in OTHER_DEPARTMENTS:
            for role in ("specialist", "head"):
                create_user(session, None, T0, username=f"{role}.{dept}",
                            full_name=f"{role} {dept}", password=PASSWORD, roles=[role],
                            department_code=dept)
    return library


def actor_for(item: WorkItem, department: str) -> str:
    if item.role in ("one_stop", "leader"):
        return {"one_stop": "officer", "leader": "leader"}[item.role]
    return item.role if department == "dau_tu" else f"{item.role}.{department}"


def complete_step(sessions, code: str, step: str, outcome: str, at: datetime) -> Dossier:
    with sessions.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        items = list(session.execute(select(WorkItem).where(
            WorkItem.dossier_id == dossier.id, WorkItem.step_id == step)).scalars())
        assert len(items) == 1, f"{code}: {step} is not open"
        actor = user(session, actor_for(items[0], dossier.procedure.department.code))
        queue.claim(session, actor, at, items[0].id)
        return dossiers.complete_task(session, actor, at, items[0].id, outcome=outcome)


def consultation_timer(sessions, code: str) -> Timer | None:
    with sessions.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        return session.execute(select(Timer).where(
            Timer.dossier_id == dossier.id, Timer.element_id == "consult_timeout",
            Timer.fired_at.is_(None))).scalar_one_or_none()


def open_steps(sessions, code: str) -> set[str]:
    with sessions.begin() as session:
        return set(session.execute(select(WorkItem.step_id).where(
            WorkItem.dossier_code == code)).scalars())


@pytest.mark.parametrize("procedure", sorted(ENTRIES))
def test_every_path_of_the_procedure_runs_from_receipt_to_return(staffed, procedure):
    file = ENTRIES[procedure]["bpmn"]
    for name, path in SCENARIOS[file].items():
        at = T0
        code = receive(staffed, at, procedure, name=f"Công ty {name}")
        for step, outcome in path.steps:
            if file in CONSULTATION_TIMERS and "consult" in open_steps(staffed, code):
                timer = consultation_timer(staffed, code)
                assert timer is not None and timer.fire_at > at, (name, step)
            at += hours(1)
            dossier = complete_step(staffed, code, step, outcome, at)
        where = f"{procedure} {name}"
        assert dossier.status == "returned" and dossier.finished_at == at, where
        assert dossier.decision == path.decision, where
        assert dossier.outcome in ("early", "on_time"), where
        with staffed.begin() as session:
            assert session.execute(select(WorkItem).where(
                WorkItem.dossier_id == dossier.id)).first() is None, where
            assert session.execute(select(Timer).where(
                Timer.dossier_id == dossier.id, Timer.fired_at.is_(None))).first() is None
            completed = list(session.execute(select(AuditEvent.step_id).where(
                AuditEvent.dossier_code == code, AuditEvent.action == "complete")
                .order_by(AuditEvent.id)).scalars())
        assert completed == [step for step, _ in path.steps], where


# --- the legal deadline in working days -------------------------------------------------------

def test_fewest_working_days_of_a_calendar_day_period():
    assert {n: fewest_working_days(n) for n in (1, 3, 5, 7, 10, 15, 20, 25, 30)} == {
        1: 1, 3: 1, 5: 3, 7: 5, 10: 6, 15: 11, 20: 14, 25: 17, 30: 21}
    assert deadline_working_days(15, calendar_days=True) == 11
    assert deadline_working_days(15, calendar_days=False) == 15


@pytest.mark.parametrize("days", range(1, 46))
def test_fewest_working_days_agrees_with_the_calendar_on_ordinary_weeks(days):
    """June and July 2026 have no public holiday: the calendar's own due dates, received on
    each day of a week, hold at least as many working days, and one of them exactly as many."""
    calendar = BusinessCalendar()
    held = []
    for offset in range(7):
        received = datetime.combine(date(2026, 6, 1) + timedelta(days=offset), time(9), VN_TZ)
        due = calendar.due(received, days, calendar_days=True)
        held.append(calendar.working_days_between(due.received_day, due.date))
    assert min(held) == fewest_working_days(days)


# --- importing a catalog directory ------------------------------------------------------------

def write_catalog(directory, procedures: list[dict], departments: list | None = None) -> None:
    directory.mkdir(exist_ok=True)
    (directory / "catalog.json").write_text(json.dumps(
        {"departments": departments or [], "procedures": procedures}, ensure_ascii=False),
        encoding="utf-8")


def entry(code: str, **changes) -> dict:
    base = {"code": code, "name": f"Thủ tục {code}", "name_en": code, "field": "labour",
            "department": "lao_dong", "legal_days": 5, "day_kind": "working",
            "legal_basis": "test", "fee": "0", "result_document": "x",
            "documents": [{"name": "Đơn", "form": "original", "count": 1}],
            "bpmn": "short_path.bpmn"}
    return {**base, **changes}


@pytest.fixture
def roles_only(sessions):
    with sessions.begin() as session:
        ensure_roles(session)
    return sessions


def test_the_shipped_library_is_added_once_then_skipped(roles_only):
    with roles_only.begin() as session:
        first = import_library(session, None, T0)
    assert [r.status for r in first] == ["added"] * len(ENTRIES)
    with roles_only.begin() as session:
        again = import_library(session, None, T0)
        versions = session.execute(select(ProcessVersion)).scalars().all()
        installs = session.execute(select(AuditEvent).where(
            AuditEvent.action == "install_procedure")).scalars().all()
    assert {r.status for r in again} == {"skipped"}
    assert len(versions) == len(installs) == len(ENTRIES)
    assert {v.status for v in versions} == {"published"}


def test_import_adds_skips_and_refuses_changing_nothing_for_a_refused_one(library, tmp_path):
    shutil.copy(LIBRARY / "short_path.bpmn", tmp_path / "short_path.bpmn")
    bad_lane = (LIBRARY / "short_path.bpmn").read_text(encoding="utf-8").replace(
        'name="Lãnh đạo"', 'name="Ban Giám khảo"')
    (tmp_path / "bad_lane.bpmn").write_text(bad_lane, encoding="utf-8")
    write_catalog(tmp_path, [
        ENTRIES["BQL.DT.01"], entry("T.ADD"), entry("T.OVER", legal_days=2),
        entry("T.CAL", legal_days=4, day_kind="calendar"), entry("T.MISSING", bpmn="no.bpmn"),
        entry("T.FIELDS", field="sport", department="nowhere"),
        entry("T.ESCAPE", bpmn="../short_path.bpmn"), entry("T.LANE", bpmn="bad_lane.bpmn"),
        entry("T.ADD")])
    with library.begin() as session:
        results = {(r.code, r.status): r for r in import_library(session, None, T0, tmp_path)}
    assert list(results) == [
        ("BQL.DT.01", "skipped"), ("T.ADD", "added"), ("T.OVER", "refused"),
        ("T.CAL", "refused"), ("T.MISSING", "refused"), ("T.FIELDS", "refused"),
        ("T.ESCAPE", "refused"), ("T.LANE", "refused"), ("T.ADD", "skipped")]
    [over] = results["T.OVER", "refused"].problems
    assert over.startswith("short_path.bpmn:") and "[short_path]" in over
    assert ("allotments along the longest path add up to 3 working days; the legal deadline "
            "is 2 working days") in over
    assert results["T.CAL", "refused"].problems[-1] == (
        "(the law gives 4 calendar days, which hold at least 2 working days)")
    assert "not found" in results["T.MISSING", "refused"].problems[0]
    assert results["T.FIELDS", "refused"].problems == (
        "field 'sport': one of investment, trade, labour, land_environment, construction",
        "department 'nowhere': unknown")
    assert "inside" in results["T.ESCAPE", "refused"].problems[0]
    [lane] = results["T.LANE", "refused"].problems
    assert lane.startswith("bad_lane.bpmn:") and "'Ban Giám khảo' does not map to a role" in lane
    with library.begin() as session:
        codes = set(session.execute(select(Procedure.code).where(
            Procedure.code.like("T.%"))).scalars())
        installed = [e.after["procedure"] for e in session.execute(select(AuditEvent).where(
            AuditEvent.action == "install_procedure", AuditEvent.at == T0)).scalars()]
    assert codes == {"T.ADD"} and installed.count("T.ADD") == 1
    assert not {"T.OVER", "T.CAL", "T.LANE"} & set(installed)


def test_import_adds_the_catalogs_departments_first(roles_only, tmp_path):
    shutil.copy(LIBRARY / "short_path.bpmn", tmp_path / "short_path.bpmn")
    write_catalog(tmp_path, [entry("T.NEW", department="hai_quan")],
                  [{"code": "hai_quan", "name": "Phòng Hải quan", "name_en": "Customs"}])
    with roles_only.begin() as session:
        [result] = import_library(session, None, T0, tmp_path)
        procedure = session.execute(select(Procedure)).scalar_one()
    assert result.status == "added" and procedure.department.name_en == "Customs"


def test_an_unreadable_catalog_refuses_the_whole_import(roles_only, tmp_path):
    with roles_only.begin() as session, pytest.raises(InvalidInput, match="not found"):
        import_library(session, None, T0, tmp_path)
    (tmp_path / "catalog.json").write_text("{not json", encoding="utf-8")
    with roles_only.begin() as session, pytest.raises(InvalidInput, match="not valid JSON"):
        import_library(session, None, T0, tmp_path)
