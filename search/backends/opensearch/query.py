"""haystack's SearchQuery for OpenSearch: SQ trees compiled into the query DSL.

The tree logic, and what each lookup means, is the shared `search.backends.compiler`; this
module builds OpenSearch's queries for it. Only phrases need care: the compiler gives a
phrase as (position, token) pairs with gaps between positions, and the DSL has no way to send
positions. The gaps are filled with the line-break marker, which the gram analyser's stop
filter drops while keeping its position, so ``match_phrase`` rebuilds the very positions
the compiler asked for (checked in tests/search/backend/test_opensearch_backend.py).
"""

import datetime

from ..analysis import LINE_BREAK
from ..compiler import MUST, MUST_NOT, SHOULD, Compiler, SearchQuery
from ..fields import DATE, to_datetime

_OCCUR = {MUST: "must", SHOULD: "should", MUST_NOT: "must_not"}


class OpenSearchSearchQuery(SearchQuery):
    pass


class DslCompiler(Compiler):
    """Compiles haystack SQ trees into OpenSearch query DSL (dicts)."""

    def term(self, field_name, value):
        return {"term": {field_name: {"value": value}}}

    def terms(self, field_name, values):
        return {"terms": {field_name: list(values)}}

    def phrase(self, field_name, phrase, slop=0):
        text = phrase_text(phrase)
        return {"match_phrase": {field_name: {"query": text, "slop": slop}}}

    def fuzzy(self, field_name, word):
        return {"fuzzy": {field_name: {"value": word, "fuzziness": 1, "transpositions": True}}}

    def prefix(self, field_name, value):
        return {"prefix": {field_name: {"value": value}}}

    def range(self, spec, low, high, include_low, include_high):
        bounds = {}
        if low is not None:
            bounds["gte" if include_low else "gt"] = _bound(spec, low)
        if high is not None:
            bounds["lte" if include_high else "lt"] = _bound(spec, high)
        return {"range": {spec.name: bounds}}

    def boolean(self, clauses):
        query = {}
        for occur, clause in clauses:
            query.setdefault(_OCCUR[occur], []).append(clause)
        if "should" in query and "must" not in query:
            query["minimum_should_match"] = 1
        return {"bool": query}

    def boost(self, query, weight):
        return {"bool": {"must": [query], "boost": weight}}

    def everything(self):
        return {"match_all": {}}

    def nothing(self):
        return {"match_none": {}}


def phrase_text(phrase):
    """Tokens at their relative positions, the gaps filled with dropped markers."""
    ordered = sorted(phrase)
    tokens, last = [], None
    for position, token in ordered:
        if last is not None:
            tokens += [LINE_BREAK] * (position - last - 1)
        tokens.append(token)
        last = position
    return " ".join(tokens)


def _bound(spec, value):
    if spec.kind == DATE:
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        return to_datetime(value).isoformat()
    return value
