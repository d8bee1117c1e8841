"""The ISO auditor in a real Chromium: lands on the event search, narrows it to a dossier and
an action, opens the dossier's timeline, then its process-control slip and the slip's PDF;
a bad date is refused with the field marked."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.engine.test_handovers import returned_dossier

# without Chromium the `browser` fixture skips, saying why
pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def test_the_auditor_searches_then_reads_a_timeline_and_the_control_slip(library, login_as):
    code = returned_dossier(library)
    auditor = login_as("auditor")
    auditor.goto("/")
    expect(auditor).to_have_url(re.compile(r"/audit/events$"))
    expect(auditor.get_by_test_id("event-row")).to_have_count(50)  # a full first page

    filters = auditor.get_by_test_id("event-filters")
    filters.locator("input[name=code]").fill(code)
    filters.locator("select[name=action]").select_option("clock_stop")
    filters.locator("button").click()
    rows = auditor.get_by_test_id("event-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("05/03/2026 10:00:00")
    expect(rows.first).to_contain_text("Tạm dừng tính thời gian")

    rows.first.get_by_test_id("timeline-link").click()
    expect(auditor).to_have_url(re.compile(rf"/audit/dossiers/{re.escape(code)}$"))
    timeline = auditor.get_by_test_id("timeline-row")
    expect(timeline.first).to_have_attribute("data-action", "receive")
    expect(auditor.locator('[data-testid=timeline] [data-result="late"]')).to_have_count(1)

    auditor.get_by_test_id("control-slip-link").click()
    slip = auditor.get_by_test_id("control-slip")
    expect(slip).to_contain_text("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", ignore_case=True)
    handovers = auditor.get_by_test_id("handover-row")
    expect(handovers).to_have_count(9)
    expect(handovers.nth(4)).to_have_attribute("data-result", "late")
    expect(handovers.nth(4)).to_contain_text("Quá hạn")
    expect(handovers.nth(4).get_by_test_id("handover-receiver")).to_contain_text("Specialist2")
    expect(handovers.last).to_contain_text("Nguyễn Văn An")
    pdf = auditor.request.get(auditor.url + "?format=pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    auditor.goto("/audit/events")
    auditor.get_by_test_id("event-filters").locator("input[name=from]").fill("2026-03-20")
    auditor.get_by_test_id("event-filters").locator("input[name=to]").fill("2026-03-10")
    auditor.get_by_test_id("event-filters").locator("button").click()
    expect(auditor.get_by_test_id("filter-error")).to_have_attribute("data-field", "to")
    expect(auditor.locator("input[name=to][aria-invalid=true]")).to_have_count(1)
    expect(auditor.get_by_test_id("event-row")).to_have_count(0)
