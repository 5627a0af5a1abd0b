"""A value-over-time chart, laid out here and drawn as SVG by a template (figures_chart.html).

Everything a template needs is computed in plain numbers: the plot area, ticks with their
labels, each series' colour, marker and points. Colours are the Okabe–Ito palette, which
readers with any common colour-vision deficiency can tell apart, and each series also has its
own marker shape, so the chart reads in greyscale too.
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from articles.reading import format_value

WIDTH, HEIGHT = 760, 380
LEFT, RIGHT, TOP, BOTTOM = 84, 32, 16, 44
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")
MARKERS = ("circle", "square", "triangle", "diamond", "cross")


@dataclass
class Point:
    x: float
    y: float
    hit: object  # has published_on, amount, url and caption (search.figures.FigureHit)


@dataclass
class Line:
    query: str
    colour: str
    marker: str
    points: list = field(default_factory=list)

    @property
    def path(self):
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    left: int
    top: int
    right: int  # x of the plot's right edge
    bottom: int  # y of the plot's bottom edge
    lines: list
    x_ticks: list
    y_ticks: list
    unit: str


def layout(series, unit):
    """The chart of ``series`` (search.figures.Series), values in ``unit``."""
    hits = [hit for one in series for hit in one.points]
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    lines = [
        Line(one.query, COLOURS[number % len(COLOURS)], MARKERS[number % len(MARKERS)])
        for number, one in enumerate(series)
    ]
    if not hits:  # one line per series all the same: the page lists each query, found or not
        return Chart(WIDTH, HEIGHT, LEFT, TOP, right, bottom, lines, [], [], unit)
    first = min(hit.published_on for hit in hits)
    last = max(hit.published_on for hit in hits)
    if last - first < datetime.timedelta(days=60):
        first -= datetime.timedelta(days=30)
        last += datetime.timedelta(days=30)
    low = min(0.0, min(hit.amount for hit in hits))
    high = max(hit.amount for hit in hits)
    step = _nice_step((high - low) or abs(high) or 1.0)
    if all(float(hit.amount).is_integer() for hit in hits):
        step = max(step, 1)  # counts: no tick between two whole numbers
    low = math.floor(low / step) * step
    high = max(math.ceil(high / step) * step, low + step)

    def x_of(day):
        return LEFT + (right - LEFT) * (day - first).days / (last - first).days

    def y_of(value):
        return bottom - (bottom - TOP) * (value - low) / (high - low)

    for line, one in zip(lines, series, strict=True):
        line.points = [Point(x_of(hit.published_on), y_of(hit.amount), hit) for hit in one.points]
    y_ticks = []
    value = low
    while value <= high + step / 2:
        y_ticks.append(Tick(y_of(value), _value_label(value)))
        value += step
    x_ticks = [Tick(x_of(day), label) for day, label in _date_ticks(first, last)]
    return Chart(WIDTH, HEIGHT, LEFT, TOP, right, bottom, lines, x_ticks, y_ticks, unit)


def _nice_step(span, ticks=5):
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` intervals."""
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


def _value_label(value):
    return format_value(Decimal(repr(round(value, 6))))


def _date_ticks(first, last):
    """Years, or months for spans under two years, or days for spans under two months."""
    days = (last - first).days
    ticks = []
    if days > 730:
        every = max(1, math.ceil((last.year - first.year) / 8))
        for year in range(first.year + 1, last.year + 1, every):
            ticks.append((datetime.date(year, 1, 1), str(year)))
        return ticks
    day = datetime.date(first.year, first.month, 1)
    every = max(1, math.ceil(days / 30 / 8))
    while day <= last:
        if day >= first:
            ticks.append((day, f"{day:%Y-%m}"))
        month = day.month - 1 + every
        day = datetime.date(day.year + month // 12, month % 12 + 1, 1)
    return ticks
