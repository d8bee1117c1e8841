"""The report's period and grouping from the query string: a month, a quarter or a year
(presets), or free dates; each error names the field it comes from."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from engine.services.statistics import GROUPINGS, MAX_DAYS

KINDS = ("month", "quarter", "year", "custom")
FIRST_YEAR, LAST_YEAR = 2000, 2099


class PeriodError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass
class Period:
    kind: str
    start: date
    end: date
    group: str

    def args(self) -> dict[str, str]:
        """The query string that gives this period back (free dates, any kind)."""
        return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat(),
                "group": self.group}

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def _number(args, name: str, low: int, high: int, default: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise PeriodError(name, _("a whole number from %(low)d to %(high)d", low=low, high=high))
    return int(raw)


def _date(args, name: str) -> date:
    raw = (args.get(name) or "").strip()
    if not raw:
        raise PeriodError(name, _("required"))
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise PeriodError(name, _("not a date (YYYY-MM-DD)")) from None


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def parse_period(args, today: date) -> Period:
    """The period asked for (by default the current month), or PeriodError."""
    group = args.get("group") or "procedure"
    if group not in GROUPINGS:
        raise PeriodError("group", _("one of %(choices)s", choices=", ".join(GROUPINGS)))
    kind = args.get("period") or ("custom" if args.get("from") or args.get("to") else "month")
    if kind not in KINDS:
        raise PeriodError("period", _("one of %(choices)s", choices=", ".join(KINDS)))
    if kind == "custom":
        start, end = _date(args, "from"), _date(args, "to")
        for name, day in (("from", start), ("to", end)):
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise PeriodError(name, _("a date within the years %(first)d to %(last)d",
                                          first=FIRST_YEAR, last=LAST_YEAR))
        if end < start:
            raise PeriodError("to", _("the period ends before it starts"))
        if (end - start).days > MAX_DAYS:
            raise PeriodError("to", _("a period covers at most %(n)d days", n=MAX_DAYS))
        return Period(kind, start, end, group)
    year = _number(args, "year", FIRST_YEAR, LAST_YEAR, today.year)
    if kind == "year":
        return Period(kind, date(year, 1, 1), date(year, 12, 31), group)
    if kind == "quarter":
        quarter = _number(args, "quarter", 1, 4, (today.month - 1) // 3 + 1)
        return Period(kind, date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter), group)
    month = _number(args, "month", 1, 12, today.month)
    return Period(kind, date(year, month, 1), _month_end(year, month), group)
