"""The supplement request (form 02), refusal (03) and apology (04) slips as pages and PDFs,
and the return of the result with its rating through the task form and the return page."""
from __future__ import annotations

import io
import re
from datetime import datetime

import lxml.html
import pypdf
import pytest
import time_machine
from flask import render_template
from sqlalchemy import func, select

from engine.calendar import VN_TZ
from engine.models import AuditEvent, Dossier, DossierReturn, Rating
from engine.services import queue
from engine.services.apology import issue_apology
from tests.engine.helpers import advance, open_item, snapshot, user
from tests.web import test_slips_and_lookup as receipt

from .conftest import by_testid, flashes, login, page, post_form, text

# Messages are asserted in English; the interface defaults to Vietnamese.
pytestmark = pytest.mark.usefixtures("english")

APPLICANT = ["Công ty TNHH Cảng Xanh", "Lô CN5, KCN Đình Vũ, Hải Phòng", "0225 3 842 000",
             "info@cangxanh.vn", "Cấp Giấy chứng nhận đăng ký đầu tư"]
ITEMS = [("Báo cáo tài chính năm 2025", "Bản có xác nhận của kiểm toán độc lập"),
         ("Đề xuất dự án đầu tư", "Bổ sung tiến độ góp vốn")]
# The fixture `code`: a dossier received through the counter form at the clock's start.
code = receipt.code
REASON = "Hồ sơ chưa đủ thành phần theo Điều 33 Luật Đầu tư"
RETURN = {"result_document": "Giấy chứng nhận đăng ký đầu tư", "recipient_name": "Trần Thị Bình",
          "recipient_id_number": "031190004321", "method": "desk", "fee_vnd": "0"}


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


@pytest.fixture(autouse=True)
def clock():
    """The clock stands still and moves only forward, when a test says (`move`), so that
    web actions, service calls and the session cookie's timestamps agree."""
    with time_machine.travel(local(2026, 3, 4), tick=False) as traveller:
        _CLOCK[:] = [traveller]
        yield traveller


_CLOCK: list = []


def move(at: datetime) -> datetime:
    _CLOCK[0].move_to(at)
    return at


def forward(library, code: str, username: str, outcome: str, at: datetime) -> None:
    advance(library, code, username, outcome, move(at))


def claim(library, code: str, username: str, at: datetime) -> int:
    move(at)
    with library.begin() as session:
        item = open_item(session, code)
        queue.claim(session, user(session, username), at, item.id)
        return item.id


def submit(client, library, code: str, username: str, outcome: str, fields: dict,
           at: datetime, claimed: int | None = None):
    """As `username`: claim the dossier's task, post its form with `fields` at `at`."""
    item_id = claimed or claim(library, code, username, at)
    move(at)
    login(client, username)
    url = f"/officer/tasks/{item_id}"
    version = page(client.get(url)).xpath('//input[@name="version"]/@value')[0]
    return post_form(client, url, {"outcome": outcome, "version": version, **fields})


def rows(items) -> dict:
    return {"item_document": [d for d, _ in items], "item_needed": [n for _, n in items]}


