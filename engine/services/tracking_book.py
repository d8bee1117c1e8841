"""The dossier tracking book (sổ theo dõi hồ sơ) for a period: one line per dossier received in
it, numbered as in its yearly book (the serial the receipt slip prints: the dossiers received
that year up to this one, in the order they were received), with when it went to the
department, when the result came back to the desk, when and to whom it was returned, and notes
(supplement requests, apology, refusal).

The dates come from the audit trail: the dossier went to the department when a desk step
completed and opened a step of another role; the result came back when a step opened the
return step. A page of lines costs a fixed number of queries, whatever its length.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..calendar import VN_TZ
from ..errors import InvalidInput
from ..models import Apology, AuditEvent, Dossier, DossierReturn
from .auditlog import local_start
from .procedures import diagram_for

MAX_PRINT_DAYS = 92  # a quarter at most in one printed book
MAX_PRINT_LINES = 5000
EVENTS = ("complete", "timer_fired", "clock_stop", "clock_resume", "apology")


@dataclass
class BookNote:
    kind: str  # supplement_requested, supplemented, apology, refused
    at: datetime | None = None
    until: datetime | None = None  # the apology's new appointment


@dataclass
class BookLine:
    book: str  # the year of receipt
    number: int  # serial in that year's book
    dossier: Dossier
    sent_at: datetime | None = None  # to the department
    back_at: datetime | None = None  # the result back at the desk
    returned: DossierReturn | None = None
    notes: list[BookNote] = field(default_factory=list)

    @property
    def returned_at(self) -> datetime | None:
        return self.returned.returned_at if self.returned else self.dossier.finished_at


@dataclass
class TrackingBook:
    start: date
    end: date
    total: int
    lines: list[BookLine]


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return local_start(start), local_start(end + timedelta(days=1))


def _in_period(start: date, end: date):
    low, high = _bounds(start, end)
    return (Dossier.received_at >= low) & (Dossier.received_at < high)


def count_lines(session: Session, start: date, end: date) -> int:
    return session.execute(select(func.count()).select_from(Dossier)
                           .where(_in_period(start, end))).scalar_one()


def check_printable(start: date, end: date, total: int) -> None:
    """A printed book covers at most a quarter and 5,000 lines; longer ones are split."""
    if (end - start).days + 1 > MAX_PRINT_DAYS:
        raise InvalidInput(f"to: a printed tracking book covers at most one quarter "
                           f"({MAX_PRINT_DAYS} days); print the period in parts",
                           {"to": "period longer than a quarter"})
    if total > MAX_PRINT_LINES:
        raise InvalidInput(f"to: the period holds {total} dossiers, more than the "
                           f"{MAX_PRINT_LINES} lines a printed book may hold; print it in parts",
                           {"to": "too many lines"})


def tracking_book(session: Session, start: date, end: date, *, offset: int = 0,
                  limit: int | None = None) -> TrackingBook:
    total = count_lines(session, start, end)
    query = (select(Dossier).where(_in_period(start, end)).order_by(Dossier.id)
             .options(selectinload(Dossier.process_version)).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    dossiers = list(session.execute(query).scalars())
    lines = [BookLine(book, number, d)
             for d, (book, number) in zip(dossiers, _serials(session, dossiers), strict=True)]
    _fill(session, lines)
    return TrackingBook(start, end, total, lines)


def _serials(session: Session, dossiers: list[Dossier]) -> list[tuple[str, int]]:
    """Each dossier's serial in its year's book, counted as `tracking_entry` counts it: the
    dossiers received that year with an id up to its own."""
    by_year: dict[int, list[Dossier]] = {}
    for dossier in dossiers:
        by_year.setdefault(dossier.received_at.astimezone(VN_TZ).year, []).append(dossier)
    serial: dict[int, tuple[str, int]] = {}
    for year, found in by_year.items():
        low, high = (datetime(y, 1, 1, tzinfo=VN_TZ) for y in (year, year + 1))
        in_year = (Dossier.received_at >= low) & (Dossier.received_at < high)
        first, last = found[0].id, found[-1].id
        before = session.execute(select(func.count()).select_from(Dossier).where(
            in_year, Dossier.id < first)).scalar_one()
        ids = list(session.execute(select(Dossier.id).where(
            in_year, Dossier.id >= first, Dossier.id <= last).order_by(Dossier.id)).scalars())
        for dossier in found:
            serial[dossier.id] = (str(year), before + bisect.bisect_right(ids, dossier.id))
    return [serial[d.id] for d in dossiers]


def _fill(session: Session, lines: list[BookLine]) -> None:
    ids = [line.dossier.id for line in lines]
    if not ids:
        return
    returns = {r.dossier_id: r for r in session.execute(
        select(DossierReturn).where(DossierReturn.dossier_id.in_(ids))).scalars()}
    apologies = {a.dossier_id: a for a in session.execute(
        select(Apology).where(Apology.dossier_id.in_(ids))).scalars()}
    events: dict[int, list[AuditEvent]] = {}
    for event in session.execute(select(AuditEvent).where(
            AuditEvent.dossier_id.in_(ids), AuditEvent.action.in_(EVENTS))
            .order_by(AuditEvent.id)).scalars():
        events.setdefault(event.dossier_id, []).append(event)
    for line in lines:
        line.returned = returns.get(line.dossier.id)
        _read_trail(line, events.get(line.dossier.id, []))
        apology = apologies.get(line.dossier.id)
        if apology is not None:
            line.notes.append(BookNote("apology", apology.issued_at, apology.new_appointment_at))
        if line.dossier.decision == "refuse":
            line.notes.append(BookNote("refused", line.dossier.finished_at))


def _read_trail(line: BookLine, events: list[AuditEvent]) -> None:
    steps = diagram_for(line.dossier.process_version).steps
    for event in events:
        after = event.after or {}
        opened = [steps[s] for s in after.get("next", []) if s in steps]
        if event.action == "complete" and line.sent_at is None:
            step = steps.get(event.step_id)
            if step is not None and step.role == "one_stop" and any(
                    s.role not in (None, "one_stop") for s in opened):
                line.sent_at = event.at
        if line.back_at is None and any(s.action == "return" for s in opened):
            line.back_at = event.at
        if event.action == "clock_stop":
            line.notes.append(BookNote("supplement_requested", event.at))
        elif event.action == "clock_resume":
            line.notes.append(BookNote("supplemented", event.at))
