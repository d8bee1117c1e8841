"""Bar charts drawn on the server as inline SVG (no script, nothing fetched): the dossiers
resolved early, on time and late per group, and the on-time rate per group. This module
computes the geometry; templates/reports/_charts.html draws it."""
from __future__ import annotations

from dataclasses import dataclass, field

LABEL_WIDTH, BAR_AREA, VALUE_WIDTH = 190, 380, 90
ROW, BAR = 26, 16
COLOURS = {"early": "#2e7d32", "on_time": "#1565c0", "late": "#c62828", "rate": "#00838f"}


@dataclass
class Segment:
    kind: str
    x: float
    width: float
    value: int | float
    colour: str


@dataclass
class Bar:
    label: str
    y: int
    segments: list[Segment]
    text: str  # the figures written after the bar


@dataclass
class Chart:
    key: str
    bars: list[Bar] = field(default_factory=list)
    width: int = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW + 4


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def resolved_chart(groups: list[tuple[str, object]]) -> Chart:
    """groups: (label, Counts). Stacked bars early / on time / late, scaled to the largest."""
    chart = Chart("resolved")
    largest = max((c.resolved for _, c in groups), default=0) or 1
    for n, (name, counts) in enumerate(groups):
        x, segments = float(LABEL_WIDTH), []
        for kind in ("early", "on_time", "late"):
            value = getattr(counts, f"resolved_{kind}")
            width = BAR_AREA * value / largest
            if value:
                segments.append(Segment(kind, x, width, value, COLOURS[kind]))
            x += width
        chart.bars.append(Bar(_short(name), n * ROW + 2, segments,
                              f"{counts.resolved_early}/{counts.resolved_on_time}/"
                              f"{counts.resolved_late}"))
    return chart


def rate_chart(groups: list[tuple[str, object]]) -> Chart:
    """groups: (label, Counts). The on-time rate of each group on a 0-100 % scale."""
    chart = Chart("rate")
    for n, (name, counts) in enumerate(groups):
        rate = counts.on_time_rate
        segments = ([Segment("rate", LABEL_WIDTH, BAR_AREA * rate, rate, COLOURS["rate"])]
                    if rate else [])
        chart.bars.append(Bar(_short(name), n * ROW + 2, segments,
                              "—" if rate is None else f"{rate * 100:.1f} %"))
    return chart
