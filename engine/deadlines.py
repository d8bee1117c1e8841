"""The organisation's business calendar, built from the `calendar_day` overrides."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .calendar import BusinessCalendar, DayOverride
from .models import CalendarDay


def business_calendar(session: Session) -> BusinessCalendar:
    overrides = [DayOverride(row.day, row.kind, row.reason)
                 for row in session.execute(select(CalendarDay)).scalars()]
    return BusinessCalendar(overrides)
