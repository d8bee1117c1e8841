"""A measured figure beside its target, percentiles, and the machine's lines for results.md."""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass


@dataclass
class Figure:
    bench: str  # B2, B4, B5, memory...
    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        ok = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return "PASS" if ok else "MISS"

    def line(self) -> str:
        target = "" if self.target is None else (
            f" (target {'≥' if self.higher_is_better else '≤'} {self.target:g} {self.unit}: "
            f"{self.verdict})")
        return f"{self.bench} {self.name}: {self.value:,.2f} {self.unit}{target}"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a list; NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def timed_ms(fn, runs: int, warm: int = 2) -> list[float]:
    """Milliseconds of each of `runs` calls of fn, after `warm` calls not counted."""
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    if not times:
        return "no request answered"
    return (f"p50 {percentile(times, 50):.2f} ms, p95 {percentile(times, 95):.2f} ms, "
            f"mean {statistics.fmean(times):.2f} ms, n={len(times)}")