def sheet_text(client, url: str, testid: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    [sheet] = by_testid(page(response), testid)
    return text(sheet)


def pdf_text(client, url: str) -> str:
    response = client.get(url + ("&" if "?" in url else "?") + "format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join(p.extract_text().split())
                    for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)


def requested(client, library, code: str, items=ITEMS, at=None):
    at = at or local(2026, 3, 5, 9)
    forward(library, code, "officer", "handed_over", local(2026, 3, 4, 11))
    return submit(client, library, code, "specialist", "supplement",
                  {**rows(items), "note": REASON}, at)


# --- form 02: supplement request ---------------------------------------------------------


def test_supplement_slip_has_every_field_of_form_02(client, library, code):
    response = requested(client, library, code)
    assert response.status_code == 302 and response.location == "/officer/queue"
    assert "Supplement request recorded" in flashes(page(client.get("/officer/queue")),
                                                    "success")[0]
    url = f"/slips/supplement/{code}"
    shown = sheet_text(client, url, "supplement-slip")
    for expected in ["PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", f"Số: 1/PYCBS-{code}",
                     f"Mã hồ sơ: {code}", "Hồ sơ của: Công ty TNHH Cảng Xanh", *APPLICANT,
                     f"Lý do: {REASON}", "liên hệ Bộ phận Một cửa Ban Quản lý Khu kinh tế",
                     "Specialist", "NGƯỜI HƯỚNG DẪN", "Ngày 05 tháng 03 năm 2026"]:
        assert expected.lower() in shown.lower(), expected
    [table] = by_testid(page(client.get(url)), "supplement-items")
    assert [[text(td) for td in tr.xpath("./td")] for tr in table.xpath("./tbody/tr")] == [
        ["1", *ITEMS[0]], ["2", *ITEMS[1]]]
    printed = pdf_text(client, url)
    for expected in [code, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Công ty TNHH Cảng Xanh",
                     ITEMS[0][0], ITEMS[1][1], REASON, "Specialist"]:
        assert expected in printed, expected


def test_supplement_items_are_stored_with_the_completion(client, library, code):
    requested(client, library, code)
    with library() as session:
        [event] = session.execute(select(AuditEvent).where(
            AuditEvent.action == "complete", AuditEvent.step_id == "review")).scalars()
        assert event.after["supplement_items"] == [
            {"document": d, "needed": n} for d, n in ITEMS]
        assert event.reason == REASON


def test_each_supplement_request_has_its_own_slip(client, library, code):
    requested(client, library, code)
    forward(library, code, "officer", "resubmitted", local(2026, 3, 9))
    second = [("Bản đồ vị trí", "Tỷ lệ 1/500")]
    submit(client, library, code, "specialist", "supplement", {**rows(second), "note": "Thiếu"},
           local(2026, 3, 10))
    assert "Số: 2/PYCBS" in sheet_text(client, f"/slips/supplement/{code}", "supplement-slip")
    first = sheet_text(client, f"/slips/supplement/{code}?n=1", "supplement-slip")
    assert ITEMS[0][0] in first and "Bản đồ vị trí" not in first
    assert client.get(f"/slips/supplement/{code}?n=3").status_code == 404


@pytest.mark.parametrize("items,why", [
    ([("Báo cáo tài chính", "")], "row 1: what is needed is missing"),
    ([("", "Bản sao chứng thực")], "row 1: the document is missing")])
def test_a_half_filled_supplement_row_is_refused(client, library, code, items, why):
    forward(library, code, "officer", "handed_over", local(2026, 3, 4, 11))
    item_id = claim(library, code, "specialist", local(2026, 3, 5))
    with library() as session:
        before = snapshot(session, code)
    response = submit(client, library, code, "specialist", "supplement",
                      {**rows(items), "note": REASON}, local(2026, 3, 5), claimed=item_id)
    assert response.location == f"/officer/tasks/{item_id}"
    [error] = flashes(page(client.get(response.location + "?lang=en")), "error")
    assert why in error
    with library() as session:
        assert snapshot(session, code)["state"] == before["state"]
        assert open_item(session, code).step_id == "review"


def test_the_review_form_offers_item_rows_and_the_procedure_documents(client, library, code):
    forward(library, code, "officer", "handed_over", local(2026, 3, 4, 11))
    item_id = claim(library, code, "specialist", local(2026, 3, 5))
    login(client, "specialist")
    tree = page(client.get(f"/officer/tasks/{item_id}"))
    [fields] = by_testid(tree, "supplement-fields")
    assert len(fields.xpath('.//input[@name="item_document"]')) == 6
    assert "Đề xuất dự án đầu tư" in tree.xpath('//datalist[@id="procedure-documents"]'
                                                '/option/@value')
    assert not by_testid(tree, "return-fields")


# --- form 03: refusal --------------------------------------------------------------------

REFUSAL = "Dự án không phù hợp quy hoạch phân khu đã được phê duyệt"


def test_refusal_slip_has_every_field_of_form_03(client, library, code):
    forward(library, code, "officer", "handed_over", local(2026, 3, 4, 11))
    submit(client, library, code, "specialist", "refuse", {"note": REFUSAL}, local(2026, 3, 6))
    url = f"/slips/refusal/{code}"
    shown = sheet_text(client, url, "refusal-slip")
    for expected in ["PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", f"Mã hồ sơ: {code}",
                     *APPLICANT, REFUSAL, "Specialist", "Ngày 06 tháng 03 năm 2026"]:
        assert expected.lower() in shown.lower(), expected
    printed = pdf_text(client, url)
    for expected in [code, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Công ty TNHH Cảng Xanh",
                     REFUSAL, "Specialist"]:
        assert expected in printed, expected


# --- form 04: apology --------------------------------------------------------------------

DELAY = "Chờ ý kiến thẩm định của Sở Xây dựng"


def test_apology_slip_has_every_field_of_form_04(client, library, code):
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        issue_apology(session, user(session, "officer"), move(local(2026, 3, 18)), dossier.id,
                      reason=DELAY, new_appointment_at=local(2026, 3, 23, 9))
    login(client, "officer")  # days later: a new session
    url = f"/slips/apology/{code}"
    shown = sheet_text(client, url, "apology-slip")
    for expected in ["PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", f"Mã hồ sơ: {code}",
                     "Kính gửi: Công ty TNHH Cảng Xanh", "Ngày 04/03/2026",
                     "hẹn trả kết quả giải quyết hồ sơ: 10 giờ 00 phút, ngày 19/03/2026", DELAY,
                     "hẹn lại thời gian trả kết quả: 09 giờ 00 phút, ngày 23/03/2026",
                     "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ ĐỂ XẢY RA CHẬM TRỄ",
                     "Ngày 18 tháng 03 năm 2026"]:
        assert expected.lower() in shown.lower(), expected
    printed = pdf_text(client, url)
    for expected in [code, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Công ty TNHH Cảng Xanh",
                     DELAY, "ngày 23/03/2026"]:
        assert expected in printed, expected


# --- what every slip shares --------------------------------------------------------------


@pytest.mark.parametrize("slip,says", [
    ("supplement", "No supplement was requested"), ("refusal", "was not refused"),
    ("apology", "No apology was issued")])
def test_a_slip_that_does_not_apply_says_so(client, code, slip, says):
    response = client.get(f"/slips/{slip}/{code}?lang=en")
    assert response.status_code == 404
    [notice] = by_testid(page(response), "slip-not-applicable")
    assert says in text(notice) and code in text(notice)


@pytest.mark.parametrize("slip", ["receipt", "supplement", "refusal", "apology"])
def test_slips_need_a_staff_login_and_a_known_code(client, code, slip):
    assert client.get(f"/slips/{slip}/000.00.31.H26-260304-9999").status_code == 404
    assert not by_testid(page(client.get(f"/slips/{slip}/NO-SUCH")), "slip-not-applicable")
    login(client, "auditor")  # a reader role
    assert client.get(f"/slips/{slip}/{code}").status_code in (200, 404)
    anonymous = client.application.test_client()
    response = anonymous.get(f"/slips/{slip}/{code}")
    assert response.status_code == 302 and "/login" in response.location


# --- return and rating -------------------------------------------------------------------


def signed(library, code: str) -> int:
    for username, outcome in [("officer", "handed_over"), ("specialist", "approve"),
                              ("head", "agree"), ("leader", "sign")]:
        forward(library, code, username, outcome, local(2026, 3, 5))
    return claim(library, code, "officer", local(2026, 3, 6))


def test_the_return_form_proposes_the_result_the_applicant_and_the_fee(client, library, code):
    item_id = signed(library, code)
    login(client, "officer")
    tree = page(client.get(f"/officer/tasks/{item_id}"))
    [fields] = by_testid(tree, "return-fields")
    value = {name: fields.xpath(f'.//input[@name="{name}"]/@value')[0]
             for name in ("result_document", "recipient_name", "recipient_id_number", "fee_vnd")}
    assert value == {"result_document": "Giấy chứng nhận đăng ký đầu tư",
                     "recipient_name": "Công ty TNHH Cảng Xanh",
                     "recipient_id_number": "0201234567", "fee_vnd": "0"}
    assert fields.xpath('.//select[@name="method"]/option[@selected]/@value') == ["post"]
    assert fields.xpath('.//select[@name="rating"]/option/@value') == [
        "", "very_satisfied", "satisfied", "not_satisfied"]


def test_return_with_rating_is_stored_audited_and_shown(client, library, code, app):
    item_id = signed(library, code)
    response = submit(client, library, code, "officer", "returned",
                      {**RETURN, "fee_vnd": "1.500.000", "rating": "very_satisfied",
                       "rating_comment": "Cán bộ hướng dẫn tận tình"},
                      local(2026, 3, 6, 14), claimed=item_id)
    assert response.status_code == 302 and response.location == "/officer/queue"
    with library() as session:
        row = session.execute(select(DossierReturn)).scalar_one()
        assert (row.recipient_name, row.recipient_id_number, row.method, row.fee_vnd) == (
            "Trần Thị Bình", "031190004321", "desk", 1_500_000)
        rating = session.execute(select(Rating)).scalar_one()
        assert (rating.level, rating.comment) == ("very_satisfied", "Cán bộ hướng dẫn tận tình")
        complete = session.execute(select(AuditEvent).where(
            AuditEvent.step_id == "return_result", AuditEvent.action == "complete")).scalar_one()
        assert complete.after["delivery"]["recipient_name"] == "Trần Thị Bình"
        assert session.execute(select(AuditEvent).where(
            AuditEvent.action == "rating")).scalar_one().after["level"] == "very_satisfied"
    tree = page(client.get(f"/officer/dossiers/{code}/return?lang=en"))
    [record] = by_testid(tree, "return-record")
    assert "Trần Thị Bình · 031190004321" in text(by_testid(record, "return-recipient")[0])
    assert text(by_testid(record, "return-fee")[0]) == "1.500.000 VND"
    assert text(by_testid(record, "return-method")[0]) == "At the one-stop desk"
    assert by_testid(record, "return-rating")[0].get("data-level") == "very_satisfied"
    assert not by_testid(tree, "rating-form")  # one rating per dossier


@pytest.mark.parametrize("change,why", [
    ({"fee_vnd": "-50000"}, "fee_vnd: the fee collected is an amount in VND, 0 or more"),
    ({"fee_vnd": "năm trăm"}, "fee_vnd: the fee collected is a whole amount in VND"),
    ({"recipient_name": "  "}, "recipient_name: give the name of the person who received"),
    ({"method": "drone"}, "method: choose how the result was delivered"),
    ({"rating": "happy"}, "rating: unknown rating"),
])
def test_a_bad_return_is_refused_and_changes_nothing(client, library, code, change, why):
    item_id = signed(library, code)
    with library() as session:
        before = snapshot(session, code)
    response = submit(client, library, code, "officer", "returned", {**RETURN, **change},
                      local(2026, 3, 6, 14), claimed=item_id)
    assert response.location == f"/officer/tasks/{item_id}"
    [error] = flashes(page(client.get(response.location + "?lang=en")), "error")
    assert why in error
    with library() as session:
        assert snapshot(session, code)["state"] == before["state"]
        assert session.execute(select(func.count()).select_from(DossierReturn)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(Rating)).scalar_one() == 0


def test_rating_later_on_the_return_page(client, library, code):
    item_id = signed(library, code)
    submit(client, library, code, "officer", "returned", RETURN, local(2026, 3, 6, 14),
           claimed=item_id)
    url = f"/officer/dossiers/{code}/return"
    tree = page(client.get(url))
    assert by_testid(tree, "return-rating")[0].get("data-level") == ""
    assert by_testid(tree, "rating-form")
    response = post_form(client, f"/officer/dossiers/{code}/rating", {"rating": "meh"},
                         token_page=url)
    assert response.location == url
    assert "unknown rating" in flashes(page(client.get(url + "?lang=en")), "error")[0]
    response = post_form(client, f"/officer/dossiers/{code}/rating",
                         {"rating": "not_satisfied", "rating_comment": "Phải chờ lâu"},
                         token_page=url)
    assert response.location == url
    tree = page(client.get(url))
    assert by_testid(tree, "return-rating")[0].get("data-level") == "not_satisfied"
    assert not by_testid(tree, "rating-form")
    login(client, "specialist")
    assert client.get(url).status_code == 200  # a reader sees the return
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get(url).get_data(as_text=True)).group(1)
    assert client.post(f"/officer/dossiers/{code}/rating",
                       data={"csrf_token": token, "rating": "satisfied"}).status_code == 403
    with library() as session:
        [rating] = session.execute(select(Rating)).scalars()
        assert (rating.level, rating.comment) == ("not_satisfied", "Phải chờ lâu")


def test_the_dossier_include_lists_slips_attachments_and_return(app, library, code):
    with library() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
    with app.test_request_context("/?lang=en"):
        html = render_template("officer/_slips.html", dossier=dossier)
    tree = lxml.html.fromstring(html)
    assert tree.xpath('//*[@data-testid="slip-link"]/@href') == [f"/slips/receipt/{code}"]
    assert not tree.xpath('//*[@data-testid="return-record"]')
