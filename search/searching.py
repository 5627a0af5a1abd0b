"""Running a researcher's search: the query language, filters, facets, fallback and snippets.

Views (the page, the JSON API, exports) share `run()`. It parses the query
(search.query), turns the tree into haystack SQ filters on a SearchQuerySet,
and reads back hits and facets from one backend search. Snippets are marked
on each hit's stored text (search.capabilities), so they land on the same
characters whatever the engine. Searching only reads: the indexer writes.

Facets count every matching article, the costliest part of a search with many matches. They
depend on the query, the filters and the index, not on the page or the order: a search's
facets are kept (in the worker's cache, ``SEARCH_FACET_CACHE``) under the index state they
were counted on, so that paging through a search, re-sorting it or asking it again reuses
them until the index moves. Authors (several to an article) cost the most to count: above
``SEARCH_AUTHOR_FACET_MAX_MATCHES`` matches they are counted only when asked (``facets=all``),
and the page says so. Every count shown is exact.
"""

import datetime
import hashlib
import operator
import time
from dataclasses import dataclass, field
from functools import reduce

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from haystack.inputs import Exact
from haystack.query import SQ, SearchQuerySet

from articles.models import Article, month_bounds

from . import capabilities, tokenize, words
from .backends.inputs import Near as NearInput
from .query import And, Near, Not, Term, describe, parse

PAGE_SIZE = 20
FACET_LIMIT = 20
MONTHS_KEPT = 1200  # a century of months, so that the years summed from them are exact
MONTHS_SHOWN = 24
SORTS = {
    "relevance": [],
    "newest": ["-published_on"],
    "oldest": ["published_on"],
}
# Function words dropped when a question falls back to partial matching.
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 是 在 有 吗 呢 吧 啊 么 几 谁 这 那 就 都 也 还 "
    "把 被 对 从 到 给 让 向 于 以 之 其 每 什么 怎么 怎样 如何 为什么 "
    "哪些 哪里 多少 请问 一下 这个 那个".split()
)
_FIELDS = {"title": "title", "author": "author", None: "content"}
FILTERS = ("from_", "to", "author", "publication", "year", "month")
FACETS_TTL = 60 * 60  # seconds; a commit to the index makes them unreachable sooner


class SearchForm(forms.Form):
    q = forms.CharField(required=False, strip=False, label=_("Search for"))
    from_ = forms.DateField(required=False, label=_("From"), input_formats=["%Y-%m-%d"])
    to = forms.DateField(required=False, label=_("To"), input_formats=["%Y-%m-%d"])
    author = forms.CharField(required=False, max_length=50, label=_("Author"))
    publication = forms.CharField(required=False, max_length=100, label=_("Publication"))
    year = forms.RegexField(required=False, regex=r"^[0-9]{4}$", label=_("Year"))
    month = forms.RegexField(required=False, regex=r"^[0-9]{4}-[0-9]{2}$", label=_("Month"))
    sort = forms.ChoiceField(
        required=False,
        label=_("Order"),
        choices=[
            ("relevance", _("Most relevant")),
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000, label=_("Page"))
    facets = forms.ChoiceField(
        required=False,
        label=_("Facets"),
        choices=[
            ("", _("Count authors when the matches are few")),
            ("all", _("Count every facet")),
        ],
    )

    def __init__(self, data=None, **kwargs):
        # "from" is a Python keyword; the URL parameter keeps its natural name.
        if data is not None and "from" in data:
            data = data.copy()
            value = data.getlist("from")[-1] if hasattr(data, "getlist") else data["from"]
            del data["from"]
            data["from_"] = value
        super().__init__(data, **kwargs)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year and not 1 <= int(year) <= 9999:
            raise forms.ValidationError(_("Enter a year such as 2025."), code="invalid")
        return year

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month and not (int(month[:4]) >= 1 and 1 <= int(month[5:]) <= 12):
            raise forms.ValidationError(_("Enter a month such as 2025-11."), code="invalid")
        return month

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from_"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end date comes before the start date."))
        return cleaned

    def params(self):
        """The valid parameters; an invalid one is dropped (its error is shown)."""
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        data["sort"] = data.get("sort") or "relevance"
        data["page"] = data.get("page") or 1
        data["q"] = data.get("q") or ""
        return data


