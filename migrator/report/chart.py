"""The run's writes, throttles and retries per second, as an inline SVG line chart: drawn
here from numbers alone (no script, nothing fetched), so the page needs no network."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from migrator.engine import Sample

WIDTH, HEIGHT = 960, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 36
# name, colour, index in a sample
SERIES = (("writes", "#2563eb", 1), ("throttles", "#dc2626", 2), ("retries", "#d97706", 3))
DOTS_UP_TO = 150  # points drawn as dots too while few enough to tell apart


@dataclass(frozen=True)
class Chart:
    svg: str  # "" when there is nothing to draw
    seconds: float
    peak_writes: float  # writes per second, the highest step
    points: int


def rates(samples: Sequence[Sample]) -> list[tuple[float, float, float, float]]:
    """Counts so far → per second between two samples: (t, writes/s, throttles/s, retries/s)."""
    out = []
    for (t0, w0, h0, r0), (t1, w1, h1, r1) in itertools.pairwise(samples):
        dt = t1 - t0
        if dt > 0:
            out.append((t1, (w1 - w0) / dt, (h1 - h0) / dt, (r1 - r0) / dt))
    return out


SHORTEST = 1.0  # seconds: a shorter run's rate over a few milliseconds would mislead


def chart(samples: Sequence[Sample]) -> Chart:
    steps = rates(samples)
    if not steps or steps[-1][0] < SHORTEST:
        return Chart("", steps[-1][0] if steps else 0.0, 0.0, 0)
    t_end = max(steps[-1][0], 1.0)
    top = _nice(max(max(s[1], s[2], s[3]) for s in steps))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def xy(t: float, v: float) -> str:
        return f"{LEFT + t / t_end * plot_w:.1f},{TOP + plot_h - v / top * plot_h:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" '
        'aria-label="writes, throttles and retries per second over the run">',
        "<title>writes, throttles and retries per second over the run</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#f8fafc" '
        'stroke="#cbd5e1"/>',
    ]
    for frac in (0.0, 0.5, 1.0):  # grid and the y axis' labels
        y = TOP + plot_h - frac * plot_h
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#e2e8f0"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
            f"{_num(top * frac)}</text>"
        )
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = LEFT + frac * plot_w
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" class="tick">'
            f"{_num(t_end * frac)} s</text>"
        )
    parts.append(
        f'<text x="{LEFT}" y="{TOP - 10}" class="tick">per second</text>'
        f'<text x="{LEFT + plot_w}" y="{HEIGHT - 4}" text-anchor="end" class="tick">'
        "time since the run started</text>"
    )
    for n, (name, colour, i) in enumerate(SERIES):
        points = " ".join([xy(0.0, 0.0), *(xy(s[0], s[i]) for s in steps)])
        parts.append(
            f'<polyline class="series {name}" data-series="{name}" fill="none" '
            f'stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        if len(steps) <= DOTS_UP_TO:
            for s in steps:
                cx, cy = xy(s[0], s[i]).split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
        lx = LEFT + 120 + n * 120
        parts.append(
            f'<rect x="{lx}" y="{TOP - 20}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="{TOP - 10}" class="legend">{name}</text>'
        )
    parts.append("</svg>")
    return Chart("".join(parts), t_end, max(s[1] for s in steps), len(steps))


def _nice(peak: float) -> float:
    """The y axis' top: 1, 2 or 5 times a power of ten, at least the peak."""
    if peak <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(peak))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= peak)


def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
