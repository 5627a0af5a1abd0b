"""haystack's SearchQuery for tantivy: SQ trees compiled into ``tantivy.Query`` objects.

The tree logic, and what each lookup means, is the shared `search.backends.compiler`; this
module builds tantivy's queries for it. tantivy has no ranges over text: a keyword prefix is
a regular expression.
"""

import datetime

import tantivy

from ..compiler import MUST, MUST_NOT, SHOULD, SearchQuery
from ..compiler import Compiler as BaseCompiler
from ..errors import UnsupportedLookup  # noqa: F401 (where the backend's callers import it)
from .schema import BOOLEAN, DATE, FLOAT, INTEGER, to_datetime

_OCCUR = {MUST: tantivy.Occur.Must, SHOULD: tantivy.Occur.Should, MUST_NOT: tantivy.Occur.MustNot}


class TantivySearchQuery(SearchQuery):
    pass


class Compiler(BaseCompiler):
    """Compiles haystack SQ trees for one tantivy schema and analyser."""

    rescores = True  # the backend ranks common words' best documents again (its _ranked)

    def __init__(self, schema, specs, analyzer, content_field, held=()):
        super().__init__(specs, analyzer, content_field, held)
        self.schema = schema

    def term(self, field_name, value):
        return tantivy.Query.term_query(self.schema, field_name, value)

    def terms(self, field_name, values):
        return tantivy.Query.term_set_query(self.schema, field_name, list(values))

    def phrase(self, field_name, phrase, slop=0):
        return tantivy.Query.phrase_query(self.schema, field_name, phrase, slop=slop)

    def fuzzy(self, field_name, word):
        return tantivy.Query.fuzzy_term_query(self.schema, field_name, word)

    def prefix(self, field_name, value):
        pattern = _regex_literal(value) + ".*"
        return tantivy.Query.regex_query(self.schema, field_name, pattern)

    def range(self, spec, low, high, include_low, include_high):
        field_type, convert = _RANGE_TYPES[spec.kind]
        return tantivy.Query.range_query(
            self.schema,
            spec.name,
            field_type,
            lower_bound=None if low is None else convert(low),
            upper_bound=None if high is None else convert(high),
            include_lower=include_low,
            include_upper=include_high,
        )

    def boolean(self, clauses):
        return tantivy.Query.boolean_query([(_OCCUR[occur], query) for occur, query in clauses])

    def boost(self, query, weight):
        return tantivy.Query.boost_query(query, weight)

    def everything(self):
        return tantivy.Query.all_query()

    def nothing(self):
        return tantivy.Query.empty_query()


def _regex_literal(text):
    """``text`` as a literal in tantivy's (Rust) regex syntax: ASCII punctuation escaped."""
    return "".join(
        f"\\{char}" if char.isascii() and not char.isalnum() and not char.isspace() else char
        for char in text
    )


def _to_date(value):
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    # tantivy keeps instants as nanoseconds (years 1677 to 2262); a bound beyond them is
    # the same as the nearest instant it can hold.
    return min(max(to_datetime(value), _EARLIEST), _LATEST)


_EARLIEST = tantivy.MIN_DATETIME.replace(tzinfo=None)
_LATEST = tantivy.MAX_DATETIME.replace(tzinfo=None)

_RANGE_TYPES = {
    DATE: (tantivy.FieldType.Date, _to_date),
    INTEGER: (tantivy.FieldType.Integer, int),
    FLOAT: (tantivy.FieldType.Float, float),
    BOOLEAN: (tantivy.FieldType.Boolean, bool),
}
