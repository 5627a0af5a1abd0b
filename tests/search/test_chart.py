"""The chart's layout: scales, ticks and series, in plain numbers for the SVG template."""

import datetime
from dataclasses import dataclass

from search import chart
from search.figures import Series


@dataclass
class Hit:
    published_on: datetime.date
    amount: float


def series(*points, query="q"):
    hits = [Hit(datetime.date.fromisoformat(day), amount) for day, amount in points]
    return Series(query, hits, len(hits))


def test_points_fill_the_plot_from_zero_to_a_round_top():
    drawn = chart.layout([series(("2020-01-01", 5), ("2024-01-01", 260e8))], "美元")
    (line,) = drawn.lines
    first, last = line.points
    assert first.x == drawn.left and last.x == drawn.right  # the dates span the plot
    assert drawn.y_ticks[0].label == "0" and drawn.y_ticks[0].position == drawn.bottom
    assert drawn.y_ticks[-1].position == drawn.top
    assert drawn.y_ticks[-1].label == "300亿"  # a round step: 50亿
    assert [tick.label for tick in drawn.x_ticks] == ["2021", "2022", "2023", "2024"]


def test_negative_values_and_a_single_day():
    drawn = chart.layout([series(("2025-11-11", -3), ("2025-11-11", 12))], "℃")
    labels = [tick.label for tick in drawn.y_ticks]
    assert labels[0] == "-5" and labels[-1] == "15"
    assert all(drawn.left < point.x < drawn.right for point in drawn.lines[0].points)
    assert [tick.label for tick in drawn.x_ticks] == ["2025-11", "2025-12"]


def test_each_series_has_its_own_colour_and_marker():
    drawn = chart.layout([series(("2025-01-01", n), query=str(n)) for n in range(1, 6)], "%")
    assert len({line.colour for line in drawn.lines}) == 5
    assert len({line.marker for line in drawn.lines}) == 5


def test_nothing_to_draw():
    drawn = chart.layout([], "%")
    assert drawn.lines == [] and drawn.y_ticks == [] and drawn.x_ticks == []
    # Series that found nothing keep their lines, one per query, for the page to list.
    drawn = chart.layout([series(query="a"), series(query="b")], "%")
    assert [line.query for line in drawn.lines] == ["a", "b"]
    assert all(line.points == [] for line in drawn.lines) and drawn.y_ticks == []


def test_counts_get_whole_number_ticks():
    drawn = chart.layout([series(("2025-01-01", 0), ("2025-02-01", 2))], "")
    assert [tick.label for tick in drawn.y_ticks] == ["0", "1", "2"]
