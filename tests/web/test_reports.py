"""The statistics page (/reports/): every grouping, charts, per-step and workload tables,
the XLSX and CSV exports read back to the service's numbers, bad periods, roles."""
from __future__ import annotations

import csv
import io
import random
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from engine.calendar import VN_TZ
from engine.models import Department, Procedure
from engine.services.statistics import GROUPINGS, period_statistics
from tests.engine.test_statistics_year import generate, insert
from tests.engine.test_step_times import two_dossiers

from .conftest import by_testid, login, page, text

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 4, 15, 10, tzinfo=VN_TZ)
YEAR = {"period": "year", "year": "2025"}
MARCH = {"period": "month", "year": "2026", "month": "3"}
COUNT_KEYS = ("handled", "carried_over", "received", "received_online", "received_counter",
              "received_post", "resolved", "resolved_early", "resolved_on_time",
              "resolved_late", "refused", "in_progress", "in_progress_within",
              "in_progress_late", "withdrawn", "supplement_requests")


@pytest.fixture
def data(app, library):
    """A generated 2025 (and its edges) plus two dossiers worked through in March 2026."""
    with library.begin() as session:
        meta = {p.code: (p.field, p.department.code)
                for p in session.execute(select(Procedure)).scalars()}
    with library.begin() as session:
        insert(session, generate(random.Random(7), 300, meta))
    two_dossiers(library)
    with time_machine.travel(NOW, tick=True):
        yield library


def expected(library, start: date, end: date, department_id=None):
    with library() as session:
        return period_statistics(session, start, end, NOW, department_id=department_id)


def figures(counts) -> dict:
    return {k: getattr(counts, k) for k in COUNT_KEYS}


def cells(row) -> dict[str, str]:
    return {cell.get("data-col"): text(cell) for cell in row.xpath("./td|./th")}


@pytest.mark.parametrize("grouping", GROUPINGS)
def test_the_page_shows_the_year_for_each_grouping(client, data, grouping):
    login(client, "quality")
    response = client.get("/reports/", query_string={**YEAR, "group": grouping})
    assert response.status_code == 200
    tree = page(response)
    found = expected(data, date(2025, 1, 1), date(2025, 12, 31))
    rows = by_testid(tree, "row-statistics")
    assert [r.get("data-key") for r in rows] == [g.key for g in found.rows(grouping)]
    for row, group in zip(rows, found.rows(grouping), strict=True):
        shown = cells(row)
        assert {k: int(shown[k]) for k in COUNT_KEYS} == figures(group.counts)
    [total] = by_testid(tree, "total-statistics")
    shown = cells(total)
    assert {k: int(shown[k]) for k in COUNT_KEYS} == figures(found.total)
    assert float(shown["on_time_rate"]) == pytest.approx(found.total.on_time_rate * 100,
                                                         abs=0.05)
    # the charts: one bar per group, the stacked segments are the resolved figures
    [resolved] = by_testid(tree, "chart-resolved")
    bars = resolved.xpath('.//*[@data-testid="bar"]')
    assert len(bars) == len(rows)
    for bar, group in zip(bars, found.rows(grouping), strict=True):
        values = {r.get("data-kind"): int(r.get("data-value"))
                  for r in bar.xpath(".//*[name()='rect']")}
        wanted = {k: getattr(group.counts, f"resolved_{k}") for k in ("early", "on_time", "late")}
        assert values == {k: v for k, v in wanted.items() if v}
    assert len(by_testid(tree, "chart-rate")[0].xpath('.//*[@data-testid="bar"]')) == len(rows)


def test_headings_follow_the_official_report(client, data, english):
    login(client, "leader")
    tree = page(client.get("/reports/", query_string=YEAR))
    heads = [text(th) for th in tree.xpath('//*[@data-testid="table-statistics"]//thead//th')]
    for heading in ("Dossiers to resolve", "Carried over from the previous period",
                    "Newly received", "of which online", "of which at the counter",
                    "of which by post", "Dossiers resolved", "Early", "On time", "Late",
                    "Dossiers being resolved", "Within the deadline", "Overdue",
                    "Withdrawn or stopped", "Supplement requests", "On-time rate (%)",
                    "Satisfaction"):
        assert heading in heads, heading
    assert "from 01/01/2025 to 31/12/2025" in text(by_testid(tree, "period-title")[0])


def test_steps_and_workload_of_a_month_with_the_bottleneck_highlighted(client, data):
    login(client, "auditor")
    tree = page(client.get("/reports/", query_string=MARCH))
    steps = by_testid(tree, "row-steps")
    assert len(steps) == 3
    marked = [cells(r)["step"] for r in steps if r.get("data-bottleneck")]
    assert len(marked) == 1 and cells([r for r in steps if r.get("data-bottleneck")][0])[
        "share_late"] == "100.0"
    work = {cells(r)["username"]: cells(r) for r in by_testid(tree, "row-workload")}
    assert work["officer"]["received"] == "2" and work["head"]["late"] == "2"
    assert work["leader"]["open_now"] == "1"


