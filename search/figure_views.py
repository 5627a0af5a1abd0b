"""The figures explorer's pages: /figures/, its chart, and /api/figures/ (search.figures)."""

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from articles import units
from articles.metadata import absolute

from . import chart, figures
from .views import (
    active_filters,
    api_response,
    cache_page_by_figure_index,
    csv_response,
    parsed_form,
    query_string,
    rate_limited,
    search_unavailable,
)


def _unit_links(request, outcome):
    """For each unit family found: (name, count, link that applies it, whether applied)."""
    current = units.family_of(request.GET.get("unit", "")) if request.GET.get("unit") else None
    return [
        (
            name,
            count,
            "?" + query_string(request, exclude=("page",), unit=family),
            family == current,
        )
        for family, name, count in outcome.facets.get("unit", [])
    ]


def _year_links(request, outcome):
    current = request.GET.get("year", "")
    return [
        (year, count, "?" + query_string(request, exclude=("page",), year=year), year == current)
        for year, count in outcome.facets.get("year", [])
    ]


@rate_limited("search")
@search_unavailable
@cache_page_by_figure_index
def explorer(request):
    form, params = parsed_form(request, figures.FigureForm)
    outcome = figures.run(params)
    status = 404 if outcome.count and params["page"] > outcome.pages else 200
    filters = active_filters(request, params)
    if params["unit"]:
        family = units.family_name(units.family_of(params["unit"]))
        filters.append(
            (
                _("Unit: %(value)s") % {"value": family},
                "?" + query_string(request, exclude=("unit", "min", "max", "page")),
            )
        )
    for name, label in (("min", _("At least %(value)s")), ("max", _("At most %(value)s"))):
        if params.get(name) is not None:
            filters.append(
                (
                    label % {"value": request.GET[name]},
                    "?" + query_string(request, exclude=(name, "page")),
                )
            )
    context = {
        "form": form,
        "params": params,
        "outcome": outcome,
        "query_text": params["q"],
        "page_query": query_string(request, exclude=("page",)),
        "unit_links": _unit_links(request, outcome),
        "year_links": _year_links(request, outcome),
        "active_filters": filters,
        "chart_query": query_string(request, exclude=("page", "sort")),
    }
    return render(request, "search/figures.html", context, status=status)


@rate_limited("search")
@search_unavailable
@cache_page_by_figure_index
def figure_chart(request):
    form, params = parsed_form(request, figures.FigureForm)
    queries = [query for query in request.GET.getlist("q") if query.strip()][
        : figures.MAX_SERIES
    ] or [""]
    family = units.family_of(params["unit"]) if params["unit"] else ""
    found = figures.series(params, queries) if family else []
    output = request.GET.get("format")
    if output == "csv":
        return _chart_csv(found, family)
    if output == "json":
        return _chart_json(found, family)
    drawn = chart.layout(found, family)
    context = {
        "form": form,
        "params": params,
        "family": family,
        "family_name": units.family_name(family) if family else "",
        "queries": queries,
        "series": list(zip(found, drawn.lines, strict=True)),
        "chart": drawn,
        "points": sum(len(one.points) for one in found),
        "export_query": query_string(request, exclude=("format",)),
        "explorer_query": query_string(request, exclude=("format",)),
        "too_many_queries": len(request.GET.getlist("q")) > figures.MAX_SERIES,
    }
    return render(request, "search/figures_chart.html", context)


def _chart_rows(found):
    for one in found:
        for hit in one.points:
            yield one.query, hit


def _chart_csv(found, family):
    header = [
        _("Query"),
        _("Date"),
        _("Value in %(unit)s") % {"unit": units.family_name(family)},
        _("As printed"),
        _("What it measures"),
        _("Title"),
        _("Address"),
    ]
    rows = [
        [
            query,
            hit.published_on.isoformat(),
            repr(hit.amount),
            hit.printed,
            hit.label,
            hit.title,
            absolute(hit.url),
        ]
        for query, hit in _chart_rows(found)
    ]
    return csv_response("figures.csv", header, rows)


def _chart_json(found, family):
    return JsonResponse(
        {
            "unit": family,
            "series": [
                {
                    "query": one.query,
                    "count": one.count,
                    "points": [_figure_json(hit) for hit in one.points],
                }
                for one in found
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _figure_json(hit):
    return {
        "published_on": hit.published_on.isoformat(),
        "printed": hit.printed,
        "value": str(hit.value),
        "value_from": None if hit.value_from is None else str(hit.value_from),
        "unit": hit.unit,
        "qualifier": hit.qualifier,
        "family": hit.family,
        "normalized": hit.amount,
        "label": hit.label,
        "sentence": hit.sentence,
        "article": {
            "title": hit.title,
            "publication": hit.publication,
            "url": absolute(hit.url),
        },
    }


@rate_limited("api")
@search_unavailable
@cache_page_by_figure_index
def api(request):
    form, params = parsed_form(request, figures.FigureForm)
    outcome = figures.run(params)
    return api_response(
        form,
        params,
        outcome,
        results=[_figure_json(hit) for hit in outcome.hits],
        facets={
            "unit": [
                {"value": family, "name": name, "count": count}
                for family, name, count in outcome.facets.get("unit", [])
            ],
            "year": [
                {"value": year, "count": count} for year, count in outcome.facets.get("year", [])
            ],
        },
    )


def api_index(request):
    """/api/: every endpoint with its parameters, read from the OpenAPI description."""
    from .openapi import description

    described = description(absolute("/"))
    endpoints = [
        {
            "path": path,
            "summary": operation["get"]["summary"],
            "parameters": operation["get"].get("parameters", []),
        }
        for path, operation in described["paths"].items()
    ]
    return render(request, "search/api_index.html", {"endpoints": endpoints})


def openapi(request):
    """The JSON APIs, described for client generators and API browsers (OpenAPI 3.1)."""
    from .openapi import description

    return HttpResponse(
        json.dumps(description(absolute("/")), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
