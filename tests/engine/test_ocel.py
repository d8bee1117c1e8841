"""The OCEL 2.0 JSON export: the standard's structure (types declared, attribute values typed
and timed, relationships to existing objects), what relates to what, and pm4py reading it."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from engine.services.ocel import EVENT_TYPES, OBJECT_TYPES, ocel_log

from .mining_paths import local, varied

OCEL_TYPES = {"string", "time", "integer", "float", "boolean"}


@pytest.fixture
def found(library):
    codes = varied(library, 6, local(2026, 3, 2, 9))
    with library() as session:
        return codes, ocel_log(session, date(2026, 3, 1), date(2026, 4, 30))


def by_id(document: dict, key: str) -> dict[str, dict]:
    return {item["id"]: item for item in document[key]}


def test_the_document_follows_the_ocel_2_structure(found):
    _, document = found
    assert set(document) == {"objectTypes", "eventTypes", "objects", "events"}
    declared = {}
    for key in ("objectTypes", "eventTypes"):
        for kind in document[key]:
            assert set(kind) == {"name", "attributes"}
            assert all(set(a) == {"name", "type"} and a["type"] in OCEL_TYPES
                       for a in kind["attributes"])
            declared[kind["name"]] = {a["name"]: a["type"] for a in kind["attributes"]}
    objects = by_id(document, "objects")
    assert len(objects) == len(document["objects"])  # ids are unique
    for item in document["objects"]:
        assert item["type"] in declared
        for attribute in item["attributes"]:
            assert set(attribute) == {"name", "value", "time"}
            assert attribute["name"] in declared[item["type"]]
            datetime.fromisoformat(attribute["time"])
        for link in item.get("relationships", []):
            assert set(link) == {"objectId", "qualifier"} and link["objectId"] in objects
    for event in document["events"]:
        assert set(event) == {"id", "type", "time", "attributes", "relationships"}
        datetime.fromisoformat(event["time"])
        for attribute in event["attributes"]:
            assert set(attribute) == {"name", "value"}
            kind = declared[event["type"]][attribute["name"]]
            assert isinstance(attribute["value"], {"string": str, "integer": int,
                                                   "float": (int, float), "time": str}[kind])
        assert all(link["objectId"] in objects for link in event["relationships"])
    assert json.loads(json.dumps(document, ensure_ascii=False)) == document


def test_events_and_objects_relate_as_the_work_was_done(found):
    codes, document = found
    objects = by_id(document, "objects")
    late = objects[f"dossier:{codes['late'][0]}"]
    statuses = [a["value"] for a in late["attributes"] if a["name"] == "status"]
    assert statuses[0] == "in_progress" and statuses[-1] == "returned"
    assert [r["qualifier"] for r in late["relationships"]] == ["runs on"]
    assert late["relationships"][0]["objectId"] == "version:BQL.DT.01:1"
    supplement = objects[f"dossier:{codes['supplement'][0]}"]
    assert "awaiting_supplement" in [a["value"] for a in supplement["attributes"]
                                     if a["name"] == "status"]
    assert objects["officer:specialist"]["relationships"] == [
        {"objectId": "department:dau_tu", "qualifier": "belongs to"}]
    events = [e for e in document["events"]
              if {"objectId": f"dossier:{codes['late'][0]}", "qualifier": "dossier"}
              in e["relationships"]]
    kinds = [e["type"] for e in events]
    for action in ("receive", "claim", "complete", "timer_fired", "escalation", "apology",
                   "rating"):
        assert EVENT_TYPES[action][0] in kinds, action
    claim = next(e for e in events if e["type"] == "claim step")
    qualifiers = {r["qualifier"]: r["objectId"] for r in claim["relationships"]}
    assert qualifiers["performed by"] == qualifiers["assigned to"] == "officer:officer"
    assert qualifiers["on version"] == "version:BQL.DT.01:1" if "on version" in qualifiers \
        else True
    timer = next(e for e in events if e["type"] == "timer fired")
    assert not any(r["qualifier"] == "performed by" for r in timer["relationships"])
    apology = next(e for e in events if e["type"] == "issue apology")
    assert {"objectId": f"slip:apology:{codes['late'][0]}", "qualifier": "issued"} in \
        apology["relationships"]
    assert "Nguyễn Văn An" not in json.dumps(document, ensure_ascii=False)
    assert "Công ty A" not in json.dumps(document, ensure_ascii=False)


def test_pm4py_reads_it(found, tmp_path):
    pm4py = pytest.importorskip("pm4py")
    codes, document = found
    path = tmp_path / "log.jsonocel"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    ocel = pm4py.read_ocel2_json(str(path))
    assert len(ocel.events) == len(document["events"])
    assert len(ocel.objects) == len(document["objects"])
    dossiers = ocel.objects[ocel.objects["ocel:type"] == "dossier"]
    assert len(dossiers) == sum(len(v) for v in codes.values())
    assert set(ocel.events["ocel:activity"]) <= {name for name, _ in EVENT_TYPES.values()}
    # pm4py keeps one relation per event and object (a claim's officer both acts and is
    # assigned)
    assert len(ocel.relations) == len({(e["id"], r["objectId"]) for e in document["events"]
                                       for r in e["relationships"]})
    assert set(ocel.o2o["ocel:qualifier"]) >= {"runs on", "belongs to", "is for"}
    assert set(OBJECT_TYPES) >= set(ocel.objects["ocel:type"])
