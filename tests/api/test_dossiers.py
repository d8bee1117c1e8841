"""Receiving a dossier, reading it by code, and its events."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.models import Dossier

from .conftest import API, APPLICANT, audit_count, error_of, receive


def dossier_count(sessions) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(Dossier)).scalar_one()


def test_a_one_stop_officer_receives_a_dossier(api, library):
    before = audit_count(library)
    response = api.post("/dossiers", "officer", json={
        "procedure_code": "BQL.DT.01", "applicant": APPLICANT, "channel": "post", "sets": 2,
        "note": "Nộp qua bưu điện",
        "documents": ["Văn bản đề nghị thực hiện dự án đầu tư", "không có trong danh mục"]})
    assert response.status_code == 201, response.get_json()
    dossier = response.get_json()
    assert response.headers["Location"].endswith(f"{API}/dossiers/{dossier['code']}")
    assert dossier["code"].startswith("000.00.31.H26-260304-")
    assert dossier["status"] == "in_progress" and dossier["channel"] == "post"
    assert dossier["applicant"] == APPLICANT and dossier["version"] >= 1
    assert dossier["due_date"] and dossier["appointment_at"] and dossier["finished_at"] is None
    assert [t["step_id"] for t in dossier["open_tasks"]] == ["handover"]
    assert [d["name"] for d in dossier["data"]["documents"]] == [
        "Văn bản đề nghị thực hiện dự án đầu tư"]
    assert dossier["data"]["sets"] == 2
    assert audit_count(library) == before + 1


@pytest.mark.parametrize("body,field", [
    ({"procedure_code": "BQL.DT.01"}, "applicant"),
    ({"procedure_code": "BQL.DT.01", "applicant": {"name": "A"}}, "applicant"),
    ({"procedure_code": "BQL.DT.01", "applicant": {}}, "applicant"),
    ({"applicant": APPLICANT}, "procedure_code"),
    ({"procedure_code": "BQL.DT.01", "applicant": APPLICANT, "channel": "pigeon"}, "channel"),
    ({"procedure_code": "BQL.DT.01", "applicant": APPLICANT, "sets": 0}, "sets"),
    ({"procedure_code": "BQL.DT.01", "applicant": APPLICANT, "fee": 1}, "fee"),
    ({"procedure_code": "BQL.DT.01", "applicant": "Công ty A"}, "applicant"),
    ({"procedure_code": "BQL.DT.01",
      "applicant": {**APPLICANT, "phone": "call me <script>"}}, "applicant"),
])
def test_a_bad_receipt_is_422_naming_the_field_and_receives_nothing(api, library, body, field):
    error = error_of(api.post("/dossiers", "officer", json=body), 422, "invalid_input")
    assert field in error["details"]["json"]
    assert dossier_count(library) == 0


@pytest.mark.parametrize("data", ["[1, 2]", "null", '"text"', "{"])
def test_a_body_that_is_not_an_object_is_refused(api, library, data):
    response = api.post("/dossiers", "officer", data=data, content_type="application/json")
    assert response.status_code in (400, 422)
    error_of(response, response.status_code)
    assert dossier_count(library) == 0


def test_an_unknown_procedure_is_404(api, library):
    error = error_of(api.post("/dossiers", "officer", json={
        "procedure_code": "NO.SUCH.01", "applicant": APPLICANT}), 404, "not_found")
    assert "NO.SUCH.01" in error["message"]
    assert dossier_count(library) == 0


def test_only_a_one_stop_officer_receives(api, library):
    for user in ("specialist", "head", "leader", "quality", "auditor"):
        error_of(api.post("/dossiers", user, json={
            "procedure_code": "BQL.DT.01", "applicant": APPLICANT}), 403, "forbidden")
    assert dossier_count(library) == 0


def test_a_dossier_is_read_by_code_by_every_role_that_reads_dossiers(api):
    code = receive(api)["code"]
    for user in ("officer", "specialist", "head", "leader", "quality", "auditor"):
        response = api.get(f"/dossiers/{code}", user)
        assert response.status_code == 200 and response.get_json()["code"] == code


@pytest.mark.parametrize("code", ["000.00.31.H26-260304-9999", "x", "' OR 1=1 --", "%C3%A9"])
def test_an_unknown_dossier_is_404(api, code):
    error_of(api.get(f"/dossiers/{code}", "officer"), 404, "not_found")
    error_of(api.get(f"/dossiers/{code}/events", "auditor"), 404, "not_found")


def test_a_dossiers_events_come_oldest_first_a_page_at_a_time(api):
    code = receive(api)["code"]
    item = api.get(f"/dossiers/{code}", "officer").get_json()["open_tasks"][0]
    assert api.post(f"/tasks/{item['id']}/claim", "officer").status_code == 200
    assert api.post(f"/tasks/{item['id']}/release", "officer").status_code == 200
    first = api.get(f"/dossiers/{code}/events", "auditor", query_string={"per_page": 2})
    assert first.status_code == 200
    page = first.get_json()
    assert [e["action"] for e in page["items"]] == ["receive", "claim"]
    assert page["has_next"] is True
    rest = api.get(f"/dossiers/{code}/events", "auditor",
                   query_string={"per_page": 2, "page": 2}).get_json()
    assert [e["action"] for e in rest["items"]] == ["release"] and rest["has_next"] is False
    event = page["items"][0]
    assert event["actor"] == "officer" and len(event["hash"]) == 64
    assert event["after"]["procedure"] == "BQL.DT.01"
    error_of(api.get(f"/dossiers/{code}/events", "auditor", query_string={"per_page": 0}),
             422, "invalid_input")


@pytest.mark.parametrize("path,kwargs,where", [
    ("/dossiers/ab%00cd", {}, "path"),
    ("/tasks", {"query_string": {"q": "a\x00b"}}, "query"),
    ("/dossiers", {"method": "POST", "json": {"procedure_code": "BQL.DT.01",
                                              "applicant": {"name": "Nul\x00l"}}}, "json"),
])
def test_a_nul_character_anywhere_is_refused_before_any_query(api, library, path, kwargs,
                                                               where):
    """PostgreSQL cannot hold NUL in text: refused at the edge, on every backend alike."""
    kwargs = dict(kwargs)
    method = kwargs.pop("method", "GET")
    error = error_of(api.call(method, path, "officer", **kwargs), 422, "invalid_input")
    assert error["details"] == {where: "NUL character"}
    assert dossier_count(library) == 0
