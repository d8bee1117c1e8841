"""Who may act on which work item."""
from __future__ import annotations

from ..errors import Forbidden
from ..models import User, WorkItem


def may_see(actor: User, item: WorkItem) -> bool:
    if item.assignee_id == actor.id:
        return True
    if item.role not in actor.roles:
        return False
    return item.department_id is None or item.department_id == actor.department_id


def check_may_see(actor: User, item: WorkItem) -> None:
    if not may_see(actor, item):
        raise Forbidden(f"this step belongs to the role '{item.role}'"
                        + (" of another department" if item.role in actor.roles else ""))


def check_may_act(actor: User, item: WorkItem) -> None:
    check_may_see(actor, item)
    if item.assignee_id is not None and item.assignee_id != actor.id:
        raise Forbidden("this task is claimed by another officer")