def test_the_xlsx_export_reads_back_to_the_same_numbers(client, data):
    login(client, "quality")
    response = client.get("/reports/statistics.xlsx", query_string={**YEAR, "group": "field"})
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 3
    sheet = book[book.sheetnames[0]]
    keys = [sheet.cell(3, n).value for n in range(1, sheet.max_column + 1)]
    assert sheet.cell(3, 1).font.bold and sheet.cell(2, 3).value  # headings, groups merged
    found = expected(data, date(2025, 1, 1), date(2025, 12, 31))
    groups = found.rows("field")
    for n, group in enumerate([*groups, None], 4):
        values = [sheet.cell(n, c).value for c in range(1, len(keys) + 1)]
        counts = group.counts if group else found.total
        numbers = values[2:2 + len(COUNT_KEYS)]
        assert all(isinstance(v, int) for v in numbers)
        assert numbers == list(figures(counts).values())
        assert values[0] == (group.key if group else None)
        rate = values[2 + len(COUNT_KEYS)]  # after the counts
        assert rate == pytest.approx(counts.on_time_rate)
    assert sheet.cell(4 + len(groups), 3 + len(COUNT_KEYS)).number_format == "0.0%"
    steps = book[book.sheetnames[1]]
    assert steps.max_row == 3  # no step was completed in 2025 (the rows were inserted)


def test_the_csv_export_is_utf8_with_a_bom_and_reads_back(client, data):
    login(client, "quality")
    response = client.get("/reports/statistics.csv",
                          query_string={**YEAR, "group": "department"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    found = expected(data, date(2025, 1, 1), date(2025, 12, 31))
    body = rows[1:]
    assert [r[0] for r in body] == [g.key for g in found.rows("department")] + [""]
    for row, counts in zip(body, [*(g.counts for g in found.rows("department")), found.total],
                           strict=True):
        assert [int(v) for v in row[2:2 + len(COUNT_KEYS)]] == list(figures(counts).values())
    steps = client.get("/reports/statistics.csv", query_string={**MARCH, "table": "steps"})
    lines = list(csv.reader(io.StringIO(steps.data.decode("utf-8-sig"))))
    assert len(lines) == 4 and any(cell for cell in lines[-1][-1:])  # the bottleneck last


@pytest.mark.parametrize("query,field", [
    ({"from": "2025-13-01", "to": "2025-12-31"}, "from"),
    ({"from": "2025-03-01", "to": "2025-02-01"}, "to"),
    ({"from": "2025-03-01"}, "to"),
    ({"from": "2019-01-01", "to": "2025-02-01"}, "to"),
    ({"from": "1999-01-01", "to": "1999-02-01"}, "from"),
    ({"period": "month", "year": "2025", "month": "13"}, "month"),
    ({"period": "quarter", "year": "2025", "quarter": "0"}, "quarter"),
    ({"period": "year", "year": "20x5"}, "year"),
    ({"period": "week"}, "period"),
    ({"period": "year", "group": "person"}, "group"),
])
def test_a_bad_period_is_a_400_naming_the_field(client, library, query, field):
    login(client, "quality")
    for path in ("/reports/", "/reports/statistics.xlsx", "/reports/statistics.csv"):
        response = client.get(path, query_string=query)
        assert response.status_code == 400, path
        [error] = by_testid(page(response), "filter-error")
        assert error.get("data-field") == field, path


def test_an_unknown_csv_table_is_a_400(client, library):
    login(client, "quality")
    response = client.get("/reports/statistics.csv", query_string={**YEAR, "table": "users"})
    assert response.status_code == 400
    assert by_testid(page(response), "filter-error")[0].get("data-field") == "table"


def test_presets_give_the_calendar_periods(client, data, english):
    login(client, "quality")
    for query, title in [({"period": "quarter", "year": "2025", "quarter": "4"},
                          "from 01/10/2025 to 31/12/2025"),
                         ({"period": "month", "year": "2024", "month": "2"},
                          "from 01/02/2024 to 29/02/2024"),
                         ({"from": "2025-05-05", "to": "2025-05-06"},
                          "from 05/05/2025 to 06/05/2025")]:
        tree = page(client.get("/reports/", query_string=query))
        assert text(by_testid(tree, "period-title")[0]) == title
    # by default, the current month
    tree = page(client.get("/reports/"))
    assert text(by_testid(tree, "period-title")[0]) == "from 01/04/2026 to 30/04/2026"


def test_reports_are_for_quality_audit_leaders_and_heads(client, data):
    for username in ("officer", "specialist"):
        login(client, username)
        for path in ("/reports/", "/reports/statistics.xlsx", "/reports/statistics.csv"):
            assert client.get(path, query_string=YEAR).status_code == 403
        assert not page(client.get("/officer/dossiers")).xpath('//a[@href="/reports/"]')
    login(client, "leader")
    assert page(client.get("/officer/dossiers")).xpath('//a[@href="/reports/"]')


def test_a_head_sees_the_figures_of_their_department(client, data):
    login(client, "head")  # of the investment department (dau_tu)
    tree = page(client.get("/reports/", query_string={**YEAR, "group": "department"}))
    assert by_testid(tree, "department-scope")
    assert [r.get("data-key") for r in by_testid(tree, "row-statistics")] == ["dau_tu"]
    with data() as session:
        dau_tu = session.execute(select(Department.id).where(Department.code == "dau_tu")
                                 ).scalar_one()
    own = expected(data, date(2025, 1, 1), date(2025, 12, 31), dau_tu)
    shown = cells(by_testid(tree, "total-statistics")[0])
    assert {k: int(shown[k]) for k in COUNT_KEYS} == figures(own.total)
    assert asdict(own.total) != asdict(expected(data, date(2025, 1, 1),
                                                date(2025, 12, 31)).total)


def test_sheet_names_fit_excel_and_end_between_words():
    from web.reports.exports import sheet_name
    assert sheet_name("Thống kê hồ sơ") == "Thống kê hồ sơ"
    assert sheet_name("Khối lượng công việc của từng cán bộ") == "Khối lượng công việc của từng"
