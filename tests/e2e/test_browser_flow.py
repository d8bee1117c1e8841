"""One dossier from receipt to return, clicked through a real Chromium by the four roles.

The server runs on the real clock: the dossier is received and returned within a minute,
so its result is early whatever the day."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from web.formatting import OUTCOMES, RESULT, STATUS

from .conftest import CHROMIUM
from .flows import Applicant, claim, complete, log_in, log_out, receive

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is absent: install Debian's chromium to run these"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),  # SQLite file only
]

APPLICANT = Applicant("Công ty TNHH Thử nghiệm Trình duyệt")


def claim_and_complete(page, code: str, offered: list[str], outcome: str,
                       screenshot=None) -> None:
    """From the unclaimed tab: claim the dossier's task, check its buttons, click `outcome`."""
    page.goto("/officer/queue?tab=unclaimed")
    row = page.locator(f'[data-testid="queue-row"][data-code="{code}"]')
    expect(row).to_contain_text(APPLICANT.name)
    expect(page.get_by_test_id("count-mine")).to_have_text("0")
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    claim(page, code)
    complete(page, code, outcome, offered=offered)
    expect(page.get_by_test_id("count-mine")).to_have_text("0")


def test_dossier_from_receipt_to_return_in_chromium(page, tmp_path):
    log_in(page, "officer", PASSWORD)
    received = receive(page, APPLICANT)
    code = received.code
    expect(page.get_by_test_id("dossier-status")).to_have_text(STATUS["in_progress"][0])
    claim_and_complete(page, code, ["handed_over"], "handed_over",
                       screenshot=tmp_path / "queue.png")
    log_out(page)

    log_in(page, "specialist", PASSWORD)
    claim_and_complete(page, code, ["approve", "supplement", "refuse"], "approve")
    log_out(page)

    log_in(page, "head", PASSWORD)
    claim_and_complete(page, code, ["agree", "send_back"], "agree")
    log_out(page)

    log_in(page, "leader", PASSWORD)
    claim_and_complete(page, code, ["sign", "send_back"], "sign")
    log_out(page)

    log_in(page, "officer", PASSWORD)
    claim_and_complete(page, code, ["returned"], "returned")
    page.locator('a[href="/officer/dossiers"]').click()
    page.get_by_role("link", name=code).click()
    expect(page).to_have_url(re.compile(rf"/officer/dossiers/{re.escape(code)}$"))
    status = page.get_by_test_id("dossier-status")
    expect(status).to_contain_text("Đã trả kết quả")
    expect(status.locator(".result-early")).to_have_text(RESULT["early"][0])
    history = page.get_by_test_id("history-row")
    expect(history).to_have_count(11)  # receipt, then a claim and a completion per step
    expect(page.get_by_test_id("history-who")).to_have_text(
        ["Officer"] * 3 + ["Specialist"] * 2 + ["Head"] * 2 + ["Leader"] * 2 + ["Officer"] * 2)
    expect(history.last).to_contain_text(OUTCOMES["returned"][0])
    page.screenshot(path=tmp_path / "dossier.png", full_page=True)

    for shot in ("queue.png", "dossier.png"):
        assert (tmp_path / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
