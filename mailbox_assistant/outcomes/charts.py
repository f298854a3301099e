"""Charts as server-side SVG, pure: numbers in, markup out (no script, no network, no inline style).

Each chart is an `<svg role="img">` named by its `<title>` and summarised by its `<desc>`, so a screen
reader announces what it shows; every bar has a `<title>` with its exact figure (a tooltip). Colours
come from classes the stylesheet defines (`s0`…`s7`, the Okabe–Ito palette, which stays distinct for
colour-blind readers), with the same colours as attributes for an SVG read on its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    """One stacked series: a label and one value per day."""

    label: str
    values: Sequence[int]


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: a label, its share (0 to 1, or None for no data) and what it is a share of."""

    label: str
    share: float | None
    of: int


def stacked_days(title: str, days: Sequence[date], series: Sequence[Series], unit: str = "") -> Markup:
    """Columns per day, one stacked segment per series (its colour is its index in `series`)."""
    width, height, left, bottom, top = 720, 260, 40, 28, 12
    totals = [sum(s.values[i] for s in series) for i in range(len(days))]
    peak = max(totals, default=0)
    scale_top = _nice_ceiling(peak)
    plot_width, plot_height = width - left - 8, height - bottom - top
    step = plot_width / max(len(days), 1)
    bar_width = max(step * 0.78, 1.0)
    chart_id = f"chart{next(_ids)}"
    parts = [_open(chart_id, width, height, title, _days_summary(days, totals, series, unit))]
    parts.extend(_y_axis(scale_top, left, width, top, plot_height))
    for index, day in enumerate(days):
        x = left + index * step + (step - bar_width) / 2
        y = top + plot_height
        for colour, item in enumerate(series):
            value = item.values[index]
            if not value:
                continue
            bar_height = plot_height * value / scale_top
            y -= bar_height
            tip = f"{day:%a %d %b}: {item.label}, {value}{unit}"
            parts.append(_rect(x, y, bar_width, bar_height, colour, tip))
    label_every = max(1, round(len(days) / 8))
    for index, day in enumerate(days):
        if index % label_every == 0:
            x = left + index * step + step / 2
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{height - 8}" text-anchor="middle">{day:%d %b}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def share_bars(title: str, bars: Sequence[Bar], colour: int = 2) -> Markup:
    """One horizontal bar per row under its label: its share as a percentage, with the count it is a
    share of (labels above the bars, so long ones fit at any width)."""
    row, width, right = 46, 720, 110
    height = row * max(len(bars), 1) + 22
    plot_width = width - right
    chart_id = f"chart{next(_ids)}"
    described = "; ".join(f"{bar.label}: {_percent(bar.share)} of {bar.of}" for bar in bars) or "No data."
    parts = [_open(chart_id, width, height, title, described)]
    for x_share in (0.0, 0.5, 1.0):
        x = plot_width * x_share
        anchor = "start" if x_share == 0 else "end" if x_share == 1 else "middle"
        parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="18" y2="{height - 18}"/>')
        label = f"{x_share:.0%}"
        parts.append(f'<text class="axis" x="{x:.1f}" y="{height - 4}" text-anchor="{anchor}">{label}</text>')
    for index, bar in enumerate(bars):
        y = index * row
        parts.append(f'<text class="label" x="0" y="{y + 14}">{escape(bar.label)}</text>')
        if bar.share is not None:
            tip = f"{bar.label}: {_percent(bar.share)} of {bar.of}"
            parts.append(_rect(0, y + 20, max(plot_width * bar.share, 1.0), 18, colour, tip))
        parts.append(
            f'<text class="value" x="{plot_width + 8}" y="{y + 34}">'
            f'{_percent(bar.share)} <tspan class="muted">of {bar.of}</tspan></text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def count_bars(title: str, labels: Sequence[str], counts: Sequence[int], colour: int = 0) -> Markup:
    """Vertical columns, one per label (a distribution), each with its count above it."""
    width, height, left, bottom, top = 720, 220, 40, 28, 16
    peak = _nice_ceiling(max(counts, default=0))
    plot_width, plot_height = width - left - 8, height - bottom - top
    step = plot_width / max(len(labels), 1)
    chart_id = f"chart{next(_ids)}"
    total = sum(counts)
    described = "; ".join(f"{label}: {count}" for label, count in zip(labels, counts, strict=True))
    parts = [_open(chart_id, width, height, title, f"{total} in all. {described}.")]
    parts.extend(_y_axis(peak, left, width, top, plot_height))
    for index, (label, count) in enumerate(zip(labels, counts, strict=True)):
        bar_height = plot_height * count / peak
        x = left + index * step + step * 0.15
        y = top + plot_height - bar_height
        if count:
            parts.append(_rect(x, y, step * 0.7, bar_height, colour, f"{label}: {count}"))
        middle = x + step * 0.35
        parts.append(
            f'<text class="value" x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle">{count}</text>'
        )
        parts.append(
            f'<text class="axis" x="{x + step * 0.35:.1f}" y="{height - 8}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def _rect(x: float, y: float, width: float, height: float, colour: int, tip: str) -> str:
    index = colour % len(PALETTE)
    return (
        f'<rect class="s{index}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="{PALETTE[index]}"><title>{escape(tip)}</title></rect>'
    )


def _y_axis(scale_top: int, left: int, width: int, top: int, plot_height: int) -> list[str]:
    parts = []
    for fraction in (0.0, 0.5, 1.0):
        y = top + plot_height * (1 - fraction)
        value = scale_top * fraction
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>')
    return parts


def _days_summary(days: Sequence[date], totals: Sequence[int], series: Sequence[Series], unit: str) -> str:
    if not days or not sum(totals):
        return "No disconnections in this period."
    busiest = max(range(len(days)), key=lambda i: totals[i])
    by_series = sorted(((sum(s.values), s.label) for s in series), reverse=True)
    top = ", ".join(f"{label} {count}{unit}" for count, label in by_series[:3] if count)
    return (
        f"{sum(totals)}{unit} over {len(days)} days, from {days[0]:%d %b} to {days[-1]:%d %b}; "
        f"the most on {days[busiest]:%a %d %b} ({totals[busiest]}{unit}). Most common: {top}."
    )


def _nice_ceiling(value: int) -> int:
    """A round number at or above `value` for the top of an axis (at least 2)."""
    if value <= 2:
        return 2
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 4, 6, 8, 10):  # even, so the middle line of the axis is a whole number too
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"
