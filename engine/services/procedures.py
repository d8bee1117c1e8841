"""Procedures and their versions, as the services need them; installing a catalog of them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session

from bpmn.catalog import (
    DAY_KINDS,
    DOCUMENT_FORMS,
    FIELDS,
    LIBRARY,
    CatalogError,
    read_catalog,
    read_diagram,
)
from bpmn.diagram import Diagram, load_diagram, sha256_of
from bpmn.problems import DiagramInvalid

from .. import audit, clock
from ..calendar import VN_TZ
from ..errors import Conflict, InvalidInput, NotFound
from ..models import Department, Procedure, ProcessVersion, User

CODE_LENGTH = 40  # procedure.code


def diagram_for(version: ProcessVersion) -> Diagram:
    """The parsed diagram of a version (cached by content, so cheap after the first call)."""
    return load_diagram(version.bpmn_xml, file=f"{version.procedure.code} v{version.number}")


def published_version(session: Session, procedure: Procedure,
                      now: datetime | None = None) -> ProcessVersion:
    """The version new dossiers use at `now`: the newest published version whose effective
    date (office time) has come. Publishing keeps effective dates in version order
    (services/versions.py), so the newest in force supersedes every older one."""
    version = version_in_force(session, procedure, now)
    if version is None:
        raise NotFound(f"procedure {procedure.code} has no published version in force")
    return version


def version_in_force(session: Session, procedure: Procedure,
                     now: datetime | None = None) -> ProcessVersion | None:
    """The newest published version in force on the office's date of `now` (no effective
    date: in force for any date, as a procedure's first issue from the library)."""
    today = (now or clock.now()).astimezone(VN_TZ).date()
    return session.execute(
        select(ProcessVersion)
        .where(ProcessVersion.procedure_id == procedure.id, ProcessVersion.status == "published",
               or_(ProcessVersion.effective_from.is_(None), ProcessVersion.effective_from <= today))
        .order_by(ProcessVersion.number.desc()).limit(1)).scalar_one_or_none()


# Statuses whose diagram is frozen: what is submitted is what is approved and published.
FROZEN_STATUSES = ("submitted", "approved", "published", "retired")


@event.listens_for(ProcessVersion, "before_update")
def _refuse_changing_a_frozen_diagram(_mapper, _connection, version: ProcessVersion) -> None:
    """The last guard of immutability: whatever code path tries it, the BPMN text or sha256
    of a version that left the draft status is never written (the services refuse first)."""
    state = inspect(version)
    if not any(state.attrs[name].history.has_changes() for name in ("bpmn_xml", "sha256")):
        return
    status = state.attrs.status.history
    before = status.deleted[0] if status.deleted else version.status
    if before in FROZEN_STATUSES:
        raise Conflict(f"version {version.number} is {before}: its diagram never changes "
                       f"(sha256 {version.sha256[:12]}); save a new draft instead")


def procedure_by_code(session: Session, code: str) -> Procedure:
    procedure = session.execute(
        select(Procedure).where(Procedure.code == code)).scalar_one_or_none()
    if procedure is None:
        raise NotFound(f"no procedure with code {code!r}")
    return procedure


def fewest_working_days(days: int) -> int:
    """The fewest working days a legal period of `days` calendar days can hold.

    The period starts the day after receipt and, ending on a day off, runs on to the next
    working day (Civil Code art. 148). Counted on the ordinary week (Saturday and Sunday off)
    from each of the seven weekdays; public holidays are left out (docs/procedures.md says why).
    """
    def working(day: int, first_weekday: int) -> bool:
        return (first_weekday + day) % 7 < 5

    def held(first_weekday: int) -> int:
        last = days - 1
        while not working(last, first_weekday):
            last += 1
        return sum(working(day, first_weekday) for day in range(last + 1))

    return min(held(weekday) for weekday in range(7))


def deadline_working_days(legal_days: int, calendar_days: bool) -> int:
    """The legal deadline in working days, as a diagram's allotments must fit it."""
    return fewest_working_days(legal_days) if calendar_days else legal_days


