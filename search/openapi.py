"""The OpenAPI 3.1 description of the archive's JSON APIs, served at /api/openapi.json."""

_TEXT = {"type": "string"}
_DATE = {"type": "string", "format": "date"}
_INTEGER = {"type": "integer"}
_HTML = {"text/html": {"schema": {"type": "string"}}}
_CSV = {"text/csv": {"schema": {"type": "string"}}}
_LIMITED = {"429": {"description": "Too many requests from this address."}}


def _parameter(name, description, schema=_TEXT):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_FILTERS = [
    _parameter(
        "q",
        'The query: words, "exact phrases", AND, OR, NOT, -word, a NEAR/5 b, "a b"~5, '
        "标题:, 作者:.",
    ),
    _parameter("from", "First day of publication (YYYY-MM-DD).", _DATE),
    _parameter("to", "Last day of publication (YYYY-MM-DD).", _DATE),
    _parameter("year", "A year of publication (YYYY)."),
    _parameter("month", "A month of publication (YYYY-MM)."),
    _parameter("publication", "The newspaper, by name (重庆日报)."),
    _parameter("author", "An author, by name."),
    _parameter("page", "The page of results, from 1.", {"type": "integer", "minimum": 1}),
]
_SERIES = _parameter(
    "q",
    "A query per series: repeat q, at most five.",
    {"type": "array", "items": _TEXT, "maxItems": 5},
)
_CHART_FORMAT = _parameter(
    "format", "json or csv; the chart page without it.", {"enum": ["json", "csv"]}
)
_FIGURE_FILTERS = [
    _parameter("unit", "A unit: its family is searched (亿元, 万元 and 元 are one family)."),
    _parameter("min", "The smallest value, in the family's base unit (260亿, 1.5万, 20.2)."),
    _parameter("max", "The largest value, in the family's base unit."),
    _parameter(
        "sort",
        "The order of the results.",
        {"enum": ["newest", "oldest", "largest", "smallest", "relevance"]},
    ),
]
_FACET = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"value": _TEXT, "name": _TEXT, "count": _INTEGER},
        "required": ["value", "count"],
    },
}
_FIGURE = {
    "type": "object",
    "properties": {
        "published_on": _DATE,
        "printed": {"type": "string", "description": "As the article prints it: 260亿美元."},
        "value": {"type": "string", "description": "The exact value in the unit: 26000000000."},
        "value_from": {"type": ["string", "null"], "description": "The first of a change."},
        "unit": _TEXT,
        "qualifier": {"type": "string", "description": "超, 近, 约, 以上…"},
        "family": {"type": "string", "description": "The unit's family (articles.units)."},
        "normalized": {"type": "number", "description": "The value in the family's base unit."},
        "label": {"type": "string", "description": "What it measures."},
        "sentence": _TEXT,
        "article": {
            "type": "object",
            "properties": {
                "title": _TEXT,
                "publication": _TEXT,
                "url": {"type": "string", "format": "uri"},
            },
        },
    },
}
_FIGURES = {"type": "array", "items": _FIGURE}
_ERRORS = {
    "type": "object",
    "description": "Parameters that were not understood, each with its messages; they are ignored.",
    "additionalProperties": {"type": "array", "items": _TEXT},
}


