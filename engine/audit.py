"""Append audit events to the hash chain, in the caller's transaction.

Each event's hash covers its content and the previous event's hash, and ids are assigned
from the chain head without gaps, so an edited, inserted or deleted row breaks the chain.
The head row is locked while appending, which orders concurrent writers.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditEvent, AuditHead, Dossier, User

GENESIS = "0" * 64


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    content = {
        "id": event.id, "at": event.at.isoformat(), "actor_id": event.actor_id,
        "actor_name": event.actor_name, "action": event.action, "dossier_id": event.dossier_id,
        "dossier_code": event.dossier_code, "step_id": event.step_id,
        "process_sha256": event.process_sha256, "before": event.before, "after": event.after,
        "reason": event.reason,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _head_statement():  # built once: every action appends
    return select(AuditHead).where(AuditHead.id == 1).with_for_update()


def _head(session: Session) -> AuditHead:
    head = session.execute(_head_statement()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        session.add(head)
    return head


def record(session: Session, *, at: datetime, actor: User | None, action: str,
           dossier: Dossier | None = None, step_id: str = "", process_sha256: str = "",
           before: dict | None = None, after: dict | None = None, reason: str = "") -> AuditEvent:
    head = _head(session)
    # hashed as the database gives it back (UTC): a Vietnam-time `at` would not verify
    at = at.astimezone(timezone.utc)
    event = AuditEvent(
        id=head.last_id + 1, at=at, actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else "system", action=action,
        dossier_id=dossier.id if dossier else None, dossier_code=dossier.code if dossier else "",
        step_id=step_id, process_sha256=process_sha256, before=before or {}, after=after or {},
        reason=reason, prev_hash=head.last_hash)
    event.hash = event_hash(head.last_hash, event)
    head.last_id, head.last_hash = event.id, event.hash
    session.add(event)
    return event
