"""The receipt and appointment slip (page and PDF) and the public lookup by dossier code."""
from __future__ import annotations

import io
import re

import pypdf
import pytest
import time_machine

from tests.conftest import T0
from tests.web.conftest import login, page, post_form

FORM = {"procedure_code": "BQL.DT.01", "channel": "counter", "applicant_kind": "organisation",
        "applicant_name": "Công ty TNHH Cảng Xanh", "applicant_id_number": "0201234567",
        "applicant_address": "Lô CN5, KCN Đình Vũ, Hải Phòng",
        "applicant_phone": "0225 3 842 000", "applicant_email": "info@cangxanh.vn",
        "sets": "2", "result_delivery": "post", "note": "Đủ thành phần",
        "documents": ["Văn bản đề nghị thực hiện dự án đầu tư", "Đề xuất dự án đầu tư"],
        "step": "save"}


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(T0, tick=True):  # Wednesday 4 March 2026, 10:00 in Vietnam
        yield


@pytest.fixture
def code(client):
    login(client, "officer")
    response = post_form(client, "/officer/receive", FORM)
    assert response.status_code == 302
    return re.fullmatch(r"/slips/receipt/(.+)", response.location).group(1)


def test_receipt_slip_has_every_field_of_form_01(client, code):
    html = client.get(f"/slips/receipt/{code}").get_data(as_text=True)
    tree = page(client.get(f"/slips/receipt/{code}"))
    sheets = tree.xpath('//*[@data-testid="receipt-slip"]')
    assert len(sheets) == 2  # one copy kept with the control slip, one for the applicant
    text = " ".join(sheets[0].text_content().split())
    for expected in [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ".lower(), f"Mã hồ sơ: {code}",
        "Tiếp nhận hồ sơ của: Công ty TNHH Cảng Xanh", "Lô CN5, KCN Đình Vũ, Hải Phòng",
        "0225 3 842 000", "info@cangxanh.vn",
        "Cấp Giấy chứng nhận đăng ký đầu tư",
        "Số lượng hồ sơ: 2 (bộ)", "theo quy định là: 15 ngày",
        "Thời gian nhận hồ sơ: 10 giờ 00 phút, ngày 04/03/2026",
        "Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 00 phút, ngày 19/03/2026",
        "Đăng ký nhận kết quả tại: Qua dịch vụ bưu chính",
        "Quyển số: 2026, Số thứ tự: 1",
        "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Officer",
    ]:
        assert expected.lower() in text.lower(), expected
    rows = [[" ".join(td.text_content().split()) for td in tr.xpath("./td")]
            for tr in sheets[0].xpath('.//table[@class="docs"]/tbody/tr')]
    assert rows == [["1", "Văn bản đề nghị thực hiện dự án đầu tư", "Bản chính", "1"],
                    ["2", "Đề xuất dự án đầu tư", "Bản chính", "1"]]  # only what was received
    qr = sheets[0].xpath('.//img[@alt="QR"]/@src')
    assert qr and qr[0].startswith("data:image/svg+xml")
    assert f"/tra-cuu/{code}" in html


def test_receipt_slip_pdf_carries_the_same_text(client, code):
    response = client.get(f"/slips/receipt/{code}?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2
    text = " ".join(reader.pages[0].extract_text().split())
    for expected in [code, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Công ty TNHH Cảng Xanh",
                     "10 giờ 00 phút, ngày 19/03/2026", "Số thứ tự: 1"]:
        assert expected in text, expected


def test_slips_need_a_staff_login(client, code):
    response = client.application.test_client().get(f"/slips/receipt/{code}")
    assert response.status_code == 302 and "/login" in response.location


def test_public_lookup_shows_progress_but_nothing_personal(client, code):
    anonymous = client.application.test_client()
    response = anonymous.get(f"/tra-cuu/{code}")
    assert response.status_code == 200
    tree = page(response)
    result = " ".join(tree.xpath('//*[@data-testid="lookup-result"]')[0].text_content().split())
    assert code in result and "Cấp Giấy chứng nhận đăng ký đầu tư" in result
    assert "10:00 19/03/2026" in result and "Đang xử lý" in result
    body = response.get_data(as_text=True)
    for personal in ("Cảng Xanh", "0225 3 842 000", "info@cangxanh.vn", "Lô CN5", "0201234567"):
        assert personal not in body
    assert anonymous.get(f"/tra-cuu/?code={code}").location.endswith(f"/tra-cuu/{code}")


def test_public_lookup_of_an_unknown_or_malformed_code(client):
    anonymous = client.application.test_client()
    for bad in ("000.00.31.H26-260304-9999", "<script>", "x" * 200):
        response = anonymous.get(f"/tra-cuu/{bad}")
        assert response.status_code == 404
        assert page(response).xpath('//*[@data-testid="lookup-not-found"]')
        assert "<script>" not in response.get_data(as_text=True).replace("&lt;script&gt;", "")


def test_public_lookup_is_rate_limited(client, code):
    anonymous = client.application.test_client()
    answers = [anonymous.get(f"/tra-cuu/{code}").status_code for _ in range(31)]
    assert answers[:30] == [200] * 30 and answers[30] == 429
