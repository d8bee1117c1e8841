"""The nonconformity register (ISO 9001:2015 clause 10.2).

A dossier returned late, or still in progress after its due date, opens one nonconformity by
itself (`open_for_late_dossier` on the late return, `open_for_overdue` in the scheduler's
sweep); a quality manager opens the others (complaint, internal audit finding, other), records
cause, correction, corrective action, owner and due date, and closes it.

Every change is an audit event whose `step_id` carries the nonconformity's code (there is no
diagram step behind it), so the register's history is read from the audit trail.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.exc import StaleDataError

from .. import audit
from ..calendar import VN_TZ
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import AuditEvent, Dossier, Nonconformity, NonconformitySequence, Procedure, User
from ..models.quality_records import SOURCES

ACTIONS = ("nonconformity_open", "nonconformity_update", "nonconformity_close")
MANUAL_SOURCES = tuple(s for s in SOURCES if s != "late_dossier")
WRITERS = ("quality",)
READERS = ("quality", "auditor", "leader")  # heads read their department's procedures' only
TEXTS = ("description", "cause", "correction", "corrective_action", "effectiveness")
TEXT_LIMIT = 4000
REQUIRED_TO_CLOSE = ("cause", "correction", "corrective_action")
DUE_HORIZON = timedelta(days=3 * 366)  # a corrective action planned further out is a typo
SWEEP_BATCH = 200


def local_today(now: datetime) -> date:
    return now.astimezone(VN_TZ).date()


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def is_late(dossier: Dossier, now: datetime) -> bool:
    """Returned after its due date, or still being worked on after it (a paused clock is not)."""
    if dossier.finished_at is not None:
        return dossier.outcome == "late"
    return dossier.status == "in_progress" and dossier.due_date < local_today(now)


def _late_description(dossier: Dossier) -> str:
    # Stored text of the record, in the agency's language like the slips.
    if dossier.finished_at is not None:
        return (f"Hồ sơ {dossier.code} trả kết quả quá hạn: hạn {_dmy(dossier.due_date)}, "
                f"trả ngày {_dmy(local_today(dossier.finished_at))}.")
    return (f"Hồ sơ {dossier.code} quá hạn giải quyết: hạn {_dmy(dossier.due_date)}, "
            "chưa có kết quả.")


def snapshot(nc: Nonconformity) -> dict:
    """What an audit event keeps of a nonconformity (before and after a change)."""
    return {"code": nc.code, "status": nc.status, "source": nc.source,
            "description": nc.description, "cause": nc.cause, "correction": nc.correction,
            "corrective_action": nc.corrective_action, "owner_id": nc.owner_id,
            "due_date": nc.due_date.isoformat() if nc.due_date else None,
            "effectiveness": nc.effectiveness,
            "closed_at": nc.closed_at.isoformat() if nc.closed_at else None}


def _record(session: Session, actor: User | None, now: datetime, action: str,
            nc: Nonconformity, before: dict, reason: str = "") -> None:
    # in UTC: the chain hashes the time as given, and reads it back in UTC
    audit.record(session, at=now.astimezone(timezone.utc), actor=actor, action=action,
                 dossier=nc.dossier, step_id=nc.code, before=before, after=snapshot(nc),
                 reason=reason)


def _numbered(session: Session, year: int) -> tuple[int, str]:
    row = session.execute(select(NonconformitySequence).where(NonconformitySequence.year == year)
                          .with_for_update()).scalar_one_or_none()
    if row is None:
        row = NonconformitySequence(year=year, last=0)
        session.add(row)
    row.last += 1
    return row.last, f"NC-{year}-{row.last:04d}"


def _insert(session: Session, now: datetime, **fields) -> Nonconformity | None:
    """Number and insert; None when a concurrent writer opened the same late dossier's first."""
    try:
        with session.begin_nested():
            year = local_today(now).year
            number, code = _numbered(session, year)
            nc = Nonconformity(code=code, year=year, number=number, detected_at=now,
                               status="open", **fields)
            session.add(nc)
            session.flush()
    except IntegrityError:
        if fields.get("source") != "late_dossier":
            raise
        return None
    return nc


def _late_one(session: Session, dossier_id: int) -> Nonconformity | None:
    return session.execute(select(Nonconformity).where(
        Nonconformity.source == "late_dossier",
        Nonconformity.dossier_id == dossier_id)).scalar_one_or_none()


