"""Receive a dossier and move it through its procedure, one transaction per action."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, literal, select
from sqlalchemy.orm import Session, defer, lazyload, undefer
from sqlalchemy.orm.exc import StaleDataError

from bpmn.diagram import Diagram
from bpmn.problems import ScriptRefused, WorkflowError
from bpmn.runtime import Run

from .. import audit
from ..calendar import VN_TZ
from ..codes import next_dossier_code
from ..deadlines import local_date, procedure_calendar
from ..diagram_helpers import diagram_helpers
from ..errors import Conflict, DomainError, Forbidden, InvalidInput
from ..models import Dossier, DossierPause, ProcessVersion, User, WorkItem
from . import nonconformities, pauses
from .access import barring_steps, check_may_act, completed_any, raise_separation_of_duties
from .apology import require_apology_to_return
from .procedures import diagram_for, procedure_by_code, published_version
from .sync import apply_run, dossier_status, sync_rows

DEFAULT_AGENCY_CODE = "000.00.31.H26"
CHANNELS = ("counter", "post", "online")
APPLICANT_KINDS = ("person", "organisation")
# Parsed diagrams by (sha256 of the text, file name as diagram_for gives it).
_DIAGRAMS: dict[tuple[str, str], Diagram] = {}
# The proposal of the step that decides, as the dossier's decision.
DECISIONS = {"approve": "approve", "refuse": "refuse"}
# Task data also written to the step's `complete` audit event.
RECORDED = ("supplement_items", "delivery", "rating")


def receive(session: Session, actor: User, now: datetime, *, procedure_code: str,
            applicant: dict[str, str], channel: str = "counter", data: dict | None = None,
            agency_code: str = DEFAULT_AGENCY_CODE) -> Dossier:
    if not actor.has_role("one_stop"):
        raise Forbidden("only a one-stop officer receives dossiers")
    if channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}", {"channel": list(CHANNELS)})
    if not (applicant.get("name") or "").strip():
        raise InvalidInput("the applicant's name is required", {"applicant.name": "required"})
    procedure = procedure_by_code(session, procedure_code)
    version = published_version(session, procedure, now)
    diagram = parsed_diagram(version)
    calendar = procedure_calendar(session, procedure)  # its receipt cut-off, if any
    due = calendar.due(now, procedure.legal_days, calendar_days=procedure.calendar_days)
    code = next_dossier_code(session, agency_code, now.astimezone(VN_TZ).date())
    helpers = diagram_helpers(calendar, now)
    run = _engine(lambda: Run.start(diagram, {"dossier_code": code, "channel": channel,
                                              "due_date": due.date.isoformat()}, helpers,
                                    now=now))
    receive_task = next((t for t in run.open_tasks() if t.step.action == "receive"), None)
    if receive_task is not None:
        _engine(lambda: run.complete(receive_task.task_id,
                                     {"outcome": "done", "received_by": actor.username}))
    dossier = Dossier(
        code=code, procedure=procedure, process_version=version,
        applicant_name=applicant["name"].strip(),
        applicant_kind=applicant.get("kind") or "person",
        applicant_id_number=applicant.get("id_number", ""),
        applicant_address=applicant.get("address", ""),
        applicant_phone=applicant.get("phone", ""), applicant_email=applicant.get("email", ""),
        channel=channel, status=dossier_status(run), received_at=now, received_by_id=actor.id,
        due_date=due.date, appointment_at=due.appointment_at, data=dict(data or {}),
        workflow_state=run.serialize())
    session.add(dossier)
    session.flush()
    sync_rows(session, dossier, run, now, calendar)
    audit.record(session, at=now, actor=actor, action="receive", dossier=dossier,
                 step_id=receive_task.step.id if receive_task else "",
                 process_sha256=version.sha256,
                 after={"status": dossier.status, "due_date": dossier.due_date.isoformat(),
                        "channel": channel, "procedure": procedure.code})
    return dossier


class OpenTask(NamedTuple):
    """A work item with its dossier, locked, and the dossier's process version."""
    item: WorkItem
    dossier: Dossier
    version: ProcessVersion  # held: the session keeps loaded objects only while referenced


def open_task(session: Session, work_item_id: int) -> OpenTask | None:
    """The task to complete, its dossier locked until commit (see `_item_statement`)."""
    found = session.execute(_item_statement(), {"work_item_id": work_item_id}).first()
    return OpenTask(*found) if found is not None else None


