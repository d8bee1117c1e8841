"""POST /dossiers/{code}/stop: a withdrawal or a stop over the API, 409 on a stale version or
a finished dossier, 422 on bad input, 403 out of role or department."""
from __future__ import annotations

import pytest

from tests.engine.helpers import add_user

from .conftest import audit_count, error_of, receive

REASON = "Công ty có văn bản đề nghị rút hồ sơ"


def test_a_withdrawal_finishes_the_dossier_without_open_tasks(api, library):
    dossier = receive(api)
    response = api.post(f"/dossiers/{dossier['code']}/stop", "officer", json={
        "kind": "withdrawn", "reason": REASON, "version": dossier["version"],
        "requested_on": dossier["received_at"][:10]})
    assert response.status_code == 200, response.get_json()
    stopped = response.get_json()
    assert stopped["status"] == "withdrawn" and stopped["open_tasks"] == []
    assert stopped["finished_at"] and stopped["version"] == dossier["version"] + 1
    again = api.get(f"/dossiers/{dossier['code']}", "auditor").get_json()
    assert again["status"] == "withdrawn" and again["open_tasks"] == []
    [event] = [e for e in api.get(f"/dossiers/{dossier['code']}/events", "auditor")
               .get_json()["items"] if e["action"] == "stop"]
    assert event["after"]["kind"] == "withdrawn" and event["after"]["abandoned_steps"] == [
        "handover"]


def test_stale_version_and_finished_dossier_are_409(api, library):
    dossier = receive(api)
    url = f"/dossiers/{dossier['code']}/stop"
    before = audit_count(library)
    error_of(api.post(url, "leader", json={"kind": "stopped", "reason": "Theo quy định",
                                           "version": dossier["version"] - 1}),
             409, "conflict")
    assert audit_count(library) == before
    assert api.post(url, "leader", json={"kind": "stopped", "reason": "Theo quy định",
                                         "version": dossier["version"]}).status_code == 200
    error = error_of(api.post(url, "leader", json={"kind": "withdrawn", "reason": REASON,
                                                   "version": dossier["version"] + 1}),
                     409, "conflict")
    assert "already finished" in error["message"]


@pytest.mark.parametrize("body", [
    {"kind": "cancelled", "reason": REASON},
    {"kind": "withdrawn", "reason": ""},
    {"kind": "withdrawn", "reason": "   "},
    {"kind": "withdrawn"},
    {"kind": "withdrawn", "reason": REASON, "requested_on": "2020-01-01"},
    {"kind": "withdrawn", "reason": REASON, "extra": 1},
])
def test_bad_input_is_422(api, library, body):
    dossier = receive(api)
    before = audit_count(library)
    error_of(api.post(f"/dossiers/{dossier['code']}/stop", "officer",
                      json={"version": dossier["version"], **body}), 422, "invalid_input")
    assert audit_count(library) == before


@pytest.mark.parametrize("username, kind", [("officer", "stopped"),
                                            ("labour_head", "stopped"),
                                            ("labour_head", "withdrawn")])
def test_out_of_role_or_department_is_403(api, library, username, kind):
    add_user(library, "labour_head", ["head"], "lao_dong")
    dossier = receive(api)
    error_of(api.post(f"/dossiers/{dossier['code']}/stop", username, json={
        "kind": kind, "reason": REASON, "version": dossier["version"]}), 403, "forbidden")
    assert api.get(f"/dossiers/{dossier['code']}", "auditor").get_json()["status"] == \
        "in_progress"