def open_for_late_dossier(session: Session, dossier: Dossier, now: datetime
                          ) -> Nonconformity | None:
    """Open the dossier's nonconformity if it is late and has none yet; else return its own."""
    if not is_late(dossier, now):
        return None
    found = _late_one(session, dossier.id)
    if found is not None:
        return found
    nc = _insert(session, now, source="late_dossier", dossier_id=dossier.id,
                 procedure_id=dossier.procedure_id, description=_late_description(dossier))
    if nc is None:  # the sweep opened it a moment ago
        return _late_one(session, dossier.id)
    _record(session, None, now, "nonconformity_open", nc, {},
            reason="late dossier" if dossier.finished_at else "overdue dossier")
    return nc


def overdue_without_nonconformity(today: date, limit: int):
    """Open dossiers past their due date with no nonconformity yet, oldest due first.

    The unfinished ones are few beside the finished (index on finished_at), so the query
    stays cheap on a large register however often it runs.
    """
    recorded = exists().where(Nonconformity.source == "late_dossier",
                              Nonconformity.dossier_id == Dossier.id)
    return (select(Dossier).where(Dossier.finished_at.is_(None),
                                  Dossier.status == "in_progress",
                                  Dossier.due_date < today, ~recorded)
            .options(lazyload(Dossier.procedure))  # not needed: no join to pay for
            .order_by(Dossier.due_date, Dossier.id).limit(limit))


def open_for_overdue(session: Session, now: datetime, *, limit: int = SWEEP_BATCH
                     ) -> list[Nonconformity]:
    """One batch of the sweep: the caller commits and calls again until it returns []."""
    dossiers = session.execute(overdue_without_nonconformity(local_today(now), limit)).scalars()
    opened = [open_for_late_dossier(session, dossier, now) for dossier in dossiers.all()]
    return [nc for nc in opened if nc is not None]


def register_scope(actor: User):
    """A filter on Nonconformity for what the actor may read, or None for all of it."""
    if actor.has_role(*READERS):
        return None
    if actor.has_role("head") and actor.department_id is not None:
        return Nonconformity.procedure_id.in_(
            select(Procedure.id).where(Procedure.department_id == actor.department_id))
    return Nonconformity.id.is_(None)  # nothing


def readable(session: Session, actor: User, code: str) -> Nonconformity:
    scope = register_scope(actor)
    query = select(Nonconformity).where(Nonconformity.code == code)
    nc = session.execute(query).scalar_one_or_none()
    if nc is None:
        raise NotFound(f"no nonconformity {code}")
    if scope is not None and session.execute(query.where(scope)).scalar_one_or_none() is None:
        raise Forbidden("this nonconformity concerns another department's procedure")
    return nc


# --- the quality manager's changes ------------------------------------------------------------

def _check_writer(actor: User) -> None:
    if not actor.has_role(*WRITERS):
        raise Forbidden("only a quality manager may change the nonconformity register")


def _texts(fields: dict, names: tuple[str, ...]) -> dict:
    found = {}
    for name in names:
        value = str(fields.get(name) or "").strip()
        if len(value) > TEXT_LIMIT:
            raise InvalidInput(f"{name.replace('_', ' ')} is longer than {TEXT_LIMIT} characters",
                               {name: "too long"})
        found[name] = value
    return found


def _owner(session: Session, owner_id) -> int | None:
    if owner_id in (None, ""):
        return None
    user = session.get(User, owner_id) if isinstance(owner_id, int) else None
    if user is None or not user.active:
        raise InvalidInput("the owner must be an active user", {"owner_id": "unknown user"})
    return user.id


def _due(due_date, detected: date) -> date | None:
    if due_date is None:
        return None
    if not isinstance(due_date, date):
        raise InvalidInput("the due date must be a date", {"due_date": "invalid"})
    if due_date < detected:
        raise InvalidInput("the corrective action cannot be due before the nonconformity was "
                           "detected", {"due_date": "before detection"})
    if due_date > detected + DUE_HORIZON:
        raise InvalidInput("the corrective action's due date is more than three years away",
                           {"due_date": "too far"})
    return due_date


def open_manual(session: Session, actor: User, now: datetime, *, source: str, description: str,
                procedure_id: int | None = None, dossier_code: str = "",
                owner_id: int | None = None, due_date: date | None = None) -> Nonconformity:
    """A complaint, an internal audit finding or another nonconformity a person found."""
    _check_writer(actor)
    if source not in MANUAL_SOURCES:
        raise InvalidInput(f"unknown source {source!r}: one of {', '.join(MANUAL_SOURCES)}",
                           {"source": list(MANUAL_SOURCES)})
    text = _texts({"description": description}, ("description",))["description"]
    if not text:
        raise InvalidInput("describe the nonconformity", {"description": "required"})
    dossier = None
    if dossier_code.strip():
        dossier = session.execute(select(Dossier).where(
            Dossier.code == dossier_code.strip())).scalar_one_or_none()
        if dossier is None:
            raise InvalidInput(f"no dossier has the code {dossier_code.strip()!r}",
                               {"dossier_code": "unknown"})
        procedure_id = procedure_id or dossier.procedure_id
    if procedure_id is not None and session.get(Procedure, procedure_id) is None:
        raise InvalidInput("unknown procedure", {"procedure_id": "unknown"})
    nc = _insert(session, now, source=source, description=text, procedure_id=procedure_id,
                 dossier_id=dossier.id if dossier else None, opened_by_id=actor.id,
                 owner_id=_owner(session, owner_id),
                 due_date=_due(due_date, local_today(now)))
    _record(session, actor, now, "nonconformity_open", nc, {}, reason=source)
    return nc


