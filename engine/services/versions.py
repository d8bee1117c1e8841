"""Document control of process versions (TCVN ISO 9001:2015, 7.5.3).

    draft ──submit (its author)──▶ submitted ──approve (another quality manager)──▶ approved
      ▲                               │                                                │
      └────────reject (reason)────────┘            publish (effective date, change note)
                                                                                      ▼
    retired ◀──────────────retire (reason)─────────────────────────────────────── published

- Every diagram that is stored passed `bpmn.convert.import_diagram` (safe XML, conversions
  from other modelers, SpiffWorkflow, our rules, allotments within the legal deadline): a
  refused save or upload changes nothing (`DiagramRefused` carries the located problems).
- Only a draft's diagram changes, and only by its author; once submitted the text is frozen
  (services/procedures.py refuses any write of it) and a version is known by its sha256.
- The author cannot approve (or send back) their own version.
- Publishing supersedes: new dossiers use the newest published version whose effective date
  has come (`procedures.published_version`); older published versions stay published for the
  dossiers pinned to them and are shown as superseded. Effective dates follow version order
  (a version may not take effect before an older published one), so a superseded version
  never comes back. Retiring the version in force retires the older published versions with
  it (they were superseded by it): the procedure then has no version until a new one is
  published, never an older one back.
- Every transition is an audit event (version_draft_save, version_submit, version_approve,
  version_reject, version_publish, version_retire, dossier_migrate) carrying the sha256.

Moving open dossiers to the version in force: `engine.services.moves`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bpmn.compare import DiagramDiff, diff_diagrams
from bpmn.convert import ImportReport, import_diagram
from bpmn.diagram import sha256_of

from .. import audit
from ..calendar import VN_TZ
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import AuditEvent, Procedure, ProcessVersion, User
from .procedures import deadline_working_days, procedure_by_code, version_in_force

QUALITY_ROLE = "quality"
STATUSES = ("draft", "submitted", "approved", "published", "retired")
VERSION_ACTIONS = ("version_draft_save", "version_submit", "version_approve", "version_reject",
                   "version_publish", "version_retire")
CHANGE_NOTE_LENGTH = 2000


class DiagramRefused(InvalidInput):
    """A diagram was refused on its way in; `report` lists the located problems."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{report.file or 'the diagram'}: refused, "
                         f"{len(report.errors)} problem(s): "
                         + "; ".join(str(p) for p in report.errors[:3])
                         + ("; ..." if len(report.errors) > 3 else ""), report.as_dict())
        self.report = report


def require_quality(actor: User) -> None:
    if not actor.has_role(QUALITY_ROLE):
        raise Forbidden("only a quality manager manages procedure versions")


def local_today(now: datetime) -> date:
    return now.astimezone(VN_TZ).date()


# --- reading ------------------------------------------------------------------------------------

def versions_of(session: Session, procedure: Procedure) -> list[ProcessVersion]:
    return list(session.execute(select(ProcessVersion)
                                .where(ProcessVersion.procedure_id == procedure.id)
                                .order_by(ProcessVersion.number.desc())).scalars())


def version_by_number(session: Session, procedure: Procedure, number: int) -> ProcessVersion:
    version = session.execute(select(ProcessVersion).where(
        ProcessVersion.procedure_id == procedure.id,
        ProcessVersion.number == number)).scalar_one_or_none()
    if version is None:
        raise NotFound(f"procedure {procedure.code} has no version {number}")
    return version


def standing(version: ProcessVersion, in_force: ProcessVersion | None, today: date) -> str:
    """A published version's place: in_force, scheduled (effective later) or superseded;
    any other version its status."""
    if version.status != "published":
        return version.status
    if in_force is not None and version.id == in_force.id:
        return "in_force"
    if version.effective_from is not None and version.effective_from > today:
        return "scheduled"
    return "superseded"


def history(session: Session, procedure: Procedure,
            number: int | None = None) -> list[AuditEvent]:
    """The document-control events of a procedure (of one version if `number` is given)."""
    events = session.execute(select(AuditEvent).where(AuditEvent.action.in_(VERSION_ACTIONS))
                             .order_by(AuditEvent.id)).scalars()
    return [e for e in events if (e.after or {}).get("procedure") == procedure.code
            and (number is None or (e.after or {}).get("version") == number)]


def check_diagram(procedure: Procedure, xml: str | bytes, file: str = "") -> ImportReport:
    """Everything `import_diagram` says about a diagram meant for this procedure."""
    return import_diagram(xml, file, max_working_days=deadline_working_days(
        procedure.legal_days, procedure.calendar_days))


def diff_versions(session: Session, procedure: Procedure, a: int, b: int) -> DiagramDiff:
    return diff_diagrams(version_by_number(session, procedure, a).bpmn_xml,
                         version_by_number(session, procedure, b).bpmn_xml)


