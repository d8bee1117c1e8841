"""The statistics page in a real Chromium: a period chosen in the form, the charts drawn,
the bottleneck highlighted, the XLSX downloaded and read back."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.engine.test_step_times import two_dossiers

from .conftest import CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is absent: install Debian's chromium to run these"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),  # SQLite file only
]


def test_a_leader_reads_march_and_downloads_it(library, login_as, tmp_path):
    two_dossiers(library)  # received 4 March 2026, three steps each, the check step late
    leader = login_as("leader")
    leader.goto("/officer/dossiers")
    leader.locator('header nav a[href="/reports/"]').click()
    form = leader.get_by_test_id("report-filters")
    form.locator("select[name=period]").select_option("custom")
    form.locator("input[name=from]").fill("2026-03-01")
    form.locator("input[name=to]").fill("2026-03-31")
    form.locator("select[name=group]").select_option("department")
    form.locator("button").click()
    rows = leader.get_by_test_id("row-statistics")
    expect(rows).to_have_count(1)
    expect(rows.first.locator('[data-col="received"]')).to_have_text("2")
    chart = leader.get_by_test_id("chart-resolved")
    expect(chart.locator("svg")).to_be_visible()
    expect(leader.get_by_test_id("chart-rate").get_by_test_id("bar")).to_have_count(1)
    bottleneck = leader.locator('[data-testid="row-steps"][data-bottleneck]')
    expect(bottleneck).to_have_count(1)
    assert bottleneck.locator("td").first.evaluate(
        "cell => getComputedStyle(cell).backgroundColor") == "rgb(253, 226, 225)"
    leader.screenshot(path=str(tmp_path / "reports.png"), full_page=True)
    with leader.expect_download() as download:
        leader.get_by_test_id("export-xlsx").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "thong-ke-2026-03-01_2026-03-31.xlsx"
    sheet = load_workbook(saved).worksheets[0]
    assert sheet.cell(4, 1).value == "dau_tu" and sheet.cell(4, 5).value == 2  # received
