"""What an officer does in the browser, step by step, for the browser tests and for
`screenshots.py`: log in, receive a dossier at the counter, claim a task and complete it.

Every helper waits with Playwright's `expect` (auto-retrying), never with sleep."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

from web.formatting import OUTCOMES

PROCEDURE = "BQL.DT.01"
APPOINTMENT = re.compile(r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}")
VENDOR = Path(__file__).resolve().parents[2] / "web/static/vendor/bpmn-js"
VIEWER = VENDOR / "bpmn-navigated-viewer.production.min.js"


class ReceiptPreviewFails(AssertionError):
    """The receipt preview answered with a server error."""


@dataclass(frozen=True)
class Applicant:
    name: str
    kind: str = "organisation"
    id_number: str = ""
    address: str = ""
    phone: str = "0225 3 842 000"
    email: str = ""


@dataclass(frozen=True)
class Received:
    code: str
    appointment: str  # "HH:MM dd/mm/yyyy" as the preview showed it


def log_in(page: Page, username: str, password: str, full_name: str | None = None) -> None:
    """Through the login form [Đăng nhập]; the header then names the user."""
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button").click()
    expect(page.get_by_test_id("current-user")).to_contain_text(full_name or username.title())


def log_out(page: Page) -> None:
    page.locator('form[action="/logout"] button').click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_test_id("current-user")).to_have_count(0)


def fill_receipt(page: Page, applicant: Applicant, procedure: str = PROCEDURE,
                 note: str = "") -> str:
    """Fill in the counter form [Tiếp nhận hồ sơ], ask for the appointment, tick every
    document of the procedure's checklist; returns the appointment the preview shows."""
    page.goto("/officer/receive")
    page.locator("select[name=procedure_code]").select_option(procedure)
    page.locator("select[name=applicant_kind]").select_option(applicant.kind)
    for field in ("name", "id_number", "address", "phone", "email"):
        if getattr(applicant, field):
            page.locator(f"input[name=applicant_{field}]").fill(getattr(applicant, field))
    if note:
        page.locator("textarea[name=note]").fill(note)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("button[name=step][value=preview]").click()
    if answer.value.status >= 500:
        raise ReceiptPreviewFails(f"the preview answered HTTP {answer.value.status}")
    preview = page.get_by_test_id("appointment-preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text(APPOINTMENT)
    documents = page.locator("input[name=documents]")
    for i in range(documents.count()):  # the checklist appears once a procedure is chosen
        documents.nth(i).check()
    return APPOINTMENT.search(preview.inner_text()).group(0)


def confirm_receipt(page: Page) -> str:
    """Confirm [Xác nhận tiếp nhận]: the receipt slip opens; returns the dossier code."""
    page.locator("button[name=step][value=save]").click()
    expect(page).to_have_url(re.compile(r"/slips/receipt/[^/?]+$"))
    expect(page.get_by_test_id("receipt-slip")).to_have_count(2)  # two copies
    return page.url.rsplit("/", 1)[1]


def receive(page: Page, applicant: Applicant, procedure: str = PROCEDURE) -> Received:
    """Receive a dossier at the counter and come back from its slip to the dossier page."""
    appointment = fill_receipt(page, applicant, procedure)
    code = confirm_receipt(page)
    page.locator(".toolbar a", has_text="←").click()
    expect(page).to_have_url(re.compile(rf"/officer/dossiers/{re.escape(code)}$"))
    expect(page.get_by_test_id("dossier-code")).to_have_text(code)
    expect(page.locator("main")).to_contain_text(appointment)  # the appointment previewed
    return Received(code, appointment)


def queue_row(page: Page, code: str):
    return page.locator(f'[data-testid="queue-row"][data-code="{code}"]')


def claim(page: Page, code: str, *, unclaimed: int | None = 1) -> None:
    """From the tab of unclaimed tasks [Việc chưa nhận], claim the dossier's task; its task
    page opens. `unclaimed`: the count the tab should show first (None: do not check)."""
    page.goto("/officer/queue?tab=unclaimed")
    row = queue_row(page, code)
    expect(row).to_be_visible()
    if unclaimed is not None:
        expect(page.get_by_test_id("count-unclaimed")).to_have_text(str(unclaimed))
    row.get_by_test_id("claim").click()
    expect(page).to_have_url(re.compile(r"/officer/tasks/\d+$"))
    expect(page.get_by_test_id("dossier-code")).to_have_text(code)


def complete(page: Page, code: str, outcome: str, *, offered: list[str] | None = None,
             note: str | None = None) -> None:
    """On the task page: check the outcome buttons offered, write the note, click `outcome`;
    back in the queue the dossier is gone from the officer's tasks."""
    buttons = page.locator("button[name=outcome]")
    if offered is not None:
        expect(buttons).to_have_count(len(offered))
        assert [buttons.nth(i).get_attribute("value") for i in range(len(offered))] == offered
    button = page.locator(f"button[name=outcome][value={outcome}]")
    expect(button).to_have_text(OUTCOMES[outcome][0])
    page.locator("textarea[name=note]").fill(note if note is not None else
                                             f"{OUTCOMES[outcome][0]} qua trình duyệt")
    button.click()
    expect(page).to_have_url(re.compile(r"/officer/queue$"))
    expect(page.locator(".flash.success")).to_contain_text(code)
    expect(queue_row(page, code)).to_have_count(0)


def claim_and_complete(page: Page, code: str, outcome: str, *, offered: list[str] | None = None,
                       note: str | None = None, unclaimed: int | None = 1) -> None:
    claim(page, code, unclaimed=unclaimed)
    complete(page, code, outcome, offered=offered, note=note)


def open_dossier(page: Page, code: str) -> None:
    page.goto(f"/officer/dossiers/{code}")
    expect(page.get_by_test_id("dossier-code")).to_have_text(code)


def wait_for_diagram(page: Page) -> None:
    """The bpmn-js viewer has drawn the diagram; fails saying how to install it if not."""
    if not VIEWER.exists():
        raise AssertionError(f"the bpmn-js viewer is missing ({VIEWER}): run `make assets` "
                             "(CI runs it) to install it from npm")
    diagram = page.get_by_test_id("diagram")
    expect(diagram, "the diagram was not drawn; if it says the viewer is not installed, "
                    "run `make assets`").to_have_attribute("data-rendered", "true")