@dataclass
class Hit:
    pk: int  # the article's
    title: str
    url: str  # the article's page
    link: str  # the same, with the query, which the page then marks
    published_on: datetime.date
    publication: str
    byline: str
    deck: str
    score: float
    snippets: list  # [(html, href)]

    @property
    def size(self):
        """Roughly the bytes this hit takes in an export."""
        parts = [self.title, self.url, self.byline, *(html for html, _href in self.snippets)]
        return sum(len(part.encode()) for part in parts)


@dataclass
class Outcome:
    parsed: object
    index: capabilities.IndexState | None = None
    count: int = 0
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)
    page: int = 1
    pages: int = 0
    fallback: bool = False
    took_ms: float = 0.0
    explanation: list = field(default_factory=list)
    described: str = ""  # the whole query as it was read (search.query.describe)
    partial_words: list = field(default_factory=list)
    # {facet: the most matches it is counted for}, for the facets this search left uncounted
    # (authors above SEARCH_AUTHOR_FACET_MAX_MATCHES matches, unless facets=all).
    uncounted_facets: dict = field(default_factory=dict)

    @property
    def term_details(self):
        """The terms whose normalised form or words are worth showing."""
        return [term for term in self.explanation if term["normalized"] or len(term["words"]) > 1]

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages


def to_sq(node):
    """A parsed query tree as haystack SQ filters; every term is an exact string."""
    if isinstance(node, Term):
        return SQ(**{_FIELDS[node.field]: Exact(node.text)})
    if isinstance(node, Near):
        near = NearInput(node.first.text, node.second.text, node.distance)
        return SQ(**{_FIELDS[node.first.field]: near})
    if isinstance(node, Not):
        return ~to_sq(node.child)
    combine = operator.and_ if isinstance(node, And) else operator.or_
    return reduce(combine, (to_sq(child) for child in node.children))


def base_queryset(params, using="default"):
    """Filters that narrow every search: dates, facets chosen, order."""
    sqs = narrowed(SearchQuerySet(using=using).models(Article), params)
    return sqs.order_by(*SORTS[params["sort"]]) if SORTS[params["sort"]] else sqs


def narrowed(sqs, params):
    """``sqs`` narrowed to the dates, author and publication ``params`` choose."""
    start, end = date_range(params)
    if start:
        sqs = sqs.filter(published_on__gte=start)
    if end:
        sqs = sqs.filter(published_on__lte=end)
    for name in ("author", "publication"):
        if params.get(name):
            sqs = sqs.filter(**{f"{name}_exact": Exact(params[name])})
    return sqs


def run(params, page_size=PAGE_SIZE, facets=True, using="default", budget=None):
    """Search with validated ``params`` (see SearchForm.params).

    With a `Budget` (exports), hits stop where it runs out, and the budget says why.
    """
    started = time.perf_counter()
    engine = capabilities.backend(using)
    state = capabilities.index_state(engine)
    words.follow(state.meta.get("dictionary"))
    parsed = parse(params["q"])
    outcome = Outcome(
        parsed=parsed,
        index=state,
        page=params["page"],
        explanation=explain(parsed),
        described=describe(parsed.tree),
    )
    sqs = base_queryset(params, using)
    if parsed.tree is not None:
        sqs = sqs.filter(to_sq(parsed.tree))
    elif not has_filters(params):
        outcome.took_ms = elapsed(started)
        return outcome
    key = _facets_key(params, state, using) if facets else None
    known = cache.get(key) if key else None  # the facets of this search, counted before
    every = params.get("facets") == "all"
    if facets and known is None:
        sqs = _with_facets(sqs, every)
    terms = [term.text for term in parsed.positive_terms()]
    start = (outcome.page - 1) * page_size
    results = sqs[start : start + page_size]
    count = sqs.count()
    if count == 0 and parsed.is_question():
        terms = partial_words(params["q"])
        if terms:
            sqs = base_queryset(params, using).filter(
                reduce(operator.or_, (SQ(content=Exact(word)) for word in terms))
            )
            sqs = _with_facets(sqs, every) if facets else sqs
            results = sqs[start : start + page_size]
            count = sqs.count()
            outcome.fallback = bool(count)
            outcome.partial_words = terms
    outcome.count = count
    outcome.pages = (count + page_size - 1) // page_size
    if budget is not None:
        budget.more_documents_than(count)
    query = " ".join(terms) if outcome.fallback else params["q"]
    marked = f"?{urlencode({'q': query})}" if query.strip() else ""
    for result in results:
        hit = _hit(engine, result, terms, marked)
        outcome.hits.append(hit)
        if budget is not None and not budget.spend(hit.size):
            break
    if facets and count:
        if known is not None and not outcome.fallback:
            outcome.facets, outcome.uncounted_facets = known
        else:
            counts = sqs.facet_counts()
            outcome.facets = _facets(counts)
            outcome.uncounted_facets = dict(counts.get("uncounted", {}))
            # Kept only when the index did not move during the search: counted on the state
            # of the key.
            if key and not outcome.fallback and capabilities.index_state(engine) == state:
                cache.set(key, (outcome.facets, outcome.uncounted_facets), FACETS_TTL)
    outcome.took_ms = elapsed(started)
    return outcome


