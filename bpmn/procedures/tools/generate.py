"""Write the library's diagrams from the compact descriptions in `shapes.py`.

    .venv/bin/python bpmn/procedures/tools/generate.py            # write every shape
    .venv/bin/python bpmn/procedures/tools/generate.py short_path # write one

The generated `.bpmn` files are the source of truth once committed (a quality manager may edit
them in the modeler); this tool only saves typing the layout. Each node sits in a lane and a
column (and a row inside its lane); lanes are horizontal bands of a pool, the flow runs left to
right. Edges are routed with right angles:

- same row, forward: a straight line;
- forward to another row: out of the source's side to the target's column, then into its top
  or bottom (`route="vh"`: out of the source's top or bottom, then into the target's side);
- backward (a loop back) and `route="below"`: down into the channel at the bottom of the
  source's row, along it, and up or down into the target (`dx` shifts the entry point, `ch`
  raises the channel so two loops do not overlap).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

OUT = Path(__file__).resolve().parents[1]
LANE_NAMES = {"one_stop": "Bộ phận Một cửa", "specialist": "Chuyên viên",
              "head": "Trưởng phòng", "leader": "Lãnh đạo"}
SIZES = {"start": (36, 36), "end": (36, 36), "task": (100, 80), "xor": (50, 50),
         "and": (50, 50), "timer": (36, 36)}
POOL_X, POOL_Y, LABEL_W = 160, 80, 30
COL_W, ROW_H, FIRST_CX = 140, 130, 250


@dataclass
class Node:
    id: str
    kind: str  # start, end, task, xor, and, timer (a boundary timer on `attached_to`)
    lane: str
    col: float
    row: int = 0
    name: str = ""
    props: dict[str, str] = field(default_factory=dict)
    attached_to: str | None = None
    timer: str | None = None  # the timeDate expression of a boundary timer
    default: str | None = None  # filled in from the flows


@dataclass
class Flow:
    source: str
    target: str
    name: str = ""
    condition: str | None = None
    default: bool = False
    route: str = ""  # "", "vh" or "below"
    dx: int = 0
    ch: int = 0

    @property
    def id(self) -> str:
        return f"f_{self.source}_{self.target}"


@dataclass
class Shape:
    id: str
    name: str
    lanes: tuple[str, ...]
    nodes: list[Node]
    flows: list[Flow]
    doc: str = ""


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def layout(shape: Shape) -> tuple[dict[str, Box], dict[str, Box], Box]:
    rows = {lane: 1 + max([n.row for n in shape.nodes if n.lane == lane], default=0)
            for lane in shape.lanes}
    lanes, y = {}, POOL_Y
    width = LABEL_W + FIRST_CX - POOL_X + COL_W * max(n.col for n in shape.nodes) + 90
    for lane in shape.lanes:
        lanes[lane] = Box(POOL_X + LABEL_W, y, width - LABEL_W, rows[lane] * ROW_H)
        y += rows[lane] * ROW_H
    boxes = {}
    for node in shape.nodes:
        if node.kind == "timer":
            continue
        w, h = SIZES[node.kind]
        cx = FIRST_CX + node.col * COL_W
        cy = lanes[node.lane].y + ROW_H / 2 - 5 + node.row * ROW_H
        boxes[node.id] = Box(cx - w / 2, cy - h / 2, w, h)
    for node in shape.nodes:
        if node.kind == "timer":  # on the host's lower edge, towards its right
            host = boxes[node.attached_to]
            boxes[node.id] = Box(host.x + host.w - 48, host.y + host.h - 18, 36, 36)
    return boxes, lanes, Box(POOL_X, POOL_Y, width, y - POOL_Y)


def _row_bottom(box: Box) -> float:
    """The y of the channel under the row a box sits in."""
    row_top = POOL_Y + ((box.cy - POOL_Y) // ROW_H) * ROW_H
    return row_top + ROW_H - 8


def waypoints(flow: Flow, s: Box, t: Box) -> list[tuple[float, float]]:
    if flow.route != "below" and abs(s.cy - t.cy) < 1 and t.x > s.x:
        return [(s.x + s.w, s.cy), (t.x, t.cy)]
    if flow.route != "below" and abs(s.cx - t.cx) < 1:
        return [(s.cx, s.y), (t.cx, t.y + t.h)] if t.cy < s.cy else \
            [(s.cx, s.y + s.h), (t.cx, t.y)]
    enter_x = t.cx + flow.dx
    enter_y = t.y + t.h if t.cy < s.cy else t.y
    if flow.route == "below" or (t.cx < s.cx and abs(s.cy - t.cy) < 1):
        channel = _row_bottom(s) - flow.ch
        enter_x = t.cx + (flow.dx or (20 if t.cx < s.cx else 0))
        enter_y = t.y + t.h if t.cy < channel else t.y
        return [(s.cx, s.y + s.h), (s.cx, channel), (enter_x, channel), (enter_x, enter_y)]
    if flow.route == "vh":
        start_y = s.y + s.h if t.cy > s.cy else s.y
        side = t.x if t.cx > s.cx else t.x + t.w
        return [(s.cx, start_y), (s.cx, t.cy), (side, t.cy)]
    side = s.x + s.w if t.cx > s.cx else s.x
    return [(side, s.cy), (enter_x, s.cy), (enter_x, enter_y)]


def _props(props: dict[str, str]) -> str:
    if not props:
        return ""
    lines = "".join(f'\n          <spiffworkflow:property name="{k}" value={quoteattr(v)} />'
                    for k, v in props.items())
    return ("\n      <bpmn:extensionElements>\n        <spiffworkflow:properties>"
            f"{lines}\n        </spiffworkflow:properties>\n      </bpmn:extensionElements>")


def _node_xml(node: Node, incoming: list[Flow], outgoing: list[Flow]) -> str:
    tag = {"start": "startEvent", "end": "endEvent", "task": "userTask",
           "xor": "exclusiveGateway", "and": "parallelGateway", "timer": "boundaryEvent"}[
        node.kind]
    attrs = f"id={quoteattr(node.id)}"
    if node.name:
        attrs += f" name={quoteattr(node.name)}"
    if node.default:
        attrs += f' default="{node.default}"'
    if node.kind == "timer":
        attrs += f' attachedToRef="{node.attached_to}" cancelActivity="true"'
    body = _props(node.props)
    body += "".join(f"\n      <bpmn:incoming>{f.id}</bpmn:incoming>" for f in incoming)
    body += "".join(f"\n      <bpmn:outgoing>{f.id}</bpmn:outgoing>" for f in outgoing)
    if node.kind == "timer":
        body += (f'\n      <bpmn:timerEventDefinition id="{node.id}_def">\n        '
                 f"<bpmn:timeDate>{escape(node.timer)}</bpmn:timeDate>\n"
                 "      </bpmn:timerEventDefinition>")
    return f"    <bpmn:{tag} {attrs}>{body}\n    </bpmn:{tag}>"


def _flow_xml(flow: Flow) -> str:
    attrs = f'id="{flow.id}"' + (f" name={quoteattr(flow.name)}" if flow.name else "")
    attrs += f' sourceRef="{flow.source}" targetRef="{flow.target}"'
    if flow.condition is None:
        return f"    <bpmn:sequenceFlow {attrs} />"
    return (f"    <bpmn:sequenceFlow {attrs}>\n      <bpmn:conditionExpression>"
            f"{escape(flow.condition)}</bpmn:conditionExpression>\n    </bpmn:sequenceFlow>")


def _bounds(box: Box) -> str:
    return f'<dc:Bounds x="{box.x:g}" y="{box.y:g}" width="{box.w:g}" height="{box.h:g}" />'


def _drawing(shape: Shape) -> tuple[list[str], list[str]]:
    """BPMN DI: a shape with bounds for the pool, each lane and node; an edge per flow."""
    boxes, lanes, pool = layout(shape)
    pid = shape.id
    shapes_di = [f'      <bpmndi:BPMNShape id="Participant_{pid}_di" bpmnElement='
                 f'"Participant_{pid}" isHorizontal="true">\n        {_bounds(pool)}\n'
                 "      </bpmndi:BPMNShape>"]
    shapes_di += [f'      <bpmndi:BPMNShape id="Lane_{lane}_di" bpmnElement="Lane_{lane}" '
                  f'isHorizontal="true">\n        {_bounds(box)}\n      </bpmndi:BPMNShape>'
                  for lane, box in lanes.items()]
    shapes_di += [f'      <bpmndi:BPMNShape id="{n.id}_di" bpmnElement="{n.id}"'
                  + (' isMarkerVisible="true"' if n.kind == "xor" else "")
                  + f">\n        {_bounds(boxes[n.id])}\n      </bpmndi:BPMNShape>"
                  for n in shape.nodes]
    edges_di = []
    for flow in shape.flows:
        points = "".join(f'<di:waypoint x="{x:g}" y="{y:g}" />'
                         for x, y in waypoints(flow, boxes[flow.source], boxes[flow.target]))
        edges_di.append(f'      <bpmndi:BPMNEdge id="{flow.id}_di" bpmnElement="{flow.id}">\n'
                        f"        {points}\n      </bpmndi:BPMNEdge>")
    return shapes_di, edges_di


def render(shape: Shape) -> str:
    nodes = {n.id: n for n in shape.nodes}
    ids = [f.id for f in shape.flows]
    assert len(ids) == len(set(ids)), f"{shape.id}: two flows between the same elements"
    for flow in shape.flows:
        assert flow.source in nodes and flow.target in nodes, f"{shape.id}: {flow.id}"
        if flow.default:
            nodes[flow.source].default = flow.id
    pid = shape.id
    lane_xml = "\n".join(
        f'      <bpmn:lane id="Lane_{lane}" name="{LANE_NAMES[lane]}">\n' + "\n".join(
            f"        <bpmn:flowNodeRef>{n.id}</bpmn:flowNodeRef>"
            for n in shape.nodes if n.lane == lane) + "\n      </bpmn:lane>"
        for lane in shape.lanes)
    node_xml = "\n".join(_node_xml(n, [f for f in shape.flows if f.target == n.id],
                                   [f for f in shape.flows if f.source == n.id])
                         for n in shape.nodes)
    flow_xml = "\n".join(_flow_xml(f) for f in shape.flows)
    shapes_di, edges_di = _drawing(shape)
    doc = (f"\n    <bpmn:documentation>{escape(shape.doc)}</bpmn:documentation>"
           if shape.doc else "")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by bpmn/procedures/tools/generate.py from shapes.py; edit either, then commit
     the .bpmn file: the committed file is what the engine installs. -->
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_{pid}" targetNamespace="http://motcua.gov.vn/bpmn">
  <bpmn:collaboration id="Collaboration_{pid}">
    <bpmn:participant id="Participant_{pid}" name="Ban Quản lý / Authority" processRef="{pid}" />
  </bpmn:collaboration>
  <bpmn:process id="{pid}" name={quoteattr(shape.name)} isExecutable="true">{doc}
    <bpmn:laneSet id="LaneSet_{pid}">
{lane_xml}
    </bpmn:laneSet>
{node_xml}
{flow_xml}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_{pid}">
    <bpmndi:BPMNPlane id="Plane_{pid}" bpmnElement="Collaboration_{pid}">
{chr(10).join(shapes_di)}
{chr(10).join(edges_di)}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def main(argv: list[str]) -> int:
    from shapes import SHAPES
    wanted = argv or list(SHAPES)
    for name in wanted:
        path = OUT / f"{name}.bpmn"
        path.write_text(render(SHAPES[name]), encoding="utf-8")
        print(f"wrote {path.relative_to(OUT.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
