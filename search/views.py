"""The search page, keyword-in-context, exports, the JSON API and OpenSearch.

Pages are cached under the state of the search index they were computed from (see
articles.caching), and absolute URLs are made from settings.SITE_URL, never from the
request's Host header, so a cached page is right for every client.
"""

import csv
import io
import json
import logging
from functools import partial, wraps
from html import unescape

from django.conf import settings
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit
from haystack.exceptions import SearchBackendError

from articles import changes, citations, reading
from articles.caching import cache_page_by
from articles.metadata import absolute  # URLs from settings.SITE_URL, never the Host header
from articles.models import Article

from . import capabilities, chart, kwic, searching, trends
from . import query as query_language
from .budget import Budget

log = logging.getLogger(__name__)


def index_version(using="default"):
    """The index state a search page shows, or None (not cached) while it is behind the log."""
    state = capabilities.index_state(capabilities.backend(using))
    if state.checkpoint is None or state.checkpoint < changes.latest_id():
        return None
    return f"index:{using}:{state.generation}:{state.checkpoint}"


def search_unavailable(view):
    """An engine that cannot answer (an index being rebuilt for new fields) gets a 503 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SearchBackendError:
            log.exception("The search engine could not answer %s", request.get_full_path())
            message = _(
                "Search is not available at the moment: the search index is being rebuilt. "
                "Please try again in a few minutes."
            )
            if request.path.startswith("/api/"):
                response = JsonResponse(
                    {"error": message}, status=503, json_dumps_params={"ensure_ascii": False}
                )
            else:
                context = {"message": message}
                response = render(request, "search/unavailable.html", context, status=503)
            response["Retry-After"] = "60"
            return response

    return wrapper


cache_page_by_index = cache_page_by(index_version)
cache_page_by_figure_index = cache_page_by(partial(index_version, "figures"))


def rate_limited(group):
    """At most settings.RATE_LIMITS[group] requests per client address (429 beyond)."""
    return ratelimit(
        group=group,
        key="newsarchive.middleware.client_ip_key",
        rate=lambda _group, _request: settings.RATE_LIMITS[group],
        block=True,
    )


def parsed_form(request, form_class=searching.SearchForm):
    """The form of the request's parameters, and its valid parameters (see SearchForm.params)."""
    form = form_class(request.GET)
    form.is_valid()
    return form, form.params()


@rate_limited("search")
@search_unavailable
@cache_page_by_index
def search(request):
    form, params = parsed_form(request)
    if request.GET.get("format") in citations.FORMATS:
        return cite_results(params, request.GET["format"])
    outcome = searching.run(params)
    status = 404 if outcome.count and params["page"] > outcome.pages else 200
    context = {
        "form": form,
        "params": params,
        "outcome": outcome,
        "query_text": params["q"],
        "page_query": query_string(request, exclude=("page",)),
        "facet_links": _facet_links(request, outcome),
        "count_every_facet": query_string(request, facets="all"),
        "active_filters": active_filters(request, params),
        "export_query": query_string(request, exclude=("page", "format")),
    }
    return render(request, "search/search.html", context, status=status)


@rate_limited("api")
@search_unavailable
@cache_page_by_index
def api(request):
    form, params = parsed_form(request)
    outcome = searching.run(params)
    return api_response(
        form,
        params,
        outcome,
        fallback=outcome.fallback,
        index={
            "generation": outcome.index.generation,
            "checkpoint": outcome.index.checkpoint,
        },
        results=[
            {
                "title": hit.title,
                "url": absolute(hit.url),
                "published_on": hit.published_on.isoformat(),
                "publication": hit.publication,
                "byline": hit.byline,
                "score": hit.score,
                "snippets": [
                    {
                        "html": html,
                        "text": plain_text(html),
                        "url": absolute(href),
                    }
                    for html, href in hit.snippets
                ],
            }
            for hit in outcome.hits
        ],
        facets={
            name: [{"value": value, "count": count} for value, count in values]
            for name, values in outcome.facets.items()
        },
        uncounted_facets=outcome.uncounted_facets,
    )


