"""Period statistics and the XES export of a period's events."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree

from bpmn.diagram import load_diagram
from tests.engine.helpers import receive as receive_at

from .conftest import error_of, receive
from .test_journey import take_step
from .test_procedures import XML

STEPS = load_diagram(XML).steps
ROOT = Path(__file__).resolve().parents[2]
XSD = ROOT.parent / "shared" / "corpora" / "xes" / "xes-ieee-1849-2016.xsd"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
APRIL = {"from": "2026-04-01", "to": "2026-04-30"}


@pytest.fixture
def month(api, library, office_hours):
    """Four dossiers of BQL.DT.01 (15 calendar days): one received on 4 March (due on the
    19th, still open: late), one on 30 March (due mid-April), and two on Wednesday 8 April,
    the clock's day, one of which is returned at once."""
    late = receive_at(library, datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc), name="Cũ")
    march = receive_at(library, datetime(2026, 3, 30, 3, 0, tzinfo=timezone.utc))
    office_hours.move_to(datetime(2026, 4, 8, 3, 0, tzinfo=timezone.utc))
    returned = receive(api)["code"]
    for _ in range(5):
        take_step(api, returned)
    waiting = receive(api)["code"]
    return {"late": late, "march": march, "returned": returned, "waiting": waiting}


def test_statistics_of_a_period_count_each_dossier_once_where_it_stands(api, month):
    response = api.get("/statistics", "quality", query_string=APRIL)
    assert response.status_code == 200, response.get_json()
    found = response.get_json()
    assert found["from"] == "2026-04-01" and found["to"] == "2026-04-30"
    assert found["as_of"].startswith("2026-04-08")
    assert found["total"] == {
        "carried_over": 2, "received": 2, "resolved": 1, "resolved_early": 1,
        "resolved_on_time": 0, "resolved_late": 0, "in_progress": 3,
        "in_progress_within": 2, "in_progress_late": 1, "received_counter": 2,
        "received_online": 0, "received_post": 0, "refused": 0, "withdrawn": 0,
        "supplement_requests": 0, "on_time_rate": 1.0, "very_satisfied": 0, "satisfied": 1,
        "not_satisfied": 0, "satisfied_share": 1.0}
    assert [p["procedure"] for p in found["by_procedure"]] == ["BQL.DT.01"]
    assert {k: v for k, v in found["by_procedure"][0].items() if k != "procedure"} == \
        found["total"]
    for grouping, code in (("by_field", "investment"), ("by_department", "dau_tu")):
        [row] = found[grouping]
        assert row["code"] == code and row["name"]
        assert {k: v for k, v in row.items() if k not in ("code", "name")} == found["total"]


def test_a_past_period_is_counted_at_its_end(api, month):
    found = api.get("/statistics", "auditor", query_string=MARCH).get_json()
    assert found["as_of"].startswith("2026-04-01T00:00:00")
    assert {k: v for k, v in found["total"].items() if v} == {
        "received": 2, "in_progress": 2, "in_progress_within": 1, "in_progress_late": 1,
        "received_counter": 2}
    assert found["total"]["on_time_rate"] is None and found["total"]["satisfied_share"] is None
    empty = api.get("/statistics", "leader", query_string={"from": "2025-01-01",
                                                           "to": "2025-01-31"}).get_json()
    assert empty["total"]["in_progress"] == 0 and empty["by_procedure"] == []


@pytest.mark.parametrize("query", [{}, {"from": "2026-03-01"}, {"to": "2026-03-01"},
                                   {"from": "2026-03-31", "to": "2026-03-01"},
                                   {"from": "yesterday", "to": "2026-03-01"},
                                   {"from": "2000-01-01", "to": "2026-03-01"}])
@pytest.mark.parametrize("path", ["/statistics", "/eventlog.xes"])
def test_a_bad_period_is_422(api, query, path):
    error_of(api.get(path, "quality", query_string=query), 422, "invalid_input")


def test_reports_are_for_quality_audit_and_leadership(api):
    for user in ("officer", "specialist", "head"):
        error_of(api.get("/statistics", user, query_string=MARCH), 403, "forbidden")
    for user in ("officer", "specialist", "head", "leader"):
        error_of(api.get("/eventlog.xes", user, query_string=MARCH), 403, "forbidden")


def xes(api, query=APRIL) -> etree._Element:
    response = api.get("/eventlog.xes", "auditor", query_string=query)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert "attachment" in response.headers["Content-Disposition"]
    return etree.fromstring(response.data)


def attrs(element) -> dict[str, str]:
    return {child.get("key"): child.get("value") for child in element
            if child.get("key") is not None}


@pytest.mark.skipif(not XSD.exists(), reason=f"the XES schema is not beside the repo ({XSD})")
def test_the_xes_export_is_valid_ieee_1849(api, month):
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    log = xes(api)
    schema.assertValid(log)
    schema.assertValid(xes(api, {"from": "2025-01-01", "to": "2025-01-02"}))  # empty


def test_the_xes_export_has_a_trace_per_dossier_and_an_event_per_step(api, month):
    log = xes(api)
    assert {e.get("prefix") for e in log.findall("extension")} == {
        "concept", "time", "lifecycle", "org"}
    traces = {attrs(t)["concept:name"]: t for t in log.findall("trace")}
    # the March dossiers had no event in April
    assert set(traces) == {month["returned"], month["waiting"]}
    # the steps' own events (the log also holds ratings, timers, clock stops...)
    events = [attrs(e) for e in traces[month["returned"]].findall("event")
              if attrs(e)["action"] in ("receive", "claim", "complete")]
    assert all({"concept:name", "time:timestamp", "lifecycle:transition", "org:resource",
                "org:group"} <= set(e) for e in events)
    assert [e["time:timestamp"] for e in events] == sorted(e["time:timestamp"] for e in events)
    assert all(e["time:timestamp"].endswith("+07:00") for e in events)
    assert events[0]["lifecycle:transition"] == "complete" and events[0]["step"] == "receive"
    completed = [(e["step"], e["org:resource"], e["org:group"]) for e in events
                 if e["lifecycle:transition"] == "complete"][1:]
    assert completed == [("handover", "officer", "van_phong"), ("review", "specialist", "dau_tu"),
                         ("check", "head", "dau_tu"), ("approve", "leader", ""),
                         ("return_result", "officer", "van_phong")]
    starts = [e["step"] for e in events if e["lifecycle:transition"] == "start"]
    assert starts == ["handover", "review", "check", "approve", "return_result"]
    assert {e["org:role"] for e in events} == {"one_stop", "specialist", "head", "leader"}
    names = {step.id: step.name for step in STEPS.values()}
    assert all(e["concept:name"] == names[e["step"]] for e in events)
    # no applicant's personal data in the log
    assert b"An Ph" not in etree.tostring(log, encoding="UTF-8")
