"""The officers' and the citizen's journeys in a real Chromium: a supplement that stops the
clock, a refusal, the receipt slip and its PDF, the diagram drawn by bpmn-js, the public lookup
on a phone.

Each role works in a browser context of its own, logged in through the form (`login_as`).
The server runs on the real clock, so dates are read from the pages, not assumed."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from web.formatting import ACTIONS, DECISION, OUTCOMES, STATUS

from .conftest import CHROMIUM, new_page
from .flows import (
    APPOINTMENT,
    Applicant,
    claim,
    claim_and_complete,
    complete,
    confirm_receipt,
    fill_receipt,
    open_dossier,
    receive,
    wait_for_diagram,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is absent: install Debian's chromium to run these"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),  # SQLite file only
]

APPLICANT = Applicant("Công ty TNHH Cảng Xanh Đình Vũ", id_number="0201234567",
                      address="Lô CN5, KCN Đình Vũ, Hải Phòng", email="info@cangxanh.vn")
MISSING = "Thiếu báo cáo năng lực tài chính của nhà đầu tư (bản sao có chứng thực)"
PHONE = {"width": 390, "height": 844}
DATE = re.compile(r"\d{2}/\d{2}/\d{4}")


def history_actions(page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("history-action").all_inner_texts()]


def test_supplement_stops_the_clock_until_the_resubmission(login_as, browser, live_server):
    officer = login_as("officer")
    code = receive(officer, APPLICANT).code
    claim_and_complete(officer, code, "handed_over", offered=["handed_over"])

    specialist = login_as("specialist")
    claim(specialist, code)
    complete(specialist, code, "supplement", offered=["approve", "supplement", "refuse"],
             note=MISSING)

    # the dossier waits for the applicant: the clock is stopped
    open_dossier(officer, code)
    expect(officer.get_by_test_id("dossier-status")).to_have_text(
        STATUS["awaiting_supplement"][0])
    expect(officer.get_by_test_id("deadline-state")).to_have_attribute("data-state", "paused")
    pause = officer.get_by_test_id("pause-row")
    expect(pause).to_have_count(1)
    expect(pause.locator("td").nth(0)).to_have_text(APPOINTMENT)  # requested at
    expect(pause.locator("td").nth(1)).to_have_text("chờ tổ chức, cá nhân bổ sung")  # not yet
    expect(pause.get_by_test_id("pause-due-after")).to_contain_text("—")
    expect(pause).to_contain_text(MISSING)
    expect(officer.get_by_test_id("current-step")).to_contain_text("Tiếp nhận hồ sơ bổ sung")

    # the citizen looks it up, without logging in
    citizen = new_page(browser, live_server)
    try:
        citizen.goto(f"/tra-cuu/{code}")
        expect(citizen.get_by_test_id("lookup-status")).to_have_text(
            STATUS["awaiting_supplement"][0])
        expect(citizen.get_by_test_id("lookup-missing")).to_have_text(MISSING)
        expect(citizen.get_by_test_id("lookup-result")).not_to_contain_text(APPLICANT.name)
    finally:
        citizen.context.close()

    # the applicant brings the missing paper to the counter; the queue filter finds it
    officer.goto("/officer/queue?tab=unclaimed&waiting=supplement")
    expect(officer.get_by_test_id("queue-row")).to_have_count(1)
    claim(officer, code)
    complete(officer, code, "resubmitted", offered=["resubmitted"],
             note="Đã nhận báo cáo năng lực tài chính")

    claim_and_complete(specialist, code, "approve")
    claim_and_complete(login_as("head"), code, "agree")
    claim_and_complete(login_as("leader"), code, "sign")
    claim_and_complete(officer, code, "returned")

    open_dossier(officer, code)
    expect(officer.get_by_test_id("dossier-status")).to_contain_text(STATUS["returned"][0])
    expect(officer.get_by_test_id("dossier-status")).to_contain_text(DECISION["approve"][0])
    pause = officer.get_by_test_id("pause-row")
    expect(pause).to_have_count(1)
    expect(pause.locator("td").nth(0)).to_have_text(APPOINTMENT)  # requested at
    expect(pause.locator("td").nth(1)).to_have_text(APPOINTMENT)  # resubmitted at
    expect(pause.get_by_test_id("pause-due-after")).to_contain_text(DATE)
    expect(officer.get_by_test_id("pause-days-used")).to_contain_text("/ 15")
    actions = history_actions(officer)
    assert actions == [ACTIONS[a][0] for a in (
        "receive", "claim", "complete",  # receipt, hand-over
        "claim", "complete", "clock_stop",  # supplement requested: the clock stops
        "claim", "complete", "clock_resume",  # resubmitted at the counter: it runs again
        "claim", "complete", "claim", "complete", "claim", "complete",  # review, head, leader
        "claim", "complete")], actions  # returned
    outcomes = [t.strip() for t in officer.get_by_test_id("history-outcome").all_inner_texts()]
    assert [o for o in outcomes if o] == [OUTCOMES[o][0] for o in (
        "handed_over", "supplement", "resubmitted", "approve", "agree", "sign", "returned")]
    stop = officer.get_by_test_id("history-row").nth(5)
    expect(stop).to_contain_text(MISSING)  # the reason the clock stopped


def test_refusal_is_signed_and_returned(login_as):
    officer = login_as("officer")
    code = receive(officer, APPLICANT).code
    claim_and_complete(officer, code, "handed_over")
    claim_and_complete(login_as("specialist"), code, "refuse",
                       note="Dự án thuộc ngành nghề cấm đầu tư kinh doanh")
    claim_and_complete(login_as("head"), code, "agree", offered=["agree", "send_back"])
    claim_and_complete(login_as("leader"), code, "sign", offered=["sign", "send_back"])
    claim_and_complete(officer, code, "returned", offered=["returned"])

    open_dossier(officer, code)
    status = officer.get_by_test_id("dossier-status")
    expect(status).to_contain_text(STATUS["returned"][0])
    expect(status).to_contain_text(DECISION["refuse"][0])
    expect(officer.get_by_test_id("current-step")).to_have_count(1)
    expect(officer.get_by_test_id("history-row")).to_have_count(11)
    outcomes = [t.strip() for t in officer.get_by_test_id("history-outcome").all_inner_texts()]
    assert [o for o in outcomes if o] == [OUTCOMES[o][0] for o in (
        "handed_over", "refuse", "agree", "sign", "returned")]
    officer.goto(f"/tra-cuu/{code}")
    expect(officer.get_by_test_id("lookup-status")).to_have_text(
        f"{STATUS['returned'][0]} · {DECISION['refuse'][0]}")


def test_receipt_slip_has_two_copies_and_a_pdf(login_as):
    officer = login_as("officer")
    appointment = fill_receipt(officer, APPLICANT, note="Đủ thành phần hồ sơ")
    code = confirm_receipt(officer)
    expect(officer.locator(".flash.success")).to_contain_text(code)  # says to print the slip
    slips = officer.get_by_test_id("receipt-slip")
    expect(slips).to_have_count(2)
    hour_minute, day = appointment.split(" ")
    hour, minute = hour_minute.split(":")
    for i, copy in enumerate(("Liên 1", "Liên 2")):
        slip = slips.nth(i)
        expect(slip).to_contain_text(f"Mã hồ sơ: {code}")
        expect(slip).to_contain_text(copy)
        expect(slip).to_contain_text(APPLICANT.name)
        expect(slip).to_contain_text(
            f"Thời gian trả kết quả giải quyết hồ sơ: {hour} giờ {minute} phút, ngày {day}")
        expect(slip.locator("table.docs tbody tr")).not_to_have_count(0)
        expect(slip.locator('img[alt="QR"]')).to_be_visible()

    pdf_link = officer.locator(".toolbar a", has_text="PDF")
    expect(pdf_link).to_have_attribute("href", "?format=pdf")
    answer = officer.request.get(f"/slips/receipt/{code}?format=pdf")
    assert answer.status == 200, answer.status
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body()[:5] == b"%PDF-"

    # the dossier page lists the same documents, by name, form and count
    names = [t.strip() for t in slips.first.locator("table.docs tbody td:nth-child(2)")
             .all_inner_texts()]
    officer.locator(".toolbar a", has_text="←").click()
    documents = officer.get_by_test_id("documents").locator("li")
    expect(documents).to_have_count(len(names))
    for i, name in enumerate(names):
        expect(documents.nth(i)).to_contain_text(re.compile(
            rf"^{re.escape(name)} \((bản chính|bản sao), 1\)$"))


def test_dossier_page_draws_the_diagram_with_steps_done_and_current(login_as):
    officer = login_as("officer")
    code = receive(officer, APPLICANT).code
    claim_and_complete(officer, code, "handed_over")
    claim_and_complete(login_as("specialist"), code, "approve")  # now at the head's check

    open_dossier(officer, code)
    wait_for_diagram(officer)
    diagram = officer.get_by_test_id("diagram")
    expect(diagram.locator("svg").first).to_be_visible()
    done = diagram.locator("g.djs-element.step-done")
    current = diagram.locator("g.djs-element.step-current")
    expect(current).to_have_count(1)
    assert current.get_attribute("data-element-id") == "check"
    done_ids = {done.nth(i).get_attribute("data-element-id") for i in range(done.count())}
    assert {"start", "receive", "handover", "review", "gw_review"} <= done_ids, done_ids
    assert not done_ids & {"check", "approve", "return_result", "supplement", "end"}, done_ids
    # the marked shapes are coloured by motcua.css, not only tagged
    fill = current.locator(".djs-visual > :first-child").evaluate(
        "e => getComputedStyle(e).fill")
    assert fill == "rgb(254, 243, 199)", fill


def test_public_lookup_fits_a_phone(login_as, browser, live_server):
    officer = login_as("officer")
    code = receive(officer, APPLICANT).code
    phone = new_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True,
                     device_scale_factor=2)
    try:
        phone.goto("/tra-cuu/")
        phone.locator("input[name=code]").fill(code)
        phone.locator("form.search button").click()
        expect(phone).to_have_url(re.compile(rf"/tra-cuu/{re.escape(code)}$"))
        result = phone.get_by_test_id("lookup-result")
        expect(result).to_be_visible()
        expect(result).to_contain_text(code)
        expect(phone.get_by_test_id("lookup-status")).to_have_text(STATUS["in_progress"][0])
        expect(phone.get_by_test_id("lookup-appointment")).to_have_text(APPOINTMENT)
        width = phone.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
        box = result.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    finally:
        phone.context.close()
