"""The index's chart: items per month, one line per theme, drawn as inline SVG at build time.

This module computes the geometry; templates/_chart.html draws it. No script, no external asset:
the chart is in the page's bytes, and its numbers are in a table beside it for every reader.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .catalog import Catalog

MONTHS = 24  # at most the last two years: the chart answers "what is growing now"
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 36, 16, 40
# Okabe–Ito colours: told apart with the common forms of colour blindness, readable on light and dark
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F7F7F", "#000000"]


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    month: str  # "2021-10"
    count: int

    @property
    def label(self) -> str:
        return month_name(self.month)


@dataclass(frozen=True)
class Series:
    slug: str
    title: str
    colour: str
    counts: tuple[int, ...]  # one per month
    points: str  # SVG polyline points
    marks: tuple[Mark, ...]  # one per month with items
    trend: int  # items in the last `window` months minus the `window` before


@dataclass(frozen=True)
class Chart:
    months: tuple[str, ...]
    labels: tuple[tuple[float, str], ...]  # x, "Oct 2021" for the months the axis names
    ticks: tuple[tuple[float, int], ...]  # y, value
    series: tuple[Series, ...]
    window: int = 3  # months compared for the trend: the last three against the three before
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = HEIGHT - BOTTOM

    @property
    def summary(self) -> str:
        """The text alternative's first sentence: the span, and what grew."""
        span = f"{month_name(self.months[0])} to {month_name(self.months[-1])}"
        growing = sorted((s for s in self.series if s.trend > 0), key=lambda s: -s.trend)
        grew = ", ".join(f"{s.title} (+{s.trend})" for s in growing[:3]) or "no theme"
        return f"Items per month and theme, {span}. Growing, {self.compared}: {grew}."

    @property
    def compared(self) -> str:
        if self.window == 1:
            return "last month against the month before"
        return f"last {self.window} months against the {self.window} before"


def month_key(date: dt.date) -> str:
    return f"{date:%Y-%m}"


def month_name(key: str) -> str:
    return dt.date(int(key[:4]), int(key[5:]), 1).strftime("%B %Y")


def months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    keys = []
    while f"{year:04d}-{month:02d}" <= last:
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def build_chart(catalog: Catalog) -> Chart | None:
    if not catalog.items:
        return None
    newest, oldest = month_key(catalog.items[0].date), month_key(catalog.items[-1].date)
    months = months_between(oldest, newest)[-MONTHS:]
    index = {key: i for i, key in enumerate(months)}
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(months) - 1, 1)
    x = (lambda i: LEFT + i * step) if len(months) > 1 else (lambda i: LEFT + plot_w / 2)

    counts = {theme.slug: [0] * len(months) for theme in catalog.taxonomy.themes}
    for item in catalog.items:
        i = index.get(month_key(item.date))
        if i is not None:
            for slug in item.themes:
                counts[slug][i] += 1
    top = nice_ceiling(max((c for row in counts.values() for c in row), default=0))
    y = lambda count: TOP + plot_h - plot_h * count / top

    window = max(1, min(3, len(months) // 2))
    series = []
    for number, theme in enumerate(catalog.taxonomy.themes):
        row = counts[theme.slug]
        if not any(row):
            continue
        points = " ".join(f"{x(i):.1f},{y(c):.1f}" for i, c in enumerate(row))
        marks = tuple(Mark(round(x(i), 1), round(y(c), 1), months[i], c) for i, c in enumerate(row) if c)
        trend = sum(row[-window:]) - sum(row[-2 * window:-window]) if len(months) > 1 else 0
        series.append(Series(theme.slug, theme.title, COLOURS[number % len(COLOURS)], tuple(row), points, marks,
                             trend))
    every = max(1, len(months) // 6)  # about six month names on the axis
    labels = tuple((round(x(i), 1), dt.date(int(m[:4]), int(m[5:]), 1).strftime("%b %Y"))
                   for i, m in enumerate(months) if i % every == 0 or i == len(months) - 1)
    ticks = tuple((round(y(v), 1), v) for v in range(0, top + 1, max(1, top // 4)))
    return Chart(tuple(months), labels, ticks, tuple(series), window)


def nice_ceiling(value: int) -> int:
    """A round top for the y axis: 4 → 4, 7 → 8, 13 → 15, 230 → 250."""
    if value <= 4:
        return max(value, 1)
    for step in (1, 2, 2.5, 5):
        magnitude = 10 ** (len(str(value)) - 1)
        top = int(step * magnitude)
        if top >= value:
            return top
    return 10 ** len(str(value))
