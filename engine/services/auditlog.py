"""Reading the audit trail for the auditor: events searched by dossier, procedure, user, action
and period, newest first, a page at a time (keyset on the id, so a page costs the same deep in
a large table); a dossier's events in order; the step and process version each event ran on.

Nothing here writes. Filters arrive as text from a form or a URL and are checked here, each
error naming its field.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bpmn.diagram import Step

from ..calendar import VN_TZ
from ..errors import InvalidInput
from ..models import AuditEvent, Dossier, Procedure, ProcessVersion, User
from .procedures import diagram_for

# The actions the application records (grep `audit.record(`), offered by the action filter;
# an action recorded by a newer module is accepted too once it is in the trail.
ACTIONS = (
    "receive", "claim", "release", "reassign", "complete", "clock_stop", "clock_resume",
    "timer_fired", "escalation", "timer_failed", "apology", "stop", "rating", "attach",
    "dossier_migrate", "login", "login_failed", "user_create", "user_update", "user_roles",
    "user_activate", "user_deactivate", "password_reset", "department_create", "department_update",
    "calendar_change", "install_procedure", "version_draft_save", "version_submit",
    "version_approve", "version_reject", "version_publish", "version_retire",
)
# Events of a procedure itself rather than of one of its dossiers.
PROCEDURE_ACTIONS = ("install_procedure", "version_draft_save", "version_submit",
                     "version_approve", "version_reject", "version_publish", "version_retire")
PAGE_SIZE = 50
SHORT_PERIOD = timedelta(days=62)
MAX_TEXT = 100  # longer filter values are forged: no code or name is that long


@dataclass(frozen=True)
class EventFilter:
    """What the auditor narrowed the trail to; None filters nothing."""
    dossier_id: int | None = None
    procedure_id: int | None = None
    actor_id: int | None = None
    system: bool = False  # events of the scheduler (no actor)
    action: str | None = None
    start: datetime | None = None  # inclusive, UTC-aware
    end: datetime | None = None  # exclusive
    # the text the filters were read from, to refill the form and build links
    echo: tuple[tuple[str, str], ...] = ()


def parse_local_date(value: str, field: str) -> date:
    """A date as the form sends it (yyyy-mm-dd) or as people write it (dd/mm/yyyy)."""
    text = value.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InvalidInput(f"{field}: {value[:MAX_TEXT]!r} is not a date (dd/mm/yyyy)",
                       {field: "not a date"})


def parse_period(raw_from: str, raw_to: str) -> tuple[date | None, date | None]:
    start = parse_local_date(raw_from, "from") if raw_from.strip() else None
    end = parse_local_date(raw_to, "to") if raw_to.strip() else None
    if start and end and end < start:
        raise InvalidInput("to: the end of the period is before its start",
                           {"to": "before from"})
    return start, end


def local_start(day: date) -> datetime:
    """Midnight in Vietnam starting this local day, the bound stored times compare with."""
    return datetime.combine(day, time(0), tzinfo=VN_TZ)


def parse_filter(session: Session, args: Mapping[str, str]) -> EventFilter:
    """The filter from a query string; unknown codes and bad dates raise InvalidInput."""
    raw = {key: (args.get(key) or "").strip() for key in
           ("code", "procedure", "user", "action", "from", "to")}
    for key, value in raw.items():
        if len(value) > MAX_TEXT:
            raise InvalidInput(f"{key}: the value is too long", {key: "too long"})
    found: dict = {}
    if raw["code"]:
        found["dossier_id"] = _id_of(session, select(Dossier.id).where(
            Dossier.code == raw["code"]), "code", f"no dossier has the code {raw['code']!r}")
    if raw["procedure"]:
        found["procedure_id"] = _id_of(session, select(Procedure.id).where(
            Procedure.code == raw["procedure"]), "procedure",
            f"no procedure has the code {raw['procedure']!r}")
    if raw["user"] == "system":
        found["system"] = True
    elif raw["user"]:
        found["actor_id"] = _id_of(session, select(User.id).where(
            User.username == raw["user"]), "user", f"no user is called {raw['user']!r}")
    if raw["action"]:
        if raw["action"] not in ACTIONS and session.execute(select(AuditEvent.id).where(
                AuditEvent.action == raw["action"]).limit(1)).first() is None:
            raise InvalidInput(f"action: {raw['action']!r} is not an action of the trail",
                               {"action": list(ACTIONS)})
        found["action"] = raw["action"]
    start, end = parse_period(raw["from"], raw["to"])
    if start:
        found["start"] = local_start(start)
    if end:
        found["end"] = local_start(end + timedelta(days=1))
    return EventFilter(**found, echo=tuple((k, v) for k, v in raw.items() if v))


def _id_of(session: Session, query, field: str, message: str) -> int:
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        raise InvalidInput(f"{field}: {message}", {field: "unknown"})
    return found


def _dossiers_of(filters: EventFilter):
    """The procedure's dossiers that can have events in the period: those received before
    its end."""
    query = select(Dossier.id).where(Dossier.procedure_id == filters.procedure_id)
    return query if filters.end is None else query.where(Dossier.received_at < filters.end)


def _where(query, filters: EventFilter):
    if filters.dossier_id is not None:
        query = query.where(AuditEvent.dossier_id == filters.dossier_id)
    if filters.procedure_id is not None:
        versions = select(ProcessVersion.sha256).where(
            ProcessVersion.procedure_id == filters.procedure_id)
        # the procedure's dossiers, and its own events (versions), found by the action index
        query = query.where(or_(
            AuditEvent.dossier_id.in_(_dossiers_of(filters)),
            and_(AuditEvent.action.in_(PROCEDURE_ACTIONS),
                 AuditEvent.process_sha256.in_(versions))))
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.system:
        query = query.where(AuditEvent.actor_id.is_(None))
    if filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    # A long or open period keeps most of the trail: walking the ids from the newest fills a
    # page sooner than the time index, which SQLite would pick and then sort every event of
    # the period by id. Wrapping the column hides its index; a short period is bounded by
    # ids instead (`search`).
    at = AuditEvent.at if _short_period(filters) else func.coalesce(AuditEvent.at, AuditEvent.at)
    if filters.start is not None:
        query = query.where(at >= filters.start)
    if filters.end is not None:
        query = query.where(at < filters.end)
    return query


@dataclass
class EventPage:
    events: list[AuditEvent]
    next_before: int | None  # the `before` of the next (older) page, None on the last


def search(session: Session, filters: EventFilter, *, before: int | None = None,
           limit: int = PAGE_SIZE) -> EventPage:
    """Events matching the filter, newest first (by id: the order of the chain, which is
    the order they were recorded in), older than event `before` if given."""
    query = _where(select(AuditEvent), filters)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    if _short_period(filters):
        bounds = _period_ids(session, filters)
        if bounds is None:
            return EventPage([], None)
        query = query.where(AuditEvent.id.between(*bounds))
    rows = list(session.execute(query.order_by(AuditEvent.id.desc()).limit(limit + 1))
                .scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return EventPage(rows, rows[-1].id if more and rows else None)


def _short_period(filters: EventFilter) -> bool:
    """A period short enough that finding its first and last ids (a walk of the time index
    over the period) costs less than the stretch of the trail it spares."""
    return (filters.start is not None and filters.end is not None
            and filters.end - filters.start <= SHORT_PERIOD)


def _period_ids(session: Session, filters: EventFilter) -> tuple[int, int] | None:
    """The first and last event ids recorded in the period (from the time index). Bounding
    the id as well lets an index on another filter (the action's, the dossier's) walk only the
    period's stretch of the trail instead of everything newer than the period."""
    # `id + 0`: else PostgreSQL answers min/max by walking the primary key from one end
    # until it meets the period, most of the table for an old period
    period = _where(select(func.min(AuditEvent.id + 0), func.max(AuditEvent.id + 0)),
                    EventFilter(start=filters.start, end=filters.end))
    low, high = session.execute(period).one()
    return None if low is None else (low, high)


