"""Workload per officer: steps completed against their due times, receipts, open items."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.models import Department
from engine.services.workload import workload

from .test_step_times import MARCH, NOW, two_dossiers


@pytest.fixture
def two(library):
    return two_dossiers(library)


def test_workload_per_officer(library, two):
    with library() as session:
        rows = {w.username: w for w in workload(session, *MARCH, NOW)}
        assert set(rows) == {"officer", "specialist", "head", "leader"}
        officer, specialist, head = rows["officer"], rows["specialist"], rows["head"]
        assert (officer.received, officer.completed_on_time, officer.completed) == (2, 2, 2)
        assert (specialist.completed_early, specialist.received, specialist.open_now) == (2, 0, 0)
        assert (head.completed_late, head.on_time_rate) == (2, 0.0)
        assert (rows["leader"].open_now, rows["leader"].completed) == (1, 0)
        # a period before the work: only the item open now
        earlier = workload(session, date(2026, 2, 1), date(2026, 2, 28), NOW)
        assert [(w.username, w.open_now, w.completed, w.received) for w in earlier] == [
            ("leader", 1, 0, 0)]


def test_a_department_sees_the_work_on_its_own_dossiers(library, two):
    with library() as session:
        ids = dict(session.execute(select(Department.code, Department.id)).all())
        assert workload(session, *MARCH, NOW, department_id=ids["lao_dong"]) == []
        assert len(workload(session, *MARCH, NOW, department_id=ids["dau_tu"])) == 4
