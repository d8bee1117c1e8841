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

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is absent: install Debian's chromium to run these"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),  # SQLite file only
]

PROCEDURE = "BQL.DT.01"
APPLICANT = "Công ty TNHH Thử nghiệm Trình duyệt"
APPOINTMENT = re.compile(r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}")


class ReceiptPreviewFails(AssertionError):
    """The receipt preview answered with a server error."""


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button").click()
    expect(page.get_by_test_id("current-user")).to_contain_text(username.title())


def log_out(page) -> None:
    page.locator('form[action="/logout"] button').click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_test_id("current-user")).to_have_count(0)


def receive(page) -> str:
    """Fill in the counter form, see the appointment, confirm; returns the dossier code."""
    page.goto("/officer/receive")
    page.locator("select[name=procedure_code]").select_option(PROCEDURE)
    page.locator("select[name=applicant_kind]").select_option("organisation")
    page.locator("input[name=applicant_name]").fill(APPLICANT)
    page.locator("input[name=applicant_phone]").fill("0225 3 842 000")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator('button[name=step][value=preview]').click()
    if answer.value.status >= 500:
        raise ReceiptPreviewFails(f"the preview answered HTTP {answer.value.status}")
    preview = page.get_by_test_id("appointment-preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text(APPOINTMENT)
    appointment = APPOINTMENT.search(preview.inner_text()).group(0)

    page.locator('button[name=step][value=save]').click()
    expect(page).to_have_url(re.compile(r"/slips/receipt/[^/]+$"))  # the receipt to print
    expect(page.get_by_test_id("receipt-slip")).to_have_count(2)  # two copies
    page.locator(".toolbar a", has_text="←").click()
    expect(page).to_have_url(re.compile(r"/officer/dossiers/[^/]+$"))
    expect(page.get_by_test_id("dossier-status")).to_have_text(STATUS["in_progress"][0])
    expect(page.locator("main")).to_contain_text(appointment)  # the appointment previewed
    return page.get_by_test_id("dossier-code").inner_text().strip()


def claim_and_complete(page, code: str, outcomes: list[str], outcome: str,
                       screenshot=None) -> None:
    """From the unclaimed tab: claim the dossier's task, check its buttons, click `outcome`."""
    page.goto("/officer/queue?tab=unclaimed")
    row = page.locator(f'[data-testid="queue-row"][data-code="{code}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text(APPLICANT)
    expect(page.get_by_test_id("count-unclaimed")).to_have_text("1")
    expect(page.get_by_test_id("count-mine")).to_have_text("0")
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    row.get_by_test_id("claim").click()

    expect(page).to_have_url(re.compile(r"/officer/tasks/\d+$"))
    expect(page.get_by_test_id("dossier-code")).to_have_text(code)
    buttons = page.locator("button[name=outcome]")
    expect(buttons).to_have_count(len(outcomes))
    assert [buttons.nth(i).get_attribute("value") for i in range(len(outcomes))] == outcomes
    expect(page.locator(f"button[name=outcome][value={outcome}]")).to_have_text(
        OUTCOMES[outcome][0])
    page.locator("textarea[name=note]").fill(f"{outcome} qua trình duyệt")
    page.locator(f"button[name=outcome][value={outcome}]").click()

    expect(page).to_have_url(re.compile(r"/officer/queue$"))
    expect(page.locator(".flash.success")).to_contain_text(code)
    expect(page.get_by_test_id("count-mine")).to_have_text("0")
    expect(page.locator(f'[data-testid="queue-row"][data-code="{code}"]')).to_have_count(0)


def test_dossier_from_receipt_to_return_in_chromium(page, tmp_path):
    log_in(page, "officer")
    code = receive(page)
    claim_and_complete(page, code, ["handed_over"], "handed_over",
                       screenshot=tmp_path / "queue.png")
    log_out(page)

    log_in(page, "specialist")
    claim_and_complete(page, code, ["approve", "supplement", "refuse"], "approve")
    log_out(page)

    log_in(page, "head")
    claim_and_complete(page, code, ["agree", "send_back"], "agree")
    log_out(page)

    log_in(page, "leader")
    claim_and_complete(page, code, ["sign", "send_back"], "sign")
    log_out(page)

    log_in(page, "officer")
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