def description(server):
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "新闻档案 API",
            "version": "1",
            "description": "Search the archive's articles and the key figures (数说) they report.",
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/search/": {
                "get": {
                    "summary": "Search articles",
                    "parameters": [
                        *_FILTERS,
                        _parameter(
                            "sort", "The order.", {"enum": ["relevance", "newest", "oldest"]}
                        ),
                        _parameter(
                            "facets",
                            "all: count the authors however many articles match (by default "
                            "they are counted up to a number of matches, given in "
                            "uncounted_facets when there are more).",
                            {"enum": ["all"]},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of matching articles, with facets.",
                            "content": {"application/json": {"schema": _article_results()}},
                        },
                        **_LIMITED,
                        "503": {"description": "The search index is being rebuilt."},
                    },
                }
            },
            "/api/figures/": {
                "get": {
                    "summary": "Search key figures",
                    "parameters": [*_FILTERS, *_FIGURE_FILTERS],
                    "responses": {
                        "200": {
                            "description": "A page of matching figures, with facets.",
                            "content": {"application/json": {"schema": _figure_results()}},
                        },
                        **_LIMITED,
                        "503": {"description": "The search index is being rebuilt."},
                    },
                }
            },
            "/api/articles/{id}/": {
                "get": {
                    "summary": "A published article: metadata, sections, paragraphs, key figures",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        },
                        _parameter("format", "text for plain text", {"enum": ["text"]}),
                    ],
                    "responses": {
                        "200": {
                            "description": "The article (JSON), or its text (text/plain).",
                            "content": {
                                "application/json": {"schema": {"type": "object"}},
                                "text/plain": {"schema": {"type": "string"}},
                            },
                        },
                        "404": {"description": "No published article has this number."},
                    },
                }
            },
            "/search/trends/": {
                "get": {
                    "summary": "Articles matching each query per month or year (format=json, csv)",
                    "parameters": [
                        *_FILTERS[1:],
                        _SERIES,
                        _parameter(
                            "per",
                            "count, or thousand: per 1,000 articles published",
                            {"enum": ["count", "thousand"]},
                        ),
                        _CHART_FORMAT,
                    ],
                    "responses": {
                        "200": {
                            "description": "Each query's points, oldest first.",
                            "content": {
                                "application/json": {"schema": {"type": "object"}},
                                **_CSV,
                                **_HTML,
                            },
                        },
                        **_LIMITED,
                    },
                }
            },
            "/search/full-text.jsonl": {
                "get": {
                    "summary": "The full text of up to 10,000 hits, newest first, as JSON Lines",
                    "parameters": _FILTERS[:-1],
                    "responses": {
                        "200": {
                            "description": "A line with the query, then one line per article.",
                            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                        },
                        **_LIMITED,
                    },
                }
            },
            "/figures/chart/": {
                "get": {
                    "summary": "Figures over time, one series per query (format=json or csv)",
                    "parameters": [
                        *_FILTERS[1:],
                        *_FIGURE_FILTERS[:3],
                        _SERIES,
                        _CHART_FORMAT,
                    ],
                    "responses": {
                        "200": {
                            "description": "The points of each series, oldest first.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "unit": _TEXT,
                                            "series": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "query": _TEXT,
                                                        "count": _INTEGER,
                                                        "points": _FIGURES,
                                                    },
                                                },
                                            },
                                        },
                                    }
                                },
                                **_CSV,
                                **_HTML,
                            },
                        },
                        **_LIMITED,
                    },
                }
            },
        },
    }


def _page(results, facets):
    return {
        "type": "object",
        "properties": {
            "query": _TEXT,
            "count": _INTEGER,
            "page": _INTEGER,
            "pages": _INTEGER,
            "took_ms": {"type": "number"},
            "warnings": {"type": "array", "items": _TEXT},
            "errors": _ERRORS,
            "results": {"type": "array", "items": results},
            "facets": {"type": "object", "properties": {name: _FACET for name in facets}},
        },
    }


def _article_results():
    article = {
        "type": "object",
        "properties": {
            "title": _TEXT,
            "url": {"type": "string", "format": "uri"},
            "published_on": _DATE,
            "publication": _TEXT,
            "byline": _TEXT,
            "score": {"type": "number"},
            "snippets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"html": _TEXT, "text": _TEXT, "url": _TEXT},
                },
            },
        },
    }
    page = _page(article, ("year", "month", "author", "publication"))
    page["properties"]["uncounted_facets"] = {
        "type": "object",
        "description": "Facets this search did not count, each with the most matches it is "
        "counted for; facets=all counts them.",
        "additionalProperties": _INTEGER,
    }
    return page


def _figure_results():
    return _page(_FIGURE, ("unit", "year"))
