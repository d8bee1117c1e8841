"""Files attached at receipt: multipart with CSRF, checked by content, stored by sha256 under
the attachment folder, listed on the dossier and downloaded by staff with their own name; a
refused file, an oversize one or an oversize form creates no dossier and writes nothing."""
from __future__ import annotations

import hashlib
import io
import pathlib
import re
import zipfile

import lxml.html
import pytest
import time_machine
from flask import render_template
from sqlalchemy import func, select

from engine.models import Attachment, AuditEvent, Dossier
from tests.conftest import T0
from tests.web.test_slips_and_lookup import FORM
from web import create_app

from .conftest import by_testid, csrf, flashes, login, page, post_form, text

# Messages are asserted in English; the interface defaults to Vietnamese.
pytestmark = pytest.mark.usefixtures("english")

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LIMIT = 4096  # per file, for these tests


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def app(db_url, library, tmp_path):
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "test",
                      "ATTACHMENT_FOLDER": str(tmp_path / "files"),
                      "ATTACHMENT_MAX_BYTES": LIMIT, "MAX_CONTENT_LENGTH": 64 * 1024})
    assert app.config.get("WTF_CSRF_ENABLED", True)
    yield app
    app.extensions["motcua.engine"].dispose()


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(T0, tick=True):
        yield


def files(*pairs) -> list:
    return [(io.BytesIO(content), name) for name, content in pairs]


def receive(client, *pairs, token: bool = True):
    login(client, "officer")
    data = {**FORM, "attachments": files(*pairs)}
    if not token:
        return client.post("/officer/receive", data=data, content_type="multipart/form-data")
    return post_form(client, "/officer/receive", data, content_type="multipart/form-data")


def stored_files(app) -> list[str]:
    folder = app.config["ATTACHMENT_FOLDER"]
    return sorted(p.name for p in pathlib.Path(folder).rglob("*") if p.is_file())


def counts(library) -> tuple[int, int, int]:
    with library() as session:
        return tuple(session.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (Dossier, Attachment, AuditEvent))


def test_files_are_stored_by_hash_listed_and_downloaded(app, client, library):
    response = receive(client, ("Đơn đề nghị.pdf", PDF), ("Ảnh mặt bằng.png", PNG),
                       ("Báo cáo.docx", docx()))
    assert response.status_code == 302
    code = re.fullmatch(r"/slips/receipt/(.+)", response.location).group(1)
    assert stored_files(app) == sorted(hashlib.sha256(c).hexdigest() for c in (PDF, PNG, docx()))
    with library() as session:
        rows = list(session.execute(select(Attachment).order_by(Attachment.id)).scalars())
        assert [(a.original_name, a.mime_type, a.size) for a in rows] == [
            ("Đơn đề nghị.pdf", "application/pdf", len(PDF)),
            ("Ảnh mặt bằng.png", "image/png", len(PNG)),
            ("Báo cáo.docx", DOCX_MIME, len(docx()))]
        [event] = session.execute(select(AuditEvent).where(AuditEvent.action == "attach")).scalars()
        assert event.dossier_code == code and len(event.after["attachments"]) == 3
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        first = rows[0].id

    with app.test_request_context("/?lang=en"):
        listed = lxml.html.fromstring(render_template("officer/_slips.html", dossier=dossier))
    links = listed.xpath('//*[@data-testid="attachment-row"]//a/@href')
    assert links[0] == f"/officer/dossiers/{code}/attachments/{first}" and len(links) == 3

    login(client, "auditor")  # any reader role may download
    download = client.get(links[0])
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%C4%90%C6%A1n%20%C4%91%E1%BB%81%20ngh%E1%BB%8B.pdf" in disposition

    assert client.get(f"/officer/dossiers/000.00.31.H26-260304-9999/attachments/{first}"
                      ).status_code == 404  # the id with another dossier's code
    assert client.get(f"/officer/dossiers/{code}/attachments/999").status_code == 404
    anonymous = app.test_client().get(links[0])
    assert anonymous.status_code == 302 and "/login" in anonymous.location


@pytest.mark.parametrize("name,content,why", [
    ("Đơn đề nghị.pdf", EXE, "file Đơn đề nghị.pdf: its content is not one of the allowed types"),
    ("trang.pdf", b"<html><script>x</script></html>", "file trang.pdf: its content is not one"),
    ("ảnh.pdf", PNG, "file ảnh.pdf: its name says .pdf but its content is a PNG image"),
    ("lớn.pdf", PDF + b"0" * LIMIT, "file lớn.pdf: larger than the 4 KB allowed per file"),
    ("rỗng.pdf", b"", "file rỗng.pdf: the file is empty"),
])
def test_a_refused_file_creates_no_dossier_and_writes_nothing(app, client, library, name,
                                                              content, why):
    login(client, "officer")
    before = counts(library)
    response = receive(client, ("ok.pdf", PDF), (name, content))
    assert response.status_code == 422
    tree = page(response)
    [error] = flashes(tree, "error")
    assert why in error
    assert by_testid(tree, "appointment-preview")  # the form is shown again, ready to confirm
    assert counts(library)[:2] == before[:2] and counts(library)[2] == before[2] + 1  # login
    assert stored_files(app) == []


def test_a_form_over_the_request_limit_is_refused_clearly(app, client, library):
    login(client, "officer")
    before = counts(library)
    big = [(f"{n}.pdf", PDF + bytes([n]) * (LIMIT - len(PDF) - 1)) for n in range(20)]
    response = receive(client, *big)
    assert response.status_code == 413
    [error] = flashes(page(response), "error")
    assert "larger than the 64 KB allowed in one receipt" in error and "nothing was saved" in error
    assert counts(library)[:2] == before[:2] and stored_files(app) == []


def test_upload_keeps_the_csrf_check(app, client, library):
    before = counts(library)
    response = receive(client, ("ok.pdf", PDF), token=False)
    assert response.status_code == 400
    assert counts(library)[:2] == before[:2] and stored_files(app) == []


def test_the_receive_form_takes_files_when_confirming(client, library):
    login(client, "officer")
    response = post_form(client, "/officer/receive", {**FORM, "step": "preview"})
    tree = page(response)
    [form] = tree.xpath('//form[contains(@class, "receive")]')
    assert form.get("enctype") == "multipart/form-data"
    [field] = by_testid(tree, "attachments")
    assert field.xpath('.//input[@type="file"][@name="attachments"][@multiple]')
    assert "at most 4 KB each" in text(field)  # the setting
    with library() as session:
        assert session.execute(select(func.count()).select_from(Dossier)).scalar_one() == 0
    assert csrf(client, "/officer/receive")


def test_a_stored_file_gone_from_disk_is_a_clear_404(app, client, library):
    response = receive(client, ("Đơn.pdf", PDF))
    code = re.fullmatch(r"/slips/receipt/(.+)", response.location).group(1)
    for blob in pathlib.Path(app.config["ATTACHMENT_FOLDER"]).rglob("*"):
        if blob.is_file():
            blob.unlink()
    with library() as session:
        attachment_id = session.execute(select(Attachment.id)).scalar_one()
    response = client.get(f"/officer/dossiers/{code}/attachments/{attachment_id}")
    assert response.status_code == 404
    assert hashlib.sha256(PDF).hexdigest() in response.get_data(as_text=True)
