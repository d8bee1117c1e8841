"""The work queue: reads only work-item rows and their indexes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, Forbidden, NotFound
from ..models import Dossier, User, WorkItem
from .access import check_may_see

TABS = ("mine", "unclaimed")


def _tab_filter(actor: User, tab: str):
    if tab == "mine":
        return WorkItem.assignee_id == actor.id
    return and_(WorkItem.assignee_id.is_(None), WorkItem.role.in_(sorted(actor.roles)),
                or_(WorkItem.department_id.is_(None),
                    WorkItem.department_id == actor.department_id))


def work_queue(session: Session, actor: User, tab: str = "mine", *, limit: int = 50,
               offset: int = 0) -> list[WorkItem]:
    if tab not in TABS:
        raise NotFound(f"no queue tab {tab!r}")
    query = (select(WorkItem).where(_tab_filter(actor, tab))
             .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
             .limit(limit).offset(offset))
    return list(session.execute(query).scalars())


def queue_counts(session: Session, actor: User) -> dict[str, int]:
    return {tab: session.execute(select(func.count()).select_from(WorkItem)
                                 .where(_tab_filter(actor, tab))).scalar_one()
            for tab in TABS}


def claim(session: Session, actor: User, now: datetime, work_item_id: int) -> WorkItem:
    item = _item(session, work_item_id)
    check_may_see(actor, item)
    if item.assignee_id == actor.id:
        return item
    taken = session.execute(
        update(WorkItem).where(WorkItem.id == item.id, WorkItem.assignee_id.is_(None))
        .values(assignee_id=actor.id, claimed_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise Conflict("another officer claimed this task first")
    session.refresh(item)
    _audit(session, actor, now, "claim", item)
    return item


def release(session: Session, actor: User, now: datetime, work_item_id: int) -> WorkItem:
    item = _item(session, work_item_id)
    if item.assignee_id != actor.id:
        raise Forbidden("only the officer who claimed a task can release it")
    item.assignee_id, item.claimed_at = None, None
    _audit(session, actor, now, "release", item)
    return item


def _item(session: Session, work_item_id: int) -> WorkItem:
    item = session.get(WorkItem, work_item_id)
    if item is None:
        raise NotFound("this task is no longer open")
    return item


def _audit(session: Session, actor: User, now: datetime, action: str, item: WorkItem) -> None:
    dossier = session.get(Dossier, item.dossier_id)
    audit.record(session, at=now, actor=actor, action=action, dossier=dossier,
                 step_id=item.step_id, after={"assignee": item.assignee_id})
