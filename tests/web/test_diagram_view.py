"""The dossier's diagram data: the steps done and the current one, for the bpmn-js viewer."""
from __future__ import annotations

from tests.conftest import T0
from tests.engine.helpers import advance, hours, receive
from tests.web.conftest import login


def test_diagram_marks_completed_and_current_steps(client, library):
    code = receive(library, T0)
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    login(client, "auditor")  # read-only roles may look too
    answer = client.get(f"/officer/dossiers/{code}/diagram")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["xml"].startswith("<?xml") and 'id="review"' in body["xml"]
    assert body["completed"][:3] == ["start", "receive", "handover"]
    assert "review" not in body["completed"]
    assert body["current"] == ["review"]


def test_diagram_of_an_unknown_dossier_is_404_and_needs_login(client, library):
    assert client.get("/officer/dossiers/NOPE/diagram").status_code == 302  # to login
    login(client, "officer")
    assert client.get("/officer/dossiers/NOPE/diagram").status_code == 404