def complete_task(session: Session, actor: User, now: datetime, work_item_id: int, *,
                  outcome: str, note: str = "", data: dict[str, Any] | None = None,
                  expected_version: int | None = None, task: OpenTask | None = None
                  ) -> Dossier:
    """`task`: what `open_task` gave the caller for this item in this transaction."""
    task = task or open_task(session, work_item_id)
    if task is None:
        raise Conflict("this task is no longer open: it was completed by someone else or the "
                       "dossier moved on; reload the page")
    item, dossier = task.item, task.dossier
    check_may_act(actor, item)
    check_version(dossier, expected_version)
    # No autoflush at each query on the way: the dossier (with its version check), its rows
    # and the audit event go in one flush; a failed check rolls the whole transaction back.
    with session.no_autoflush:
        version = dossier.process_version  # loaded with the item, unless it moved meanwhile
        diagram = parsed_diagram(version)
        step = diagram.step(item.step_id)
        known_pauses = _pauses_checking_duties(session, actor, dossier, step, diagram)
        if outcome not in step.outcomes:
            raise InvalidInput(f"outcome {outcome!r} is not offered at step {step.name}",
                               {"outcome": list(step.outcomes)})
        _check_items(data)
        before = {"step": step.id, "status": dossier.status, "assignee": item.assignee_id}
        payload = {**(data or {}), "outcome": outcome, f"{step.id}_outcome": outcome,
                   "note": note}
        if step.decides and outcome in DECISIONS:
            payload["decision"] = dossier.decision = DECISIONS[outcome]
        calendar = procedure_calendar(session, dossier.procedure)
        if step.action == "return":
            require_apology_to_return(session, dossier, now, calendar)
        # the applicant resubmitted: the clock restarts and the due date moves, also in the
        # workflow's data (diagram timers read due_date), through this task's data
        resumed = (pauses.prepare_resume(session, dossier, now, calendar, known_pauses)
                   if step.action == "supplement" else None)
        if resumed is not None:
            payload["due_date"] = resumed.due.date.isoformat()
        step_result = (calendar.classify(now, local_date(item.due_at, calendar))
                       if item.due_at is not None else None)
        run = _engine(lambda: Run.restore(diagram, dossier.workflow_state,
                                          diagram_helpers(calendar, now), now=now))
        if item.task_id not in {t.task_id for t in run.open_tasks()}:
            raise Conflict(f"this step of dossier {dossier.code} was completed by someone "
                           "else; reload the page")
        _engine(lambda: run.complete(item.task_id, payload))
        if resumed is not None:
            resumed.apply(dossier, now)
        if step.action == "return" or run.is_completed:
            dossier.finished_at = now
            dossier.outcome = calendar.classify(now, dossier.due_date)
        apply_run(session, dossier, run, now, calendar, flush=False)
        audit.record(session, at=now, actor=actor, action="complete", dossier=dossier,
                     step_id=step.id, process_sha256=version.sha256, before=before,
                     after={"outcome": outcome, "status": dossier.status,
                            "next": [t.step.id for t in run.open_tasks()],
                            "step_result": step_result, **_recorded(data)},
                     reason=note)
        try:
            session.flush()
        except StaleDataError:  # the version check: under the row lock, only a bug's doing
            raise Conflict(f"dossier {dossier.code} was changed by someone else at the same "
                           "time; reload the page") from None
    pauses.after_step(session, actor, now, dossier, run, calendar, step_id=step.id,
                      resumed=resumed, reason=_with_items(note, data), pauses=known_pauses)
    if dossier.finished_at is not None:  # a late return: clause 10.2 (an overdue open
        nonconformities.open_for_late_dossier(session, dossier, now)  # one: the sweep's job)
    session.flush()  # a failing write surfaces here, not at the caller's commit
    return dossier


def _pauses_checking_duties(session: Session, actor: User, dossier: Dossier, step,
                            diagram) -> list[DossierPause]:
    """The dossier's pauses, read (after the lock) in one statement with the separation of
    duties: whether the actor completed a step that bars them from this one."""
    rows = session.execute(_pauses_statement(), {
        "actor_id": actor.id, "dossier_id": dossier.id,
        "steps": sorted(barring_steps(step, diagram))}).all()
    if rows[0][0]:
        raise_separation_of_duties()
    return [pause for _, pause in rows if pause is not None]


