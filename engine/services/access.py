"""Who may act on which work item."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..errors import Forbidden
from ..models import AuditEvent, Dossier, Procedure, User, WorkItem

APPROVING_ROLES = ("head", "leader")
# Roles that work or oversee every dossier; specialists and heads see their department's only.
ALL_DOSSIERS_ROLES = ("one_stop", "leader", "quality", "auditor", "admin")


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


def check_separation_of_duties(session: Session, actor: User, dossier: Dossier, step,
                               diagram) -> None:
    """Whoever reviewed a dossier (the deciding step) may not check or approve it, and the
    other way round: a person holding several roles still acts in only one of them."""
    barred = barring_steps(step, diagram)
    if barred and session.execute(select(completed_any(actor.id, dossier.id, barred))).scalar():
        raise_separation_of_duties()


def barring_steps(step, diagram) -> frozenset[str]:
    """The steps of the diagram whose completion by a person bars them from `step`: the
    approving steps for a deciding one, the deciding steps for an approving one."""
    approving = step.role in APPROVING_ROLES
    return frozenset(s.id for s in diagram.steps.values()
                     if (step.decides and s.role in APPROVING_ROLES) or (approving and s.decides))


def completed_any(actor_id, dossier_id, steps):
    """A boolean SQL expression: the actor completed one of these steps of the dossier
    (values or bound parameters)."""
    if isinstance(steps, (set, frozenset)):
        steps = sorted(steps)
    return exists().where(AuditEvent.dossier_id == dossier_id, AuditEvent.action == "complete",
                          AuditEvent.actor_id == actor_id, AuditEvent.step_id.in_(steps))


def raise_separation_of_duties() -> None:
    raise Forbidden("the same person may not both review and approve a dossier; "
                    "another officer must take this step")


def dossier_scope(actor: User):
    """A filter on Dossier for what the actor may read, or None when they may read them all."""
    if actor.has_role(*ALL_DOSSIERS_ROLES):
        return None
    return Dossier.procedure_id.in_(
        select(Procedure.id).where(Procedure.department_id == actor.department_id))


def check_may_read(actor: User, dossier: Dossier) -> None:
    if actor.has_role(*ALL_DOSSIERS_ROLES):
        return
    if dossier.procedure.department_id != actor.department_id:
        raise Forbidden("this dossier belongs to another department")
