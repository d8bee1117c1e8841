"""The work queue: reads only work-item rows and their indexes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Row, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..calendar import VN_TZ
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import Dossier, User, WorkItem
from .access import check_may_see

TABS = ("mine", "unclaimed", "department")
SORTS = {
    "due": (WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id),
    "appointment": (WorkItem.dossier_due_date, WorkItem.id),
    "newest": (WorkItem.created_at.desc(), WorkItem.id.desc()),
    "code": (WorkItem.dossier_code,),
}
DUE_SOON = timedelta(hours=24)


@dataclass(frozen=True)
class QueueFilter:
    """What an officer narrows a queue tab to. Empty fields filter nothing."""
    procedure_ids: tuple[int, ...] | None = None  # a field filter becomes its procedures' ids
    waiting: str | None = None  # "supplement" (waiting for the applicant) or "work"
    due: str | None = None  # "soon" or "overdue"
    q: str = ""  # dossier code or applicant name, in part
    sort: str = "due"


def tabs_for(actor: User) -> tuple[str, ...]:
    return TABS if actor.has_role("head") else TABS[:2]


def _tab_filter(actor: User, tab: str):
    if tab == "mine":
        return WorkItem.assignee_id == actor.id
    if tab == "department":
        return WorkItem.department_id == actor.department_id
    return and_(WorkItem.assignee_id.is_(None), WorkItem.role.in_(sorted(actor.roles)),
                or_(WorkItem.department_id.is_(None),
                    WorkItem.department_id == actor.department_id))


def _narrow(query, filters: QueueFilter, now: datetime):
    if filters.procedure_ids is not None:
        query = query.where(WorkItem.procedure_id.in_(filters.procedure_ids))
    if filters.waiting == "supplement":
        query = query.where(WorkItem.action == "supplement")
    elif filters.waiting == "work":
        query = query.where(or_(WorkItem.action.is_(None), WorkItem.action != "supplement"))
    if filters.due == "overdue":
        query = query.where(or_(WorkItem.due_at < now,
                                WorkItem.dossier_due_date < now.astimezone(VN_TZ).date()))
    elif filters.due == "soon":
        query = query.where(WorkItem.due_at >= now,
                            or_(WorkItem.due_at < now + DUE_SOON, WorkItem.warned_at.is_not(None)))
    if filters.q.strip():
        like = f"%{filters.q.strip()}%"
        query = query.where(or_(WorkItem.dossier_code.ilike(like),
                                WorkItem.applicant_name.ilike(like)))
    return query


def _check_tab(actor: User, tab: str) -> None:
    if tab not in TABS:
        raise NotFound(f"no queue tab {tab!r}")
    if tab not in tabs_for(actor):
        raise Forbidden("only a department head sees the department's queue")


def work_queue(session: Session, actor: User, tab: str = "mine", *,
               filters: QueueFilter = QueueFilter(), now: datetime | None = None,
               limit: int = 50, offset: int = 0) -> list[WorkItem]:
    query = _page(select(WorkItem), actor, tab, filters, now, limit, offset)
    return list(session.execute(query).scalars())


def work_queue_rows(session: Session, actor: User, tab: str, columns: Select, *,
                    filters: QueueFilter = QueueFilter(), now: datetime | None = None,
                    limit: int = 50, offset: int = 0) -> list[Row]:
    """The page `work_queue` gives, as rows of the `columns` selected (work-item columns, or
    expressions on them such as a scalar subquery correlated to the row): no objects built,
    for a caller that only shows them (and may build the select once)."""
    return list(session.execute(_page(columns, actor, tab, filters, now, limit, offset)))


def _page(query: Select, actor: User, tab: str, filters: QueueFilter, now: datetime | None,
          limit: int, offset: int) -> Select:
    _check_tab(actor, tab)
    if filters.sort not in SORTS:
        raise InvalidInput(f"unknown sort {filters.sort!r}", {"sort": list(SORTS)})
    query = _narrow(query.where(_tab_filter(actor, tab)), filters,
                    now or datetime.now(timezone.utc))
    return query.order_by(*SORTS[filters.sort]).limit(limit).offset(offset)


def queue_counts(session: Session, actor: User) -> dict[str, int]:
    """The number of tasks in each of the actor's tabs, in one statement (a subquery per
    tab, each on its own index): one round trip instead of one per tab."""
    tabs = tabs_for(actor)
    counts = session.execute(select(*(
        select(func.count()).select_from(WorkItem).where(_tab_filter(actor, tab))
        .scalar_subquery() for tab in tabs))).one()
    return dict(zip(tabs, (int(n) for n in counts), strict=True))


def reassign(session: Session, actor: User, now: datetime, work_item_id: int,
             to_user_id: int) -> WorkItem:
    """A department head hands a task of the department to one of its officers."""
    item = _item(session, work_item_id)
    if not actor.has_role("head") or item.department_id != actor.department_id:
        raise Forbidden("only the head of the task's department can reassign it")
    target = session.get(User, to_user_id)
    if target is None or not target.active or item.role not in target.roles or (
            item.department_id is not None and target.department_id != item.department_id):
        raise InvalidInput("that officer cannot take this step (role or department)")
    before = item.assignee_id
    item.assignee_id, item.claimed_at = target.id, now
    dossier = session.get(Dossier, item.dossier_id)
    audit.record(session, at=now, actor=actor, action="reassign", dossier=dossier,
                 step_id=item.step_id, before={"assignee": before},
                 after={"assignee": target.id})
    return item


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
