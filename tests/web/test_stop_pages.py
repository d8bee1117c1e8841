"""Stopping a dossier from its page: the action for those allowed, the confirmation form, the
conflict of a stale page, the notice that processing has stopped (page and PDF), the lookup."""
from __future__ import annotations

import io
from datetime import datetime

import pypdf
import pytest
import time_machine
from sqlalchemy import select

from engine.calendar import VN_TZ
from engine.models import AuditEvent, Dossier, WorkItem
from tests.engine.helpers import add_user, advance, receive

from .conftest import by_testid, csrf, flashes, login, page, text

RECEIVED, NOW = datetime(2026, 3, 4, 10, tzinfo=VN_TZ), datetime(2026, 3, 10, 15, tzinfo=VN_TZ)
REASON = "Công ty có văn bản đề nghị rút hồ sơ để bổ sung dự án"


@pytest.fixture
def code(library):
    add_user(library, "labour_head", ["head"], "lao_dong")
    code = receive(library, RECEIVED)
    advance(library, code, "officer", "handed_over", RECEIVED)
    return code


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def dossier_of(library, code: str) -> Dossier:
    with library.begin() as session:
        return session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()


def stop_url(code: str) -> str:
    return f"/officer/dossiers/{code}/stop"


def form_of(client, code: str) -> dict:
    tree = page(client.get(stop_url(code)))
    [form] = by_testid(tree, "stop-form")
    return {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}


@pytest.mark.parametrize("username, kinds", [("officer", ["withdrawn"]),
                                             ("head", ["withdrawn", "stopped"]),
                                             ("leader", ["withdrawn", "stopped"])])
def test_the_action_and_its_form_offer_what_the_role_may_record(client, code, library,
                                                                username, kinds):
    login(client, username)
    tree = page(client.get(f"/officer/dossiers/{code}"))
    [button] = by_testid(tree, "stop-button")
    assert button.get("href") == stop_url(code)
    tree = page(client.get(stop_url(code)))
    assert [k for k in ("withdrawn", "stopped") if by_testid(tree, f"stop-kind-{k}")] == kinds
    assert by_testid(tree, "stop-confirm")
    assert tree.xpath(f'//a[@href="/officer/dossiers/{code}"]')  # cancel
    assert form_of(client, code)["version"] == str(dossier_of(library, code).version)


@pytest.mark.parametrize("username", ["specialist", "labour_head"])
def test_no_action_for_those_who_may_not_stop_it(client, code, username):
    login(client, username)
    response = client.get(f"/officer/dossiers/{code}")
    if username == "specialist":  # reads the dossier of its department
        assert not by_testid(page(response), "stop-button")
    else:
        assert response.status_code == 403
    assert client.get(stop_url(code)).status_code == 403


def test_withdrawal_confirmed_shows_the_status_reason_and_notice(client, code, library,
                                                                   english):
    login(client, "officer")
    hidden = form_of(client, code)
    response = client.post(stop_url(code), data={
        **hidden, "kind": "withdrawn", "reason": REASON, "requested_on": "2026-03-09"},
        follow_redirects=True)
    assert response.status_code == 200
    tree = page(response)
    assert any("withdrawal recorded" in f for f in flashes(tree, "success"))
    assert text(by_testid(tree, "dossier-status")[0]).startswith("Withdrawn")
    [record] = by_testid(tree, "stop-record")
    assert record.get("data-kind") == "withdrawn" and REASON in text(record)
    assert "09/03/2026" in text(record)
    assert not by_testid(tree, "stop-button") and not by_testid(tree, "deadline-state")
    [link] = by_testid(tree, "stop-notice-link")
    notice = client.get(link.get("href"))
    assert notice.status_code == 200
    [sheet] = by_testid(page(notice), "stop-notice")
    words = text(sheet)
    for expected in ["Thông báo dừng xử lý hồ sơ", code, "Công ty A",
                     "04/03/2026", "đề nghị rút hồ sơ bằng văn bản", "ngày 09/03/2026",
                     REASON, "Officer", "Ngày 10 tháng 03 năm 2026"]:
        assert expected.lower() in words.lower(), expected
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        assert (dossier.status, dossier.outcome) == ("withdrawn", None)
        assert session.execute(select(WorkItem).where(WorkItem.dossier_id == dossier.id)
                               ).first() is None


