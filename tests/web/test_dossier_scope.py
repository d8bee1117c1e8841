"""Specialists and heads read only their department's dossiers; the desk, leaders, quality
managers and auditors read them all (lists, pages, diagrams, slips and the API alike)."""
from __future__ import annotations

from tests.conftest import PASSWORD, T0
from tests.engine.helpers import receive
from tests.web.conftest import by_testid, login, page


def test_a_specialist_of_another_department_cannot_read_the_dossier(client, library):
    code = receive(library, T0)  # an investment dossier
    login(client, "labour_specialist")
    listed = client.get("/officer/dossiers").get_data(as_text=True)
    assert code not in listed
    for url in (f"/officer/dossiers/{code}", f"/officer/dossiers/{code}/diagram",
                f"/slips/receipt/{code}"):
        assert client.get(url).status_code == 403, url
    for username in ("specialist", "officer", "leader", "auditor", "quality"):
        login(client, username)
        assert code in client.get("/officer/dossiers").get_data(as_text=True), username
        assert client.get(f"/officer/dossiers/{code}").status_code == 200, username
    assert by_testid(page(client.get(f"/officer/dossiers/{code}")), "dossier-code")


def test_the_api_applies_the_same_scope(app, library):
    code = receive(library, T0)
    api = app.test_client()
    token = api.post("/api/v1/tokens", json={"username": "labour_specialist",
                                              "password": PASSWORD}).get_json()["token"]
    answer = api.get(f"/api/v1/dossiers/{code}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"
    events = api.get(f"/api/v1/dossiers/{code}/events",
                     headers={"Authorization": f"Bearer {token}"})
    assert events.status_code == 403
