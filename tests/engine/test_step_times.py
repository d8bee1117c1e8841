"""Per-step time against allotment, from the audit trail, and the bottleneck."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine.calendar import VN_TZ
from engine.models import Department
from engine.services import queue
from engine.services.step_times import p90, step_times

from .helpers import advance, receive, user
from .helpers import open_item as item_of

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 4, 15, 10, tzinfo=VN_TZ)


def local(d: int, hh: int = 10) -> datetime:
    return datetime(2026, 3, d, hh, tzinfo=VN_TZ)


@pytest.fixture
def two(library):
    return two_dossiers(library)


def two_dossiers(library):
    """Two dossiers received on Wednesday 4 March at 10:00 (work: 8-12, 13-17)."""
    a = receive(library, local(4))
    advance(library, a, "officer", "handed_over", local(4, 16))  # 5 h: 0.625 d, on time
    advance(library, a, "specialist", "approve", local(5, 9))  # 2 h: 0.25 d, early
    advance(library, a, "head", "agree", local(9, 9))  # Thu 9:00 -> Mon 9:00: 2 d, late
    b = receive(library, local(4))
    advance(library, b, "officer", "handed_over", local(4, 11))  # 1 h: 0.125 d, on time
    advance(library, b, "specialist", "approve", local(6, 10))  # 15 h: 1.875 d, early
    advance(library, b, "head", "agree", local(10, 10))  # Fri 10:00 -> Tue 10:00: 2 d, late
    with library.begin() as session:
        queue.claim(session, user(session, "leader"), local(10, 11), item_of(session, b).id)
    return a, b


def test_each_step_is_timed_in_working_days_against_its_allotment(library, two):
    with library() as session:
        rows = {r.step_id: r for r in step_times(session, *MARCH, NOW)}
    assert set(rows) == {"handover", "review", "check"}
    handover, review, check = rows["handover"], rows["review"], rows["check"]
    assert (handover.count, handover.allotment, handover.on_time) == (2, 0.5, 2)
    assert handover.mean_days == pytest.approx(0.375)
    assert handover.mean_overrun == pytest.approx(-0.125)
    assert review.mean_days == pytest.approx(1.0625) and review.p90_days == pytest.approx(1.875)
    assert (review.early, review.share_late) == (2, 0.0)
    assert (check.late, check.share_late, check.allotment) == (2, 1.0, 1.0)
    assert check.mean_days == pytest.approx(2.0) and check.mean_overrun == pytest.approx(1.0)
    assert [r.step_id for r in rows.values() if r.bottleneck] == ["check"]
    assert {r.procedure for r in rows.values()} == {"BQL.DT.01"}


def test_a_step_started_before_the_period_is_timed_from_its_start(library, two):
    with library() as session:
        rows = {r.step_id: r for r in step_times(session, date(2026, 3, 5), date(2026, 3, 31),
                                                   NOW)}
        assert rows["review"].count == 2 and rows["review"].mean_days == pytest.approx(1.0625)
        # the hand-over of the first dossier on the 4th is before the period
        assert "handover" not in rows
        assert step_times(session, date(2026, 4, 1), date(2026, 4, 30), NOW) == []


def test_p90_is_the_nearest_rank():
    assert p90([1.0]) == 1.0
    assert p90([float(n) for n in range(1, 11)]) == 9.0
    assert p90([float(n) for n in range(20, 0, -1)]) == 18.0


def test_a_department_sees_the_steps_of_its_own_procedures(library, two):
    with library() as session:
        ids = dict(session.execute(select(Department.code, Department.id)).all())
        assert step_times(session, *MARCH, NOW, department_id=ids["lao_dong"]) == []
        assert len(step_times(session, *MARCH, NOW, department_id=ids["dau_tu"])) == 3


def test_a_step_sent_back_is_timed_again_from_its_reopening(library):
    code = receive(library, local(4))
    advance(library, code, "officer", "handed_over", local(4, 11))
    advance(library, code, "specialist", "approve", local(5, 9))  # Wed 11:00 -> Thu 9:00: 6 h
    advance(library, code, "head", "send_back", local(5, 10))  # 1 h
    advance(library, code, "specialist", "approve", local(5, 15))  # reopened at 10:00: 4 h
    advance(library, code, "head", "agree", local(6, 9))  # Thu 15:00 -> Fri 9:00: 3 h
    with library() as session:
        rows = {r.step_id: r for r in step_times(session, *MARCH, NOW)}
    assert rows["review"].count == 2 and rows["review"].mean_days == pytest.approx(0.625)
    assert rows["check"].count == 2 and rows["check"].mean_days == pytest.approx(0.25)
    assert not any(r.bottleneck for r in rows.values())  # nothing late, nothing over