def test_notice_as_pdf(client, code):
    login(client, "head")
    hidden = form_of(client, code)
    client.post(stop_url(code), data={**hidden, "kind": "stopped",
                                      "reason": "Quá hạn bổ sung hồ sơ"})
    response = client.get(f"/slips/stop/{code}?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    words = " ".join(pypdf.PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
    for expected in ["THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ", code, "Quá hạn bổ sung hồ sơ",
                     "thông báo dừng xử lý hồ sơ nêu trên với lý do", "Head"]:
        assert expected in words, expected


def test_no_notice_for_a_dossier_still_in_progress(client, code):
    login(client, "officer")
    response = client.get(f"/slips/stop/{code}")
    assert response.status_code == 404 and by_testid(page(response), "slip-not-applicable")


def test_a_stale_page_shows_the_form_again_with_the_entries_kept(client, code, library,
                                                                   english):
    login(client, "officer")
    hidden = form_of(client, code)
    advance(library, code, "specialist", "approve", NOW)  # someone moves the dossier on
    response = client.post(stop_url(code), data={**hidden, "kind": "withdrawn",
                                                  "reason": REASON})
    assert response.status_code == 409
    tree = page(response)
    assert by_testid(tree, "stop-conflict")
    assert any("changed by someone else" in f for f in flashes(tree, "error"))
    assert text(by_testid(tree, "stop-reason")[0]) == REASON
    current = dossier_of(library, code)
    assert current.status == "in_progress" and current.finished_at is None
    [version] = tree.xpath('//input[@name="version"]/@value')
    assert version == str(current.version) != hidden["version"]
    # confirming again, having seen the dossier as it is now, stops it
    response = client.post(stop_url(code), data={
        "csrf_token": hidden["csrf_token"], "version": version, "kind": "withdrawn",
        "reason": REASON})
    assert response.status_code == 302 and dossier_of(library, code).status == "withdrawn"


def test_reason_required_and_csrf_checked(client, code, library, english):
    login(client, "officer")
    hidden = form_of(client, code)
    response = client.post(stop_url(code), data={**hidden, "kind": "withdrawn", "reason": " "})
    assert response.status_code == 422
    assert any("reason is required" in f for f in flashes(page(response), "error"))
    response = client.post(stop_url(code), data={"version": hidden["version"],
                                                  "kind": "withdrawn", "reason": REASON})
    assert response.status_code == 400  # no CSRF token
    with library.begin() as session:
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "stop")
                               ).first() is None
    assert dossier_of(library, code).finished_at is None


def test_a_finished_dossier_sends_back_to_its_page(client, code, english):
    login(client, "officer")
    hidden = form_of(client, code)
    client.post(stop_url(code), data={**hidden, "kind": "withdrawn", "reason": REASON})
    response = client.get(stop_url(code), follow_redirects=True)
    assert any("already finished" in f for f in flashes(page(response), "error"))


def test_lookup_and_lists_show_the_status(client, code, english):
    login(client, "leader")
    hidden = form_of(client, code)
    client.post(stop_url(code), data={**hidden, "kind": "stopped", "reason": "Theo quy định"})
    anonymous = client.application.test_client()
    tree = page(anonymous.get(f"/tra-cuu/{code}?lang=vi"))
    assert text(by_testid(tree, "lookup-status")[0]) == "Đã dừng xử lý"
    assert not by_testid(tree, "lookup-appointment")
    listing = client.get(f"/officer/dossiers?q={code}").get_data(as_text=True)
    assert "Stopped" in listing
    assert csrf(client, "/officer/queue")  # the queue still renders
    assert code not in client.get("/officer/queue").get_data(as_text=True)
