"""The organisation calendar: the year's days off and days worked, add a change, remove one."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.calendar import VN_TZ
from engine.clock import now
from engine.errors import DomainError
from engine.services import calendar_days

from ..database import db
from ..security import actor
from . import bp


def _year(value: str | None) -> int:
    if not value:
        return now().astimezone(VN_TZ).year
    try:
        return calendar_days.check_year(int(value))
    except (ValueError, DomainError):
        abort(404)


def _page(year: int, form=None, status: int = 200):
    session = db()
    entries = calendar_days.year_entries(session, year)
    return render_template("admin/calendar.html", year=year, entries=entries,
                           form=form or {}, kinds=calendar_days.KINDS), status


@bp.get("/calendar")
def calendar():
    return _page(_year(request.args.get("year")))


@bp.post("/calendar")
def calendar_set():
    form = request.form
    session = db()
    try:
        row = calendar_days.set_day(session, actor(), now(), day=form.get("day", ""),
                                    kind=form.get("kind", ""), reason=form.get("reason", ""))
        session.commit()
    except DomainError as exc:
        session.rollback()
        flash(_("Nothing was changed: %(error)s", error=exc.message), "error")
        return _page(_year(request.args.get("year")), form, exc.status)
    flash(_("%(day)s is now recorded as a %(kind)s.", day=row.day.strftime("%d/%m/%Y"),
            kind=_("day off") if row.kind == "off" else _("working day")), "success")
    return redirect(url_for(".calendar", year=row.day.year))


@bp.get("/calendar/<day>/remove")
def calendar_remove(day: str):
    entry = _entry(day)
    return render_template("admin/calendar_remove.html", entry=entry)


@bp.post("/calendar/<day>/remove")
def calendar_clear(day: str):
    session = db()
    try:
        row = calendar_days.clear_day(session, actor(), now(), day=day)
        session.commit()
    except DomainError as exc:
        session.rollback()
        flash(_("Nothing was changed: %(error)s", error=exc.message), "error")
        return redirect(url_for(".calendar"))
    flash(_("The change of %(day)s was removed: the national calendar applies again.",
            day=row.day.strftime("%d/%m/%Y")), "success")
    return redirect(url_for(".calendar", year=row.day.year))


def _entry(day: str) -> calendar_days.CalendarEntry:
    """The organisation's change of `day`, or 404."""
    try:
        parsed = calendar_days.parse_day(day)
    except DomainError:
        abort(404)
    entries = calendar_days.year_entries(db(), parsed.year)
    found = next((e for e in entries if e.day == parsed and e.source == "organisation"), None)
    if found is None:
        abort(404)
    return found


@bp.app_template_global("weekday")
def weekday(day: date) -> str:
    """The day's name in the current language."""
    names = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
             _("Saturday"), _("Sunday"))
    return names[day.weekday()]
