"""The auditor's area over HTTP: the event search (filters, pages, CSV, located errors), a
dossier's timeline, the process-control slip (form 05) and the dossier tracking book (form 06)
as pages and PDFs, and who may read them."""
from __future__ import annotations

import csv
import io

import pypdf
import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent
from tests.engine.helpers import advance, receive
from tests.engine.test_handovers import local, returned_dossier

from .conftest import by_testid, login, page, text

FORM_05 = ["PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Mã hồ sơ", "Tên tổ chức, cá nhân",
           "Thủ tục", "Ngày tiếp nhận", "Ngày hẹn trả kết quả", "Tên cơ quan, bộ phận",
           "Thời gian giao, nhận hồ sơ", "Người giao, thời gian giao",
           "Người nhận, thời gian nhận", "Kết quả giải quyết hồ sơ", "Trước hạn", "Đúng hạn",
           "Quá hạn", "Ghi chú", "Người giao", "Người nhận"]
FORM_06 = ["SỔ THEO DÕI HỒ SƠ", "STT", "Mã hồ sơ", "Tên thủ tục hành chính",
           "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức", "Địa chỉ, số điện thoại",
           "Cơ quan chủ trì giải quyết", "Nhận hồ sơ", "Hẹn trả kết quả",
           "Chuyển hồ sơ đến cơ quan giải quyết", "Nhận kết quả từ cơ quan giải quyết",
           "Trả kết quả cho cá nhân, tổ chức", "Ký nhận", "Ghi chú"]
LABOUR = "BQL.LD.03"


@pytest.fixture
def dossiers(library):
    """A returned investment dossier (supplement, reassignment, a late review) and a labour
    dossier handed over a week later."""
    returned = returned_dossier(library)
    labour = receive(library, local(11, 9), LABOUR, "Bà Lê Thị C")
    advance(library, labour, "officer", "handed_over", local(11, 10))
    return {"returned": returned, "labour": labour}


