"""The caller's tasks, claim, release and complete: success, bad input, the wrong role or
department (403), a task that is gone (404), and conflicts (409): a task claimed by someone
else first, a decision taken on a stale dossier version (nothing changed)."""
from __future__ import annotations

import pytest

from tests.engine.helpers import add_user, snapshot

from .conftest import error_of, receive


@pytest.fixture
def at_review(api):
    """A dossier handed over to the investment department: its review task, unclaimed."""
    dossier = receive(api)
    handover = dossier["open_tasks"][0]
    api.post(f"/tasks/{handover['id']}/claim", "officer")
    done = api.post(f"/tasks/{handover['id']}/complete", "officer",
                    json={"outcome": "handed_over", "version": dossier["version"]})
    assert done.status_code == 200, done.get_json()
    review = done.get_json()["open_tasks"][0]
    assert review["step_id"] == "review" and review["role"] == "specialist"
    return done.get_json()["code"], review["id"]


def test_the_unclaimed_tab_lists_the_tasks_of_the_callers_roles_and_department(api, at_review):
    code, item = at_review
    listed = api.get("/tasks", "specialist", query_string={"tab": "unclaimed"}).get_json()
    assert [t["id"] for t in listed["items"]] == [item]
    assert listed["items"][0]["dossier_code"] == code
    assert listed["items"][0]["procedure"] == "BQL.DT.01"
    for user in ("labour_specialist", "officer", "head", "leader"):  # other dept or role
        assert api.get("/tasks", user, query_string={"tab": "unclaimed"}).get_json()[
            "items"] == []
    assert api.get("/tasks", "specialist").get_json()["items"] == []  # 'mine' by default


@pytest.mark.parametrize("query,found", [
    ({"procedure": "BQL.DT.01"}, True), ({"procedure": "BQL.LD.01"}, False),
    ({"field": "investment"}, True), ({"field": "labour"}, False),
    ({"q": "An Phú"}, True), ({"q": "nobody"}, False),
    ({"waiting": "work"}, True), ({"waiting": "supplement"}, False),
    ({"due": "overdue"}, False), ({"sort": "newest"}, True), ({"sort": "code"}, True)])
def test_the_queue_filters(api, at_review, query, found):
    listed = api.get("/tasks", "specialist", query_string={"tab": "unclaimed", **query})
    assert listed.status_code == 200, listed.get_json()
    assert bool(listed.get_json()["items"]) is found


def test_the_department_tab_is_a_heads(api, at_review):
    _, item = at_review
    listed = api.get("/tasks", "head", query_string={"tab": "department"}).get_json()
    assert item in [t["id"] for t in listed["items"]]
    error_of(api.get("/tasks", "specialist", query_string={"tab": "department"}), 403,
             "forbidden")


@pytest.mark.parametrize("query", [{"tab": "everything"}, {"sort": "random"},
                                   {"due": "yesterday"}, {"per_page": 1000},
                                   {"field": "x"}])
def test_a_bad_queue_query_is_422(api, query):
    error_of(api.get("/tasks", "specialist", query_string=query), 422, "invalid_input")


def test_the_roles_without_tasks_have_no_queue(api):
    for user in ("quality", "auditor"):
        error_of(api.get("/tasks", user), 403, "forbidden")


def test_a_task_shows_its_outcomes_and_the_dossier_version(api, at_review):
    code, item = at_review
    task = api.get(f"/tasks/{item}", "specialist").get_json()
    assert set(task["outcomes"]) >= {"approve", "supplement", "refuse"}
    assert task["dossier_version"] == api.get(f"/dossiers/{code}", "officer").get_json()[
        "version"]
    error_of(api.get(f"/tasks/{item}", "labour_specialist"), 403, "forbidden")
    error_of(api.get("/tasks/999999", "specialist"), 404, "not_found")


def test_claim_then_a_second_claim_is_a_conflict(api, library, at_review):
    _, item = at_review
    claimed = api.post(f"/tasks/{item}/claim", "specialist")
    assert claimed.status_code == 200 and claimed.get_json()["assignee_id"]
    assert api.post(f"/tasks/{item}/claim", "specialist").status_code == 200  # again: mine
    error_of(api.post(f"/tasks/{item}/claim", "specialist2"), 409, "conflict")
    error_of(api.post(f"/tasks/{item}/claim", "labour_specialist"), 403, "forbidden")
    error_of(api.post("/tasks/999999/claim", "specialist"), 404, "not_found")
    mine = api.get("/tasks", "specialist").get_json()["items"]
    assert [t["id"] for t in mine] == [item]


def test_release_gives_the_task_back(api, at_review):
    _, item = at_review
    api.post(f"/tasks/{item}/claim", "specialist")
    error_of(api.post(f"/tasks/{item}/release", "specialist2"), 403, "forbidden")
    released = api.post(f"/tasks/{item}/release", "specialist")
    assert released.status_code == 200 and released.get_json()["assignee_id"] is None
    error_of(api.post("/tasks/999999/release", "specialist"), 404, "not_found")