def all_events(session: Session, filters: EventFilter, batch: int = 1000
               ) -> Iterator[AuditEvent]:
    """Every matching event, newest first, read in batches (for the CSV download)."""
    before = None
    while True:
        page = search(session, filters, before=before, limit=batch)
        yield from page.events
        if page.next_before is None:
            return
        before = page.next_before
        session.expunge_all()


def parse_before(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 12:
        raise InvalidInput("before: not an event number", {"before": "not a number"})
    return int(value)


class StepNames:
    """The process version and step an event ran against, looked up once per version."""

    def __init__(self, session: Session):
        self.session = session
        self._versions: dict[tuple[int | None, str], ProcessVersion | None] = {}

    def version(self, procedure_id: int | None, sha: str) -> ProcessVersion | None:
        if not sha:
            return None
        key = (procedure_id, sha)
        if key not in self._versions:
            query = select(ProcessVersion).where(ProcessVersion.sha256 == sha)
            if procedure_id is not None:
                query = query.where(ProcessVersion.procedure_id == procedure_id)
            self._versions[key] = self.session.execute(
                query.order_by(ProcessVersion.id).limit(1)).scalar_one_or_none()
        return self._versions[key]

    def step(self, dossier: Dossier | None, sha: str, step_id: str) -> Step | None:
        if dossier is None or not step_id:
            return None
        version = self.version(dossier.procedure_id, sha) or dossier.process_version
        return diagram_for(version).steps.get(step_id)


@dataclass
class EventRow:
    """An event with what the auditor reads beside it."""
    event: AuditEvent
    actor: User | None
    dossier: Dossier | None
    step: Step | None
    version: ProcessVersion | None


def describe(session: Session, events: list[AuditEvent]) -> list[EventRow]:
    """The events with their actors, dossiers, steps and versions, in few queries."""
    names = StepNames(session)
    dossier_ids = {e.dossier_id for e in events if e.dossier_id}
    dossiers = {d.id: d for d in session.execute(
        select(Dossier).where(Dossier.id.in_(dossier_ids))).scalars()} if dossier_ids else {}
    actor_ids = {e.actor_id for e in events if e.actor_id}
    actors = {u.id: u for u in session.execute(
        select(User).where(User.id.in_(actor_ids))).scalars()} if actor_ids else {}
    rows = []
    for event in events:
        dossier = dossiers.get(event.dossier_id)
        version = names.version(dossier.procedure_id if dossier else None, event.process_sha256)
        if version is None and dossier is not None and event.step_id:
            version = dossier.process_version
        rows.append(EventRow(event, actors.get(event.actor_id), dossier,
                             names.step(dossier, event.process_sha256, event.step_id), version))
    return rows


def timeline(session: Session, dossier: Dossier) -> list[EventRow]:
    """Every event of the dossier, in the order it was recorded."""
    events = list(session.execute(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                                  .order_by(AuditEvent.id)).scalars())
    return describe(session, events)