def _facets_key(params, state, using):
    """Where a search's facets are kept: under what decides them (the query, the filters, the
    dictionary that cut the query, the index state), not the page or the order. None when
    they are not kept."""
    if not settings.SEARCH_FACET_CACHE or state.generation is None or state.checkpoint is None:
        return None
    decided = "\x00".join(
        [params["q"], *(str(params.get(name) or "") for name in (*FILTERS, "facets"))]
    )
    digest = hashlib.sha1(decided.encode(), usedforsecurity=False).hexdigest()
    dictionary = state.meta.get("dictionary") or ""
    return f"facets:{using}:{state.generation}:{state.checkpoint}:{dictionary}:{digest}"


def partial_words(text):
    """The content words of a natural-language question, for partial matching."""
    words = []
    for word in tokenize.segment(text):
        if word not in STOP_WORDS and word not in words and not word.isdigit():
            words.append(word)
    return words


def explain(parsed):
    """How each positive term was understood: normalisation and jieba's words."""
    lines = []
    for term in parsed.positive_terms():
        normal = tokenize.normalize(term.text)
        lines.append(
            {
                "text": term.text,
                "normalized": normal if normal != term.text else "",
                "words": tokenize.segment(term.text),
                "field": term.field or "",
                "quoted": term.quoted,
            }
        )
    return lines


def date_range(params):
    """The dates the from/to, year and month filters leave open: (first, last), None for open."""
    starts, ends = [params.get("from_")], [params.get("to")]
    if params.get("year"):
        year = int(params["year"])
        starts.append(datetime.date(year, 1, 1))
        ends.append(datetime.date(year, 12, 31))
    if params.get("month"):
        first, last = month_bounds(*map(int, params["month"].split("-")))
        starts.append(first)
        ends.append(last)
    starts, ends = [day for day in starts if day], [day for day in ends if day]
    return (max(starts) if starts else None), (min(ends) if ends else None)


def has_filters(params):
    return any(params.get(name) for name in FILTERS)


def _with_facets(sqs, every=False):
    # Years are summed from the months: one aggregation fewer over every matching article.
    authors = {} if every else {"max_matches": settings.SEARCH_AUTHOR_FACET_MAX_MATCHES}
    return (
        sqs.facet("month", limit=MONTHS_KEPT)
        .facet("author", limit=FACET_LIMIT, **authors)
        .facet("publication", limit=FACET_LIMIT)
    )


def _facets(counts):
    fields = counts.get("fields", {})
    months = sorted(fields.get("month", []), reverse=True)
    return {
        "year": years(months),
        "month": months[:MONTHS_SHOWN],
        "author": fields.get("author", []),
        "publication": fields.get("publication", []),
    }


def years(months):
    """(year, count) pairs, newest first, summed from (YYYY-MM, count) month facet counts."""
    counts = {}
    for month, count in months:
        counts[month[:4]] = counts.get(month[:4], 0) + count
    return sorted(counts.items(), reverse=True)


def _hit(engine, result, terms, marked=""):
    """A hit, its snippets linking into the article with ``marked`` (``?q=…``: the query,
    which the page marks)."""
    text = result.text or ""
    anchors = result.anchors or []
    plain = getattr(result, "text_is_plain", False) is True
    found = capabilities.snippets(engine, text, terms, plain=plain) or [
        capabilities.lead(engine, text)
    ]
    link = result.url + marked
    snippets = []
    for snippet in found:
        anchor = anchors[snippet.line] if snippet.line < len(anchors) else ""
        snippets.append((snippet.html, f"{link}#{anchor}" if anchor else link))
    return Hit(
        pk=int(result.pk),
        title=result.title,
        url=result.url,
        link=link,
        published_on=result.published_on,
        publication=result.publication,
        byline=getattr(result, "byline", "") or "",
        deck=getattr(result, "deck", "") or "",
        score=round(float(result.score or 0), 4),
        snippets=snippets,
    )


def elapsed(started):
    return round((time.perf_counter() - started) * 1000, 1)
