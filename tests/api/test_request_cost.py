"""Regression guards for the reads of an officer's round through the API (B5 in
bench/http_load.py: the queue, a task, its completion): how many SQL statements each sends,
and that the cheaper reads show what the task itself shows."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select, update

from engine.models import User, WorkItem
from tests.conftest import T0

from .conftest import receive

# Statements per read, SQLite's BEGIN IMMEDIATE left out: the user with its department and
# roles (one statement), then the queue's page with its procedure codes, or the task with its
# dossier's version, procedure and process version (the diagram's text is not read once the
# diagram is parsed).
CEILING = {"queue": 2, "unclaimed": 2, "task": 2}


@pytest.fixture
def claimed(api):
    """The officer's handover task of a received dossier, claimed: in the 'mine' tab."""
    task = receive(api)["open_tasks"][0]
    assert api.post(f"/tasks/{task['id']}/claim", "officer").status_code == 200
    return task["id"]


def counted(app) -> list[str]:
    statements: list[str] = []
    event.listen(app.extensions["motcua.engine"], "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    return statements


def test_statements_per_read_stay_at_the_ceiling(app, api, claimed):
    paths = {"queue": "/tasks", "unclaimed": "/tasks?tab=unclaimed", "task": f"/tasks/{claimed}"}
    for path in paths.values():  # the token issued, the diagram parsed
        assert api.get(path, "officer").status_code == 200
    statements = counted(app)
    for kind, path in paths.items():
        statements.clear()
        response = api.get(path, "officer")
        assert response.status_code == 200, response.get_json()
        sent = [s for s in statements if s.strip() != "BEGIN IMMEDIATE"]
        assert len(sent) <= CEILING[kind], (kind, sent)
        assert sum("user_role" in s for s in sent) == 1, sent  # the roles with the user
        assert not any("bpmn_xml" in s for s in sent), sent


def test_a_queue_row_says_what_the_task_says(api, library, claimed):
    listed = api.get("/tasks", "officer").get_json()["items"]
    task = api.get(f"/tasks/{claimed}", "officer").get_json()
    assert set(task) - set(listed[0]) == {"outcomes", "dossier_version"}
    assert listed == [{key: task[key] for key in listed[0]}]
    assert listed[0]["procedure"] == "BQL.DT.01" and listed[0]["warned"] is False
    with library.begin() as session:  # a warning timer fired
        session.execute(update(WorkItem).where(WorkItem.id == claimed).values(warned_at=T0))
    listed = api.get("/tasks", "officer").get_json()["items"]
    assert listed[0]["warned"] is True
    assert listed == [{key: value for key, value in api.get(
        f"/tasks/{claimed}", "officer").get_json().items() if key in listed[0]}]


def test_a_role_taken_away_counts_at_the_next_request(api, library, claimed):
    """The user and its roles are read afresh at every request (one statement, no cache)."""
    assert api.get(f"/tasks/{claimed}", "officer").status_code == 200
    with library.begin() as session:
        officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
        officer.role_links.clear()
    assert api.get(f"/tasks/{claimed}", "officer").status_code == 403
    assert api.get("/tasks", "officer").status_code == 403


def test_a_dossiers_open_tasks_say_what_the_task_says(api):
    dossier = receive(api)
    shown = api.get(f"/dossiers/{dossier['code']}", "officer").get_json()["open_tasks"]
    assert shown == dossier["open_tasks"] and len(shown) == 1
    task = api.get(f"/tasks/{shown[0]['id']}", "officer").get_json()
    assert shown == [{key: task[key] for key in shown[0]}]
    assert set(task) - set(shown[0]) == {"outcomes", "dossier_version"}
