"""What changed between two versions of a diagram, element by element.

Elements are matched by id (bpmn-js and our generator keep ids stable across edits). For each
element of the processes (tasks, events, gateways, sequence flows, lanes) a description is
compared: its kind, name, lane, spiffworkflow properties (allotment, outcomes, role, ...),
condition, timer, script, source and target, default flow, the task a boundary event sits on.
The drawing (BPMN DI) is not compared: moving a shape changes nothing a dossier sees.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .xml import parse_diagram_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_SKIP = {"laneSet", "extensionElements", "incoming", "outgoing", "flowNodeRef", "documentation",
         "conditionExpression", "timerEventDefinition", "timeDuration", "timeDate", "timeCycle",
         "script", "text"}


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str  # userTask, sequenceFlow, lane, ...
    name: str
    change: str  # added / removed / changed
    fields: tuple[tuple[str, str, str], ...] = ()  # (what, before, after) for a changed one


@dataclass
class DiagramDiff:
    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    @property
    def element_ids(self) -> dict[str, str]:
        """Every element concerned, with its change, for marking a drawing."""
        return {c.element_id: c.change for c in (*self.added, *self.removed, *self.changed)}


def describe(xml: str | bytes) -> dict[str, dict[str, str]]:
    """Each process element's comparable description, by id."""
    root = parse_diagram_xml(xml)
    found: dict[str, dict[str, str]] = {}
    for process in root.iter(f"{{{BPMN}}}process"):
        lanes = {}
        for lane in process.iter(f"{{{BPMN}}}lane"):
            found[lane.get("id")] = {"kind": "lane", "name": lane.get("name", "")}
            for ref in lane.iterfind(f"{{{BPMN}}}flowNodeRef"):
                lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
        for el in process.iter():
            if not isinstance(el.tag, str) or el is process:
                continue
            q = etree.QName(el)
            if q.namespace != BPMN or q.localname in _SKIP or q.localname in ("lane",) \
                    or not el.get("id") or q.localname.endswith("EventDefinition"):
                continue
            found[el.get("id")] = _describe(el, q.localname, lanes.get(el.get("id"), ""))
    return found


def _describe(el: etree._Element, kind: str, lane: str) -> dict[str, str]:
    d = {"kind": kind, "name": el.get("name", "")}
    if lane:
        d["lane"] = lane
    for attr in ("sourceRef", "targetRef", "default", "attachedToRef", "cancelActivity",
                 "calledElement"):
        if el.get(attr) is not None:
            d[attr] = el.get(attr)
    for prop in el.iterfind(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}properties/"
                            f"{{{SPIFF}}}property"):
        d[f"property {prop.get('name')}"] = prop.get("value", "")
    condition = el.find(f"{{{BPMN}}}conditionExpression")
    if condition is not None:
        d["condition"] = (condition.text or "").strip()
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        timer = el.find(f".//{{{BPMN}}}{tag}")
        if timer is not None:
            d["timer"] = f"{tag}: {(timer.text or '').strip()}"
    script = el.find(f"{{{BPMN}}}script")
    if script is not None:
        d["script"] = (script.text or "").strip()
    definitions = sorted(etree.QName(c).localname for c in el
                         if isinstance(c.tag, str)
                         and etree.QName(c).localname.endswith("EventDefinition"))
    if definitions:
        d["event"] = ", ".join(definitions)
    return d


def diff_diagrams(before: str | bytes, after: str | bytes) -> DiagramDiff:
    old, new = describe(before), describe(after)
    diff = DiagramDiff()
    for element_id, d in new.items():
        if element_id not in old:
            diff.added.append(ElementChange(element_id, d["kind"], d["name"], "added"))
    for element_id, d in old.items():
        if element_id not in new:
            diff.removed.append(ElementChange(element_id, d["kind"], d["name"], "removed"))
            continue
        n = new[element_id]
        fields = tuple((key, d.get(key, ""), n.get(key, "")) for key in _keys(d, n)
                       if d.get(key, "") != n.get(key, ""))
        if fields:
            diff.changed.append(ElementChange(element_id, n["kind"], n["name"] or d["name"],
                                              "changed", fields))
    return diff


def _keys(a: dict, b: dict) -> list[str]:
    return list(dict.fromkeys([*a, *b]))
