"""The report's three tables (statistics, time per step, workload) as columns and rows of
plain values, shared by the page and the XLSX and CSV exports so they always agree.
Percent columns hold a fraction (0..1) or None; day columns hold working days."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from engine.services.statistics import Counts, Group, PeriodStatistics
from engine.services.step_times import StepTime
from engine.services.workload import Workload

from ..formatting import bilingual, label


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: str = ""  # the heading spanning this column and its neighbours of the same group
    kind: str = "int"  # int / percent / days / text


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    marked: list[bool] = field(default_factory=list)  # rows to highlight (the bottleneck)

    def heading_groups(self) -> list[tuple[str, int]]:
        """(group heading, span) in column order; a column without a group spans itself."""
        spans: list[tuple[str, int]] = []
        for column in self.columns:
            if column.group and spans and spans[-1][0] == column.group:
                spans[-1] = (column.group, spans[-1][1] + 1)
            else:
                spans.append((column.group, 1))
        return spans


def count_columns() -> list[Column]:
    handled, resolved = _("Dossiers to resolve"), _("Dossiers resolved")
    ongoing, rating = _("Dossiers being resolved"), _("Satisfaction")
    return [
        Column("handled", _("Total"), handled),
        Column("carried_over", _("Carried over from the previous period"), handled),
        Column("received", _("Newly received"), handled),
        Column("received_online", _("of which online"), handled),
        Column("received_counter", _("of which at the counter"), handled),
        Column("received_post", _("of which by post"), handled),
        Column("resolved", _("Total"), resolved),
        Column("resolved_early", _("Early"), resolved),
        Column("resolved_on_time", _("On time"), resolved),
        Column("resolved_late", _("Late"), resolved),
        Column("refused", _("of which refused"), resolved),
        Column("in_progress", _("Total"), ongoing),
        Column("in_progress_within", _("Within the deadline"), ongoing),
        Column("in_progress_late", _("Overdue"), ongoing),
        Column("withdrawn", _("Withdrawn or stopped")),
        Column("supplement_requests", _("Supplement requests")),
        Column("on_time_rate", _("On-time rate (%)"), kind="percent"),
        Column("very_satisfied", _("Very satisfied"), rating),
        Column("satisfied", _("Satisfied"), rating),
        Column("not_satisfied", _("Not satisfied"), rating),
        Column("satisfied_share", _("Satisfied share (%)"), rating, kind="percent"),
    ]


def group_name(grouping: str, row: Group) -> str:
    if grouping == "field":
        return label(row.key, "field")
    return bilingual(row.name, row.name_en)


def statistics_table(found: PeriodStatistics, grouping: str) -> Table:
    names = {"procedure": _("Procedure"), "field": _("Field"), "department": _("Department")}
    counts = count_columns()
    table = Table("statistics", _("Statistics"),
                  [Column("code", _("Group code"), kind="text"),
                   Column("name", names[grouping], kind="text"), *counts])
    for row in found.rows(grouping):
        table.rows.append([row.key, group_name(grouping, row), *_values(row.counts, counts)])
    table.total = ["", _("Total"), *_values(found.total, counts)]
    return table


def _values(counts: Counts, columns: list[Column]) -> list:
    return [getattr(counts, c.key) for c in columns]


def steps_table(rows: list[StepTime]) -> Table:
    group = _("Result against the allotment")
    table = Table("steps", _("Time per step"), [
        Column("procedure", _("Procedure"), kind="text"),
        Column("step", _("Step"), kind="text"),
        Column("allotment", _("Allotment (working days)"), kind="days"),
        Column("count", _("Steps completed")),
        Column("mean", _("Mean time (working days)"), kind="days"),
        Column("p90", _("90th percentile (working days)"), kind="days"),
        Column("early", _("Early"), group), Column("on_time", _("On time"), group),
        Column("late", _("Late"), group),
        Column("share_late", _("Share late (%)"), kind="percent"),
        Column("overrun", _("Mean overrun (working days)"), kind="days"),
        Column("bottleneck", _("Bottleneck"), kind="text")])
    for r in rows:
        table.rows.append([r.procedure, bilingual(r.name, r.name_en), r.allotment, r.count,
                           r.mean_days, r.p90_days, r.early, r.on_time, r.late, r.share_late,
                           r.mean_overrun, _("bottleneck") if r.bottleneck else ""])
        table.marked.append(r.bottleneck)
    return table


def workload_table(rows: list[Workload]) -> Table:
    group = _("Steps completed")
    table = Table("workload", _("Workload per officer"), [
        Column("officer", _("Officer"), kind="text"),
        Column("username", _("Username"), kind="text"),
        Column("received", _("Dossiers received at the desk")),
        Column("completed", _("Total"), group),
        Column("early", _("Early"), group), Column("on_time", _("On time"), group),
        Column("late", _("Late"), group),
        Column("unjudged", _("Without a due time"), group),
        Column("on_time_rate", _("On-time rate (%)"), kind="percent"),
        Column("open_now", _("Open tasks assigned now"))])
    for w in rows:
        table.rows.append([w.full_name, w.username, w.received, w.completed, w.completed_early,
                           w.completed_on_time, w.completed_late, w.completed_unjudged,
                           w.on_time_rate, w.open_now])
    return table
