"""One dossier carried through the web pages by the four working roles, and the ways a
request is refused: stale version, forged outcome, other department, read-only role,
missing CSRF token, wrong password. Labels are checked against the data tables they come
from (statuses, outcomes, step names of the diagram), never against translatable text."""
from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
import time_machine
from sqlalchemy import func, select

from bpmn.catalog import load_catalog
from bpmn.diagram import load_diagram
from engine.models import AuditEvent, Dossier, WorkItem
from tests.conftest import PASSWORD, T0
from web.formatting import ACTIONS, DECISION, OUTCOMES, RESULT, STATUS

from .conftest import by_testid, csrf, flashes, login, page, post_form, text

PROCEDURE = "BQL.DT.01"  # investment registration: department dau_tu, 15 calendar days
_ENTRY = next(p for p in load_catalog()["procedures"] if p["code"] == PROCEDURE)
STEPS = load_diagram(_ENTRY["bpmn_xml"]).steps
FULL_NAME = {u: u.title() for u in ("officer", "specialist", "head", "leader")}
VI, EN = 0, 1


@pytest.fixture(autouse=True)
def office_hours():
    """The clock at T0, a Wednesday 10:00 Vietnam time, ticking: due dates are predictable."""
    with time_machine.travel(T0, tick=True):
        yield


# --- what a page shows -------------------------------------------------------


def queue(client, tab: str) -> tuple[dict[str, int], dict]:
    """The tab counts and the rows (by dossier code) of one queue tab."""
    response = client.get(f"/officer/queue?tab={tab}")
    assert response.status_code == 200
    tree = page(response)
    counts = {t: int(text(by_testid(tree, f"count-{t}")[0])) for t in ("mine", "unclaimed")}
    return counts, {row.get("data-code"): row for row in by_testid(tree, "queue-row")}


def task_page(client, item_id: int) -> dict:
    response = client.get(f"/officer/tasks/{item_id}")
    assert response.status_code == 200
    tree = page(response)
    form = tree.xpath(f'//form[@action="/officer/tasks/{item_id}"]')[0]
    return {"outcomes": form.xpath('.//button[@name="outcome"]/@value'),
            "version": int(form.xpath('.//input[@name="version"]/@value')[0]),
            "token": form.xpath('.//input[@name="csrf_token"]/@value')[0],
            "code": text(by_testid(tree, "dossier-code")[0])}


def dossier_page(client, code: str, lang: str | None = None) -> dict:
    response = client.get(f"/officer/dossiers/{code}" + (f"?lang={lang}" if lang else ""))
    assert response.status_code == 200
    tree = page(response)
    return {
        "status": text(by_testid(tree, "dossier-status")[0]),
        "current": [text(e) for e in by_testid(tree, "current-step")],
        "history": [tuple(text(row.xpath(f'.//*[@data-testid="history-{cell}"]')[0])
                          for cell in ("who", "action", "step", "outcome"))
                    for row in by_testid(tree, "history-row")],
    }


def history_row(who: str, action: str, step: str, outcome: str | None = None,
                lang: int = VI) -> tuple[str, str, str, str]:
    """What the history table shows for one audit event, built from the data tables."""
    step_label = STEPS[step].name_en if lang == EN else STEPS[step].name
    return (FULL_NAME[who], ACTIONS[action][lang], step_label,
            OUTCOMES[outcome][lang] if outcome else "")


def state(sessions, code: str) -> dict:
    """What a refused request must leave untouched."""
    with sessions() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        return {
            "status": dossier.status, "version": dossier.version,
            "items": sorted(session.execute(
                select(WorkItem.id, WorkItem.step_id, WorkItem.assignee_id)
                .where(WorkItem.dossier_id == dossier.id)).all()),
            "audit": session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
        }


# --- acting ------------------------------------------------------------------


FORM = {"procedure_code": PROCEDURE, "channel": "counter", "applicant_kind": "organisation",
        "applicant_name": "Công ty TNHH Cảng Xanh", "applicant_phone": "0225 3 842 000",
        "note": "Hồ sơ đủ thành phần"}
APPOINTMENT = "10:00 19/03/2026"  # 15 calendar days after Wednesday 4 March 2026, 10:00


def preview(client) -> None:
    """The first step of receipt: the page shows the appointment and a button to confirm."""
    response = post_form(client, "/officer/receive", {**FORM, "step": "preview"})
    assert response.status_code == 200
    tree = page(response)
    shown = by_testid(tree, "appointment-preview")
    assert len(shown) == 1 and APPOINTMENT in text(shown[0])
    assert tree.xpath('//button[@name="step"][@value="save"]'), "no button to confirm receipt"


