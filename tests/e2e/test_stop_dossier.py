"""A withdrawal recorded in a real Chromium: the one-stop officer receives a dossier, opens its
stop form, cannot confirm without a reason (the browser asks for one; a blank one the server
refuses), then records the withdrawal; the dossier page shows it and the notice prints it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from engine.models import AuditEvent, Dossier
from tests.conftest import PASSWORD
from web.formatting import STATUS

from .conftest import CHROMIUM
from .flows import Applicant, log_in, open_dossier, queue_row, receive

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is absent: install Debian's chromium to run these"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),  # SQLite file only
]

APPLICANT = Applicant("Công ty TNHH Rút Hồ Sơ")
REASON = "Công ty có văn bản đề nghị rút hồ sơ để điều chỉnh quy mô dự án"


def stored(library, code: str) -> tuple[Dossier, int]:
    """The dossier as stored, and the number of its `stop` audit events."""
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        stops = session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.dossier_id == dossier.id, AuditEvent.action == "stop")).scalar_one()
        return dossier, stops


def test_one_stop_officer_records_a_withdrawal_and_prints_the_notice(page, library):
    log_in(page, "officer", PASSWORD)
    code = receive(page, APPLICANT).code
    status = page.get_by_test_id("dossier-status")
    expect(status).to_contain_text(STATUS["in_progress"][0])
    expect(page.get_by_test_id("stop-record")).to_have_count(0)
    before, _ = stored(library, code)
    page.goto("/officer/queue?tab=unclaimed")
    expect(queue_row(page, code)).to_be_visible()  # its hand-over step waits in the queue
    open_dossier(page, code)

    page.get_by_test_id("stop-button").click()
    expect(page).to_have_url(re.compile(rf"/officer/dossiers/{re.escape(code)}/stop$"))
    form = page.get_by_test_id("stop-form")
    expect(form).to_be_visible()
    # a one-stop officer records withdrawals only: stopping is for a head or a leader
    expect(form.locator("input[name=kind]")).to_have_count(1)
    withdrawn = page.get_by_test_id("stop-kind-withdrawn")
    expect(withdrawn).to_be_checked()
    # the radio button sits beside its text, not stretched over a line of its own
    label = form.locator("label", has=withdrawn)
    radio_box, label_box = withdrawn.bounding_box(), label.bounding_box()
    assert radio_box["width"] < 40 and radio_box["x"] - label_box["x"] < 40
    assert abs(radio_box["y"] - label_box["y"]) < radio_box["height"]
    reason = page.get_by_test_id("stop-reason")
    confirm = page.get_by_test_id("stop-confirm")

    # no reason: the browser asks for one instead of posting
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    confirm.click()
    assert reason.evaluate("field => field.validity.valueMissing")
    expect(page).to_have_url(re.compile(r"/stop$"))
    expect(page.locator(".flash")).to_have_count(0)
    assert posts == []

    # a reason of blanks passes the browser; the server refuses it and shows the form again
    reason.fill("   ")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        confirm.click()
    assert answer.value.status == 422
    expect(page.locator(".flash.error")).to_have_count(1)
    expect(page.get_by_test_id("stop-form")).to_be_visible()
    expect(page.get_by_test_id("stop-kind-withdrawn")).to_be_checked()  # the entries kept
    after, stops = stored(library, code)
    assert (after.finished_at, after.status, after.version, stops) == (
        None, before.status, before.version, 0)

    page.get_by_test_id("stop-kind-withdrawn").check()
    page.get_by_test_id("stop-reason").fill(REASON)
    page.get_by_test_id("stop-confirm").click()
    expect(page).to_have_url(re.compile(rf"/officer/dossiers/{re.escape(code)}$"))
    expect(page.locator(".flash.success")).to_contain_text(code)
    expect(status).to_contain_text(STATUS["withdrawn"][0])
    record = page.get_by_test_id("stop-record")
    expect(record).to_have_attribute("data-kind", "withdrawn")
    expect(record).to_contain_text("Officer")
    expect(page.get_by_test_id("stop-record-reason")).to_have_text(REASON)
    expect(page.get_by_test_id("stop-button")).to_have_count(0)  # nothing left to stop
    after, stops = stored(library, code)
    assert after.status == "withdrawn" and after.finished_at is not None and stops == 1

    page.get_by_test_id("stop-notice-link").click()
    expect(page).to_have_url(re.compile(rf"/slips/stop/{re.escape(code)}$"))
    notice = page.get_by_test_id("stop-notice")
    expect(notice).to_have_attribute("data-kind", "withdrawn")
    expect(notice).to_contain_text(f"Mã hồ sơ: {code}")
    expect(notice).to_contain_text(APPLICANT.name)
    expect(page.get_by_test_id("stop-notice-kind")).to_contain_text("đề nghị rút hồ sơ")
    expect(page.get_by_test_id("stop-notice-reason")).to_have_text(REASON)

    # its step has left the queue
    page.goto("/officer/queue?tab=unclaimed")
    expect(page.get_by_test_id("count-unclaimed")).to_have_text("0")
    expect(queue_row(page, code)).to_have_count(0)
