"""The end of a dossier that is neither resolved nor refused (Decree 118/2025/NĐ-CP).

`withdrawn` (rút hồ sơ): the applicant asked in writing to withdraw it; a one-stop officer
records the request (a head of the dossier's department or a leader may too). `stopped`
(dừng xử lý hồ sơ): the agency stops processing it, e.g. the applicant did not supplement
within the time given or the law requires it; a head of the dossier's department or a
leader decides.

Either way the dossier is finished (`finished_at` set) with no `outcome`: it is counted as
"withdrawn or stopped", never as resolved early, on time or late (services/statistics.py).
Its work items and timers go, an open clock stop closes for good (the due date is not
recomputed), and the `stop` audit event keeps the kind, the reason, the date of the
applicant's request and the steps abandoned: the notice that processing has stopped (Thông
báo dừng xử lý hồ sơ) prints from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import audit
from ..deadlines import local_date, procedure_calendar
from ..errors import Conflict, Forbidden, InvalidInput
from ..models import AuditEvent, Dossier, Timer, User, WorkItem
from .access import check_may_read
from .pauses import open_pause

KINDS = ("withdrawn", "stopped")
REASON_MAX = 2000


def allowed_kinds(actor: User, dossier: Dossier) -> tuple[str, ...]:
    """The kinds of stop the actor may record on this dossier (none once it is finished)."""
    if dossier.finished_at is not None:
        return ()
    own_head = (actor.has_role("head")
                and actor.department_id == dossier.procedure.department_id)
    deciding = actor.has_role("leader") or own_head
    return tuple(kind for kind in KINDS
                 if deciding or (kind == "withdrawn" and actor.has_role("one_stop")))


def stop_dossier(session: Session, actor: User, now: datetime, dossier_id: int, *, kind: str,
                 reason: str, expected_version: int | None,
                 requested_on: date | None = None) -> Dossier:
    """Finish the dossier as withdrawn or stopped. `requested_on`: the date of the
    applicant's written request to withdraw (by default today)."""
    from .dossiers import check_version, locked_dossier  # dossiers imports what this uses
    if kind not in KINDS:
        raise InvalidInput(f"unknown kind of stop {kind!r}: one of {', '.join(KINDS)}",
                           {"kind": list(KINDS)})
    dossier = locked_dossier(session, dossier_id)
    check_may_read(actor, dossier)
    check_version(dossier, expected_version)
    if dossier.finished_at is not None:
        raise Conflict(f"dossier {dossier.code} is already finished ({dossier.status}): its "
                       "processing cannot be stopped")
    if kind not in allowed_kinds(actor, dossier):
        raise Forbidden("only a one-stop officer, a head of the dossier's department or a "
                        "leader records a withdrawal" if kind == "withdrawn" else
                        "only a head of the dossier's department or a leader stops the "
                        "processing of a dossier")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("the reason is required", {"reason": "required"})
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"the reason is longer than {REASON_MAX} characters",
                           {"reason": "too long"})
    calendar = procedure_calendar(session, dossier.procedure)
    today = local_date(now, calendar)
    if kind == "withdrawn":
        requested_on = requested_on or today
        if not isinstance(requested_on, date) or not (
                local_date(dossier.received_at, calendar) <= requested_on <= today):
            raise InvalidInput("the date of the applicant's request must fall between the "
                               "receipt and today", {"requested_on": "out of range"})
    else:
        requested_on = None
    abandoned = [{"step": item.step_id, "name": item.step_name, "role": item.role,
                  "assignee_id": item.assignee_id}
                 for item in session.execute(select(WorkItem).where(
                     WorkItem.dossier_id == dossier.id).order_by(WorkItem.id)).scalars()]
    pause = open_pause(session, dossier.id)
    before = {"status": dossier.status, "open_steps": abandoned,
              "due_date": dossier.due_date.isoformat()}
    dossier.status = kind
    dossier.finished_at = now
    dossier.outcome = None
    if pause is not None:
        pause.resumed_at = now  # the clock stays stopped: nothing more is counted
    session.flush()  # the version check, before any other row is touched
    for model in (WorkItem, Timer):
        session.execute(delete(model).where(model.dossier_id == dossier.id)
                        .execution_options(synchronize_session="fetch"))
    audit.record(session, at=now, actor=actor, action="stop", dossier=dossier, reason=reason,
                 before=before,
                 after={"status": kind, "kind": kind, "reason": reason,
                        "requested_on": requested_on.isoformat() if requested_on else None,
                        "abandoned_steps": [s["step"] for s in abandoned],
                        "pause_closed": pause.id if pause is not None else None})
    session.flush()
    return dossier


@dataclass
class StopRecord:
    """What the notice that processing has stopped prints."""
    kind: str
    at: datetime
    reason: str
    requested_on: date | None
    officer: User | None
    abandoned_steps: list[str]


def stop_of(session: Session, dossier: Dossier) -> StopRecord | None:
    """The stop the dossier's status stands on, read from its audit trail."""
    if dossier.status not in KINDS:
        return None
    event = session.execute(select(AuditEvent).where(
        AuditEvent.dossier_id == dossier.id, AuditEvent.action == "stop")
        .order_by(AuditEvent.id.desc()).limit(1)).scalar_one_or_none()
    if event is None:
        return None
    after = event.after or {}
    requested = after.get("requested_on")
    return StopRecord(kind=after.get("kind", dossier.status), at=event.at, reason=event.reason,
                      requested_on=date.fromisoformat(requested) if requested else None,
                      officer=session.get(User, event.actor_id) if event.actor_id else None,
                      abandoned_steps=list(after.get("abandoned_steps", [])))
