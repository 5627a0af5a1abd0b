"""Trends over time: how many articles match each of one to five queries, period by period.

Counts come from the index's month facet (one search per query, and one for every article
within the same filters), so a trend over 100k articles costs what a search costs. Periods are
months, or years when the articles span more than five years. Values are raw counts, or per
1,000 articles published in the period (within the same filters), so that a term's share can be
compared across years in which the archive holds more or fewer articles.
"""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from haystack.query import SearchQuerySet

from articles.models import Article

from . import searching
from .query import parse

MAX_SERIES = 5
MONTHS_BEFORE_YEARS = 60  # spans longer than five years are counted per year
PER = {"count": _("Number of articles"), "thousand": _("Per 1,000 articles")}


class TrendsForm(searching.SearchForm):
    per = forms.ChoiceField(required=False, label=_("Show"), choices=list(PER.items()))

    def params(self):
        data = super().params()
        data["per"] = self.cleaned_data.get("per") or "count"
        return data


@dataclass
class Period:
    key: str  # "2025-11" or "2025"
    start: datetime.date


@dataclass
class Point:
    period: Period
    count: int  # articles matching in the period
    articles: int  # articles published in the period (within the filters)
    value: float  # count, or count per 1,000 articles
    url: str  # the search restricted to the period

    # What search.chart.layout and the chart's points read.
    @property
    def published_on(self):
        return self.period.start

    @property
    def caption(self):
        return f"{self.period.key}: {self.value}"

    @property
    def amount(self):
        return self.value


@dataclass
class Trend:
    query: str
    points: list = field(default_factory=list)
    warnings: tuple = ()

    @property
    def count(self):
        return sum(point.count for point in self.points)


@dataclass
class Trends:
    by: str  # "month" or "year"
    per: str  # "count" or "thousand"
    series: list = field(default_factory=list)
    periods: list = field(default_factory=list)

    @property
    def rows(self):
        """(period, [point of each series]) for the table."""
        return [
            (period, [trend.points[index] for trend in self.series])
            for index, period in enumerate(self.periods)
        ]


def trends(params, queries, using="default"):
    """The trend of each query (at most MAX_SERIES) within the filters of ``params``."""
    if not queries:
        return Trends("month", params["per"])
    everything = _month_counts(params, None, using)
    months = sorted(everything)
    if not months:
        return Trends("month", params["per"])
    first, last = months[0], months[-1]
    span = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    by = "year" if span > MONTHS_BEFORE_YEARS else "month"
    periods = _periods(first, last, by)
    totals = _by_period(everything, by)
    result = Trends(by, params["per"], periods=periods)
    for query in queries[:MAX_SERIES]:
        parsed = parse(query)
        counts = _by_period(_month_counts(params, parsed, using), by) if parsed.tree else {}
        trend = Trend(query, warnings=parsed.warnings)
        for period in periods:
            count, articles = counts.get(period.key, 0), totals.get(period.key, 0)
            value = count if params["per"] == "count" else per_thousand(count, articles)
            url = _search_url(query, params, by, period)
            trend.points.append(Point(period, count, articles, value, url))
        result.series.append(trend)
    return result


def _month_counts(params, parsed, using):
    """{"YYYY-MM": articles} matching ``parsed`` (everything when None) within the filters."""
    sqs = searching.narrowed(SearchQuerySet(using=using).models(Article), params)
    if parsed is not None:
        sqs = sqs.filter(searching.to_sq(parsed.tree))
    months = sqs.facet("month", limit=searching.MONTHS_KEPT).facet_counts()
    return dict(months.get("fields", {}).get("month", []))


def _by_period(months, by):
    if by == "month":
        return months
    return dict(searching.years(months.items()))


def _periods(first, last, by):
    if by == "year":
        return [
            Period(str(year), datetime.date(year, 1, 1))
            for year in range(int(first[:4]), int(last[:4]) + 1)
        ]
    periods, year, month = [], int(first[:4]), int(first[5:])
    while f"{year:04d}-{month:02d}" <= last:
        periods.append(Period(f"{year:04d}-{month:02d}", datetime.date(year, month, 1)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


def per_thousand(count, articles):
    return round(count * 1000 / articles, 2) if articles else 0.0


def _search_url(query, params, by, period):
    """The search page for ``query`` within the filters, restricted to ``period``."""
    kept = {
        "from": params.get("from_") and params["from_"].isoformat(),
        "to": params.get("to") and params["to"].isoformat(),
        "author": params.get("author"),
        "publication": params.get("publication"),
    }
    pairs = [("q", query), *((name, value) for name, value in kept.items() if value)]
    pairs.append((by, period.key))
    return reverse("search:search") + "?" + urlencode(pairs)
