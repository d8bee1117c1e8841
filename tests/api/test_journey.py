"""A dossier carried from receipt to the return of its result through the API alone: each
officer finds the task in a queue, claims it, reads the outcomes offered and completes it on
the dossier version it read."""
from __future__ import annotations

from .conftest import error_of, receive

BY_ROLE = {"one_stop": "officer", "specialist": "specialist", "head": "head",
           "leader": "leader"}
PLAN = {"handover": "handed_over", "review": "approve", "check": "agree", "approve": "sign",
        "return_result": "returned"}
DELIVERY = {"result_document": "Giấy chứng nhận đăng ký đầu tư", "recipient_name": "Trần Văn B",
            "recipient_id_number": "079123456789", "method": "desk", "fee_vnd": 0}


def take_step(api, code: str) -> tuple[str, str]:
    """The dossier's open task taken by the officer of its role: found in the unclaimed
    queue, claimed, completed with the planned outcome. Returns (step, outcome)."""
    dossier = api.get(f"/dossiers/{code}", "officer").get_json()
    [task] = dossier["open_tasks"]
    user = BY_ROLE[task["role"]]
    queue = api.get("/tasks", user, query_string={"tab": "unclaimed", "q": code}).get_json()
    assert [t["id"] for t in queue["items"]] == [task["id"]]
    claimed = api.post(f"/tasks/{task['id']}/claim", user)
    assert claimed.status_code == 200 and claimed.get_json()["assignee_id"] is not None
    mine = api.get("/tasks", user, query_string={"tab": "mine"}).get_json()["items"]
    assert task["id"] in [t["id"] for t in mine]
    detail = api.get(f"/tasks/{task['id']}", user).get_json()
    outcome = PLAN[task["step_id"]]
    assert outcome in detail["outcomes"]
    body = {"outcome": outcome, "version": detail["dossier_version"], "note": "ok"}
    if detail["action"] == "return":
        body |= {"delivery": DELIVERY, "rating": {"level": "satisfied"}}
    done = api.post(f"/tasks/{task['id']}/complete", user, json=body)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["version"] > detail["dossier_version"]
    return task["step_id"], outcome


def test_a_dossier_goes_from_receipt_to_return_through_the_api_alone(api):
    code = receive(api, documents=["Văn bản đề nghị thực hiện dự án đầu tư"])["code"]
    steps = []
    for _ in range(10):
        if api.get(f"/dossiers/{code}", "officer").get_json()["status"] == "returned":
            break
        steps.append(take_step(api, code))
    dossier = api.get(f"/dossiers/{code}", "auditor").get_json()
    assert dossier["status"] == "returned" and dossier["open_tasks"] == []
    assert dossier["decision"] == "approve" and dossier["outcome"] == "early"
    assert dossier["finished_at"] is not None
    assert steps == list(PLAN.items())
    events = api.get(f"/dossiers/{code}/events", "auditor",
                     query_string={"per_page": 100}).get_json()["items"]
    assert [e["action"] for e in events][0] == "receive"
    completed = [(e["step_id"], e["after"]["outcome"]) for e in events
                 if e["action"] == "complete" and e["step_id"] != "receive"]
    assert completed == steps
    assert [e["actor"] for e in events if e["action"] == "claim"] == [
        BY_ROLE[r] for r in ("one_stop", "specialist", "head", "leader", "one_stop")]
    returned = next(e for e in events if e["action"] == "complete"
                    and e["after"]["outcome"] == "returned")
    assert returned["after"]["delivery"]["recipient_name"] == DELIVERY["recipient_name"]
    assert returned["after"]["rating"]["level"] == "satisfied"
    # finished: no task is left to act on
    last_task = api.get(f"/tasks/{1}", "officer")
    error_of(last_task, 404, "not_found")
