"""The register's filters (read from the query string, each error naming its field), its
rows and its counts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from engine.errors import InvalidInput
from engine.models import Nonconformity, Procedure
from engine.models.quality_records import SOURCES, STATUSES
from engine.services.nonconformities import local_today
from engine.services.statistics import period_bounds

PAGE_SIZE = 50
PAGE_MAX = 10_000


@dataclass(frozen=True)
class Filters:
    status: str = ""  # one of STATUSES, "unclosed", or "" for all
    source: str = ""
    procedure: Procedure | None = None
    start: date | None = None
    end: date | None = None
    overdue: bool = False  # the corrective action is past its due date and not closed
    page: int = 1

    def args(self, **changes) -> dict[str, Any]:
        """The query string that selects the same rows (with `changes`)."""
        found = {"status": self.status, "source": self.source,
                 "procedure": self.procedure.code if self.procedure else "",
                 "from": self.start.isoformat() if self.start else "",
                 "to": self.end.isoformat() if self.end else "",
                 "overdue": "1" if self.overdue else "", "page": self.page}
        found.update(changes)
        return {key: value for key, value in found.items() if value not in ("", None, 1)}


def parse_day(args: Mapping[str, str], name: str) -> date | None:
    """The date a query string or form gives as YYYY-MM-DD, or InvalidInput naming the field."""
    value = args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name!r} is not a date (YYYY-MM-DD): {value[:20]!r}",
                           {name: "invalid"}) from None


def parse(session: Session, args: Mapping[str, str]) -> Filters:
    status, source = args.get("status", ""), args.get("source", "")
    if status not in ("", "unclosed", *STATUSES):
        raise InvalidInput(f"unknown status {status[:30]!r}", {"status": "unknown"})
    if source not in ("", *SOURCES):
        raise InvalidInput(f"unknown source {source[:30]!r}", {"source": "unknown"})
    procedure = None
    if code := args.get("procedure", "").strip():
        procedure = session.execute(select(Procedure).where(
            Procedure.code == code[:40])).scalar_one_or_none()
        if procedure is None:
            raise InvalidInput(f"unknown procedure {code[:40]!r}", {"procedure": "unknown"})
    start, end = parse_day(args, "from"), parse_day(args, "to")
    if start and end:
        period_bounds(start, end)  # the same checks as the reports' periods
    page = args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= PAGE_MAX:
        raise InvalidInput(f"page must be a number from 1 to {PAGE_MAX}", {"page": "invalid"})
    return Filters(status, source, procedure, start, end, args.get("overdue") == "1", int(page))


def overdue_action(today: date):
    return (Nonconformity.status != "closed") & (Nonconformity.due_date < today)


def _where(filters: Filters, scope, now: datetime, *, with_status: bool = True) -> list:
    found = [] if scope is None else [scope]
    if with_status and filters.status == "unclosed":
        found.append(Nonconformity.status != "closed")
    elif with_status and filters.status:
        found.append(Nonconformity.status == filters.status)
    if filters.source:
        found.append(Nonconformity.source == filters.source)
    if filters.procedure is not None:
        found.append(Nonconformity.procedure_id == filters.procedure.id)
    if filters.start:
        found.append(Nonconformity.detected_at >= period_bounds(filters.start, filters.start)[0])
    if filters.end:
        found.append(Nonconformity.detected_at < period_bounds(filters.end, filters.end)[1])
    if filters.overdue:
        found.append(overdue_action(local_today(now)))
    return found


def rows(session: Session, filters: Filters, scope, now: datetime, *,
         limit: int | None = PAGE_SIZE) -> list[Nonconformity]:
    query = (select(Nonconformity).where(*_where(filters, scope, now))
             .options(selectinload(Nonconformity.owner), selectinload(Nonconformity.dossier),
                      selectinload(Nonconformity.procedure))
             .order_by(Nonconformity.detected_at.desc(), Nonconformity.id.desc()))
    if limit is not None:
        query = query.limit(limit).offset((filters.page - 1) * limit)
    return list(session.execute(query).scalars())


def counts(session: Session, filters: Filters, scope, now: datetime) -> dict[str, int]:
    """How many of each status the other filters select, and how many actions are overdue."""
    where = _where(filters, scope, now, with_status=False)
    found = dict.fromkeys(STATUSES, 0)
    found.update(session.execute(select(Nonconformity.status, func.count()).where(*where)
                                 .group_by(Nonconformity.status)).all())
    found["overdue"] = session.execute(select(func.count()).select_from(Nonconformity).where(
        *where, overdue_action(local_today(now)))).scalar_one()
    found["all"] = sum(found[s] for s in STATUSES)
    return found