def check_entry(entry: dict, departments: set[str]) -> list[str]:
    """What is wrong with a catalog entry (besides its diagram), in plain words."""
    problems = []
    code = entry.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > CODE_LENGTH:
        problems.append(f"code: a text of 1 to {CODE_LENGTH} characters is required")
    for key in ("name", "bpmn"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            problems.append(f"{key}: required")
    if entry.get("field") not in FIELDS:
        problems.append(f"field {entry.get('field')!r}: one of {', '.join(FIELDS)}")
    if entry.get("department") not in departments:
        problems.append(f"department {entry.get('department')!r}: unknown")
    days = entry.get("legal_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        problems.append("legal_days: a whole number of days, at least 1")
    if entry.get("day_kind") not in DAY_KINDS:
        problems.append(f"day_kind {entry.get('day_kind')!r}: one of {', '.join(DAY_KINDS)}")
    documents = entry.get("documents", [])
    if not isinstance(documents, list) or not all(_is_document(d) for d in documents):
        problems.append("documents: a list of {name, form (original or copy), count >= 1}")
    return problems


def _is_document(doc: object) -> bool:
    return (isinstance(doc, dict) and isinstance(doc.get("name"), str) and doc["name"].strip() != ""
            and doc.get("form") in DOCUMENT_FORMS and isinstance(doc.get("count"), int)
            and not isinstance(doc.get("count"), bool) and doc["count"] >= 1)


def install_procedure(session: Session, actor: User | None, now: datetime, *, entry: dict,
                      bpmn_xml: str) -> ProcessVersion:
    """Create a procedure from a catalog entry with its diagram published as version 1.

    Refuses (InvalidInput, DiagramInvalid) before changing anything: an entry with missing or
    unknown fields, or a diagram that is invalid or whose allotments exceed the deadline. Used
    to load a library; the quality manager's workspace goes through draft, review and approval.
    """
    departments = {d.code: d for d in session.execute(select(Department)).scalars()}
    problems = check_entry(entry, set(departments))
    if problems:
        raise InvalidInput(f"procedure {entry.get('code', '?')}: " + "; ".join(problems),
                           {"entry": problems})
    calendar_days = entry["day_kind"] == "calendar"
    load_diagram(bpmn_xml, file=entry["bpmn"], max_working_days=deadline_working_days(
        entry["legal_days"], calendar_days))  # raises DiagramInvalid
    procedure = Procedure(
        code=entry["code"], name=entry["name"], name_en=entry.get("name_en", ""),
        field=entry["field"], department=departments[entry["department"]],
        legal_days=entry["legal_days"], calendar_days=calendar_days,
        restart_on_supplement=bool(entry.get("restart_on_supplement", False)),
        fee=entry.get("fee", ""), legal_basis=entry.get("legal_basis", ""),
        result_document=entry.get("result_document", ""), documents=entry.get("documents", []))
    session.add(procedure)
    version = ProcessVersion(
        procedure=procedure, number=1, bpmn_xml=bpmn_xml, sha256=sha256_of(bpmn_xml),
        status="published", change_note="Ban hành lần đầu / first issue",
        created_by_id=actor.id if actor else None, created_at=now, published_at=now,
        effective_from=None)  # the first issue: in force for any receipt date (none came before)
    session.add(version)
    session.flush()
    audit.record(session, at=now, actor=actor, action="install_procedure",
                 process_sha256=version.sha256,
                 after={"procedure": procedure.code, "version": 1, "bpmn": entry["bpmn"]})
    return version


@dataclass(frozen=True)
class ImportResult:
    code: str
    status: str  # added / skipped (the code exists) / refused
    name: str = ""
    bpmn: str = ""
    problems: tuple[str, ...] = ()


def import_library(session: Session, actor: User | None, now: datetime,
                   directory: Path = LIBRARY) -> list[ImportResult]:
    """Install the departments and procedures of a catalog directory that are not there yet.

    Each procedure is added, skipped (its code exists) or refused with its located problems;
    a refused one changes nothing, the others are still added. An unreadable catalog.json
    refuses the whole import (InvalidInput).
    """
    try:
        catalog = read_catalog(directory)
    except CatalogError as exc:
        raise InvalidInput(str(exc)) from None
    _add_departments(session, catalog["departments"])
    existing = set(session.execute(select(Procedure.code)).scalars())
    results = []
    for entry in catalog["procedures"]:
        result = _import_one(session, actor, now, directory, entry, existing)
        if result.status == "added":
            existing.add(result.code)
        results.append(result)
    return results


def _import_one(session: Session, actor: User | None, now: datetime, directory: Path,
                entry: object, existing: set[str]) -> ImportResult:
    if not isinstance(entry, dict):
        return ImportResult("?", "refused", problems=("a procedure must be a JSON object",))
    code, name, bpmn = (str(entry.get(k, "")) for k in ("code", "name", "bpmn"))
    if code in existing:
        return ImportResult(code, "skipped", name, bpmn, ("a procedure with this code exists",))
    try:
        xml = read_diagram(directory, bpmn) if bpmn else ""
        install_procedure(session, actor, now, entry=entry, bpmn_xml=xml)
    except CatalogError as exc:
        departments = set(session.execute(select(Department.code)).scalars())
        return ImportResult(code, "refused", name, bpmn,
                            (*check_entry(entry, departments), str(exc)))
    except InvalidInput as exc:
        return ImportResult(code, "refused", name, bpmn,
                            tuple((exc.details or {}).get("entry", [exc.message])))
    except DiagramInvalid as exc:
        problems = tuple(str(p) for p in exc.problems)
        if entry.get("day_kind") == "calendar":
            days = entry["legal_days"]
            problems += (f"(the law gives {days} calendar days, which hold at least "
                         f"{fewest_working_days(days)} working days)",)
        return ImportResult(code, "refused", name, bpmn, problems)
    return ImportResult(code, "added", name, bpmn)


def _add_departments(session: Session, departments: list) -> None:
    known = set(session.execute(select(Department.code)).scalars())
    for dept in departments:
        if isinstance(dept, dict) and dept.get("code") and dept["code"] not in known:
            session.add(Department(code=dept["code"], name=dept.get("name", dept["code"]),
                                   name_en=dept.get("name_en", "")))
            known.add(dept["code"])
    session.flush()
