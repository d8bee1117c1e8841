"""Return of the result (what, to whom, how, fee), the applicant's rating, the items of a
supplement request, and files received with a dossier: stored, audited, and any bad input
refused with nothing changed."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict, Forbidden, InvalidInput
from engine.models import Attachment, AuditEvent, Dossier, DossierPause, DossierReturn, Rating
from engine.services import attachments, queue, ratings, returns

from ..conftest import T0
from .helpers import advance, hours, open_item, receive, snapshot, user

BEFORE_RETURN = [("officer", "handed_over"), ("specialist", "approve"), ("head", "agree"),
                 ("leader", "sign")]
DELIVERY = {"result_document": "Giấy chứng nhận đăng ký đầu tư",
            "recipient_name": "Nguyễn Văn An", "recipient_id_number": "031085001234",
            "method": "desk", "fee_vnd": 0}


def signed(sessions) -> str:
    code = receive(sessions, T0)
    for username, outcome in BEFORE_RETURN:
        advance(sessions, code, username, outcome, T0 + hours(1))
    return code


def claimed(sessions, code: str, username: str = "officer") -> None:
    with sessions.begin() as session:
        queue.claim(session, user(session, username), T0 + hours(2), open_item(session, code).id)


def return_it(sessions, code: str, delivery: dict = DELIVERY, rating: dict | None = None,
              username: str = "officer"):
    if open_item_assignee(sessions, code) is None:
        claimed(sessions, code, username)
    with sessions.begin() as session:
        return returns.complete_return(session, user(session, username), T0 + hours(3),
                                       open_item(session, code).id, outcome="returned",
                                       delivery=delivery, rating=rating, note="Trả tận tay")


def open_item_assignee(sessions, code: str) -> int | None:
    with sessions() as session:
        return open_item(session, code).assignee_id


def events(session, code: str, action: str) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(
        AuditEvent.dossier_code == code, AuditEvent.action == action)
        .order_by(AuditEvent.id)).scalars())


def test_return_records_delivery_and_rating_with_the_completion(library):
    code = signed(library)
    return_it(library, code, rating={"level": "very_satisfied", "comment": " Nhanh, gọn "})
    with library() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        assert dossier.status == "returned" and dossier.finished_at == T0 + hours(3)
        row = session.execute(select(DossierReturn)).scalar_one()
        assert (row.dossier_id, row.returned_at, row.recipient_name, row.recipient_id_number,
                row.method, row.fee_vnd, row.result_document) == (
            dossier.id, T0 + hours(3), "Nguyễn Văn An", "031085001234", "desk", 0,
            "Giấy chứng nhận đăng ký đầu tư")
        assert row.returned_by_id == user(session, "officer").id
        rating = session.execute(select(Rating)).scalar_one()
        assert (rating.dossier_id, rating.level, rating.comment) == (
            dossier.id, "very_satisfied", "Nhanh, gọn")
        complete = events(session, code, "complete")[-1]
        assert complete.step_id == "return_result" and complete.reason == "Trả tận tay"
        assert complete.after["delivery"] == DELIVERY
        assert complete.after["rating"] == {"level": "very_satisfied", "comment": "Nhanh, gọn"}
        [rated] = events(session, code, "rating")
        assert rated.after["level"] == "very_satisfied" and rated.actor_name == "officer"


@pytest.mark.parametrize("change,field", [
    ({"fee_vnd": -1000}, "fee_vnd"), ({"fee_vnd": "50000"}, "fee_vnd"),
    ({"fee_vnd": True}, "fee_vnd"), ({"recipient_name": "  "}, "recipient_name"),
    ({"recipient_name": None}, "recipient_name"), ({"method": "pigeon"}, "method"),
    ({"result_document": ""}, "result_document"), ({"recipient_id_number": "9" * 41},
                                                   "recipient_id_number"),
])
def test_a_bad_delivery_is_refused_and_changes_nothing(library, change, field):
    code = signed(library)
    claimed(library, code)
    with library() as session:
        before = snapshot(session, code)
    with pytest.raises(InvalidInput) as refused:
        return_it(library, code, {**DELIVERY, **change})
    assert field in refused.value.details
    with library() as session:
        assert snapshot(session, code) == before
        assert session.execute(select(func.count()).select_from(DossierReturn)).scalar_one() == 0


def test_an_unknown_rating_is_refused_and_changes_nothing(library):
    code = signed(library)
    with pytest.raises(InvalidInput, match="unknown rating 'happy'"):
        return_it(library, code, rating={"level": "happy", "comment": ""})
    with library() as session:
        assert open_item(session, code).step_id == "return_result"
        assert session.execute(select(func.count()).select_from(DossierReturn)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(Rating)).scalar_one() == 0


def test_only_the_return_step_takes_a_delivery(library):
    code = receive(library, T0)
    with library.begin() as session:
        item = open_item(session, code)
        with pytest.raises(InvalidInput, match="does not return"):
            returns.complete_return(session, user(session, "officer"), T0, item.id,
                                    outcome="handed_over", delivery=DELIVERY)


def test_rating_later_once_by_the_desk_after_the_return(library):
    code = signed(library)
    with library() as session:
        dossier_id = open_item(session, code).dossier_id
    with library.begin() as session, pytest.raises(Conflict, match="not been returned"):
        ratings.rate(session, user(session, "officer"), T0, dossier_id, level="satisfied")
    return_it(library, code)
    with library.begin() as session, pytest.raises(Forbidden):
        ratings.rate(session, user(session, "specialist"), T0, dossier_id, level="satisfied")
    with library.begin() as session:
        ratings.rate(session, user(session, "officer"), T0 + hours(5), dossier_id,
                     level="not_satisfied", comment="Chờ lâu")
    with library.begin() as session, pytest.raises(Conflict, match="already rated"):
        ratings.rate(session, user(session, "officer"), T0 + hours(6), dossier_id,
                     level="very_satisfied")
    with library() as session:
        [rating] = session.execute(select(Rating)).scalars()
        assert (rating.level, rating.comment, rating.rated_at) == (
            "not_satisfied", "Chờ lâu", T0 + hours(5))
        [event] = events(session, code, "rating")
        assert event.after["level"] == "not_satisfied" and event.reason == "Chờ lâu"


def test_the_return_form_proposes_the_procedure_and_the_applicant(library):
    code = signed(library)
    with library() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        assert returns.default_delivery(dossier) == {
            "result_document": "Giấy chứng nhận đăng ký đầu tư", "recipient_name": "Công ty A",
            "recipient_id_number": "", "method": "desk", "fee_vnd": 0}


@pytest.mark.parametrize("text,amount", [
    ("Không thu phí", 0), ("3.000.000 đồng", 3_000_000), ("150.000 đồng", 150_000),
    ("1.500.000 đồng (Thông tư 143/2016/TT-BTC) (cần xác minh / verify)", 1_500_000),
    ("Theo quy định của HĐND tỉnh", None), ("", None)])
def test_default_fee_reads_a_single_amount(text, amount):
    assert returns.default_fee(text) == amount


# --- supplement requests -----------------------------------------------------------------

ITEMS = [{"document": "Báo cáo tài chính 2025", "needed": "Bản có kiểm toán"},
         {"document": "Đề xuất dự án đầu tư", "needed": "Bổ sung tiến độ thực hiện"}]


def request_supplement(sessions, code: str, items) -> None:
    with sessions.begin() as session:
        actor = user(session, "specialist")
        item = open_item(session, code)
        queue.claim(session, actor, T0 + hours(2), item.id)
        from engine.services.dossiers import complete_task
        complete_task(session, actor, T0 + hours(2), item.id, outcome="supplement",
                      note="Hồ sơ chưa đủ", data={"supplement_items": items})


def test_supplement_items_go_to_the_task_data_audit_and_pause(library):
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    request_supplement(library, code, ITEMS)
    with library() as session:
        [complete] = [e for e in events(session, code, "complete") if e.step_id == "review"]
        assert complete.after["supplement_items"] == ITEMS
        assert complete.reason == "Hồ sơ chưa đủ"
        pause = session.execute(select(DossierPause)).scalar_one()
        assert pause.reason == ("Hồ sơ chưa đủ\n1. Báo cáo tài chính 2025: Bản có kiểm toán\n"
                                "2. Đề xuất dự án đầu tư: Bổ sung tiến độ thực hiện")
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        assert dossier.status == "awaiting_supplement"
        assert "Báo cáo tài chính 2025" in json.dumps(json.loads(dossier.workflow_state),
                                                       ensure_ascii=False)  # in the task data


@pytest.mark.parametrize("items", [[{"document": "Báo cáo", "needed": ""}], ["Báo cáo"],
                                   "Báo cáo", [{"document": " ", "needed": "x"}]])
def test_malformed_supplement_items_are_refused(library, items):
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    with library() as session:
        before = snapshot(session, code)
    with pytest.raises(InvalidInput, match="each item"):
        request_supplement(library, code, items)
    with library() as session:
        assert snapshot(session, code)["state"] == before["state"]
        assert session.execute(select(func.count()).select_from(DossierPause)).scalar_one() == 0


# --- attachments -------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(main_part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name,content,kind", [
    ("don.pdf", PDF, "pdf"), ("anh.PNG", PNG, "png"), ("the.jpg", JPEG, "jpeg"),
    ("the.jpeg", JPEG, "jpeg"), ("bao-cao.docx", office("word/document.xml"), "docx"),
    ("so-lieu.xlsx", office("xl/workbook.xml"), "xlsx")])
def test_allowed_kinds_are_told_by_their_content(name, content, kind):
    [upload] = attachments.check_uploads([(name, content)])
    assert (upload.kind, upload.sha256) == (kind, hashlib.sha256(content).hexdigest())


@pytest.mark.parametrize("name,content,why", [
    ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 60, "not one of the allowed types"),
    ("trang.pdf", b"<html>hi</html>", "not one of the allowed types"),
    ("anh.pdf", JPEG, "its name says .pdf but its content is a JPEG image (.jpg or .jpeg)"),
    ("don.docx", PDF, "its name says .docx but its content is a PDF (.pdf)"),
    ("don", PDF, "its name says no extension but its content is a PDF"),
    ("nen.docx", office("other.xml"), "not one of the allowed types"),
    ("hong.xlsx", b"PK\x03\x04broken", "not one of the allowed types"),
    ("rong.pdf", b"", "the file is empty"),
    ("lon.pdf", PDF + b"x" * 1000, "larger than the 1000 bytes allowed per file"),
])
def test_refused_files_are_named_with_the_reason(name, content, why):
    with pytest.raises(InvalidInput) as refused:
        attachments.check_uploads([("ok.pdf", PDF + b"1"), (name, content)], max_bytes=1000)
    assert refused.value.message.startswith(f"file {name}: ") and why in refused.value.message


def test_the_same_file_twice_and_too_many_files_are_refused():
    with pytest.raises(InvalidInput, match="file b.pdf: the same content as file a.pdf"):
        attachments.check_uploads([("a.pdf", PDF), ("b.pdf", PDF)])
    with pytest.raises(InvalidInput, match="at most"):
        attachments.check_uploads([(f"{n}.pdf", PDF + bytes([n])) for n in range(31)])


def test_the_uploaded_name_is_recorded_never_used_as_a_path():
    assert attachments.clean_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert attachments.clean_name("C:\\Users\\an\\Đơn đề nghị.pdf") == "Đơn đề nghị.pdf"
    assert attachments.clean_name("a\x00b\nc.pdf") == "abc.pdf"
    long = attachments.clean_name("x" * 300 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")
    with pytest.raises(ValueError):
        attachments.blob_path("/tmp", "../" + "a" * 61)


def test_store_writes_each_content_once_by_its_hash_and_audits(library, tmp_path):
    tmp_path = tmp_path / "files"
    code = receive(library, T0)
    uploads = attachments.check_uploads([("../Đơn.pdf", PDF), ("anh.png", PNG)])
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        rows = attachments.store(session, user(session, "officer"), T0, dossier, uploads,
                                 tmp_path)
        assert [r.original_name for r in rows] == ["Đơn.pdf", "anh.png"]
    sha = hashlib.sha256(PDF).hexdigest()
    assert (tmp_path / sha[:2] / sha).read_bytes() == PDF
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [sha, hashlib.sha256(PNG).hexdigest()])
    with library() as session:
        stored = attachments.attachments_of(session, rows[0].dossier_id)
        assert [(a.original_name, a.mime_type, a.size, a.sha256) for a in stored] == [
            ("Đơn.pdf", "application/pdf", len(PDF), sha),
            ("anh.png", "image/png", len(PNG), hashlib.sha256(PNG).hexdigest())]
        [event] = events(session, code, "attach")
        assert [a["name"] for a in event.after["attachments"]] == ["Đơn.pdf", "anh.png"]
        assert session.execute(select(func.count()).select_from(Attachment)).scalar_one() == 2

    other = receive(library, T0, name="Công ty B")  # the same content for another dossier
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == other)).scalar_one()
        attachments.store(session, user(session, "officer"), T0, dossier,
                          attachments.check_uploads([("ban-sao.pdf", PDF)]), tmp_path)
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 2  # stored once
    with library() as session:
        assert session.execute(select(func.count()).select_from(Attachment)).scalar_one() == 3