# --- drafts -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Saved:
    version: ProcessVersion
    report: ImportReport
    created: bool  # a new draft (else the draft was updated, or nothing changed)
    unchanged: bool = False


def save_draft(session: Session, actor: User, now: datetime, *, procedure_code: str,
               xml: str | bytes, file: str = "", number: int | None = None,
               based_on: int | None = None, change_note: str = "") -> Saved:
    """Save a diagram as a new draft, or over draft `number` (its author only).

    The diagram goes through `import_diagram`; refused, nothing changes (DiagramRefused).
    """
    require_quality(actor)
    procedure = procedure_by_code(session, procedure_code)
    change_note = _note(change_note)
    draft = None
    if number is not None:
        draft = version_by_number(session, procedure, number)
        if draft.status != "draft":
            raise Conflict(f"version {number} is {draft.status}: its diagram never changes "
                           f"(sha256 {draft.sha256[:12]}); save it as a new draft")
        if draft.created_by_id != actor.id:
            raise Forbidden(f"draft {number} is another quality manager's; save your changes "
                            "as a new draft of your own")
    report = check_diagram(procedure, xml, file or f"{procedure.code}.bpmn")
    if report.status == "refused":
        raise DiagramRefused(report)
    sha = sha256_of(report.xml)
    if draft is not None:
        if draft.sha256 == sha and not change_note:
            return Saved(draft, report, created=False, unchanged=True)
        before = draft.sha256
        draft.bpmn_xml, draft.sha256 = report.xml, sha
        if change_note:
            draft.change_note = change_note
        session.flush()
        _record(session, actor, now, "version_draft_save", draft,
                before={"sha256": before}, extra={"report": report.status,
                                                  "conversions": len(report.conversions)})
        return Saved(draft, report, created=False)
    same = session.execute(select(ProcessVersion.number).where(
        ProcessVersion.procedure_id == procedure.id, ProcessVersion.sha256 == sha)
        .limit(1)).scalar_one_or_none()
    if same is not None:
        raise InvalidInput(f"nothing changed: this diagram is version {same} "
                           f"(sha256 {sha[:12]})", {"same_as": same})
    last = session.execute(select(func.max(ProcessVersion.number)).where(
        ProcessVersion.procedure_id == procedure.id)).scalar_one() or 0
    version = ProcessVersion(procedure=procedure, number=last + 1, bpmn_xml=report.xml,
                             sha256=sha, status="draft", change_note=change_note,
                             created_by_id=actor.id, created_at=now)
    session.add(version)
    session.flush()
    _record(session, actor, now, "version_draft_save", version,
            extra={"based_on": based_on, "file": file, "report": report.status,
                   "conversions": len(report.conversions)})
    return Saved(version, report, created=True)