def _recorded(data: dict | None) -> dict:
    """What a step's own data adds to its audit event: the items of a supplement request,
    the delivery and rating of a return (see services.returns)."""
    return {key: data[key] for key in RECORDED if key in (data or {})}


def _check_items(data: dict | None) -> None:
    items = (data or {}).get("supplement_items")
    if items is not None and not (isinstance(items, list) and all(
            isinstance(i, dict) and str(i.get("document", "")).strip()
            and str(i.get("needed", "")).strip() for i in items)):
        raise InvalidInput("each item to supplement needs its document and what is needed",
                           {"supplement_items": "invalid"})


def _with_items(note: str, data: dict | None) -> str:
    """The reason of a supplement request with its items, as the clock stop records it."""
    items = (data or {}).get("supplement_items") or []
    lines = [f"{n}. {item['document']}: {item['needed']}" for n, item in enumerate(items, 1)]
    return "\n".join([note, *lines]) if note else "\n".join(lines)


def check_version(dossier: Dossier, expected_version: int | None) -> None:
    """The dossier is still as the user saw it (None: no version was shown)."""
    if expected_version is not None and expected_version != dossier.version:
        raise Conflict(f"dossier {dossier.code} was changed by someone else since you opened "
                       "it; reload the page and check before acting")


def locked_dossier(session: Session, dossier_id: int) -> Dossier:
    """The dossier row, locked until commit, with its version and state read together.

    Concurrent actions on one dossier queue here (PostgreSQL row lock; SQLite serialises
    writers anyway), so each sees the other's committed result, never a mix of old and new.
    """
    return session.execute(_lock_statement(), {"dossier_id": dossier_id}).scalar_one()


# The hot path's statements are built once: building a statement and its cache key costs
# more than running it on SQLite.

@lru_cache(maxsize=1)
def _lock_statement():
    return (select(Dossier).where(Dossier.id == bindparam("dossier_id"))
            .options(undefer(Dossier.workflow_state))
            .with_for_update(of=Dossier).execution_options(populate_existing=True))


@lru_cache(maxsize=1)
def _item_statement():
    """The work item, its dossier locked (as `locked_dossier`) and the dossier's process
    version, in one statement. The version's procedure is the dossier's; its diagram text is
    read only when the parsed diagram is not at hand (see parsed_diagram). On PostgreSQL a row
    changed meanwhile by a concurrent action is read again once it commits; a task it ended
    is found closed by the run (a conflict), a move to another version leaves no row."""
    return (select(WorkItem, Dossier, ProcessVersion)
            .join(Dossier, Dossier.id == WorkItem.dossier_id)
            .join(ProcessVersion, ProcessVersion.id == Dossier.process_version_id)
            .where(WorkItem.id == bindparam("work_item_id"))
            .options(undefer(Dossier.workflow_state), lazyload(ProcessVersion.procedure),
                     defer(ProcessVersion.bpmn_xml))
            .with_for_update(of=Dossier).execution_options(populate_existing=True))


def parsed_diagram(version: ProcessVersion) -> Diagram:
    """The version's parsed diagram, known by its content's sha256 once parsed, so that the
    diagram text (kilobytes) is not read from the database at every step."""
    key = (version.sha256, f"{version.procedure.code} v{version.number}")
    diagram = _DIAGRAMS.get(key)
    if diagram is None:
        if len(_DIAGRAMS) >= 512:  # versions in use are far fewer; never grow without bound
            _DIAGRAMS.clear()
        diagram = _DIAGRAMS[key] = diagram_for(version)  # same file name: same messages
    return diagram


@lru_cache(maxsize=1)
def _pauses_statement():
    barred = completed_any(bindparam("actor_id"), bindparam("dossier_id"),
                           bindparam("steps", expanding=True))
    return (select(barred.label("barred"), DossierPause)
            .select_from(select(literal(1).label("one")).subquery())
            .outerjoin(DossierPause, DossierPause.dossier_id == bindparam("dossier_id"))
            .order_by(DossierPause.requested_at, DossierPause.id))


def _engine(fn):
    """Run an engine call; a failing diagram becomes a clear domain error."""
    try:
        return fn()
    except (WorkflowError, ScriptRefused) as exc:
        raise DomainError(f"the procedure diagram failed: {exc}") from None
