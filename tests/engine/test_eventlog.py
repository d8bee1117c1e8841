"""The XES export: valid against the IEEE 1849-2016 schema, declared extensions, globals and
classifiers honoured, every kind of event with its lifecycle transition, case attributes, and
no applicant's personal data."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from engine.services.eventlog import ACTIVITIES, xes_log

from .mining_paths import local, varied

XSD = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "xes" / "xes-ieee-1849-2016.xsd"
TYPES = {"string": str, "date": str, "int": int, "float": float, "boolean": str}


@pytest.fixture
def log(library):
    codes = varied(library, 6, local(2026, 3, 2, 9))
    with library() as session:
        body = xes_log(session, date(2026, 3, 1), date(2026, 4, 30))
    return codes, etree.fromstring(body), body


def traces(root) -> dict[str, etree._Element]:
    return {t.find("string[@key='concept:name']").get("value"): t for t in root.iter("trace")}


def attrs(element) -> dict[str, str]:
    return {child.get("key"): child.get("value") for child in element if child.get("key")}


@pytest.mark.skipif(not XSD.exists(), reason="shared/corpora is not beside the checkout")
def test_the_log_is_valid_against_the_xes_schema(log):
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(log[1]), schema.error_log


def test_extensions_globals_and_classifiers_are_declared_and_honoured(log):
    _, root, _ = log
    prefixes = {e.get("prefix") for e in root.findall("extension")}
    assert prefixes == {"concept", "time", "lifecycle", "org"}
    for element in root.iter("trace", "event"):
        for child in (c for c in element if c.tag != "event"):
            key = child.get("key") or ""
            if ":" in key:
                assert key.split(":")[0] in prefixes, key
            assert child.tag in TYPES, child.tag
            TYPES[child.tag](child.get("value"))  # int and float values parse
    declared = {g.get("scope"): set(attrs(g)) for g in root.findall("global")}
    assert declared["event"] >= {"concept:name", "time:timestamp", "lifecycle:transition"}
    for scope in ("trace", "event"):
        for element in root.iter(scope):
            assert declared[scope] <= set(attrs(element)), (scope, attrs(element))
    for event in root.iter("event"):
        assert event.find("date[@key='time:timestamp']") is not None
        assert attrs(event)["lifecycle:transition"] in {
            "schedule", "assign", "withdraw", "reassign", "start", "suspend", "resume",
            "pi_abort", "ate_abort", "complete", "autoskip", "manualskip", "unknown"}
    classifiers = {c.get("name"): c.get("keys") for c in root.findall("classifier")}
    assert classifiers["Activity"] == "concept:name"
    for keys in classifiers.values():
        assert set(keys.split()) <= declared["event"]


def test_every_kind_of_event_is_exported_with_its_transition(log):
    codes, root, _ = log
    found = traces(root)
    late = [attrs(e) for e in found[codes["late"][0]].iter("event")]
    by_action = {}
    for event in late:
        by_action.setdefault(event["action"], []).append(event)
    assert [e["lifecycle:transition"] for e in by_action["timer_fired"]] == ["complete"] * 2
    assert {e["effect"] for e in by_action["timer_fired"]} == {"warned", "escalated"}
    assert {e["org:resource"] for e in by_action["timer_fired"]} == {"system"}
    assert by_action["escalation"][0]["lifecycle:transition"] == "schedule"
    assert by_action["apology"][0]["concept:name"] == ACTIVITIES["apology"]
    assert by_action["rating"][0]["rating"] == "not_satisfied"
    assert by_action["complete"][-1]["step_result"] in {"on_time", "late", "early"}
    supplement = [attrs(e) for e in found[codes["supplement"][0]].iter("event")]
    transitions = {e["action"]: e["lifecycle:transition"] for e in supplement}
    assert transitions["clock_stop"] == "suspend" and transitions["clock_resume"] == "resume"
    assert transitions["claim"] == "start" and transitions["receive"] == "complete"
    refused = [attrs(e) for e in found[codes["refusal"][0]].iter("event")]
    assert any(e.get("decision") == "refuse" and e["step"] == "review" for e in refused)


def test_traces_carry_the_case_attributes_and_no_personal_data(log):
    codes, root, body = log
    case = attrs(traces(root)[codes["refusal"][0]])
    assert case["procedure"] == "BQL.DT.01" and case["field"] == "investment"
    assert case["procedure_version"] == "1" and len(case["process_sha256"]) == 64
    assert case["channel"] == "counter" and case["received"].startswith("2026-03-")
    assert case["decision"] == "refuse" and case["outcome"] in {"early", "on_time"}
    assert case["status"] == "returned" and "finished" in case
    open_case = attrs(traces(root)[codes["open"][0]])
    assert "finished" not in open_case and "outcome" not in open_case
    text = body.decode("utf-8")
    for personal in ("Công ty A", "Nguyễn Văn An", "031085001234", "0903"):
        assert personal not in text


def test_a_period_holds_only_its_events(library):
    codes = varied(library, 2, local(2026, 3, 2, 9))
    with library() as session:
        root = etree.fromstring(xes_log(session, date(2026, 5, 1), date(2026, 5, 31)))
        assert list(root.iter("trace")) == []
        root = etree.fromstring(xes_log(session, date(2026, 3, 2), date(2026, 3, 2)))
    assert set(traces(root)) == {codes["straight"][0]}