def test_complete_moves_the_dossier_on(api, at_review):
    code, item = at_review
    version = api.get(f"/tasks/{item}", "specialist").get_json()["dossier_version"]
    api.post(f"/tasks/{item}/claim", "specialist")
    done = api.post(f"/tasks/{item}/complete", "specialist",
                    json={"outcome": "approve", "version": version, "note": "Đủ điều kiện"})
    assert done.status_code == 200, done.get_json()
    dossier = done.get_json()
    assert dossier["code"] == code and dossier["version"] > version
    assert [t["step_id"] for t in dossier["open_tasks"]] == ["check"]
    error_of(api.post(f"/tasks/{item}/complete", "specialist",
                      json={"outcome": "approve", "version": dossier["version"]}),
             404, "not_found")


def test_a_stale_version_is_a_conflict_and_changes_nothing(api, library, at_review):
    code, item = at_review
    version = api.get(f"/tasks/{item}", "specialist").get_json()["dossier_version"]
    api.post(f"/tasks/{item}/claim", "specialist")
    with library() as session:
        before = snapshot(session, code)
    error = error_of(api.post(f"/tasks/{item}/complete", "specialist",
                              json={"outcome": "approve", "version": version - 1}),
                     409, "conflict")
    assert code in error["message"]
    with library() as session:
        assert snapshot(session, code) == before


@pytest.mark.parametrize("body,field", [
    ({"outcome": "approve"}, "version"),
    ({"version": 1}, "outcome"),
    ({"outcome": "approve", "version": "two"}, "version"),
    ({"outcome": "approve", "version": 1, "extra": True}, "extra"),
    ({"outcome": "approve", "version": 1, "delivery": {"method": "desk"}}, "delivery"),
    ({"outcome": "supplement", "version": 1, "supplement_items": []}, "supplement_items"),
])
def test_a_bad_completion_body_is_422(api, library, at_review, body, field):
    code, item = at_review
    api.post(f"/tasks/{item}/claim", "specialist")
    with library() as session:
        before = snapshot(session, code)
    error = error_of(api.post(f"/tasks/{item}/complete", "specialist", json=body), 422,
                     "invalid_input")
    assert field in error["details"]["json"]
    with library() as session:
        assert snapshot(session, code) == before


def test_an_outcome_not_offered_is_422_listing_those_offered(api, library, at_review):
    code, item = at_review
    version = api.get(f"/tasks/{item}", "specialist").get_json()["dossier_version"]
    api.post(f"/tasks/{item}/claim", "specialist")
    error = error_of(api.post(f"/tasks/{item}/complete", "specialist",
                              json={"outcome": "sign", "version": version}), 422,
                     "invalid_input")
    assert "approve" in error["details"]["outcome"]


def test_a_supplement_request_needs_its_items_and_reason(api, at_review):
    code, item = at_review
    version = api.get(f"/tasks/{item}", "specialist").get_json()["dossier_version"]
    api.post(f"/tasks/{item}/claim", "specialist")
    error_of(api.post(f"/tasks/{item}/complete", "specialist",
                      json={"outcome": "supplement", "version": version}), 422, "invalid_input")
    done = api.post(f"/tasks/{item}/complete", "specialist", json={
        "outcome": "supplement", "version": version, "note": "Thiếu bản sao",
        "supplement_items": [{"document": "Báo cáo năng lực tài chính",
                              "needed": "bản sao có chứng thực"}]})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "awaiting_supplement"


def test_complete_is_refused_to_those_who_may_not_act(api, library, at_review):
    _, item = at_review
    add_user(library, "specialist3", ["specialist"], "dau_tu")
    api.post(f"/tasks/{item}/claim", "specialist")
    body = {"outcome": "approve", "version": 1}
    error_of(api.post(f"/tasks/{item}/complete", "specialist3", json=body), 403, "forbidden")
    error_of(api.post(f"/tasks/{item}/complete", "labour_specialist", json=body), 403,
             "forbidden")
    error_of(api.post(f"/tasks/{item}/complete", "auditor", json=body), 403, "forbidden")


def test_the_return_step_needs_the_delivery(api, library):
    """Walk a dossier to its return step through the API, then refuse a bare completion."""
    from .test_journey import take_step
    code = receive(api)["code"]
    for _ in range(4):
        take_step(api, code)
    [task] = api.get(f"/dossiers/{code}", "officer").get_json()["open_tasks"]
    assert task["action"] == "return"
    api.post(f"/tasks/{task['id']}/claim", "officer")
    version = api.get(f"/dossiers/{code}", "officer").get_json()["version"]
    error = error_of(api.post(f"/tasks/{task['id']}/complete", "officer",
                              json={"outcome": "returned", "version": version}),
                     422, "invalid_input")
    assert error["details"] == {"delivery": "required"}
    error_of(api.post(f"/tasks/{task['id']}/complete", "officer", json={
        "outcome": "returned", "version": version,
        "delivery": {"result_document": "Giấy chứng nhận", "recipient_name": "B",
                     "method": "desk", "fee_vnd": 0}}), 422, "invalid_input")
