"""The process-mining page: the period picked, the downloads, the conformance check with its
counts and the deviating dossiers linked to their timelines; bad input answered 400 with the
field named."""
from __future__ import annotations

import json

import pytest
from lxml import etree

from tests.engine.mining_paths import honest_and_forged

from .conftest import by_testid, login, page, text

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def march(library):
    return honest_and_forged(library)


def test_the_check_counts_and_links_the_deviating_dossiers(client, english, march):
    login(client, "auditor")
    first = page(client.get("/audit/mining", query_string=MARCH))
    assert by_testid(first, "check-hint") and not by_testid(first, "check-counts")
    tree = page(client.get("/audit/mining", query_string={**MARCH, "check": "1"}))
    assert text(by_testid(tree, "count-checked")[0]) == "2"
    assert text(by_testid(tree, "count-conforming")[0]) == "1"
    assert text(by_testid(tree, "count-deviating")[0]) == "1"
    [row] = by_testid(tree, "deviating-row")
    assert row.get("data-code") == march["forged"]
    assert by_testid(row, "dossier-link")[0].get("href") == f"/audit/dossiers/{march['forged']}"
    [deviation] = by_testid(row, "deviation")
    assert (deviation.get("data-kind"), deviation.get("data-event")) == (
        "not_open", str(march["event"]))
    assert "not open" in text(deviation)
    assert by_testid(tree, "by-kind")[0].xpath(".//tr/@data-kind") == ["not_open"]


def test_the_downloads_carry_the_period(client, march):
    login(client, "leader")
    tree = page(client.get("/audit/mining", query_string=MARCH))
    xes_url = by_testid(tree, "download-xes")[0].get("href")
    ocel_url = by_testid(tree, "download-ocel")[0].get("href")
    xes = client.get(xes_url)
    assert xes.status_code == 200 and xes.mimetype == "application/xml"
    assert 'filename="motcua-2026-03-01-2026-03-31.xes"' in xes.headers["Content-Disposition"]
    traces = etree.fromstring(xes.data).findall("trace")
    assert len(traces) == 2
    ocel = client.get(ocel_url)
    assert ocel.status_code == 200 and ocel.mimetype == "application/json"
    assert f"dossier:{march['honest']}" in {o["id"] for o in json.loads(ocel.data)["objects"]}


@pytest.mark.parametrize("query, field", [
    ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
    ({"from": "March", "to": "2026-03-01"}, "from"),
    ({**MARCH, "procedure": "NO.SUCH"}, "procedure"),
    ({**MARCH, "check": "1", "page": "0"}, "page"),
])
def test_bad_input_is_400_with_the_field_named(client, english, library, query, field):
    login(client, "auditor")
    response = client.get("/audit/mining", query_string=query)
    assert response.status_code == 400
    [error] = by_testid(page(response), "mining-error")
    assert error.get("data-field") == field
    download = client.get("/audit/mining/log.xes", query_string=query)
    assert download.status_code == 400 and download.mimetype == "text/plain"


def test_officers_may_not_see_it(client, library):
    for username in ("officer", "specialist", "head"):
        login(client, username)
        assert client.get("/audit/mining").status_code == 403
        assert client.get("/audit/mining/log.jsonocel", query_string=MARCH).status_code == 403


def test_a_period_with_too_many_dossiers_asks_for_a_shorter_one(client, english, march,
                                                                 monkeypatch):
    import web.audit.mining
    monkeypatch.setattr(web.audit.mining, "MAX_CHECKED", 1)
    login(client, "auditor")
    response = client.get("/audit/mining", query_string={**MARCH, "check": "1"})
    assert response.status_code == 400
    [error] = by_testid(page(response), "mining-error")
    assert error.get("data-field") == "to" and "at most 1" in text(error)
