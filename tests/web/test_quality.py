"""The quality manager's pages through the Flask test client, CSRF on."""
from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from bpmn.diagram import sha256_of
from engine.models import AuditEvent, Dossier, ProcessVersion
from tests.bpmn.helpers import DATA
from tests.conftest import T0
from tests.engine.helpers import add_user, advance, hours, receive
from tests.engine.test_versions import drop_allotment, edit, insert_before_review, set_allotment
from tests.web.conftest import by_testid, csrf, flashes, login, page, post_form, text

P = "BQL.DT.01"
BASE = f"/quality/{P}"


@pytest.fixture
def quality_client(client, library):
    add_user(library, "quality2", ["quality"], "van_phong")
    login(client, "quality")
    return client


def v1_xml(client) -> str:
    return client.get(f"{BASE}/v1.bpmn").get_data(as_text=True)


def save_json(client, body: dict, page_url: str = f"{BASE}/v1/modeler"):
    token = csrf(client, page_url)
    return client.post(f"{BASE}/drafts", data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": token})


def count_versions(library) -> int:
    with library.begin() as session:
        return session.execute(select(func.count()).select_from(ProcessVersion)).scalar_one()


def test_the_list_shows_each_procedure_with_its_version_in_force(quality_client):
    landing = quality_client.get("/")
    assert landing.location == "/quality/"
    tree = page(quality_client.get("/quality/"))
    rows = by_testid(tree, "procedure-row")
    assert len(rows) == 24 and rows[0].get("data-code") == "BQL.DT.01"
    assert "v1" in text(rows[0])
    assert tree.xpath('//header//a[@href="/quality/"]'), "the Procedures link in the menu"


def test_the_procedure_page_lists_versions_with_status_sha_author_and_dates(quality_client):
    tree = page(quality_client.get(BASE))
    rows = by_testid(tree, "version-row")
    assert [r.get("data-number") for r in rows] == ["1"]
    assert rows[0].get("data-status") == "in_force"
    assert re.search(r"\b[0-9a-f]{12}\b", text(rows[0]))
    assert by_testid(tree, "upload-form") and by_testid(tree, "migrate-link")


def test_download_gives_the_bpmn_file_with_its_sha256(quality_client, library):
    answer = quality_client.get(f"{BASE}/v1.bpmn")
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{P}-v1.bpmn"'
    shown = by_testid(page(quality_client.get(f"{BASE}/v1")), "sha256")[0].text
    assert answer.headers["X-Content-SHA256"] == shown == sha256_of(answer.get_data())
    assert quality_client.get(f"{BASE}/v9.bpmn").status_code == 404
    assert quality_client.get("/quality/NOPE/v1.bpmn").status_code == 404


def test_the_modeler_page_serves_bpmn_js_from_the_app_without_inline_script(quality_client):
    answer = quality_client.get(f"{BASE}/v1/modeler")
    assert answer.status_code == 200
    policy = dict(d.strip().split(" ", 1) for d in
                  answer.headers["Content-Security-Policy"].split(";"))
    assert policy.get("script-src", policy["default-src"]) == "'self'"
    tree = page(answer)
    scripts = tree.xpath("//script")
    assert [s.get("src") for s in scripts] == [
        "/static/vendor/bpmn-js/bpmn-modeler.production.min.js", "/static/quality-modeler.js"]
    assert all(not (s.text or "").strip() for s in scripts)
    modeler = by_testid(tree, "modeler")[0]
    assert modeler.get("data-xml-source") == f"{BASE}/v1.bpmn"
    assert modeler.get("data-save-url") == f"{BASE}/drafts" and modeler.get("data-number") == ""


def test_saving_validates_lists_located_problems_and_keeps_nothing_refused(quality_client,
                                                                          library):
    before = count_versions(library)
    refused = save_json(quality_client, {"xml": edit(v1_xml(quality_client),
                                                     drop_allotment("check")), "based_on": 1})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["ok"] is False and body["status"] == "refused"
    problem = body["problems"][0]
    assert problem["element_id"] == "check" and problem["line"] > 0
    assert "allotment" in problem["message"]
    assert count_versions(library) == before

    saved = save_json(quality_client, {"xml": edit(v1_xml(quality_client),
                                                   set_allotment("review", "4")),
                                       "based_on": 1, "change_note": "Review in 4 days"})
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["ok"] and body["created"] and body["number"] == 2
    assert body["version_url"] == f"{BASE}/v2" and body["modeler_url"] == f"{BASE}/v2/modeler"
    again = save_json(quality_client, {"xml": edit(v1_xml(quality_client),
                                                   set_allotment("review", "3.5")),
                                       "number": 2}, page_url=f"{BASE}/v2/modeler")
    assert again.get_json()["created"] is False and again.get_json()["number"] == 2
    assert count_versions(library) == before + 1
    assert by_testid(page(quality_client.get(f"{BASE}/v2/modeler")), "modeler")[0].get(
        "data-number") == "2"


def test_saving_needs_the_csrf_token_and_json(quality_client):
    answer = quality_client.post(f"{BASE}/drafts", data=json.dumps({"xml": "<x/>"}),
                                 content_type="application/json")
    assert answer.status_code == 400  # CSRF refused
    token = csrf(quality_client, f"{BASE}/v1/modeler")
    answer = quality_client.post(f"{BASE}/drafts", data={"xml": "<x/>"},
                                 headers={"X-CSRFToken": token})
    assert answer.status_code == 400 and answer.get_json()["ok"] is False


def test_a_published_version_cannot_be_saved_over(quality_client):
    answer = save_json(quality_client, {"xml": edit(v1_xml(quality_client),
                                                    set_allotment("review", "4")), "number": 1})
    assert answer.status_code == 409
    assert "never changes" in answer.get_json()["message"]


def test_upload_reports_each_file_accepted_converted_or_refused(quality_client, library):
    good = edit(v1_xml(quality_client), set_allotment("review", "4")).encode("utf-8")
    camunda = (DATA / "camunda_modeler.bpmn").read_bytes()
    broken = edit(v1_xml(quality_client), drop_allotment("check")).encode("utf-8")
    files = [(io.BytesIO(good), "ours.bpmn"), (io.BytesIO(camunda), "camunda.bpmn"),
             (io.BytesIO(broken), "broken.bpmn"),
             (io.BytesIO(b"<x>" + b" " * (2 * 1024 * 1024)), "huge.bpmn"),
             (io.BytesIO(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'), "entities.bpmn")]
    answer = post_form(quality_client, f"{BASE}/upload",
                       {"files": files, "change_note": "From the modeler"}, token_page=BASE,
                       content_type="multipart/form-data")
    assert answer.status_code == 200
    tree = page(answer)
    status = {f.get("data-file"): f.get("data-status") for f in by_testid(tree, "import-file")}
    assert status == {"ours.bpmn": "accepted", "camunda.bpmn": "converted",
                      "broken.bpmn": "refused", "huge.bpmn": "refused",
                      "entities.bpmn": "refused"}
    sections = {f.get("data-file"): text(f) for f in by_testid(tree, "import-file")}
    assert '"PT5M"' in sections["camunda.bpmn"] and "reminder" in sections["camunda.bpmn"]
    assert "check" in sections["broken.bpmn"] and "allotment" in sections["broken.bpmn"]
    assert "the limit is" in sections["huge.bpmn"]
    assert "not allowed" in sections["entities.bpmn"]
    with library.begin() as session:
        drafts = session.execute(select(ProcessVersion.number, ProcessVersion.change_note)
                                 .where(ProcessVersion.status == "draft")
                                 .order_by(ProcessVersion.number)).all()
    assert drafts == [(2, "From the modeler"), (3, "From the modeler")]


def test_the_document_control_cycle_through_the_pages(quality_client, client, library):
    save_json(quality_client, {"xml": edit(v1_xml(quality_client), set_allotment("review", "4")),
                               "based_on": 1, "change_note": "Review in 4 days"})
    v2 = f"{BASE}/v2"
    tree = page(quality_client.get(v2))
    assert text(by_testid(tree, "version-status")[0]) == "Dự thảo"
    post_form(quality_client, f"{v2}/submit", {}, token_page=v2)
    tree = page(quality_client.get(v2))
    assert by_testid(tree, "approve") == []  # the author sees no approve button
    answer = post_form(quality_client, f"{v2}/approve", {}, token_page=v2, follow_redirects=True)
    assert any("cannot approve" in f for f in flashes(page(answer), "error"))

    login(client, "quality2")
    post_form(client, f"{v2}/approve", {"note": "OK"}, token_page=v2)
    tree = page(client.get(v2))
    assert by_testid(tree, "publish-form")
    answer = post_form(client, f"{v2}/publish", {"effective_from": "2000-01-01",
                                                 "change_note": "x"},
                       token_page=v2, follow_redirects=True)
    assert any("in the past" in f for f in flashes(page(answer), "error"))
    proposed = page(client.get(v2)).xpath('//input[@name="effective_from"]')[0].get("value")
    answer = post_form(client, f"{v2}/publish",
                       {"effective_from": proposed, "change_note": "Review shortened"},
                       token_page=v2, follow_redirects=True)
    assert flashes(page(answer), "success"), flashes(page(answer), "error")
    tree = page(client.get(v2))
    assert text(by_testid(tree, "version-status")[0]) == "Đang áp dụng"
    assert text(by_testid(tree, "change-note")[0]) == "Review shortened"
    assert [r.get("data-action") for r in by_testid(tree, "history-row")] == [
        "version_draft_save", "version_submit", "version_approve", "version_publish"]
    rows = {r.get("data-number"): r.get("data-status")
            for r in by_testid(page(client.get(BASE)), "version-row")}
    assert rows == {"2": "in_force", "1": "superseded"}


def test_the_diff_page_lists_added_removed_and_changed_elements(quality_client):
    save_json(quality_client, {"xml": edit(v1_xml(quality_client), insert_before_review)})
    tree = page(quality_client.get(f"{BASE}/diff?a=1&b=2"))
    rows = {(r.get("data-change"), r.get("data-element-id")) for r in by_testid(tree, "diff-row")}
    assert rows == {("added", "legal_check"), ("added", "f_legal_check"),
                    ("changed", "f_handover")}
    markers = json.loads(by_testid(tree, "diagram")[0].get("data-markers"))
    assert markers == {"legal_check": "added", "f_legal_check": "added",
                       "f_handover": "changed"}


def test_moving_open_dossiers_dry_run_then_apply_with_confirmation(quality_client, client,
                                                                   library):
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    with library.begin() as session:
        from engine.services import versions
        from tests.engine.helpers import user
        xml = edit(v1_xml(quality_client), set_allotment("review", "4"))
        saved = versions.save_draft(session, user(session, "quality"), T0, procedure_code=P,
                                    xml=xml)
        number = saved.version.number
        versions.submit(session, user(session, "quality"), T0, procedure_code=P, number=number)
        versions.approve(session, user(session, "quality2"), T0, procedure_code=P,
                         number=number)
        versions.publish(session, user(session, "quality2"), T0, procedure_code=P,
                         number=number, effective_from=T0.date(),
                         change_note="x")
    tree = page(quality_client.get(f"{BASE}/migrate"))
    rows = by_testid(tree, "plan-row")
    assert [(r.get("data-code"), r.get("data-can-move")) for r in rows] == [(code, "yes")]
    answer = post_form(quality_client, f"{BASE}/migrate", {"codes": [code], "to_number": "2"},
                       follow_redirects=True)
    assert any("xác nhận" in f for f in flashes(page(answer), "error"))  # "confirmation"
    answer = post_form(quality_client, f"{BASE}/migrate",
                       {"codes": [code], "to_number": "2", "confirm": "yes"})
    assert answer.status_code == 200
    tree = page(answer)
    assert [(r.get("data-code"), r.get("data-moved")) for r in by_testid(tree, "result")] == [
        (code, "yes")]
    assert by_testid(tree, "nothing-to-move")
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        assert dossier.process_version.number == 2
        assert session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "dossier_migrate")).scalar_one() == 1
    history = page(quality_client.get(f"/officer/dossiers/{code}"))
    assert "Chuyển sang phiên bản quy trình mới" in text(history.xpath("//body")[0])


def test_an_auditor_reads_but_does_not_write(client, library):
    login(client, "auditor")
    assert client.get(BASE).status_code == 200
    assert client.get(f"{BASE}/v1").status_code == 200
    assert client.get(f"{BASE}/v1/modeler").status_code == 403
    tree = page(client.get(f"{BASE}/v1"))
    assert by_testid(tree, "actions") == [] and by_testid(tree, "open-modeler") == []