def receive(client) -> str:
    """The second step of receipt (the confirm button posts the same fields with step=save)."""
    saved = post_form(client, "/officer/receive", {**FORM, "step": "save"})
    assert saved.status_code == 302
    code = re.fullmatch(r"/slips/receipt/(.+)", saved.location).group(1)  # print it first
    slip = client.get(saved.location)
    assert code in flashes(page(slip), "success")[0]
    assert "10 giờ 00 phút, ngày 19/03/2026" in slip.get_data(as_text=True)
    assert APPOINTMENT in client.get(f"/officer/dossiers/{code}").get_data(as_text=True)
    return code


def claim(client, code: str) -> int:
    """Claim the dossier's task from the unclaimed tab; returns the work item id."""
    counts, rows = queue(client, "unclaimed")
    assert code in rows, f"{code} not in the unclaimed tab"
    action = rows[code].xpath('.//form[.//*[@data-testid="claim"]]/@action')[0]
    item_id = int(re.fullmatch(r"/officer/tasks/(\d+)/claim", action).group(1))
    response = post_form(client, action, {}, token_page="/officer/queue?tab=unclaimed")
    assert response.status_code == 302
    assert response.location == f"/officer/tasks/{item_id}"
    after, mine = queue(client, "mine")
    assert code in mine and after["mine"] == counts["mine"] + 1
    assert after["unclaimed"] == counts["unclaimed"] - 1
    return item_id


# What the return form carries beside the outcome (tests/web/test_slips_more.py tests it).
DELIVERY = {"result_document": "Giấy chứng nhận đăng ký đầu tư",
            "recipient_name": FORM["applicant_name"], "method": "desk", "fee_vnd": "0"}


def complete(client, item_id: int, outcome: str, note: str = ""):
    task = task_page(client, item_id)
    return client.post(f"/officer/tasks/{item_id}", data={
        "csrf_token": task["token"], "outcome": outcome, "note": note,
        "version": task["version"], **(DELIVERY if outcome == "returned" else {})})


def act(client, username: str, code: str, outcome: str, note: str = "") -> int:
    """Log in, claim the dossier's task, complete it with `outcome`; returns the item id."""
    login(client, username)
    item_id = claim(client, code)
    response = complete(client, item_id, outcome, note)
    assert response.status_code == 302 and response.location == "/officer/queue"
    assert code in flashes(page(client.get(response.location)), "success")[0]
    return item_id


def at_review(client, claimed_by: str | None = None) -> tuple[str, int | None]:
    """A dossier handed over to the investment department; optionally claimed."""
    login(client, "officer")
    code = receive(client)
    act(client, "officer", code, "handed_over")
    if claimed_by is None:
        return code, None
    login(client, claimed_by)
    return code, claim(client, code)


# --- the whole path ----------------------------------------------------------


def test_receipt_preview_shows_the_appointment_then_save_keeps_it(client, library):
    login(client, "officer")
    preview(client)
    code = receive(client)
    assert state(library, code)["status"] == "in_progress"