def api_response(form, params, outcome, **fields):
    """A page of an API's results: the query, counts, timing, what was not understood, and
    ``fields`` (results, facets…)."""
    return JsonResponse(
        {
            "query": params["q"],
            "count": outcome.count,
            "page": outcome.page,
            "pages": outcome.pages,
            "took_ms": outcome.took_ms,
            "warnings": [str(warning.message) for warning in outcome.parsed.warnings],
            "errors": {
                name: [str(error) for error in errors] for name, errors in form.errors.items()
            },
            **fields,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@rate_limited("search")
@search_unavailable
@cache_page_by_index
def trends_page(request):
    """/search/trends/: articles matching each query, per month or year (search.trends)."""
    form, params = parsed_form(request, trends.TrendsForm)
    queries = [query for query in request.GET.getlist("q") if query.strip()]
    found = trends.trends(params, queries)
    output = request.GET.get("format")
    if output == "json":
        return JsonResponse(
            {
                "period": found.by,
                "per": found.per,
                "series": [
                    {
                        "query": trend.query,
                        "points": [
                            {
                                "period": point.period.key,
                                "count": point.count,
                                "articles": point.articles,
                                "value": point.value,
                                "url": absolute(point.url),
                            }
                            for point in trend.points
                        ],
                    }
                    for trend in found.series
                ],
            },
            json_dumps_params={"ensure_ascii": False},
        )
    if output == "csv":
        header = [
            _("Query"),
            _("Period"),
            _("Articles found"),
            _("Articles in the period"),
            _("Per 1,000 articles"),
        ]
        rows = [
            [
                trend.query,
                point.period.key,
                point.count,
                point.articles,
                trends.per_thousand(point.count, point.articles),
            ]
            for trend in found.series
            for point in trend.points
        ]
        return csv_response("trends.csv", header, rows)
    drawn = chart.layout(found.series, "")
    context = {
        "form": form,
        "params": params,
        "queries": queries[: trends.MAX_SERIES] or [""],
        "too_many_queries": len(queries) > trends.MAX_SERIES,
        "trends": found,
        "series": list(zip(found.series, drawn.lines, strict=True)),
        "chart": drawn,
        "export_query": query_string(request, exclude=("format",)),
    }
    return render(request, "search/trends.html", context)


def cite_results(params, output):
    """The hits (within the export budget) as BibTeX, RIS or CSL-JSON, in rank order."""
    budget = Budget.named("export")
    outcome = searching.run(params | {"page": 1}, page_size=budget.documents, facets=False)
    by_pk = Article.objects.published().for_listing().in_bulk([hit.pk for hit in outcome.hits])
    articles = [by_pk[hit.pk] for hit in outcome.hits if hit.pk in by_pk]
    content_type, suffix = citations.FORMATS[output]
    response = HttpResponse(citations.export(articles, output), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="search.{suffix}"'
    return response


@rate_limited("api")
def article_api(request, pk):
    """/api/articles/<id>/: a published article as JSON (?format=text: as plain text)."""
    article = Article.objects.published().with_sections().filter(pk=pk).first()
    if article is None:
        message = _("There is no published article with this number.")
        return JsonResponse(
            {"error": message}, status=404, json_dumps_params={"ensure_ascii": False}
        )
    sections, figures = reading.read(article)
    if request.GET.get("format") == "text":
        return HttpResponse(article_text(article), content_type="text/plain; charset=utf-8")
    url = absolute(article.get_absolute_url())
    return JsonResponse(
        {
            "id": article.pk,
            "title": article.title,
            "deck": article.deck,
            "byline": article.byline,
            "source": article.source,
            "published_on": article.published_on.isoformat(),
            "publication": article.publication.name,
            "language": article.script,
            "url": url,
            "stable_url": absolute(reverse("articles:permalink", kwargs={"pk": article.pk})),
            "authors": [
                {"name": byline.author.name, "role": byline.role}
                for byline in article.bylines.all()
            ],
            "sections": [
                {
                    "anchor": section.anchor,
                    "heading": section.heading,
                    "paragraphs": [
                        {
                            "anchor": paragraph.anchor,
                            "text": "".join(part.text for part in paragraph.parts),
                        }
                        for paragraph in section.paragraphs
                    ],
                }
                for section in sections
            ],
            "figures": [
                {
                    "printed": view.figure.text,
                    "value": f"{view.figure.value.normalize():f}",
                    "unit": view.figure.unit,
                    "qualifier": view.figure.qualifier,
                    "label": view.figure.label,
                    "sentence": view.figure.sentence,
                    "url": url + view.href,
                }
                for view in figures
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def article_text(article):
    """The article as plain text: title, deck, byline, sections, source line."""
    lines = [article.title, article.deck, article.byline, ""]
    for section in article.sections.all():
        if section.heading:
            lines += [section.heading, ""]
        lines += [line for paragraph in section.paragraphs for line in (paragraph, "")]
    lines.append(article.source)
    return "\n".join(line for line in lines if line is not None).strip() + "\n"


ADVANCED_ROWS = 5
ADVANCED_FIELDS = {"all": None, "title": "title", "author": "author"}
ADVANCED_OPERATORS = ("and", "or", "not")


def advanced(request):
    """高级检索: rows of field, operator and term, dates, order and publication. Sending it
    builds the query string and opens the search page with it, so the URL stays the one truth."""
    rows = []
    for number in range(1, ADVANCED_ROWS + 1):
        field = request.GET.get(f"f{number}", "all")
        operator = request.GET.get(f"o{number}", "and")
        rows.append(
            {
                "number": number,
                "field": field if field in ADVANCED_FIELDS else "all",
                "operator": operator if operator in ADVANCED_OPERATORS else "and",
                "text": request.GET.get(f"t{number}", "")[:200],
            }
        )
    form, params = parsed_form(request)
    if request.GET.get("build"):
        tree = query_language.combine(
            [(row["operator"], ADVANCED_FIELDS[row["field"]], row["text"]) for row in rows]
        )
        kept = {
            "q": query_language.to_text(tree) if tree is not None else "",
            "from": params.get("from_") and params["from_"].isoformat(),
            "to": params.get("to") and params["to"].isoformat(),
            "publication": params.get("publication"),
            "sort": params["sort"] if params["sort"] != "relevance" else "",
        }
        target = (
            reverse("search:search")
            + "?"
            + urlencode([(name, value) for name, value in kept.items() if value])
        )
        return redirect(target)
    context = {
        "form": form,
        "params": params,
        "rows": rows,
        "fields": [("all", _("Full text")), ("title", _("Title")), ("author", _("Author"))],
        "operators": [("and", _("and")), ("or", _("or")), ("not", _("without"))],
    }
    return render(request, "search/advanced.html", context)


@rate_limited("export")
@search_unavailable
def export(request):
    """The hits as CSV, within the export budget (opens in spreadsheet programs as UTF-8)."""
    params = parsed_form(request)[1]
    params["page"] = 1
    budget = Budget.named("export")
    outcome = searching.run(params, page_size=budget.documents, facets=False, budget=budget)
    rows = [
        [
            hit.published_on.isoformat(),
            hit.title,
            hit.publication,
            hit.byline,
            absolute(hit.url),
            " … ".join(plain_text(html) for html, _href in hit.snippets),
        ]
        for hit in outcome.hits
    ]
    header = [_("Date"), _("Title"), _("Publication"), _("Byline"), _("Address"), _("Snippets")]
    return csv_response("search.csv", header, rows, budget)


FULL_TEXT_PAGE = 200  # hits read from the index at a time


@rate_limited("export")
@search_unavailable
def full_text(request, output):
    """The full text of up to 10,000 hits, newest first, streamed as JSON Lines or CSV.

    The file opens with the query and the time of the export; one cut short by its budget
    ends with a line that says so.
    """
    params = parsed_form(request)[1] | {"sort": "newest", "page": 1}
    parsed = query_language.parse(params["q"])
    budget = Budget.named("full_text")
    sqs = searching.base_queryset(params)
    sqs = sqs.filter(searching.to_sq(parsed.tree)) if parsed.tree is not None else sqs.none()
    exported = timezone.now().isoformat(timespec="seconds")
    records = _full_text_records(sqs, budget)
    if output == "jsonl":
        lines = _jsonl(params["q"], exported, sqs.count(), records, budget)
        content_type = "application/x-ndjson; charset=utf-8"
    else:
        lines = _full_text_csv(params["q"], exported, records, budget)
        content_type = "text/csv; charset=utf-8"
    response = StreamingHttpResponse(lines, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="search-full-text.{output}"'
    return response


def _full_text_records(sqs, budget):
    budget.more_documents_than(sqs.count())
    for start in range(0, budget.documents, FULL_TEXT_PAGE):
        page = list(sqs[start : min(start + FULL_TEXT_PAGE, budget.documents)])
        for result in page:
            record = {
                "title": result.title,
                "published_on": result.published_on.isoformat(),
                "publication": result.publication,
                "byline": getattr(result, "byline", "") or "",
                "url": absolute(result.url),
                "text": result.text or "",
            }
            yield record
            if not budget.spend(len(record["text"].encode())):
                return
        if len(page) < FULL_TEXT_PAGE:
            return


def _jsonl(query, exported, count, records, budget):
    def line(data):
        return json.dumps(data, ensure_ascii=False) + "\n"

    yield line({"query": query, "exported_at": exported, "matches": count})
    for record in records:
        yield line(record)
    if budget.cut_short:
        yield line({"cut_short": budget.message})


def _full_text_csv(query, exported, records, budget):
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    buffer.write("\ufeff")
    writer.writerow([csv_cell(_("Query: %(query)s") % {"query": query})])
    writer.writerow([csv_cell(_("Exported at %(time)s") % {"time": exported})])
    names = ["published_on", "title", "publication", "byline", "url", "text"]
    header = [_("Date"), _("Title"), _("Publication"), _("Byline"), _("Address"), _("Text")]
    writer.writerow(header)
    yield flush()
    for record in records:
        writer.writerow([csv_cell(record[name]) for name in names])
        yield flush()
    if budget.cut_short:
        writer.writerow([csv_cell(f"（{budget.message}）")])
        yield flush()


@rate_limited("kwic")
@search_unavailable
def keyword_in_context(request):
    form, params = parsed_form(request)
    order = request.GET.get("order") if request.GET.get("order") in kwic.ORDERS else "document"
    bylines = request.GET.get("bylines") == "1"
    concordance = kwic.concordance(params, order=order, bylines=bylines)
    if request.GET.get("format") == "csv":
        header = [
            _("Date"),
            _("Title"),
            _("Left context"),
            _("Match"),
            _("Right context"),
            _("Address"),
        ]
        rows = [
            [
                line.published_on.isoformat(),
                line.title,
                line.left,
                line.match,
                line.right,
                absolute(line.href),
            ]
            for line in concordance.lines
        ]
        return csv_response("kwic.csv", header, rows, concordance.budget)
    context = {
        "form": form,
        "params": params,
        "concordance": concordance,
        "order": order,
        "bylines": bylines,
        "order_links": [
            (name, label, "?" + query_string(request, exclude=("format",), order=name))
            for name, label in (
                ("document", _("By article")),
                ("left", _("By left context")),
                ("right", _("By right context")),
            )
        ],
        "bylines_link": "?"
        + query_string(request, exclude=("format", "bylines"), bylines="" if bylines else "1"),
        "query_text": params["q"],
        "export_query": query_string(request, exclude=("format",)),
    }
    return render(request, "search/kwic.html", context)


def opensearch(request):
    context = {
        "search_url": absolute(reverse("search:search")),
        "api_url": absolute(reverse("search:api")),
    }
    return render(
        request,
        "search/opensearch.xml",
        context,
        content_type="application/opensearchdescription+xml",
    )


def plain_text(html):
    """A snippet's text as characters: tags removed and entities (&lt; &amp;…) decoded."""
    return unescape(strip_tags(html))


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP: CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """``value`` safe to open in a spreadsheet: a would-be formula gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_response(filename, header, rows, budget=None):
    """A CSV download; one cut short by its budget ends with a row that says so."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a BOM, so spreadsheet programs read the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    if budget is not None and budget.cut_short:
        writer.writerow([csv_cell(f"（{budget.message}）")])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if budget is not None and budget.cut_short:
        response["X-Cut-Short"] = budget.cut_short
    return response


def query_string(request, exclude=(), **changes):
    params = [
        (key, value)
        for key, value in request.GET.items()
        if key not in exclude and key not in changes
    ]
    params += [(key, value) for key, value in changes.items() if value not in (None, "")]
    return urlencode(params)


def _facet_links(request, outcome):
    """For each facet: (label, count, link that applies it, whether it is applied)."""
    links = {}
    for name, values in outcome.facets.items():
        current = request.GET.get(name, "")
        links[name] = [
            (
                value,
                count,
                "?" + query_string(request, exclude=("page",), **{name: value}),
                value == current,
            )
            for value, count in values
        ]
    return links


def active_filters(request, params):
    labels = {
        "from": _("From %(value)s"),
        "to": _("Until %(value)s"),
        "author": _("Author: %(value)s"),
        "publication": _("Publication: %(value)s"),
        "year": _("Year: %(value)s"),
        "month": _("Month: %(value)s"),
    }
    return [
        (
            labels[name] % {"value": request.GET[name]},
            "?" + query_string(request, exclude=(name, "page")),
        )
        for name in labels
        if request.GET.get(name)
    ]
