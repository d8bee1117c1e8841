"""The process-control slip (phiếu kiểm soát quá trình giải quyết hồ sơ) of one dossier, read
from its audit trail: one row per hand-over, from the applicant to the desk, from each step to
the next, and from the desk back to the applicant.

A step's row opens when the step before it completes (its `complete` event lists the steps it
opened in `after.next`; a timer's event does the same), names who gave the dossier and when,
then who received it (the claim, or the head's reassignment) and when, and closes with the
step's own result against its allotment (`after.step_result`). Clock stops and resumptions,
timers, escalations and releases become notes of the row of the step they happened in. The trail
is append-only, so the slip printed again shows what happened then.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpmn.diagram import Step

from ..models import AuditEvent, Dossier, DossierReturn, User, WorkItem
from .auditlog import StepNames


@dataclass
class Party:
    """Who gave or received the dossier at a hand-over; `name` for the applicant or the system."""
    user: User | None = None
    name: str = ""
    at: datetime | None = None

    @property
    def label(self) -> str:
        return self.user.full_name if self.user else self.name


@dataclass
class Note:
    # note, clock_stop, clock_resume, timer_fired, escalation, reassign, release, apology,
    # interrupted
    kind: str
    at: datetime
    text: str = ""
    by: str = ""


@dataclass
class Handover:
    number: int
    kind: str  # "receipt" (applicant → desk), "step", "return" (desk → applicant)
    step_id: str
    step: Step | None
    unit: str  # the unit that receives: a department, the desk, the leadership
    giver: Party
    receiver: Party = field(default_factory=Party)
    completed_at: datetime | None = None
    outcome: str | None = None
    result: str | None = None  # early / on_time / late; None while open or without allotment
    notes: list[Note] = field(default_factory=list)


@dataclass
class ControlSlip:
    dossier: Dossier
    received_by: User | None
    rows: list[Handover]
    returned: DossierReturn | None


def control_slip(session: Session, dossier: Dossier) -> ControlSlip:
    events = list(session.execute(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                                  .order_by(AuditEvent.id)).scalars())
    users = _users(session, events)
    returned = session.execute(select(DossierReturn).where(
        DossierReturn.dossier_id == dossier.id)).scalar_one_or_none()
    builder = _Builder(dossier, users, StepNames(session))
    for event in events:
        builder.take(event)
    open_items = session.execute(select(WorkItem).where(WorkItem.dossier_id == dossier.id)
                                 .order_by(WorkItem.id)).scalars()
    for item in open_items:  # a step opened but not yet touched by anyone
        builder.row_for(item.step_id, dossier.process_version.sha256)
    builder.finish(returned)
    received_by = users.get(dossier.received_by_id) if dossier.received_by_id else None
    return ControlSlip(dossier, received_by, builder.rows, returned)


def _users(session: Session, events: list[AuditEvent]) -> dict[int, User]:
    ids = {e.actor_id for e in events if e.actor_id}
    ids |= {v for e in events if e.action == "reassign" for v in [(e.after or {}).get("assignee")]
            if isinstance(v, int)}
    if not ids:
        return {}
    return {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars()}


def unit_of(step: Step | None, dossier: Dossier) -> str:
    """The unit a step belongs to, as the slip names it: specialists' and heads' steps belong
    to the procedure's department, the desk's to the one-stop desk, the leader's to the
    agency's leadership."""
    role = step.role if step else None
    if role in ("specialist", "head"):
        return dossier.procedure.department.name
    if role == "one_stop":
        return "Bộ phận Một cửa"
    if role == "leader":
        return "Lãnh đạo cơ quan"
    return step.lane if step else ""


