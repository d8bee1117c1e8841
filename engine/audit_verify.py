"""Walk the audit hash chain and name the first event that was altered, removed or inserted."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .audit import GENESIS, event_hash
from .models import AuditEvent, AuditHead

BATCH = 2000


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: str | None = None  # None: the chain is intact
    event_id: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify_chain(session: Session) -> ChainReport:
    expected_id, prev_hash, checked = 1, GENESIS, 0
    last_seen = 0
    while True:
        batch = list(session.execute(select(AuditEvent).where(AuditEvent.id > last_seen)
                                     .order_by(AuditEvent.id).limit(BATCH)).scalars())
        for event in batch:
            if event.id != expected_id:
                return ChainReport(checked, f"event {expected_id} is missing (deleted)",
                                   expected_id)
            if event.prev_hash != prev_hash:
                return ChainReport(checked, f"event {event.id} does not follow event "
                                            f"{event.id - 1} (inserted or reordered)", event.id)
            if event_hash(prev_hash, event) != event.hash:
                return ChainReport(checked, f"event {event.id} was altered after it was "
                                            "recorded", event.id)
            prev_hash, expected_id, checked = event.hash, expected_id + 1, checked + 1
        if len(batch) < BATCH:
            break
        last_seen = batch[-1].id
        session.expunge_all()  # keep memory flat on long chains
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id, head.last_hash) != (expected_id - 1, prev_hash):
        return ChainReport(checked, f"events after {expected_id - 1} are missing (the chain "
                                    f"head says {head.last_id})", expected_id)
    return ChainReport(checked)
