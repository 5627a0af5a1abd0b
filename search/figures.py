"""The figures explorer: every key figure the archive reports, searched, compared and charted.

A figure is found by the words of its sentence and label (the query language of article
search, search.query), by its unit's family (articles.units: 亿元, 万元 and 元 are one family),
by value (in the family's base unit), and by the article's date, publication and author.
Figures have an index of their own (the "figures" connection, FigureIndex): a document per
visible figure, written with its article by that index's indexer from the same change log, so
a correction shows here as soon as it shows on the page.
"""

import datetime
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from haystack.inputs import Exact
from haystack.query import SearchQuerySet

from articles import units
from articles.figures import parse_number
from articles.models import Figure
from articles.reading import format_value

from . import capabilities, searching, words
from .query import parse

USING = "figures"  # the haystack connection of the figures' index
PAGE_SIZE = 20
FACET_LIMIT = 30
MAX_SERIES = 5
MAX_POINTS = 1000  # per series on a chart, the earliest; the chart says when a series has more
# One key each: tantivy sorts by one fast field while it collects the top hits, where a second
# key costs a second pass over every tie (bench/FIGURES.md). Ties keep the index's order, which
# is the articles' and then the reading order.
SORTS = {
    "newest": ["-published_on"],
    "oldest": ["published_on"],
    "largest": ["-amount"],
    "smallest": ["amount"],
    "relevance": [],
}


class NumberField(forms.Field):
    """A number as a reader types it: 260亿, 1.5万, 3,000, 二十."""

    def to_python(self, value):
        value = str(value or "").replace(" ", "").replace(",", "").replace("，", "")
        if not value:
            return None
        number = parse_number(value)
        if number is None:
            raise forms.ValidationError(_("Enter a number such as 260亿 or 20.5."), code="invalid")
        return number


class FigureForm(searching.SearchForm):
    """Article search's form (q, dates, publication, author, year, month, page) and more."""

    unit = forms.CharField(required=False, max_length=20, label=_("Unit"))
    min = NumberField(required=False, label=_("At least"))
    max = NumberField(required=False, label=_("At most"))
    sort = forms.ChoiceField(
        required=False,
        label=_("Order"),
        choices=[
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("largest", _("Largest first")),
            ("smallest", _("Smallest first")),
            ("relevance", _("Most relevant")),
        ],
    )

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min"), cleaned.get("max")
        if low is not None and high is not None and low > high:
            self.add_error("max", _("The upper bound is below the lower bound."))
        return cleaned

    def params(self):
        data = super().params()
        data["sort"] = self.cleaned_data.get("sort") or "newest"
        data["unit"] = data.get("unit") or ""
        return data


@dataclass
class FigureHit:
    printed: str  # as the article prints it: 260亿美元
    value: Decimal
    value_from: Decimal | None
    unit: str
    qualifier: str
    family: str
    amount: float  # in the family's base unit
    label: str
    sentence: str
    title: str
    published_on: datetime.date
    publication: str
    url: str  # the article page, at the figure's sentence

    @property
    def caption(self):
        """What a chart's point says of it: 2025-11-11 260亿美元 · 项目金额."""
        caption = f"{self.published_on.isoformat()} {self.printed}"
        return f"{caption} · {self.label}" if self.label else caption

    @property
    def normalized(self):
        """The value in the family's base unit, as newspapers write numbers: 2.6万 吨."""
        family = "" if self.family == units.NO_UNIT else self.family
        # Nine significant digits: 1亩 is 666.666667 平方米, not 666.6666666666666.
        return f"{format_value(Decimal(f'{self.amount:.9g}'))}{family}"

    @property
    def sentence_parts(self):
        """(before, the figure as printed, after): the sentence with the number to mark."""
        at = self.sentence.find(self.printed) if self.printed else -1
        if at == -1:
            return self.sentence, "", ""
        return (
            self.sentence[:at],
            self.printed,
            self.sentence[at + len(self.printed) :],
        )


@dataclass
class FigureOutcome:
    parsed: object
    count: int = 0
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)
    page: int = 1
    pages: int = 0
    took_ms: float = 0.0

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages


def queryset(params, query=None, using=USING):
    """The figures matching ``params`` (``query``: this text instead of params["q"])."""
    sqs = searching.narrowed(SearchQuerySet(using=using).models(Figure), params)
    if params.get("unit"):
        sqs = sqs.filter(family=Exact(units.family_of(params["unit"])))
    low, high = params.get("min"), params.get("max")
    if low is not None and high is not None:
        # One bounded range: two open ones would each visit half of every figure's value.
        sqs = sqs.filter(amount__range=(float(low), float(high)))
    elif low is not None:
        sqs = sqs.filter(amount__gte=float(low))
    elif high is not None:
        sqs = sqs.filter(amount__lte=float(high))
    parsed = parse(params["q"] if query is None else query)
    if parsed.tree is not None:
        sqs = sqs.filter(searching.to_sq(parsed.tree))
    order = SORTS[params.get("sort") or "newest"]
    return (sqs.order_by(*order) if order else sqs), parsed


def run(params, page_size=PAGE_SIZE, using=USING):
    started = time.perf_counter()
    state = capabilities.index_state(capabilities.backend(using))
    words.follow(state.meta.get("dictionary"))
    sqs, parsed = queryset(params, using=using)
    outcome = FigureOutcome(parsed=parsed, page=params["page"])
    if parsed.tree is None and not _narrowed(params):
        outcome.took_ms = searching.elapsed(started)
        return outcome
    sqs = sqs.facet("family", limit=FACET_LIMIT).facet("month", limit=searching.MONTHS_KEPT)
    start = (outcome.page - 1) * page_size
    results = list(sqs[start : start + page_size])
    outcome.count = sqs.count()
    outcome.pages = (outcome.count + page_size - 1) // page_size
    outcome.hits = [hit(result) for result in results]
    if outcome.count:
        fields = sqs.facet_counts().get("fields", {})
        outcome.facets = {
            "unit": [
                (family, units.family_name(family), count)
                for family, count in fields.get("family", [])
            ],
            "year": searching.years(fields.get("month", [])),
        }
    outcome.took_ms = searching.elapsed(started)
    return outcome


def hit(result):
    return FigureHit(
        printed=result.printed or "",
        value=Decimal(result.value),
        value_from=Decimal(result.value_from) if result.value_from else None,
        unit=result.unit or "",
        qualifier=result.qualifier or "",
        family=result.family,
        amount=result.amount,
        label=result.label or "",
        sentence=result.sentence or "",
        title=result.title,
        published_on=result.published_on,
        publication=result.publication,
        url=result.url,
    )


def _narrowed(params):
    return bool(
        params.get("unit")
        or params.get("min") is not None
        or params.get("max") is not None
        or searching.has_filters(params)
    )


# -- the chart


@dataclass
class Series:
    query: str
    points: list  # FigureHit, oldest first
    count: int  # every match; more than len(points) when the series was cut

    @property
    def cut_short(self):
        return self.count > len(self.points)


def series(params, queries, using=USING):
    """One series of (date, value) points per query, within the same filters, oldest first."""
    found = []
    for query in queries[:MAX_SERIES]:
        sqs, _parsed = queryset({**params, "sort": "oldest"}, query=query, using=using)
        count = sqs.count()
        points = [hit(result) for result in sqs[: min(count, MAX_POINTS)]] if count else []
        found.append(Series(query, points, count))
    return found