def events_shown(client, query: str = "") -> list:
    response = client.get(f"/audit/events{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return by_testid(page(response), "event-row")


def audit_count(library) -> int:
    with library() as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def test_a_specialist_cannot_read_the_audit_area(client, dossiers):
    login(client, "specialist")
    for url in ["/audit/events", "/audit/events.csv", "/audit/verify", "/audit/tracking-book",
                f"/audit/dossiers/{dossiers['returned']}"]:
        assert client.get(url).status_code == 403, url


def test_the_control_slip_respects_dossier_scope(client, dossiers):
    url = f"/audit/dossiers/{dossiers['returned']}/control-slip"
    login(client, "labour_specialist")
    assert client.get(url).status_code == 403
    assert client.get(f"/audit/dossiers/{dossiers['labour']}/control-slip").status_code == 200
    login(client, "specialist")
    assert client.get(url).status_code == 200
    assert client.get("/audit/dossiers/NO-SUCH-CODE/control-slip").status_code == 404
    # linked from the dossier page's slips
    links = page(client.get(f"/officer/dossiers/{dossiers['returned']}")).xpath(
        '//*[@data-testid="control-slip-link"]/@href')
    assert url in links


def test_each_filter_narrows_the_events(client, dossiers):
    login(client, "auditor")
    everything = events_shown(client)
    assert len(everything) == 50 and by_testid(page(client.get("/audit/events")), "older")
    ids = [int(r.get("data-event")) for r in everything]
    assert ids == sorted(ids, reverse=True)  # newest first

    by_code = events_shown(client, f"?code={dossiers['returned']}")
    assert 10 < len(by_code) < 50 and all(
        dossiers["returned"] in text(r) for r in by_code)
    by_procedure = events_shown(client, f"?procedure={LABOUR}")
    assert {r.get("data-action") for r in by_procedure} == {"receive", "complete", "claim",
                                                             "install_procedure"}
    assert all(dossiers["returned"] not in text(r) for r in by_procedure)
    by_user = events_shown(client, "?user=specialist2")
    assert [r.get("data-action") for r in by_user] == ["complete"]
    by_action = events_shown(client, "?action=clock_stop")
    assert [r.get("data-action") for r in by_action] == ["clock_stop"]
    in_period = events_shown(client, "?from=2026-03-19&to=2026-03-19")
    assert len(in_period) == 3 and all("19/03/2026" in text(r) for r in in_period)
    both = events_shown(client, f"?code={dossiers['returned']}&action=complete&user=officer")
    assert len(both) == 3  # hand-over, resubmission, return
    assert events_shown(client, "?from=2027-01-01") == []


def test_older_pages_follow_without_overlap(client, dossiers):
    login(client, "auditor")
    first = page(client.get("/audit/events"))
    [older] = by_testid(first, "older")
    second = page(client.get(older.get("href")))
    first_ids = {r.get("data-event") for r in by_testid(first, "event-row")}
    second_ids = [int(r.get("data-event")) for r in by_testid(second, "event-row")]
    assert second_ids and not first_ids & {str(i) for i in second_ids}
    assert max(second_ids) < min(int(i) for i in first_ids)


@pytest.mark.parametrize("query,field", [
    ("?from=2026-13-01", "from"), ("?to=yesterday", "to"), ("?from=2026-03-10&to=2026-03-01", "to"),
    ("?code=XYZ-000", "code"), ("?procedure=NOPE", "procedure"), ("?user=ghost", "user"),
    ("?action=drop_table", "action"), ("?before=abc", "before"), ("?code=" + "A" * 500, "code")])
def test_a_bad_filter_is_a_located_400_and_changes_nothing(client, dossiers, library, query,
                                                           field):
    login(client, "auditor")
    before = audit_count(library)
    response = client.get("/audit/events" + query)
    assert response.status_code == 400
    [error] = by_testid(page(response), "filter-error")
    assert error.get("data-field") == field
    assert page(response).xpath(f'//*[@name="{field}"][@aria-invalid="true"]') or \
        field == "before"
    if field != "before":  # the download has no pages
        assert client.get("/audit/events.csv" + query).status_code == 400
    assert audit_count(library) == before


def test_the_csv_holds_the_filtered_events(client, dossiers):
    login(client, "auditor")
    response = client.get(f"/audit/events.csv?code={dossiers['returned']}&action=complete")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["event", "time (Vietnam)", "user", "user name", "action"]
    assert len(rows) == 1 + 7 and {r[5] for r in rows[1:]} == {dossiers["returned"]}
    late = [r for r in rows[1:] if '"step_result": "late"' in r[11]]
    assert [r[6] for r in late] == ["review"] and late[0][1] == "19/03/2026 10:00:00"


def test_the_timeline_shows_steps_versions_pauses_and_results(client, dossiers):
    login(client, "auditor")
    tree = page(client.get(f"/audit/dossiers/{dossiers['returned']}"))
    rows = by_testid(tree, "timeline-row")
    actions = [r.get("data-action") for r in rows]
    assert actions[0] == "receive" and actions[-1] == "complete"
    assert {"clock_stop", "clock_resume", "reassign", "claim"} <= set(actions)
    steps = [text(s) for s in by_testid(tree, "timeline-step")]
    assert "Thẩm định hồ sơ" in steps and "Lãnh đạo phê duyệt, ký" in steps
    assert tree.xpath('//*[@data-result="late"]') and "v1" in text(rows[0])
    stop = rows[actions.index("clock_stop")]
    assert "ghi chú supplement" in text(stop)
    assert by_testid(tree, "control-slip-link")


def test_the_control_slip_page_and_pdf_carry_every_column(client, dossiers):
    login(client, "auditor")
    url = f"/audit/dossiers/{dossiers['returned']}/control-slip"
    tree = page(client.get(url))
    html = text(tree)
    for column in FORM_05:
        assert column.lower() in html.lower(), column
    rows = by_testid(tree, "handover-row")
    assert [r.get("data-kind") for r in rows] == ["receipt"] + ["step"] * 7 + ["return"]
    assert [r.get("data-result") for r in rows][4] == "late"
    assert "Specialist2" in text(by_testid(tree, "handover-receiver")[4])
    assert "09/03/2026 10:00:00" in text(by_testid(tree, "handover-receiver")[4])
    response = client.get(url + "?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf_text = " ".join(p.extract_text() for p in pypdf.PdfReader(
        io.BytesIO(response.data)).pages)
    flat = " ".join(pdf_text.split()).lower()
    for column in FORM_05 + [dossiers["returned"], "Nguyễn Văn An", "Specialist2"]:
        assert column.lower() in flat, column


