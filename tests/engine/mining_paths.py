"""Dossiers of BQL.DT.01 (standard diagram, 15 calendar days) taken through the real services
along varied paths, for the process-mining exports and the conformance check."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from engine.calendar import VN_TZ
from engine.deadlines import business_calendar
from engine.models import AuditEvent, Dossier
from engine.services import apology, queue, returns
from engine.services.timers import fire_due_timers

from .helpers import advance, open_item, receive, user

DELIVERY = {"result_document": "Giấy chứng nhận đăng ký đầu tư",
            "recipient_name": "Nguyễn Văn An", "recipient_id_number": "031085001234",
            "method": "desk", "fee_vnd": 0}
# (username, outcome) for each step after the receipt, by path
PATHS = {
    "straight": [("officer", "handed_over"), ("specialist", "approve"), ("head", "agree"),
                 ("leader", "sign")],
    "supplement": [("officer", "handed_over"), ("specialist", "supplement"),
                   ("officer", "resubmitted"), ("specialist", "approve"), ("head", "agree"),
                   ("leader", "sign")],
    "refusal": [("officer", "handed_over"), ("specialist", "refuse"), ("head", "agree"),
                ("leader", "sign")],
    "sent_back": [("officer", "handed_over"), ("specialist", "approve"), ("head", "send_back"),
                  ("specialist2", "approve"), ("head", "agree"), ("leader", "sign")],
}


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def dossier_of(session, code: str) -> Dossier:
    return session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()


def take(sessions, code: str, path: str, start: datetime, *, finish: bool = True) -> str:
    """Walk `path` from `start`, an hour a step; return the result (with a rating)."""
    at = start
    for username, outcome in PATHS[path]:
        at += timedelta(hours=1)
        advance(sessions, code, username, outcome, at)
    if finish:
        return_result(sessions, code, at + timedelta(hours=1))
    return code


def return_result(sessions, code: str, at: datetime, level: str = "satisfied") -> None:
    with sessions.begin() as session:
        actor = user(session, "officer")
        item = open_item(session, code)
        queue.claim(session, actor, at, item.id)
        returns.complete_return(session, actor, at, item.id, outcome="returned",
                                delivery=DELIVERY, rating={"level": level,
                                                           "comment": "Nguyễn Văn An, 0903"})


def late(sessions, received: datetime) -> str:
    """Received, handed over, left in review until both timers fire (warning, escalation),
    expedited, then approved and signed after the due date: an apology, a late return."""
    code = receive(sessions, received)
    advance(sessions, code, "officer", "handed_over", received + timedelta(hours=1))
    with sessions.begin() as session:
        due = dossier_of(session, code).due_date
    sweep = datetime.combine(due, datetime.min.time(), VN_TZ) + timedelta(hours=9)
    with sessions.begin() as session:
        fired = fire_due_timers(session, sweep)
    assert {r.effect for r in fired if r.dossier_code == code} >= {"warned", "escalated"}
    after = sweep + timedelta(days=2)
    for username, outcome in [("head", "back_to_review"), ("specialist", "approve"),
                              ("head", "agree"), ("leader", "sign")]:
        after += timedelta(hours=1)
        advance(sessions, code, username, outcome, after)
    with sessions.begin() as session:
        calendar = business_calendar(session)
        appointment = after + timedelta(days=3)
        while not calendar.is_working_day(appointment.date()):
            appointment += timedelta(days=1)
        apology.issue_apology(session, user(session, "officer"), after + timedelta(hours=1),
                              dossier_of(session, code).id, reason="Chờ ý kiến Sở Xây dựng",
                              new_appointment_at=appointment)
    return_result(sessions, code, after + timedelta(hours=2), level="not_satisfied")
    return code


def varied(sessions, count: int, first: datetime) -> dict[str, list[str]]:
    """`count` dossiers received on consecutive weekday mornings from `first`, cycling
    through the paths (and a late one every fifth), plus one left open in review."""
    found: dict[str, list[str]] = {}
    kinds = [*PATHS, "late"]
    day = first
    for n in range(count):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        kind = kinds[n % len(kinds)]
        code = late(sessions, day) if kind == "late" else take(
            sessions, receive(sessions, day), kind, day)
        found.setdefault(kind, []).append(code)
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    open_code = receive(sessions, day)
    advance(sessions, open_code, "officer", "handed_over", day + timedelta(hours=1))
    found["open"] = [open_code]
    return found


def forge(sessions, code: str, step: str, outcome: str, at: datetime, *,
          action: str = "complete", sha256: str | None = None) -> int:
    """An event (a completion by default) appended behind the services' back (the triggers
    refuse only UPDATE and DELETE on audit_event): the chain check would flag it, the replay
    must too. Its id lies far past the chain's head, so the application's own appends go on
    beside it."""
    with sessions.begin() as session:
        dossier = dossier_of(session, code)
        next_id = session.execute(select(func.max(AuditEvent.id))).scalar_one() + 10_000
        session.execute(insert(AuditEvent.__table__).values(
            id=next_id, at=at, actor_id=user(session, "leader").id, actor_name="leader",
            action=action, dossier_id=dossier.id, dossier_code=code, step_id=step,
            process_sha256=sha256 or dossier.process_version.sha256, before={},
            after={"outcome": outcome} if outcome else {}, reason="", prev_hash="0" * 64,
            hash="f" * 64))
        return next_id


def honest_and_forged(sessions) -> dict:
    """Two March dossiers: one returned along the straight path, one whose history has a
    forged completion of a step it never reached (and that event's id)."""
    start = local(2026, 3, 2, 9)
    honest = take(sessions, receive(sessions, start), "straight", start)
    forged = receive(sessions, local(2026, 3, 3, 9))
    event = forge(sessions, forged, "approve", "sign", local(2026, 3, 3, 10))
    return {"honest": honest, "forged": forged, "event": event}