class _Builder:
    def __init__(self, dossier: Dossier, users: dict[int, User], names: StepNames):
        self.dossier, self.users, self.names = dossier, users, names
        self.rows: list[Handover] = []
        self.open: dict[str, Handover] = {}
        self.last_giver = Party(name=dossier.applicant_name, at=dossier.received_at)

    def _actor(self, event: AuditEvent) -> Party:
        user = self.users.get(event.actor_id) if event.actor_id else None
        return Party(user=user, name=event.actor_name, at=event.at)

    def row_for(self, step_id: str, sha: str, giver: Party | None = None) -> Handover:
        row = self.open.get(step_id)
        if row is None:
            step = self.names.step(self.dossier, sha, step_id)
            row = Handover(len(self.rows) + 1, "step", step_id, step,
                           unit_of(step, self.dossier), giver or self.last_giver)
            self.rows.append(row)
            self.open[step_id] = row
        return row

    def _opened(self, event: AuditEvent, giver: Party) -> None:
        """The steps open after the event: new ones get a row handed over by `giver`; rows
        of steps no longer open were interrupted (an escalation timer, a branch cancelled)."""
        now_open = (event.after or {}).get("next")
        if now_open is None:
            return
        for step_id in [s for s in self.open if s not in now_open]:
            self.open.pop(step_id).notes.append(Note("interrupted", event.at, by=giver.label))
        for step_id in now_open:
            if step_id not in self.open:
                self.row_for(step_id, event.process_sha256, giver)

    def take(self, event: AuditEvent) -> None:
        handler = getattr(self, f"_on_{event.action}", None)
        if handler is not None:
            handler(event)

    def _on_receive(self, event: AuditEvent) -> None:
        officer = self._actor(event)
        self.rows.append(Handover(
            1, "receipt", event.step_id, None, "Bộ phận Một cửa",
            Party(name=self.dossier.applicant_name, at=event.at), officer, event.at))
        self.last_giver = officer

    def _on_claim(self, event: AuditEvent) -> None:
        row = self.row_for(event.step_id, event.process_sha256)
        row.receiver = self._actor(event)

    def _on_release(self, event: AuditEvent) -> None:
        row = self.row_for(event.step_id, event.process_sha256)
        row.notes.append(Note("release", event.at, by=self._actor(event).label))
        row.receiver = Party()

    def _on_reassign(self, event: AuditEvent) -> None:
        row = self.row_for(event.step_id, event.process_sha256)
        before, after = (event.before or {}).get("assignee"), (event.after or {}).get("assignee")
        target = self.users.get(after) if isinstance(after, int) else None
        previous = self.users.get(before) if isinstance(before, int) else None
        row.receiver = Party(user=target, name=str(after or ""), at=event.at)
        row.notes.append(Note("reassign", event.at, by=self._actor(event).label,
                              text=f"{previous.full_name if previous else '—'} → "
                                   f"{target.full_name if target else after}"))

    def _on_complete(self, event: AuditEvent) -> None:
        row = self.row_for(event.step_id, event.process_sha256)
        done_by = self._actor(event)
        if row.receiver.at is None:  # completed without a claim (an API or service call)
            row.receiver = done_by
        row.completed_at, row.outcome = event.at, (event.after or {}).get("outcome")
        row.result = (event.after or {}).get("step_result")
        if event.reason:
            row.notes.append(Note("note", event.at, event.reason, done_by.label))
        del self.open[event.step_id]
        self.last_giver = done_by
        self._opened(event, done_by)

    def _on_clock_stop(self, event: AuditEvent) -> None:
        self._note_on(event, "clock_stop", event.reason)

    def _on_clock_resume(self, event: AuditEvent) -> None:
        after = event.after or {}
        self._note_on(event, "clock_resume", after.get("due_date", ""))

    def _on_timer_fired(self, event: AuditEvent) -> None:
        effect = (event.after or {}).get("effect") or ""
        for row in self.open.values():
            row.notes.append(Note("timer_fired", event.at, effect, "system"))
        self._opened(event, Party(name="system", at=event.at))

    def _on_escalation(self, event: AuditEvent) -> None:
        step_id = (event.before or {}).get("step")
        row = next((r for r in reversed(self.rows) if r.step_id == step_id), None)
        if step_id and row is not None:
            opened = ", ".join((event.after or {}).get("opened", []))
            row.notes.append(Note("escalation", event.at, opened, "system"))

    def _on_apology(self, event: AuditEvent) -> None:
        self._note_on(event, "apology", event.reason)

    def _note_on(self, event: AuditEvent, kind: str, text: str) -> None:
        """A note on the row the event names, else on the latest row."""
        row = self.open.get(event.step_id) or next(
            (r for r in reversed(self.rows) if r.step_id == event.step_id), None) or (
            self.rows[-1] if self.rows else None)
        if row is not None:
            row.notes.append(Note(kind, event.at, text, self._actor(event).label))

    def finish(self, returned: DossierReturn | None) -> None:
        """The last hand-over: the desk gives the result to the applicant."""
        if returned is None and self.dossier.finished_at is None:
            return
        giver = self.last_giver
        if returned is not None and returned.returned_by_id in self.users:
            giver = Party(user=self.users[returned.returned_by_id], at=returned.returned_at)
        at = returned.returned_at if returned else self.dossier.finished_at
        receiver = Party(name=returned.recipient_name if returned else
                         self.dossier.applicant_name, at=at)
        row = Handover(len(self.rows) + 1, "return", "", None, self.dossier.applicant_name,
                       Party(user=giver.user, name=giver.name, at=at), receiver, at,
                       result=self.dossier.outcome)
        self.rows.append(row)