def test_the_tracking_book_page_and_pdf(client, dossiers):
    login(client, "auditor")
    tree = page(client.get("/audit/tracking-book?from=2026-03-01&to=2026-03-31"))
    html = text(tree)
    for column in FORM_06:
        assert column.lower() in html.lower(), column
    lines = by_testid(tree, "book-line")
    assert [line.get("data-code") for line in lines] == [dossiers["returned"], dossiers["labour"]]
    assert [text(n) for n in by_testid(tree, "book-number")] == ["1", "2"]
    assert [text(n) for n in by_testid(tree, "book-sent")] == ["04/03/2026", "11/03/2026"]
    assert [text(n) for n in by_testid(tree, "book-back")] == ["20/03/2026", ""]
    assert [text(n) for n in by_testid(tree, "book-returned")] == ["20/03/2026", ""]
    assert text(by_testid(tree, "book-recipient")[0]) == "Nguyễn Văn An"
    assert "Yêu cầu bổ sung 05/03/2026" in text(by_testid(tree, "book-notes")[0])
    # the serial is the one the receipt slip prints
    receipt = text(page(client.get(f"/slips/receipt/{dossiers['labour']}")))
    assert "Quyển số: 2026, Số thứ tự: 2" in receipt
    response = client.get("/audit/tracking-book?from=2026-03-01&to=2026-03-31&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    flat = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(
        io.BytesIO(response.data)).pages).split()).lower()
    for column in FORM_06 + [dossiers["labour"], "Bà Lê Thị C"]:
        assert column.lower() in flat, column


def test_a_printed_book_covers_at_most_a_quarter(client, dossiers, english):
    login(client, "auditor")
    response = client.get("/audit/tracking-book?from=2026-01-01&to=2026-04-30&format=pdf")
    assert response.status_code == 400 and response.mimetype == "text/html"
    [error] = by_testid(page(response), "filter-error")
    assert error.get("data-field") == "to" and "one quarter" in text(error)
    # the page itself may show any period, and says why it has no PDF
    long = page(client.get("/audit/tracking-book?from=2026-01-01&to=2026-04-30"))
    assert "one quarter" in text(by_testid(long, "book-not-printable")[0])
    assert by_testid(long, "book-pdf") == [] and len(by_testid(long, "book-line")) == 2
    bad = client.get("/audit/tracking-book?from=2026-02-30")
    assert bad.status_code == 400 and by_testid(page(bad), "filter-error")[0].get(
        "data-field") == "from"
    assert client.get("/audit/tracking-book?page=0").status_code == 400


def test_verifying_the_chain_reads_it_intact(client, dossiers, english):
    login(client, "quality")
    tree = page(client.get("/audit/verify"))
    [report] = by_testid(tree, "chain-report")
    assert report.get("data-intact") == "yes" and "intact" in text(report), text(report)


def test_a_long_book_prints_in_parts(client, dossiers, monkeypatch):
    monkeypatch.setattr("web.audit.books.PDF_PART", 1)
    login(client, "auditor")
    period = "from=2026-03-01&to=2026-03-31"
    links = [a.get("href") for a in by_testid(
        page(client.get(f"/audit/tracking-book?{period}")), "book-pdf")]
    assert len(links) == 2 and all("format=pdf" in link for link in links)
    second = client.get(links[1])
    assert second.status_code == 200 and second.mimetype == "application/pdf"
    flat = " ".join(pypdf.PdfReader(io.BytesIO(second.data)).pages[0].extract_text().split())
    assert dossiers["labour"] in flat and dossiers["returned"] not in flat
    assert "Phần 2/2" in flat
    assert client.get(f"/audit/tracking-book?{period}&format=pdf&part=3").status_code == 404
    bad = client.get(f"/audit/tracking-book?{period}&format=pdf&part=x")
    assert bad.status_code == 400 and by_testid(page(bad), "filter-error")[0].get(
        "data-field") == "part"
