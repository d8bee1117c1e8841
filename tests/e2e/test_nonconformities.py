"""The nonconformity register in a real Chromium: an overdue dossier's nonconformity opened by
the scheduler's sweep, recorded and closed by the quality manager after a confirmation, then
read by the auditor, who has no form."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from engine import scheduler
from tests.conftest import T0
from tests.engine.helpers import receive

from .conftest import CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is absent: install Debian's chromium to run these"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),  # SQLite file only
]


def test_the_quality_manager_records_and_closes_then_the_auditor_reads(library, login_as):
    code = receive(library, T0)  # due in March 2026: overdue for the wall clock
    assert scheduler.open_nonconformities(library) == 1
    quality = login_as("quality")
    quality.goto("/nonconformities/")
    row = quality.get_by_test_id("nc-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(code)
    row.get_by_role("link").click()
    expect(quality).to_have_url(re.compile(r"/nonconformities/NC-\d{4}-0001$"))
    record_url = quality.url

    quality.get_by_test_id("nc-close").click()  # nothing recorded yet: refused by field
    quality.get_by_test_id("nc-close-form").locator("button.danger").click()
    expect(quality.get_by_test_id("error-cause")).to_be_visible()
    quality.goto(record_url)

    form = quality.get_by_test_id("nc-edit")
    form.locator("textarea[name=cause]").fill("Chờ ý kiến cơ quan phối hợp quá lâu")
    form.locator("textarea[name=correction]").fill("Đã xin lỗi và hẹn lại ngày trả kết quả")
    form.locator("textarea[name=corrective_action]").fill("Gửi lấy ý kiến song song")
    form.locator("select[name=owner_id]").select_option(label="Head (head)")
    form.locator("button.primary").click()
    expect(quality.get_by_test_id("nc-owner")).to_have_text("Head")

    quality.get_by_test_id("nc-close").click()
    expect(quality).to_have_url(re.compile(r"/close$"))
    quality.get_by_test_id("nc-close-form").locator("textarea[name=effectiveness]").fill(
        "Không tái diễn")
    quality.get_by_test_id("nc-close-form").locator("button.danger").click()
    expect(quality.get_by_test_id("nc-reopen")).to_be_visible()
    expect(quality.get_by_test_id("nc-event")).to_have_count(3)

    auditor = login_as("auditor")
    auditor.goto(f"/officer/dossiers/{code}")
    auditor.get_by_test_id("dossier-nonconformity").get_by_role("link").click()
    expect(auditor.get_by_test_id("nc-cause")).to_have_text("Chờ ý kiến cơ quan phối hợp quá lâu")
    expect(auditor.get_by_test_id("nc-event")).to_have_count(3)
    expect(auditor.get_by_test_id("nc-edit")).to_have_count(0)
    expect(auditor.get_by_test_id("nc-reopen")).to_have_count(0)
