"""Listing procedures, and uploading a BPMN version as a draft: accepted (201), refused with
its located problems and nothing changed (422), a duplicate (409), the wrong role (403), an
unknown procedure (404), a body too large (413)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bpmn.catalog import load_catalog
from engine.models import AuditEvent, ProcessVersion

from .conftest import audit_count, error_of

PROCEDURE = "BQL.DT.01"
XML = next(p for p in load_catalog()["procedures"] if p["code"] == PROCEDURE)["bpmn_xml"]
RENAMED = XML.replace('name="Chuyển hồ sơ cho phòng chuyên môn"',
                      'name="Chuyển hồ sơ cho phòng chuyên môn (bản mới)"')
# the hand-over step loses its allotment: refused, located on that task
NO_ALLOTMENT = re.sub(r'(<bpmn:userTask id="handover".*?)<spiffworkflow:property '
                      r'name="allotment" value="[^"]*" />', r"\1", XML, count=1, flags=re.S)


def versions(sessions) -> list[tuple[int, str]]:
    with sessions() as session:
        return [tuple(row) for row in session.execute(
            select(ProcessVersion.number, ProcessVersion.status)
            .join(ProcessVersion.procedure).where(ProcessVersion.procedure.has(code=PROCEDURE))
            .order_by(ProcessVersion.number))]


def test_procedures_are_listed_by_code_a_page_at_a_time(api):
    first = api.get("/procedures", "auditor", query_string={"per_page": 5}).get_json()
    assert first["page"] == 1 and first["per_page"] == 5 and first["has_next"] is True
    codes = [p["code"] for p in first["items"]]
    assert codes == sorted(codes) and len(codes) == 5
    second = api.get("/procedures", "auditor", query_string={"per_page": 5, "page": 2})
    assert not set(codes) & {p["code"] for p in second.get_json()["items"]}
    everything = api.get("/procedures", "officer", query_string={"per_page": 100}).get_json()
    assert everything["has_next"] is False
    assert len(everything["items"]) == len(load_catalog()["procedures"])
    one = next(p for p in everything["items"] if p["code"] == PROCEDURE)
    assert one["published_version"] == 1 and one["department"] == "dau_tu"
    assert one["day_kind"] in ("working", "calendar") and one["documents"]


def test_procedures_filter_by_field(api):
    labour = api.get("/procedures", "leader",
                     query_string={"field": "labour", "per_page": 100}).get_json()["items"]
    assert labour and {p["field"] for p in labour} == {"labour"}


@pytest.mark.parametrize("query", [{"page": 0}, {"per_page": 101}, {"page": "x"},
                                   {"field": "astrology"}])
def test_a_bad_page_or_filter_is_422(api, query):
    error = error_of(api.get("/procedures", "officer", query_string=query), 422,
                     "invalid_input")
    assert set(error["details"]["query"]) <= {"page", "per_page", "field"}


def test_a_quality_manager_uploads_a_new_draft_version(api, library):
    before = audit_count(library)
    response = api.post(f"/procedures/{PROCEDURE}/versions", "quality",
                        json={"bpmn_xml": RENAMED, "change_note": "Đổi tên bước chuyển hồ sơ",
                              "file_name": "BQL.DT.01 v2.bpmn"})
    assert response.status_code == 201, response.get_json()
    version = response.get_json()
    assert version["procedure"] == PROCEDURE and version["number"] == 2
    assert version["status"] == "draft" and len(version["sha256"]) == 64
    assert version["report"]["status"] in ("accepted", "converted")
    assert versions(library) == [(1, "published"), (2, "draft")]
    assert audit_count(library) == before + 1
    # new dossiers keep starting on the published version
    listed = api.get("/procedures", "officer", query_string={"per_page": 100}).get_json()
    assert next(p for p in listed["items"] if p["code"] == PROCEDURE)["published_version"] == 1


def test_a_refused_diagram_is_422_with_located_problems_and_changes_nothing(api, library):
    before = audit_count(library)
    response = api.post(f"/procedures/{PROCEDURE}/versions", "quality",
                        json={"bpmn_xml": NO_ALLOTMENT, "file_name": "broken.bpmn"})
    error = error_of(response, 422, "diagram_invalid")
    problems = [p for p in error["details"]["problems"] if p["severity"] == "error"]
    assert problems and all(set(p) >= {"element_id", "file", "line", "message"}
                            for p in problems)
    located = next(p for p in problems if p["element_id"] == "handover")
    assert located["file"] == "broken.bpmn" and located["line"] > 1
    assert "allotment" in located["message"]
    assert versions(library) == [(1, "published")]
    assert audit_count(library) == before


@pytest.mark.parametrize("text", ["not xml at all", "<a><b></a>",
                                  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>',
                                  "<root/>"])
def test_hostile_or_broken_xml_is_refused_located(api, library, text):
    error = error_of(api.post(f"/procedures/{PROCEDURE}/versions", "quality",
                              json={"bpmn_xml": text}), 422, "diagram_invalid")
    assert error["details"]["problems"][0]["file"] == f"{PROCEDURE}.bpmn"
    assert versions(library) == [(1, "published")]


def test_the_same_diagram_again_is_a_conflict(api, library):
    error = error_of(api.post(f"/procedures/{PROCEDURE}/versions", "quality",
                              json={"bpmn_xml": XML}), 409, "conflict")
    assert error["details"] == {"same_as": 1}
    assert versions(library) == [(1, "published")]


@pytest.mark.parametrize("body", [{}, {"bpmn_xml": ""}, {"bpmn_xml": 12},
                                  {"bpmn_xml": XML, "colour": "blue"},
                                  {"bpmn_xml": XML, "file_name": "../../etc/passwd"},
                                  {"bpmn_xml": XML, "change_note": "x" * 2001}])
def test_a_bad_upload_body_is_422(api, library, body):
    error_of(api.post(f"/procedures/{PROCEDURE}/versions", "quality", json=body), 422,
             "invalid_input")
    assert versions(library) == [(1, "published")]


def test_invalid_json_is_400(api):
    response = api.post(f"/procedures/{PROCEDURE}/versions", "quality", data="{not json",
                        content_type="application/json")
    error_of(response, 400, "bad_request")


def test_only_a_quality_manager_uploads(api, library):
    for user in ("officer", "head", "leader", "auditor"):
        error_of(api.post(f"/procedures/{PROCEDURE}/versions", user,
                          json={"bpmn_xml": RENAMED}), 403, "forbidden")
    assert versions(library) == [(1, "published")]


def test_an_unknown_procedure_is_404(api):
    error_of(api.post("/procedures/NO.SUCH.01/versions", "quality",
                      json={"bpmn_xml": RENAMED}), 404, "not_found")


def test_a_body_over_the_limit_is_413(app, api, library):
    app.config["API_MAX_BODY"] = 64 * 1024
    response = api.post(f"/procedures/{PROCEDURE}/versions", "quality",
                        json={"bpmn_xml": XML + " " * 70 * 1024})
    error_of(response, 413, "too_large")
    assert versions(library) == [(1, "published")]
    with library() as session:
        assert not session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.like("version%"))).scalar_one()
