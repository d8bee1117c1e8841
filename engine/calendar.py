"""Business calendar: working days, legal due dates and working-time allotments.

Pure: no database, no clock. Counting follows Civil Code 2015 art. 147-148 (the first
day is not counted; a period ending on a day off ends on the next working day). The
Vietnamese public holidays come from the `holidays` package; an organisation's own
announcements (days off or Saturdays worked it lacks) are passed in as overrides.
See docs/deadlines.md for the rules with worked examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Iterable, Literal, Sequence
from zoneinfo import ZoneInfo

import holidays

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_WORK_PERIODS = ((time(8), time(12)), (time(13), time(17)))
ONE_DAY = timedelta(days=1)
_WEEKEND_NAMES = {5: "Saturday", 6: "Sunday"}


@dataclass(frozen=True)
class DayOverride:
    """An organisation's announced change to the national calendar."""

    day: date
    kind: Literal["off", "work"]
    reason: str

    def __post_init__(self) -> None:
        if self.kind not in ("off", "work"):
            raise ValueError(f"override kind must be 'off' or 'work', not {self.kind!r}")


@dataclass(frozen=True)
class Due:
    """A computed due date with everything needed to explain it on a slip."""

    date: date
    time: time
    received_day: date
    skipped: list[tuple[date, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tz: tzinfo = field(default=VN_TZ, repr=False, compare=False)

    @property
    def appointment_at(self) -> datetime:
        return datetime.combine(self.date, self.time, tzinfo=self.tz)


@lru_cache(maxsize=None)
def _national_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Vietnam's holidays of one year and its Saturdays worked in exchange.

    Built once per year and shared by every calendar: constructing a holidays object
    is the slow part, lookups afterwards are plain dict/set membership.
    """
    vn = holidays.country_holidays("VN", years=year)
    worked = frozenset(d for d in vn.weekend_workdays if d.year == year)
    return dict(vn.items()), worked


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be a whole number of days, not {days!r}")
    if days < 1:
        raise ValueError(f"days must be at least 1 (got {days}): a period counts whole days")


def _length(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


class BusinessCalendar:
    def __init__(
        self,
        overrides: Iterable[DayOverride] = (),
        work_periods: Sequence[tuple[time, time]] = DEFAULT_WORK_PERIODS,
        cutoff: time | None = None,
        tz: tzinfo = VN_TZ,
    ) -> None:
        self.work_periods = tuple(work_periods)
        self._check_periods()
        self.cutoff = cutoff if cutoff is not None else self.work_periods[-1][1]
        self.tz = tz
        self.overrides = {o.day: o for o in overrides}  # a later entry for a day wins
        self._day_length = sum((_length(a, b) for a, b in self.work_periods), timedelta(0))
        self._off_by_year: dict[int, dict[date, str]] = {}

    def _check_periods(self) -> None:
        if not self.work_periods:
            raise ValueError("work_periods must contain at least one (start, end) period")
        previous_end = time.min
        for start, end in self.work_periods:
            if not start < end:
                raise ValueError(f"work period {start}-{end} must start before it ends")
            if start < previous_end:
                raise ValueError("work periods must be in order and must not overlap")
            previous_end = end

    # --- days ---------------------------------------------------------------

    def _off_days(self, year: int) -> dict[date, str]:
        """Every non-working day of a year with its reason, overrides applied.

        One dict per year makes is_working_day two dict lookups, whatever the range.
        """
        off = self._off_by_year.get(year)
        if off is None:
            off = self._off_by_year[year] = self._build_year(year)
        return off

    def _build_year(self, year: int) -> dict[date, str]:
        national, worked_saturdays = _national_year(year)
        off: dict[date, str] = {}
        d = date(year, 1, 1)
        while d.year == year:
            if d in national:
                off[d] = national[d]
            elif d.weekday() >= 5 and d not in worked_saturdays:
                off[d] = _WEEKEND_NAMES[d.weekday()]
            d += ONE_DAY
        for o in self.overrides.values():
            if o.day.year != year:
                continue
            if o.kind == "off":
                off[o.day] = o.reason
            else:
                off.pop(o.day, None)
        return off

    def is_working_day(self, d: date) -> bool:
        if isinstance(d, datetime):  # a datetime never equals a date key: fail loudly
            raise TypeError("is_working_day takes a date, not a datetime")
        return d not in self._off_days(d.year)

    def day_off_reason(self, d: date) -> str | None:
        """Why d is not worked (weekday name, holiday or override reason); None if worked."""
        return self._off_days(d.year).get(d)

    def next_working_day(self, d: date) -> date:
        d += ONE_DAY
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        d -= ONE_DAY
        while not self.is_working_day(d):
            d -= ONE_DAY
        return d

    def working_day_on_or_after(self, d: date) -> date:
        return d if self.is_working_day(d) else self.next_working_day(d)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after d (d itself is not counted)."""
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def working_days_between(self, after: date, up_to: date) -> int:
        """Working days d with after < d <= up_to."""
        count, d = 0, after + ONE_DAY
        while d <= up_to:
            count += self.is_working_day(d)
            d += ONE_DAY
        return count

    def _skipped(self, after: date, up_to: date) -> list[tuple[date, str]]:
        out, d = [], after + ONE_DAY
        while d <= up_to:
            reason = self.day_off_reason(d)
            if reason is not None:
                out.append((d, reason))
            d += ONE_DAY
        return out

    # --- receipt and due dates ----------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        if not isinstance(moment, datetime):
            raise TypeError(f"expected a datetime, got {type(moment).__name__}")
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)  # naive means local office time
        return moment.astimezone(self.tz)

    def _in_work_period(self, t: time) -> bool:
        return any(a <= t < b for a, b in self.work_periods)

    def _receive(self, received_at: datetime) -> tuple[date, time, list[str]]:
        """Counted receipt day, appointment time of day and notes on any shift."""
        local = self._local(received_at)
        day, at = local.date(), local.time()
        if not self.is_working_day(day):
            counted = self.next_working_day(day)
            reason = self.day_off_reason(day)
            notes = [f"received on a non-working day ({reason}): counts as received on {counted}"]
            return counted, self.work_periods[0][0], notes
        notes = []
        if at > self.cutoff:
            day = self.next_working_day(day)
            notes.append(f"received after {self.cutoff:%H:%M}: counts as received on {day}")
        # the slip shows hours and minutes; outside office hours the appointment is at opening
        if self._in_work_period(at):
            return day, at.replace(second=0, microsecond=0), notes
        return day, self.work_periods[0][0], notes

    def receipt_day(self, received_at: datetime) -> date:
        return self._receive(received_at)[0]

    def _period_end(self, start: date, n: int, calendar_days: bool) -> date:
        if calendar_days:
            return self.working_day_on_or_after(start + timedelta(days=n))
        return self.add_working_days(start, n)

    def _used(self, start: date, up_to: date, calendar_days: bool) -> int:
        if calendar_days:
            return (up_to - start).days
        return self.working_days_between(start, up_to)

    def due(self, received_at: datetime, days: int, *, calendar_days: bool = False) -> Due:
        return self.due_with_pauses(received_at, days, (), calendar_days=calendar_days)

    def due_after_pause(
        self,
        received_at: datetime,
        days: int,
        requested_on: date,
        resubmitted_on: date,
        *,
        restart: bool = False,
    ) -> Due:
        pause = ((requested_on, resubmitted_on),)
        return self.due_with_pauses(received_at, days, pause, restart=restart)

    def due_with_pauses(
        self,
        received_at: datetime,
        days: int,
        pauses: Sequence[tuple[date, date]],
        *,
        restart: bool = False,
        calendar_days: bool = False,
    ) -> Due:
        """Due date of a period stopped by supplement requests (tạm dừng tính thời gian).

        Each pause is (requested_on, resubmitted_on). Days after the clock start up to and
        including requested_on are used; the rest count after resubmitted_on (or, with
        restart, the full period counts again). A request made after the due date no
        longer stops the clock: the dossier was already late. A request that uses up the
        whole period still leaves one day after resubmission, so the agency has time
        to handle the supplement.
        """
        _check_days(days)
        received_day, at, notes = self._receive(received_at)
        unit = "calendar days" if calendar_days else "working days"
        start, remaining, last_resumed = received_day, days, received_day
        skipped: list[tuple[date, str]] = []
        for requested_on, resubmitted_on in pauses:
            if not last_resumed <= requested_on <= resubmitted_on:
                raise ValueError(
                    f"pause {requested_on}..{resubmitted_on} must follow the receipt day or"
                    f" the previous resubmission ({last_resumed}) and end after it begins"
                )
            last_resumed = resubmitted_on
            current_due = self._period_end(start, remaining, calendar_days)
            if requested_on > current_due:
                notes.append(
                    f"supplement requested on {requested_on}, after the due date {current_due}:"
                    " the clock was not stopped"
                )
                continue
            if not calendar_days:
                skipped += self._skipped(start, requested_on)
            left = remaining - self._used(start, requested_on, calendar_days)
            remaining = days if restart else max(left, 1)
            notes.append(
                f"paused from {requested_on} (supplement requested) to {resubmitted_on}"
                f" (resubmitted): {days - left} of {days} {unit} used, {remaining} remaining"
                + (" (the period restarts)" if restart else "")
                + (" (none left: one day for the supplement)" if left < 1 and not restart else "")
            )
            start = resubmitted_on
        due_date = self._period_end(start, remaining, calendar_days)
        if calendar_days:
            end = start + timedelta(days=remaining)
            skipped += self._skipped(end - ONE_DAY, due_date - ONE_DAY)
            if end != due_date:
                notes.append(f"period ends on {end}, a non-working day: moved to {due_date}")
        else:
            skipped += self._skipped(start, due_date)
        return Due(due_date, at, received_day, skipped, notes, self.tz)

    def explain(self, due: Due) -> list[str]:
        lines = [due.date.isoformat(), *due.notes]
        lines += [f"{d.isoformat()} skipped: {reason}" for d, reason in due.skipped]
        return lines

    # --- working time (step allotments) -------------------------------------

    def _periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        tz = self.tz
        return [
            (datetime.combine(day, a, tzinfo=tz), datetime.combine(day, b, tzinfo=tz))
            for a, b in self.work_periods
        ]

    def add_working_time(self, start: datetime, working_days: Decimal | float) -> datetime:
        """The moment `working_days` of working time after start (1 day = all work periods).

        Time outside the periods and on non-working days does not run; an allotment that
        ends exactly at a period's end ends there, not at the next opening.
        """
        amount = Decimal(str(working_days))
        if amount < 0:
            raise ValueError(f"working_days must not be negative (got {working_days})")
        per_day = self._day_length // timedelta(microseconds=1)
        left = timedelta(microseconds=int((amount * per_day).to_integral_value()))
        moment = self._local(start)
        day = moment.date()
        while True:
            for a, b in self._periods_on(day):
                begin = max(a, moment)
                if begin >= b:
                    continue
                if left <= b - begin:
                    return begin + left
                left -= b - begin
            day = self.next_working_day(day)

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours from a to b (negative if b is before a)."""
        a, b = self._local(a), self._local(b)
        if b < a:
            return -self.working_hours_between(b, a)
        total, day = timedelta(0), a.date()
        while day <= b.date():
            for start, end in self._periods_on(day):
                overlap = min(end, b) - max(start, a)
                if overlap > timedelta(0):
                    total += overlap
            day += ONE_DAY
        return total / timedelta(hours=1)

    # --- judging ------------------------------------------------------------

    def classify(
        self, finished_at: datetime, due_date: date
    ) -> Literal["early", "on_time", "late"]:
        """trước hạn / đúng hạn / quá hạn, by the local date the work finished."""
        finished_day = self._local(finished_at).date()
        if finished_day < due_date:
            return "early"
        return "on_time" if finished_day == due_date else "late"
