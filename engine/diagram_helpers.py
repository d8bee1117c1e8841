"""Helpers that diagram code may call: deadlines on the organisation's business calendar.

In a timer, `<bpmn:timeDate>working_days(2)</bpmn:timeDate>` fires two working days after the
timer starts waiting; `before_due(1)` one working day before the dossier's due date (at the
office's opening time); `due_date` (task data) is that date as `YYYY-MM-DD`.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Callable

from bpmn.sandbox import reads_task_data

from .calendar import BusinessCalendar


def diagram_helpers(calendar: BusinessCalendar, now: datetime) -> dict[str, Callable]:
    opening = calendar.work_periods[0][0]

    def working_days(days: float | int | str) -> str:
        """ISO date-time `days` working days (halves allowed) from now."""
        return calendar.add_working_time(now, Decimal(str(days))).isoformat()

    @reads_task_data
    def before_due(data: dict, days: int = 0) -> str:
        """ISO date-time of the office's opening, `days` working days before the due date."""
        due = date.fromisoformat(data["due_date"])
        day = due
        for _ in range(int(days)):
            day = calendar.previous_working_day(day)
        return datetime.combine(day, opening, calendar.tz).isoformat()

    return {"working_days": working_days, "before_due": before_due}
