"""The process-control slip's rows (engine/services/handovers.py) read from the audit trail:
who gave the dossier at each hand-over and when, who received it and when, and each step's
result against its allotment, for a dossier with a supplement, a reassignment and a late step,
and for one escalated by its timer."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from engine.calendar import VN_TZ
from engine.models import Dossier
from engine.scheduler import sweep
from engine.services import dossiers, queue, returns
from engine.services.handovers import control_slip

from .helpers import advance, open_item, receive, user

DELIVERY = {"result_document": "Giấy chứng nhận đăng ký đầu tư", "recipient_name": "Nguyễn Văn An",
            "recipient_id_number": "031085001234", "method": "desk", "fee_vnd": 0}


def local(day: int, hh: int, mm: int = 0) -> datetime:
    """A time of March 2026 in Vietnam, in UTC as the clock gives it (the audit chain hashes
    the time as given)."""
    return datetime(2026, 3, day, hh, mm, tzinfo=VN_TZ).astimezone(timezone.utc)


def claim(sessions, code: str, username: str, at: datetime) -> None:
    with sessions.begin() as session:
        queue.claim(session, user(session, username), at, open_item(session, code).id)


def complete(sessions, code: str, username: str, outcome: str, at: datetime) -> None:
    with sessions.begin() as session:
        dossiers.complete_task(session, user(session, username), at, open_item(session, code).id,
                               outcome=outcome, note=f"ghi chú {outcome}")


def slip_of(sessions, code: str):
    with sessions() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        slip = control_slip(session, dossier)
        return [(r.kind, r.step_id, r.unit, r.giver.label, _vn(r.giver.at), r.receiver.label,
                 _vn(r.receiver.at), _vn(r.completed_at), r.result) for r in slip.rows], slip


def _vn(moment: datetime | None) -> str | None:
    return moment.astimezone(VN_TZ).strftime("%d/%m %H:%M") if moment else None


def returned_dossier(sessions) -> str:
    """Receive → hand over → review asks a supplement → resubmitted → the head reassigns the
    review, which approves late → check → sign → return, each at a known time."""
    code = receive(sessions, local(4, 10))
    claim(sessions, code, "officer", local(4, 10, 30))
    complete(sessions, code, "officer", "handed_over", local(4, 11))
    claim(sessions, code, "specialist", local(4, 14))
    complete(sessions, code, "specialist", "supplement", local(5, 10))
    claim(sessions, code, "officer", local(9, 9))
    complete(sessions, code, "officer", "resubmitted", local(9, 9, 30))
    with sessions.begin() as session:
        queue.reassign(session, user(session, "head"), local(9, 10), open_item(session, code).id,
                       user(session, "specialist2").id)
    # the review's 5 working days from Monday 9 March end on Monday 16: Thursday 19 is late
    complete(sessions, code, "specialist2", "approve", local(19, 10))
    claim(sessions, code, "head", local(19, 14))
    complete(sessions, code, "head", "agree", local(19, 15))
    claim(sessions, code, "leader", local(20, 9))
    complete(sessions, code, "leader", "sign", local(20, 9, 15))
    claim(sessions, code, "officer", local(20, 10))
    with sessions.begin() as session:
        returns.complete_return(session, user(session, "officer"), local(20, 10, 30),
                                open_item(session, code).id, outcome="returned",
                                delivery=DELIVERY)
    return code


def test_each_hand_over_with_its_giver_receiver_times_and_result(library):
    code = returned_dossier(library)
    rows, slip = slip_of(library, code)
    investment = "Phòng Quản lý Đầu tư"
    assert rows == [
        ("receipt", "receive", "Bộ phận Một cửa", "Công ty A", "04/03 10:00", "Officer",
         "04/03 10:00", "04/03 10:00", None),
        ("step", "handover", "Bộ phận Một cửa", "Officer", "04/03 10:00", "Officer",
         "04/03 10:30", "04/03 11:00", "on_time"),
        ("step", "review", investment, "Officer", "04/03 11:00", "Specialist", "04/03 14:00",
         "05/03 10:00", "early"),
        ("step", "supplement", "Bộ phận Một cửa", "Specialist", "05/03 10:00", "Officer",
         "09/03 09:00", "09/03 09:30", None),
        ("step", "review", investment, "Officer", "09/03 09:30", "Specialist2", "09/03 10:00",
         "19/03 10:00", "late"),
        ("step", "check", investment, "Specialist2", "19/03 10:00", "Head", "19/03 14:00",
         "19/03 15:00", "early"),
        ("step", "approve", "Lãnh đạo cơ quan", "Head", "19/03 15:00", "Leader", "20/03 09:00",
         "20/03 09:15", "on_time"),
        ("step", "return_result", "Bộ phận Một cửa", "Leader", "20/03 09:15", "Officer",
         "20/03 10:00", "20/03 10:30", "on_time"),
        ("return", "", "Công ty A", "Officer", "20/03 10:30", "Nguyễn Văn An", "20/03 10:30",
         "20/03 10:30", "early"),
    ]
    assert [r.number for r in slip.rows] == list(range(1, 10))
    assert slip.received_by.username == "officer" and slip.returned.recipient_name == "Nguyễn Văn An"
    notes = {(r.step_id, r.number): [(n.kind, n.by) for n in r.notes] for r in slip.rows}
    assert ("clock_stop", "Specialist") in notes[("review", 3)]
    assert ("clock_resume", "Officer") in notes[("supplement", 4)]
    assert ("reassign", "Head") in notes[("review", 5)]
    [reassigned] = [n for n in slip.rows[4].notes if n.kind == "reassign"]
    assert reassigned.text == "— → Specialist2"


def test_an_open_step_is_a_row_waiting_for_its_receiver(library):
    code = receive(library, local(4, 10))
    advance(library, code, "officer", "handed_over", local(4, 11))
    rows, _ = slip_of(library, code)
    assert rows[-1] == ("step", "review", "Phòng Quản lý Đầu tư", "Officer", "04/03 11:00",
                        "", None, None, None)
    assert len(rows) == 3  # receipt, hand-over, review: no return row yet


def test_an_escalation_interrupts_the_review_and_hands_it_to_the_head(library):
    code = receive(library, local(4, 10))
    advance(library, code, "officer", "handed_over", local(12, 10))
    with time_machine.travel(local(18, 8, 2), tick=False):
        sweep(library)
    advance(library, code, "head", "back_to_review", local(18, 11))
    rows, slip = slip_of(library, code)
    assert [r[:2] + r[3:4] + r[8:] for r in rows[2:]] == [
        ("step", "review", "Officer", None), ("step", "expedite", "system", "on_time"),
        ("step", "review", "Head", None)]
    review = slip.rows[2]
    assert [n.kind for n in review.notes] == ["timer_fired", "timer_fired", "interrupted",
                                              "escalation"]
    assert [n.text for n in review.notes if n.kind == "timer_fired"] == ["warned", "escalated"]
    assert slip.rows[3].giver.at == local(18, 8, 2) and slip.rows[3].receiver.label == "Head"
    assert slip.rows[3].completed_at == local(18, 11) and timedelta(0) < (
        slip.rows[3].completed_at - slip.rows[3].giver.at)
