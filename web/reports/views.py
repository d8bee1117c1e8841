"""Statistics pages and exports: the period's figures by procedure, field or department,
with charts, the time of each step against its allotment and the workload per officer.
Read-only; a head sees the procedures of their own department only."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import Response, render_template, request
from flask_babel import gettext as _

from engine.calendar import VN_TZ
from engine.clock import now
from engine.services.access import ALL_DOSSIERS_ROLES
from engine.services.statistics import GROUPINGS, period_statistics
from engine.services.step_times import step_times
from engine.services.workload import workload

from ..database import db
from ..security import actor, roles_required
from . import bp
from .charts import rate_chart, resolved_chart
from .exports import csv_text, xlsx
from .period import KINDS, Period, PeriodError, parse_period
from .tables import Table, group_name, statistics_table, steps_table, workload_table

REPORT_ROLES = ("quality", "auditor", "leader", "head")
CSV_TABLES = ("statistics", "steps", "workload")
NO_DEPARTMENT = -1  # a head without a department sees no procedure


@dataclass
class Report:
    period: Period
    statistics: Table
    steps: Table
    workload: Table
    charts: list
    department_scoped: bool

    @property
    def tables(self) -> list[Table]:
        return [self.statistics, self.steps, self.workload]

    @property
    def title(self) -> str:
        return _("from %(start)s to %(end)s", start=self.period.start.strftime("%d/%m/%Y"),
                 end=self.period.end.strftime("%d/%m/%Y"))


def _department_id() -> int | None:
    user = actor()
    if user.has_role(*ALL_DOSSIERS_ROLES):
        return None
    return user.department_id if user.department_id is not None else NO_DEPARTMENT


def _report(period: Period) -> Report:
    session, moment, scope = db(), now(), _department_id()
    found = period_statistics(session, period.start, period.end, moment, department_id=scope)
    rows = found.rows(period.group)
    labels = [(row.key if period.group == "procedure" else group_name(period.group, row),
               row.counts) for row in rows]
    return Report(
        period, statistics_table(found, period.group),
        steps_table(step_times(session, period.start, period.end, moment, department_id=scope)),
        workload_table(workload(session, period.start, period.end, moment,
                                department_id=scope)),
        [(_("Dossiers resolved: early, on time, late"), resolved_chart(labels)),
         (_("On-time rate"), rate_chart(labels))],
        scope is not None)


def _page(report: Report | None, error: PeriodError | None = None):
    today = now().astimezone(VN_TZ).date()
    return render_template("reports/index.html", report=report, error=error,
                           raw=request.args, kinds=KINDS, groupings=GROUPINGS, today=today), \
        400 if error else 200


def _period(*extra: str) -> Period:
    """The period asked for, or PeriodError; `extra` names the tables a CSV may hold."""
    if extra and (request.args.get("table") or "statistics") not in extra:
        raise PeriodError("table", _("one of %(choices)s", choices=", ".join(extra)))
    return parse_period(request.args, now().astimezone(VN_TZ).date())


def _refused_on_bad_period(view):
    """A bad period or table gives the page with the error named (400), nothing computed."""
    @wraps(view)
    def checked(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except PeriodError as exc:
            return _page(None, exc)
    return checked


@bp.get("/")
@roles_required(*REPORT_ROLES)
@_refused_on_bad_period
def index():
    return _page(_report(_period()))


@bp.get("/statistics.xlsx")
@roles_required(*REPORT_ROLES)
@_refused_on_bad_period
def export_xlsx():
    report = _report(_period())
    return _download(xlsx(report.tables, report.title), f"thong-ke-{report.period.slug}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/statistics.csv")
@roles_required(*REPORT_ROLES)
@_refused_on_bad_period
def export_csv():
    period = _period(*CSV_TABLES)
    table_key = request.args.get("table") or "statistics"
    table = getattr(_report(period), table_key)
    return _download(csv_text(table), f"{table_key}-{period.slug}.csv",
                     "text/csv; charset=utf-8")


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