def _note(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > CHANGE_NOTE_LENGTH:
        raise InvalidInput(f"the change note is limited to {CHANGE_NOTE_LENGTH} characters",
                           {"change_note": "too long"})
    return text


# --- transitions --------------------------------------------------------------------------------

def _version(session: Session, procedure_code: str, number: int,
             expected_sha256: str | None) -> ProcessVersion:
    procedure = procedure_by_code(session, procedure_code)
    version = session.execute(select(ProcessVersion).where(
        ProcessVersion.procedure_id == procedure.id, ProcessVersion.number == number)
        .with_for_update(of=ProcessVersion)).scalar_one_or_none()
    if version is None:
        raise NotFound(f"procedure {procedure.code} has no version {number}")
    if expected_sha256 and expected_sha256 != version.sha256:
        raise Conflict(f"version {number} changed since you opened it (sha256 "
                       f"{version.sha256[:12]}, not {expected_sha256[:12]}); reload the page")
    return version


def _expect(version: ProcessVersion, *statuses: str, doing: str) -> None:
    if version.status not in statuses:
        raise Conflict(f"version {version.number} is {version.status}; a version can be "
                       f"{doing} only when {' or '.join(statuses)}")


def submit(session: Session, actor: User, now: datetime, *, procedure_code: str, number: int,
           expected_sha256: str | None = None) -> ProcessVersion:
    """The author submits their draft for approval; its diagram is checked again."""
    require_quality(actor)
    version = _version(session, procedure_code, number, expected_sha256)
    _expect(version, "draft", doing="submitted")
    if version.created_by_id != actor.id:
        raise Forbidden("only the author of a draft submits it")
    report = check_diagram(version.procedure, version.bpmn_xml,
                           f"{version.procedure.code} v{version.number}")
    if report.status != "accepted":  # stored drafts are valid; the procedure may have changed
        raise DiagramRefused(report)
    version.status = "submitted"
    _record(session, actor, now, "version_submit", version, before={"status": "draft"})
    return version


def _under_review(session: Session, actor: User, procedure_code: str, number: int,
                  expected_sha256: str | None, *, doing: str) -> ProcessVersion:
    """A submitted version, locked, that `actor` may review: a quality manager, not its author."""
    require_quality(actor)
    version = _version(session, procedure_code, number, expected_sha256)
    if version.status != "submitted":
        raise Conflict(f"version {version.number} is {version.status}; only a submitted version "
                       f"can be reviewed ({doing})")
    if version.created_by_id == actor.id:
        raise Forbidden(f"the author of a version cannot {doing} it: another quality manager "
                        "must review it")
    return version


def approve(session: Session, actor: User, now: datetime, *, procedure_code: str, number: int,
            expected_sha256: str | None = None, note: str = "") -> ProcessVersion:
    """Another quality manager than the author approves a submitted version."""
    version = _under_review(session, actor, procedure_code, number, expected_sha256,
                            doing="approve")
    version.status = "approved"
    _record(session, actor, now, "version_approve", version, before={"status": "submitted"},
            reason=_note(note))
    return version


def reject(session: Session, actor: User, now: datetime, *, procedure_code: str, number: int,
           reason: str, expected_sha256: str | None = None) -> ProcessVersion:
    """Another quality manager sends a submitted version back to its author as a draft."""
    version = _under_review(session, actor, procedure_code, number, expected_sha256,
                            doing="send back")
    reason = _note(reason)
    if not reason:
        raise InvalidInput("say why the version is sent back", {"reason": "required"})
    version.status = "draft"
    _record(session, actor, now, "version_reject", version, before={"status": "submitted"},
            reason=reason)
    return version


def publish(session: Session, actor: User, now: datetime, *, procedure_code: str, number: int,
            effective_from: date, change_note: str,
            expected_sha256: str | None = None) -> ProcessVersion:
    """Publish an approved version from `effective_from` (today or later) with a change note."""
    require_quality(actor)
    version = _version(session, procedure_code, number, expected_sha256)
    _expect(version, "approved", doing="published")
    change_note = _note(change_note)
    if not change_note:
        raise InvalidInput("a change note is required to publish", {"change_note": "required"})
    today = local_today(now)
    if effective_from < today:
        raise InvalidInput(f"the effective date {effective_from:%d/%m/%Y} is in the past; "
                           "dossiers already received keep their version",
                           {"effective_from": "past"})
    latest = session.execute(select(func.max(ProcessVersion.effective_from)).where(
        ProcessVersion.procedure_id == version.procedure_id,
        ProcessVersion.status == "published")).scalar_one()
    if latest is not None and effective_from < latest:
        raise InvalidInput(f"a published version takes effect on {latest:%d/%m/%Y}; a newer "
                           "version cannot take effect before it", {"effective_from": "order"})
    if sha256_of(version.bpmn_xml) != version.sha256:
        raise Conflict(f"version {number}: its diagram does not match its sha256; it cannot "
                       "be published")
    superseded = version_in_force(session, version.procedure, now)
    version.status = "published"
    version.published_at = now
    version.effective_from = effective_from
    version.change_note = change_note
    _record(session, actor, now, "version_publish", version, before={"status": "approved"},
            extra={"effective_from": effective_from.isoformat(),
                   "supersedes": superseded.number if superseded else None},
            reason=change_note)
    return version


def retire(session: Session, actor: User, now: datetime, *, procedure_code: str, number: int,
           reason: str, expected_sha256: str | None = None) -> list[ProcessVersion]:
    """Retire a version (withdraw a draft, or take a published one out of use).

    Retiring the version in force retires the older published versions with it, so that no
    superseded version comes back into force. Dossiers keep the version they run on.
    Returns the versions retired.
    """
    require_quality(actor)
    version = _version(session, procedure_code, number, expected_sha256)
    _expect(version, "draft", "submitted", "approved", "published", doing="retired")
    reason = _note(reason)
    if not reason:
        raise InvalidInput("say why the version is retired", {"reason": "required"})
    retired = [version]
    if version.status == "published":
        in_force = version_in_force(session, version.procedure, now)
        if in_force is not None and in_force.id == version.id:
            retired += list(session.execute(select(ProcessVersion).where(
                ProcessVersion.procedure_id == version.procedure_id,
                ProcessVersion.status == "published",
                ProcessVersion.number < version.number)
                .order_by(ProcessVersion.number.desc())).scalars())
    for each in retired:
        before = each.status
        each.status = "retired"
        _record(session, actor, now, "version_retire", each, before={"status": before},
                reason=reason if each is version else
                f"{reason} (superseded by version {version.number}, retired with it)")
    return retired


def _record(session: Session, actor: User, now: datetime, action: str, version: ProcessVersion,
            *, before: dict | None = None, extra: dict | None = None, reason: str = "") -> None:
    audit.record(session, at=now, actor=actor, action=action, process_sha256=version.sha256,
                 before=before,
                 after={"procedure": version.procedure.code, "version": version.number,
                        "status": version.status, "sha256": version.sha256, **(extra or {})},
                 reason=reason)
