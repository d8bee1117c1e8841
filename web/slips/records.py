"""What the supplement request and refusal slips print, read from the dossier's audit trail.

A supplement request is the `complete` event of a step whose outcome was `supplement`, with
the items and reason the specialist gave; a refusal is the last `complete` event of a
deciding step whose outcome was `refuse`, with its note as the reason. The trail is
append-only, so a slip printed again shows what was decided then.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, Dossier, User
from engine.services.procedures import diagram_for


@dataclass
class StepRecord:
    number: int  # 1, 2... in the order the dossier's requests were made
    at: datetime
    officer: User | None
    reason: str
    step_id: str
    items: list[dict]


def _completions(session: Session, dossier: Dossier, outcome: str) -> list[AuditEvent]:
    events = session.execute(select(AuditEvent).where(
        AuditEvent.dossier_id == dossier.id, AuditEvent.action == "complete")
        .order_by(AuditEvent.id)).scalars()
    return [e for e in events if (e.after or {}).get("outcome") == outcome]


def _record(session: Session, number: int, event: AuditEvent) -> StepRecord:
    officer = session.get(User, event.actor_id) if event.actor_id else None
    return StepRecord(number=number, at=event.at, officer=officer, reason=event.reason,
                      step_id=event.step_id, items=list(event.after.get("supplement_items", [])))


def supplement_requests(session: Session, dossier: Dossier) -> list[StepRecord]:
    return [_record(session, n, e)
            for n, e in enumerate(_completions(session, dossier, "supplement"), 1)]


def refusal(session: Session, dossier: Dossier) -> StepRecord | None:
    """The refusal the dossier's decision stands on, if it was refused."""
    if dossier.decision != "refuse":
        return None
    steps = diagram_for(dossier.process_version).steps
    refusals = [e for e in _completions(session, dossier, "refuse")
                if e.step_id in steps and steps[e.step_id].decides]
    return _record(session, len(refusals), refusals[-1]) if refusals else None