def locked(session: Session, nc_id: int, expected_version: int | None) -> Nonconformity:
    nc = session.execute(select(Nonconformity).where(Nonconformity.id == nc_id)
                         .with_for_update().execution_options(populate_existing=True)
                         ).scalar_one_or_none()
    if nc is None:
        raise NotFound(f"no nonconformity {nc_id}")
    if expected_version is not None and expected_version != nc.version:
        raise Conflict(f"{nc.code} was changed by someone else since you opened it; "
                       "reload the page: your text is kept in the form")
    return nc


def _flush(session: Session, nc: Nonconformity) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(f"{nc.code} was changed by someone else at the same time; "
                       "reload the page") from None


def update(session: Session, actor: User, now: datetime, nc_id: int, *,
           expected_version: int | None, changes: dict, reason: str = "") -> Nonconformity:
    """Record what is known so far; the status moves to in progress once work has begun."""
    _check_writer(actor)
    nc = locked(session, nc_id, expected_version)
    if nc.status == "closed":
        raise InvalidInput(f"{nc.code} is closed: reopen it before changing it",
                           {"status": "closed"})
    texts = _texts(changes, TEXTS)
    if not texts["description"]:
        raise InvalidInput("describe the nonconformity", {"description": "required"})
    owner_id = _owner(session, changes.get("owner_id"))
    due = _due(changes.get("due_date"), local_today(nc.detected_at))
    before = snapshot(nc)
    for name, value in texts.items():
        setattr(nc, name, value)
    nc.owner_id, nc.due_date = owner_id, due
    if any((nc.cause, nc.correction, nc.corrective_action, nc.owner_id)):
        nc.status = "in_progress"
    if snapshot(nc) == before:
        return nc  # nothing changed: no event, no new version
    _flush(session, nc)
    _record(session, actor, now, "nonconformity_update", nc, before, reason)
    return nc


def close(session: Session, actor: User, now: datetime, nc_id: int, *,
          expected_version: int | None, effectiveness: str = "", reason: str = ""
          ) -> Nonconformity:
    """Close once cause, correction and corrective action are recorded."""
    _check_writer(actor)
    nc = locked(session, nc_id, expected_version)
    if nc.status == "closed":
        raise InvalidInput(f"{nc.code} is already closed", {"status": "closed"})
    missing = {name: "required" for name in REQUIRED_TO_CLOSE if not getattr(nc, name).strip()}
    if missing:
        raise InvalidInput("record the " + ", ".join(n.replace("_", " ") for n in missing)
                           + " before closing", missing)
    note = _texts({"effectiveness": effectiveness}, ("effectiveness",))["effectiveness"]
    before = snapshot(nc)
    nc.status, nc.closed_at, nc.closed_by_id = "closed", now, actor.id
    if note:
        nc.effectiveness = note
    _flush(session, nc)
    _record(session, actor, now, "nonconformity_close", nc, before, reason)
    return nc


def reopen(session: Session, actor: User, now: datetime, nc_id: int, *,
           expected_version: int | None, reason: str) -> Nonconformity:
    """Reopen a closed nonconformity (the action proved ineffective, say); a reason is needed."""
    _check_writer(actor)
    nc = locked(session, nc_id, expected_version)
    if nc.status != "closed":
        raise InvalidInput(f"{nc.code} is not closed", {"status": nc.status})
    reason = _texts({"reason": reason}, ("reason",))["reason"]
    if not reason:
        raise InvalidInput("say why the nonconformity is reopened", {"reason": "required"})
    before = snapshot(nc)
    nc.status, nc.closed_at, nc.closed_by_id = "in_progress", None, None
    _flush(session, nc)
    _record(session, actor, now, "nonconformity_update", nc, before, reason)
    return nc


def history(session: Session, nc: Nonconformity) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(
        AuditEvent.action.in_(ACTIONS), AuditEvent.step_id == nc.code)
        .order_by(AuditEvent.id)).scalars())
