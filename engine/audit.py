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

from sqlalchemy import bindparam, select
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


# Appended with Core statements built once: every action appends, and the ORM's unit of work
# (an object, its flush) costs several times the two statements themselves.
_EVENTS = AuditEvent.__table__
_HEAD = AuditHead.__table__
_COLUMNS = tuple(column.key for column in _EVENTS.columns)


@lru_cache(maxsize=1)
def _statements():
    read = select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update()
    advance = (_HEAD.update().where(_HEAD.c.id == 1)
               .values(last_id=bindparam("new_id"), last_hash=bindparam("new_hash")))
    # PostgreSQL moves the head in the event's INSERT (a data-modifying WITH): one round
    # trip fewer per event. The event's values are bound under names of their own: an "id"
    # would also be taken as a value for the head's id column.
    both = (_EVENTS.insert().values({key: bindparam(f"event_{key}") for key in _COLUMNS})
            .add_cte(advance.cte("advance")))
    return read, advance, _HEAD.insert(), _EVENTS.insert(), both


def record(session: Session, *, at: datetime, actor: User | None, action: str,
           dossier: Dossier | None = None, step_id: str = "", process_sha256: str = "",
           before: dict | None = None, after: dict | None = None, reason: str = "") -> AuditEvent:
    """Append an event, written at once (the head row stays locked until commit); the
    event returned is not in the session."""
    read, advance, start, insert, insert_advancing = _statements()
    connection = session.connection()
    head = connection.execute(read).first()
    last_id, last_hash = head if head is not None else (0, GENESIS)
    # hashed as the database gives it back (UTC): a Vietnam-time `at` would not verify
    at = at.astimezone(timezone.utc)
    event = AuditEvent(
        id=last_id + 1, at=at, actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else "system", action=action,
        dossier_id=dossier.id if dossier else None, dossier_code=dossier.code if dossier else "",
        step_id=step_id, process_sha256=process_sha256, before=before or {}, after=after or {},
        reason=reason, prev_hash=last_hash)
    event.hash = event_hash(last_hash, event)
    values = {column: getattr(event, column) for column in _COLUMNS}
    moved = {"new_id": event.id, "new_hash": event.hash}
    if head is None:
        connection.execute(insert, values)
        connection.execute(start, {"id": 1, "last_id": event.id, "last_hash": event.hash})
    elif connection.dialect.name == "postgresql":
        connection.execute(insert_advancing,
                           {f"event_{key}": value for key, value in values.items()} | moved)
    else:
        connection.execute(insert, values)
        connection.execute(advance, moved)
    return event