def test_dossier_goes_from_receipt_to_return_through_four_roles(client, library):
    """Receipt here saves at once; the preview step has a test of its own above."""
    assert login(client, "officer").status_code == 302
    code = receive(client)

    shown = dossier_page(client, code)
    assert shown["status"] == STATUS["in_progress"][VI]
    assert len(shown["current"]) == 1 and STEPS["handover"].name in shown["current"][0]
    assert shown["history"] == [history_row("officer", "receive", "receive")]

    # One-stop officer: the new dossier waits in the shared tab; claim and hand it over.
    counts, rows = queue(client, "unclaimed")
    assert counts == {"mine": 0, "unclaimed": 1} and list(rows) == [code]
    assert STEPS["handover"].name in text(rows[code])
    item = claim(client, code)
    task = task_page(client, item)
    assert task["outcomes"] == ["handed_over"] and task["code"] == code
    response = complete(client, item, "handed_over", "Đã chuyển phòng Đầu tư")
    assert response.status_code == 302
    assert queue(client, "mine")[0] == {"mine": 0, "unclaimed": 0}

    # The head sees nothing yet; both specialists of the department see the review.
    login(client, "head")
    assert code not in queue(client, "unclaimed")[1]
    login(client, "specialist2")
    assert code in queue(client, "unclaimed")[1]
    login(client, "specialist")
    counts, rows = queue(client, "unclaimed")
    assert counts["unclaimed"] == 1 and STEPS["review"].name in text(rows[code])
    item = claim(client, code)
    assert task_page(client, item)["outcomes"] == ["approve", "supplement", "refuse"]
    assert STEPS["review"].name in dossier_page(client, code)["current"][0]
    login(client, "specialist2")
    assert code not in queue(client, "unclaimed")[1]  # claimed: gone from the shared tab
    login(client, "specialist")
    assert complete(client, item, "approve", "Đủ điều kiện cấp").status_code == 302

    # Department head, then leader.
    login(client, "head")
    item = claim(client, code)
    assert task_page(client, item)["outcomes"] == ["agree", "send_back"]
    assert complete(client, item, "agree").status_code == 302
    login(client, "leader")
    item = claim(client, code)
    assert task_page(client, item)["outcomes"] == ["sign", "send_back"]
    assert STEPS["approve"].name in dossier_page(client, code)["current"][0]
    assert complete(client, item, "sign").status_code == 302

    # Back at the counter: the result is returned to the applicant.
    login(client, "officer")
    counts, rows = queue(client, "unclaimed")
    assert counts["unclaimed"] == 1 and STEPS["return_result"].name in text(rows[code])
    item = claim(client, code)
    assert task_page(client, item)["outcomes"] == ["returned"]
    assert complete(client, item, "returned", "Đã trả tận tay").status_code == 302
    assert queue(client, "mine")[0] == {"mine": 0, "unclaimed": 0}

    shown = dossier_page(client, code)
    assert shown["status"].startswith("Đã trả kết quả")
    assert DECISION["approve"][VI] in shown["status"]
    assert RESULT["early"][VI] in shown["status"]  # returned on the day it was received
    assert not any(step.name in shown["current"][0] for step in STEPS.values())
    assert shown["history"] == [
        history_row("officer", "receive", "receive"),
        history_row("officer", "claim", "handover"),
        history_row("officer", "complete", "handover", "handed_over"),
        history_row("specialist", "claim", "review"),
        history_row("specialist", "complete", "review", "approve"),
        history_row("head", "claim", "check"),
        history_row("head", "complete", "check", "agree"),
        history_row("leader", "claim", "approve"),
        history_row("leader", "complete", "approve", "sign"),
        history_row("officer", "claim", "return_result"),
        history_row("officer", "complete", "return_result", "returned"),
    ]
    assert state(library, code)["status"] == "returned"
    assert state(library, code)["items"] == []


def test_supplement_round_trip(client, library):
    code, item = at_review(client, claimed_by="specialist")
    assert complete(client, item, "supplement", "Thiếu báo cáo tài chính").status_code == 302
    shown = dossier_page(client, code)
    assert shown["status"] == STATUS["awaiting_supplement"][VI]
    assert STEPS["supplement"].name in shown["current"][0]
    assert shown["history"][-2] == history_row("specialist", "complete", "review", "supplement")
    assert shown["history"][-1][1] == ACTIONS["clock_stop"][VI]  # the clock stops
    assert code not in queue(client, "unclaimed")[1]

    login(client, "officer")
    assert STEPS["supplement"].name in text(queue(client, "unclaimed")[1][code])
    item = claim(client, code)
    assert task_page(client, item)["outcomes"] == ["resubmitted"]
    assert complete(client, item, "resubmitted", "Đã nhận báo cáo").status_code == 302
    shown = dossier_page(client, code)
    assert shown["status"] == STATUS["in_progress"][VI]
    assert STEPS["review"].name in shown["current"][0]
    assert shown["history"][-2] == history_row("officer", "complete", "supplement",
                                               "resubmitted")
    assert shown["history"][-1][1] == ACTIONS["clock_resume"][VI]

    # The review is back in the department's shared tab and goes on as usual.
    act(client, "specialist", code, "approve")
    assert STEPS["check"].name in dossier_page(client, code)["current"][0]
    assert state(library, code)["status"] == "in_progress"


# --- refusals ----------------------------------------------------------------


def test_stale_version_is_a_conflict_and_changes_nothing(client, library):
    code, item = at_review(client, claimed_by="specialist")
    task = task_page(client, item)
    before = state(library, code)
    assert task["version"] == before["version"]

    response = client.post(f"/officer/tasks/{item}", data={
        "csrf_token": task["token"], "outcome": "approve", "note": "",
        "version": task["version"] - 1})
    assert response.status_code == 302 and response.location == f"/officer/tasks/{item}"
    shown = page(client.get(response.location))
    errors = flashes(shown, "error")
    assert len(errors) == 1 and code in errors[0] and not flashes(shown, "success")
    assert state(library, code) == before

    # With the version the page gave, the same action goes through.
    assert complete(client, item, "approve").location == "/officer/queue"
    assert state(library, code)["version"] > before["version"]


