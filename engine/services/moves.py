"""Moving open dossiers to the version in force: a dry run, then the move, each one audited.

The rule (which dossiers can move, and how their state is carried over) is `bpmn.migrate`'s;
a moved dossier keeps its deadline, its work items, claims, timers and history.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from bpmn.migrate import migrate

from .. import audit
from ..deadlines import procedure_calendar
from ..diagram_helpers import diagram_helpers
from ..errors import Conflict, InvalidInput
from ..models import Dossier, Procedure, ProcessVersion, User, WorkItem
from .procedures import diagram_for, procedure_by_code, version_in_force
from .versions import require_quality


@dataclass(frozen=True)
class MoveCheck:
    code: str
    applicant: str
    from_number: int
    from_sha256: str
    open_steps: tuple[str, ...]
    can_move: bool
    reasons: tuple[str, ...]
    changed_steps: tuple[str, ...] = ()
    skipped_steps: tuple[str, ...] = ()
    moved: bool = False


@dataclass(frozen=True)
class MovePlan:
    target: ProcessVersion | None
    checks: list[MoveCheck]

    @property
    def movable(self) -> list[MoveCheck]:
        return [c for c in self.checks if c.can_move]


def _open_dossiers(session: Session, procedure: Procedure, target: ProcessVersion,
                   codes: list[str] | None = None) -> list[Dossier]:
    query = (select(Dossier).where(Dossier.procedure_id == procedure.id,
                                   Dossier.finished_at.is_(None),
                                   Dossier.process_version_id != target.id)
             .options(undefer(Dossier.workflow_state)).order_by(Dossier.received_at))
    if codes is not None:
        query = query.where(Dossier.code.in_(codes))
    return list(session.execute(query).scalars())


def _check(dossier: Dossier, target: ProcessVersion, helpers) -> tuple[MoveCheck, object]:
    source = dossier.process_version
    if source.number > target.number:
        return MoveCheck(dossier.code, dossier.applicant_name, source.number, source.sha256, (),
                         False, ((f"it runs on version {source.number}, newer than the "
                                  "version in force"),)), None
    moved = migrate(dossier.workflow_state, diagram_for(source), diagram_for(target), helpers)
    return MoveCheck(dossier.code, dossier.applicant_name, source.number, source.sha256,
                     moved.open_steps, moved.possible, moved.reasons, moved.changed_steps,
                     moved.skipped_steps), moved


def plan_migration(session: Session, actor: User, now: datetime, *,
                   procedure_code: str) -> MovePlan:
    """The dry run: each open dossier on another version, whether it can move to the version
    in force and, if not, why. Changes nothing."""
    require_quality(actor)
    procedure = procedure_by_code(session, procedure_code)
    target = version_in_force(session, procedure, now)
    if target is None:
        return MovePlan(None, [])
    helpers = diagram_helpers(procedure_calendar(session, procedure), now)
    return MovePlan(target, [_check(d, target, helpers)[0]
                             for d in _open_dossiers(session, procedure, target)])


def migrate_dossiers(session: Session, actor: User, now: datetime, *, procedure_code: str,
                     to_number: int, codes: list[str]) -> list[MoveCheck]:
    """Move the listed open dossiers to version `to_number`, which must be the version in
    force. Each dossier is locked and checked again; one that cannot move is left as it is
    (its check says why). Each move is audited (dossier_migrate, from/to sha256). A dossier
    keeps its due date, its work items (with their claims and due times), timers and history.
    """
    from .dossiers import locked_dossier  # dossiers imports this package's procedures

    require_quality(actor)
    procedure = procedure_by_code(session, procedure_code)
    target = version_in_force(session, procedure, now)
    if target is None or target.number != to_number:
        raise Conflict(f"version {to_number} is not the version in force any more; run the "
                       "dry run again")
    if not codes:
        raise InvalidInput("choose the dossiers to move", {"codes": "required"})
    helpers = diagram_helpers(procedure_calendar(session, procedure), now)
    results = []
    ids = [d.id for d in _open_dossiers(session, procedure, target, list(codes))]
    for dossier_id in ids:
        dossier = locked_dossier(session, dossier_id)
        if dossier.finished_at is not None or dossier.process_version_id == target.id:
            continue
        check, moved = _check(dossier, target, helpers)
        if not check.can_move:
            results.append(check)
            continue
        source = dossier.process_version
        dossier.workflow_state = moved.state
        dossier.process_version = target
        session.flush()  # version_id_col: an officer's page opened before now is stale
        steps = diagram_for(target).steps
        for item in session.execute(select(WorkItem).where(
                WorkItem.dossier_id == dossier.id)).scalars():
            step = steps.get(item.step_id)
            if step is not None:
                item.step_name, item.step_name_en = step.name, step.name_en
        audit.record(session, at=now, actor=actor, action="dossier_migrate", dossier=dossier,
                     process_sha256=target.sha256,
                     before={"version": source.number, "sha256": source.sha256},
                     after={"procedure": procedure.code, "version": target.number,
                            "sha256": target.sha256, "open_steps": list(check.open_steps),
                            "due_date": dossier.due_date.isoformat()})
        results.append(replace(check, moved=True))
    missing = set(codes) - {r.code for r in results}
    for code in sorted(missing):
        results.append(MoveCheck(code, "", 0, "", (), False,
                                 ("not an open dossier of this procedure on another version",)))
    return results
