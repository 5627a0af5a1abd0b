"""The search page, keyword-in-context, exports, the JSON API and OpenSearch."""

import csv
import io

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from articles.caching import cache_page_by_content_version

from . import kwic, searching

EXPORT_LIMIT = 1000


def _form(request):
    form = searching.SearchForm(request.GET)
    form.is_valid()
    return form, form.params()


@cache_page_by_content_version
def search(request):
    form, params = _form(request)
    outcome = searching.run(params)
    status = 404 if outcome.count and params["page"] > outcome.pages else 200
    context = {
        "form": form,
        "params": params,
        "outcome": outcome,
        "query_text": params["q"],
        "page_query": _query_string(request, exclude=("page",)),
        "facet_links": _facet_links(request, outcome),
        "active_filters": _active_filters(request, params),
        "export_query": _query_string(request, exclude=("page", "format")),
    }
    return render(request, "search/search.html", context, status=status)


@cache_page_by_content_version
def api(request):
    form, params = _form(request)
    outcome = searching.run(params)
    return JsonResponse(
        {
            "query": params["q"],
            "count": outcome.count,
            "page": outcome.page,
            "pages": outcome.pages,
            "fallback": outcome.fallback,
            "took_ms": outcome.took_ms,
            "warnings": [str(warning.message) for warning in outcome.parsed.warnings],
            "errors": {
                name: [str(error) for error in errors] for name, errors in form.errors.items()
            },
            "results": [
                {
                    "title": hit.title,
                    "url": request.build_absolute_uri(hit.url),
                    "published_on": hit.published_on.isoformat(),
                    "publication": hit.publication,
                    "byline": hit.byline,
                    "score": hit.score,
                    "snippets": [
                        {
                            "html": html,
                            "text": strip_tags(html),
                            "url": request.build_absolute_uri(href),
                        }
                        for html, href in hit.snippets
                    ],
                }
                for hit in outcome.hits
            ],
            "facets": {
                name: [{"value": value, "count": count} for value, count in values]
                for name, values in outcome.facets.items()
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


def export(request):
    """Up to EXPORT_LIMIT hits as CSV (opens in spreadsheet programs as UTF-8)."""
    params = _form(request)[1]
    params["page"] = 1
    outcome = searching.run(params, page_size=EXPORT_LIMIT, facets=False)
    rows = [
        [
            hit.published_on.isoformat(),
            hit.title,
            hit.publication,
            hit.byline,
            request.build_absolute_uri(hit.url),
            " … ".join(strip_tags(html) for html, _href in hit.snippets),
        ]
        for hit in outcome.hits
    ]
    header = [_("Date"), _("Title"), _("Publication"), _("Byline"), _("Address"), _("Snippets")]
    return _csv_response("search.csv", header, rows)


def keyword_in_context(request):
    form, params = _form(request)
    concordance = kwic.concordance(params)
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
                request.build_absolute_uri(line.href),
            ]
            for line in concordance.lines
        ]
        return _csv_response("kwic.csv", header, rows)
    context = {
        "form": form,
        "params": params,
        "concordance": concordance,
        "query_text": params["q"],
        "export_query": _query_string(request, exclude=("format",)),
    }
    return render(request, "search/kwic.html", context)


def opensearch(request):
    context = {
        "search_url": request.build_absolute_uri(reverse("search:search")),
        "api_url": request.build_absolute_uri(reverse("search:api")),
    }
    return render(
        request,
        "search/opensearch.xml",
        context,
        content_type="application/opensearchdescription+xml",
    )


def _csv_response(filename, header, rows):
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a BOM, so spreadsheet programs read the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _query_string(request, exclude=(), **changes):
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
                "?" + _query_string(request, exclude=("page",), **{name: value}),
                value == current,
            )
            for value, count in values
        ]
    return links


def _active_filters(request, params):
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
            "?" + _query_string(request, exclude=(name, "page")),
        )
        for name in labels
        if request.GET.get(name)
    ]
