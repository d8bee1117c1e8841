"""Why a due date is what it is, in the reader's language: the lines under the appointment."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import holidays
from flask_babel import gettext as _

from engine.calendar import VN_TZ, Due

from .i18n import _locale

HOLIDAY_LANGUAGE = {"vi": "vi", "en": "en_US"}


@lru_cache(maxsize=64)
def _holiday_names(year: int, language: str) -> dict[date, str]:
    return dict(holidays.country_holidays("VN", years=year, language=language))


def day_off_text(day: date, reason: str) -> str:
    """A day-off reason in the current language (the organisation's own reasons stay as typed)."""
    if reason == "Saturday":
        return _("Saturday")
    if reason == "Sunday":
        return _("Sunday")
    named = _holiday_names(day.year, HOLIDAY_LANGUAGE[_locale()]).get(day)
    return named or reason


def explain_due(due: Due, received_at: datetime, calendar_days: bool) -> list[str]:
    lines = []
    if due.received_day != received_at.astimezone(VN_TZ).date():
        lines.append(_("Received after office hours or on a day off: counted from %(day)s.",
                       day=f"{due.received_day:%d/%m/%Y}"))
    if calendar_days and due.skipped:
        lines.append(_("The period ends on a day off: the appointment moves to the next "
                       "working day."))
    lines += [f"{day:%d/%m/%Y}: {day_off_text(day, reason)}" for day, reason in due.skipped]
    return lines
