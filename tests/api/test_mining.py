"""GET /api/v1/ocel and /api/v1/conformance: who may call them, what they answer, and bad
periods refused."""
from __future__ import annotations

import pytest

from tests.engine.mining_paths import honest_and_forged

from .conftest import error_of

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def march(library):
    return honest_and_forged(library)


def test_the_ocel_log_of_a_period(api, march):
    response = api.get("/ocel", "auditor", query_string=MARCH)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    document = response.get_json()
    assert set(document) == {"objectTypes", "eventTypes", "objects", "events"}
    ids = {o["id"] for o in document["objects"]}
    assert {f"dossier:{march['honest']}", f"dossier:{march['forged']}"} <= ids
    assert f"e{march['event']}" in {e["id"] for e in document["events"]}


def test_the_conformance_check_lists_the_deviating_dossiers(api, march):
    response = api.get("/conformance", "quality", query_string=MARCH)
    assert response.status_code == 200, response.get_json()
    found = response.get_json()
    assert (found["from"], found["to"]) == ("2026-03-01", "2026-03-31")
    assert (found["checked"], found["conforming"]) == (2, 1)
    assert found["by_kind"] == {"not_open": 1}
    [dossier] = found["deviating"]
    assert dossier["code"] == march["forged"] and dossier["version"] == 1
    assert [(d["kind"], d["event_id"], d["step"]) for d in dossier["deviations"]] == [
        ("not_open", march["event"], "approve")]
    only = api.get("/conformance", "leader",
                   query_string={**MARCH, "procedure": "BQL.LD.03"}).get_json()
    assert only["checked"] == 0 and only["deviating"] == []


def test_mining_is_for_quality_audit_and_leadership(api, library):
    for user in ("officer", "specialist", "head"):
        for path in ("/ocel", "/conformance"):
            error_of(api.get(path, user, query_string=MARCH), 403, "forbidden")


@pytest.mark.parametrize("query", [{}, {"from": "2026-03-31", "to": "2026-03-01"},
                                   {"from": "yesterday", "to": "2026-03-01"},
                                   {**MARCH, "procedure": ""}, {**MARCH, "page": "2"}])
@pytest.mark.parametrize("path", ["/ocel", "/conformance"])
def test_a_bad_period_is_422(api, query, path):
    error = error_of(api.get(path, "auditor", query_string=query), 422, "invalid_input")
    assert error["details"]
