"""The dossier page: pauses with their dates and days used, step results in the history, the late
flag with its apology form; a late return refused over HTTP until the apology is issued."""
from __future__ import annotations

from datetime import datetime

import time_machine
from sqlalchemy import func, select

from engine.calendar import VN_TZ
from engine.models import Apology, AuditEvent, Dossier
from tests.engine.helpers import advance, open_item, receive

from .conftest import by_testid, flashes, login, page, post_form, text

BEFORE_RETURN = [("officer", "handed_over"), ("specialist", "approve"), ("head", "agree"),
                 ("leader", "sign")]
# What the return form carries beside the outcome (tests/web/test_slips_more.py tests it).
DELIVERY = {"result_document": "Giấy chứng nhận đăng ký đầu tư", "recipient_name": "Công ty A",
            "method": "desk", "fee_vnd": "0"}


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def signed(library) -> str:
    """A BQL.DT.01 dossier received Wednesday 4 March 2026, due Thursday 19 March, signed."""
    code = receive(library, local(2026, 3, 4))
    for username, outcome in BEFORE_RETURN:
        advance(library, code, username, outcome, local(2026, 3, 5))
    return code


def dossier_tree(client, code: str):
    response = client.get(f"/officer/dossiers/{code}?lang=en")
    assert response.status_code == 200
    return page(response)


def test_pauses_and_step_results_are_shown(client, library):
    code = receive(library, local(2026, 3, 2))  # due 17 March (15 calendar days)
    advance(library, code, "officer", "handed_over", local(2026, 3, 2, 11))
    advance(library, code, "specialist", "supplement", local(2026, 3, 4))
    with time_machine.travel(local(2026, 3, 30), tick=True):  # long after: still not overdue
        login(client, "officer")
        tree = dossier_tree(client, code)
        [state] = by_testid(tree, "deadline-state")
        assert state.get("data-state") == "paused"
        assert not by_testid(tree, "late-flag")
        [row] = by_testid(tree, "pause-row")
        assert text(by_testid(row, "pause-days-used")[0]).startswith("2 / 15")
        assert "waiting for the applicant" in text(row)
    advance(library, code, "officer", "resubmitted", local(2026, 3, 9))
    with time_machine.travel(local(2026, 3, 10), tick=True):
        login(client, "officer")
        tree = dossier_tree(client, code)
        [row] = by_testid(tree, "pause-row")
        assert "23/03/2026" in text(by_testid(row, "pause-due-after")[0])
        assert "17/03/2026" in text(row)
        results = [e.get("data-result") for e in tree.xpath(
            '//*[@data-testid="history-step-result"]/span')]
        assert results == ["on_time", "early"]  # hand-over, review (the supplement has none)


def test_late_dossier_is_flagged_and_needs_an_apology_before_its_return(client, library):
    code = signed(library)
    with library() as session:
        item_id = open_item(session, code).id
    with time_machine.travel(local(2026, 3, 20, 9), tick=True):  # the day after the due date
        login(client, "officer")
        tree = dossier_tree(client, code)
        assert by_testid(tree, "deadline-state")[0].get("data-state") == "overdue"
        [flag] = by_testid(tree, "late-flag")
        [button] = by_testid(flag, "apology-button")
        assert button.get("href") == f"/officer/dossiers/{code}/apology"

        # returning now is refused, and nothing changes
        version = page(client.get(f"/officer/tasks/{item_id}")).xpath(
            '//input[@name="version"]/@value')[0]
        response = post_form(client, f"/officer/tasks/{item_id}",
                             {"outcome": "returned", "version": version, **DELIVERY},
                             token_page=f"/officer/tasks/{item_id}")
        assert response.status_code == 302 and response.location == f"/officer/tasks/{item_id}"
        [error] = flashes(page(client.get(response.location)), "error")
        assert "past its due date" in error and "apology" in error
        with library() as session:
            dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
            assert dossier.status == "in_progress" and dossier.finished_at is None

        # a bad appointment is refused on the form, then a good one is recorded
        url = f"/officer/dossiers/{code}/apology"
        response = post_form(client, url, {"reason": "Chờ ý kiến Sở Xây dựng",
                                           "new_date": "2026-03-22", "new_time": "09:00"})
        assert response.status_code == 422
        assert "working day" in flashes(page(response), "error")[0]
        response = post_form(client, url, {"reason": "Chờ ý kiến Sở Xây dựng",
                                           "new_date": "2026-03-23", "new_time": "nine"})
        assert response.status_code == 422
        with library() as session:
            assert session.execute(select(func.count()).select_from(Apology)).scalar_one() == 0
        response = post_form(client, url, {"reason": "Chờ ý kiến Sở Xây dựng",
                                           "new_date": "2026-03-23", "new_time": "09:00"})
        assert response.status_code == 302 and response.location == f"/officer/dossiers/{code}"
        tree = dossier_tree(client, code)
        assert not by_testid(tree, "late-flag")
        assert "09:00 23/03/2026" in text(by_testid(tree, "apology-appointment")[0])
        assert "Chờ ý kiến Sở Xây dựng" in text(by_testid(tree, "apology")[0])
        # once only: the form says so
        assert by_testid(page(client.get(url)), "apology-done")

        response = post_form(client, f"/officer/tasks/{item_id}",
                             {"outcome": "returned", "version": version, **DELIVERY},
                             token_page=f"/officer/tasks/{item_id}")
        assert response.status_code == 302 and response.location == "/officer/queue"
    with library() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        assert (dossier.status, dossier.outcome) == ("returned", "late")
        [event] = session.execute(select(AuditEvent).where(AuditEvent.action == "apology")).scalars()
        assert event.after["issued_by"] == "officer"


def test_only_the_one_stop_desk_issues_apologies(client, library):
    code = signed(library)
    with time_machine.travel(local(2026, 3, 20, 9), tick=True):
        login(client, "specialist")
        tree = dossier_tree(client, code)
        assert by_testid(tree, "late-flag") and not by_testid(tree, "apology-button")
        assert client.get(f"/officer/dossiers/{code}/apology").status_code == 403