def test_outcome_not_offered_at_the_step_is_refused(client, library):
    code, item = at_review(client, claimed_by="specialist")
    task = task_page(client, item)
    assert "sign" not in task["outcomes"]
    before = state(library, code)

    response = client.post(f"/officer/tasks/{item}", data={
        "csrf_token": task["token"], "outcome": "sign", "note": "", "version": task["version"]})
    assert response.status_code == 302 and response.location == f"/officer/tasks/{item}"
    errors = flashes(page(client.get(response.location)), "error")
    assert len(errors) == 1 and "sign" in errors[0]
    assert state(library, code) == before


def test_specialist_of_another_department_cannot_see_or_claim(client, library):
    code, _ = at_review(client)
    with library() as session:
        item = session.execute(select(WorkItem.id).where(
            WorkItem.dossier_code == code, WorkItem.step_id == "review")).scalar_one()

    login(client, "labour_specialist")
    before = state(library, code)  # after the login, which is itself audited
    counts, rows = queue(client, "unclaimed")
    assert code not in rows and counts == {"mine": 0, "unclaimed": 0}
    assert client.get(f"/officer/tasks/{item}").status_code == 403

    token = csrf(client, "/officer/queue")
    response = client.post(f"/officer/tasks/{item}/claim", data={"csrf_token": token})
    assert response.status_code == 302
    assert flashes(page(client.get(response.location)), "error")
    response = client.post(f"/officer/tasks/{item}", data={
        "csrf_token": token, "outcome": "approve", "version": before["version"]})
    assert response.status_code == 302
    assert flashes(page(client.get(response.location)), "error")  # refused, and said why
    assert queue(client, "mine")[0]["mine"] == 0
    assert state(library, code) == before


def test_auditor_reads_dossiers_but_cannot_work_them(client, library):
    code, item = at_review(client, claimed_by="specialist")
    login(client, "auditor")
    before = state(library, code)
    shown = dossier_page(client, code)
    assert shown["status"] == STATUS["in_progress"][VI]
    assert shown["history"][0] == history_row("officer", "receive", "receive")
    assert client.get("/officer/queue").status_code == 403
    assert client.get(f"/officer/tasks/{item}").status_code == 403
    token = csrf(client, f"/officer/dossiers/{code}")
    response = client.post(f"/officer/tasks/{item}", data={
        "csrf_token": token, "outcome": "approve", "version": before["version"]})
    assert response.status_code == 403
    assert state(library, code) == before


def test_form_post_without_csrf_token_is_refused(client, library):
    code, _ = at_review(client)
    login(client, "specialist")
    counts, rows = queue(client, "unclaimed")
    action = rows[code].xpath(".//form/@action")[0]
    before = state(library, code)

    assert client.post(action, data={}).status_code == 400
    assert client.post(action, data={"csrf_token": "forged"}).status_code == 400
    assert state(library, code) == before
    assert queue(client, "unclaimed")[0] == counts


def test_wrong_password_shows_an_error_and_answers_401(client):
    response = post_form(client, "/login", {"username": "officer", "password": "wrong-pass-1"})
    assert response.status_code == 401
    assert len(flashes(page(response), "error")) == 1
    assert client.get("/officer/queue").status_code == 302  # still logged out
    assert client.get("/officer/queue").location.startswith("/login")

    assert login(client, "officer").status_code == 302
    assert client.get("/officer/queue").status_code == 200


def test_english_switches_labels_from_the_data_tables(client):
    code, _ = at_review(client)

    english = dossier_page(client, code, lang="en")
    assert english["status"] == STATUS["in_progress"][EN]
    assert STEPS["review"].name_en in english["current"][0]
    assert english["history"][:3] == [
        history_row("officer", "receive", "receive", lang=EN),
        history_row("officer", "claim", "handover", lang=EN),
        history_row("officer", "complete", "handover", "handed_over", lang=EN)]
    assert dossier_page(client, code)["status"] == STATUS["in_progress"][EN]  # remembered

    vietnamese = dossier_page(client, code, lang="vi")
    assert vietnamese["status"] == STATUS["in_progress"][VI]
    assert STEPS["review"].name in vietnamese["current"][0]


def test_login_goes_on_to_the_page_asked_for(client):
    response = post_form(client, "/login?next=/officer/dossiers",
                         {"username": "auditor", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/officer/dossiers"


def test_login_never_redirects_to_another_site(client):
    response = post_form(client, "/login?next=/%09/evil.example/",
                         {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302
    assert urljoin("http://motcua.test/login", response.location).startswith(
        "http://motcua.test/")
