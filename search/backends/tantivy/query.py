"""haystack's SearchQuery for tantivy: the SQ tree is compiled into tantivy queries, not strings.

Other haystack backends print the SQ tree into their engine's query syntax and let the engine
parse it back. Here `TantivySearchQuery.build_query` hands haystack's own tree to the backend,
whose `Compiler` turns it into ``tantivy.Query`` objects in one pass, so user input is never
parsed twice and cannot break out of a term.

Lookups on analysed text fields:

- ``content`` (the default): every whitespace-separated part must occur;
- ``exact``, ``contains``: the value occurs as an exact string (after normalisation);
- ``startswith``, ``endswith``: it occurs at the start or the end of a value of the field;
- ``in``: one of several exact strings; ``fuzzy``: each word within one edit;
- a `search.backends.inputs.Near` value: two exact strings near each other.

Date and number fields take ``exact``/``content``, ``in``, ``gt``, ``gte``, ``lt``, ``lte`` and
``range``; booleans ``exact`` and ``in``; keyword (facet) fields ``exact``, ``in`` and
``startswith`` (tantivy has no ranges over text). Anything else raises `UnsupportedLookup`,
never a query that quietly means something else.
"""

import datetime
import re
from dataclasses import dataclass, field

import tantivy
from haystack.backends import BaseSearchQuery, SearchNode
from haystack.constants import DJANGO_CT
from haystack.exceptions import SearchBackendError
from haystack.inputs import AutoQuery, BaseInput, Exact, Not
from haystack.utils import get_model_ct

from ..analysis import MAX_NEAR_DISTANCE
from ..errors import UnsupportedLookup
from ..inputs import Near
from .schema import BOOLEAN, DATE, FLOAT, INTEGER, KEYWORD, META_CT, TEXT, to_datetime

# How much an exact match in a boosted field (a title) adds, per unit of boost.
FIELD_BOOST_WEIGHT = 1.0
# Exact-substring phrases prove a match; words rank it.
GRAM_WEIGHT = 0.5
PROXIMITY_SLOP = 12
PROXIMITY_WEIGHT = 0.5


class TantivySearchQuery(BaseSearchQuery):
    def build_query(self):
        # haystack's own tree: the backend compiles it (see Compiler). Boosts travel in the
        # search kwargs (build_params), models and narrowing too.
        return self.query_filter

    def build_query_fragment(self, field, filter_type, value):
        raise NotImplementedError("The tantivy backend compiles SQ trees; it builds no strings.")

    def clean(self, query_fragment):
        # Terms are compiled to tantivy queries, never into query syntax: nothing to escape.
        return query_fragment

    def __str__(self):
        return repr(self.query_filter)


@dataclass
class Compiled:
    query: object
    highlight_terms: list = field(default_factory=list)  # positive exact strings, for snippets


class Compiler:
    """Compiles haystack SQ trees for one schema and analyser."""

    def __init__(self, schema, specs, analyzer, content_field, held=()):
        self.schema = schema
        self.specs = specs
        self.analyzer = analyzer
        self.content_field = content_field
        # The models this index holds: asking for all of them needs no filter on the model,
        # which would be one more posting list as long as the index.
        self.held = {get_model_ct(model) for model in held}
        self.boosted = [
            spec
            for spec in specs.values()
            if spec.kind == TEXT and spec.boost > 1 and not spec.document
        ]

    def compile(self, node=None, models=None, narrow_queries=(), boost=None):
        """A `Compiled` query for an SQ tree (or a plain string, read as auto_query)."""
        terms = []
        clauses = [(tantivy.Occur.MustNot, self.term(DJANGO_CT, META_CT))]
        if isinstance(node, str):
            node = SearchNode([("content", AutoQuery(node))]) if node.strip() else None
        if node is not None and node.children:
            clauses.append((tantivy.Occur.Must, self._node(node, terms, negated=False)))
        else:
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        for term, weight in (boost or {}).items():
            phrase = self._text_exact(self._spec("content"), str(term), [], negated=True)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(phrase, weight)))
        cts = sorted({get_model_ct(model) for model in models or ()})
        if cts and not (self.held and self.held <= set(cts)):
            clauses.append(
                (tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, DJANGO_CT, cts))
            )
        for narrow in narrow_queries:
            clauses.append((tantivy.Occur.Must, self._narrow(narrow)))
        return Compiled(tantivy.Query.boolean_query(clauses), terms)

    def lookup(self, field_name, filter_type, value):
        """One lookup on its own (query facets, sorting windows)."""
        return self._leaf(field_name, filter_type, value, [], negated=True)

    # -- nodes

    def _node(self, node, terms, negated):
        negated = negated != node.negated
        positive = [child for child in node.children if not _is_negated(child)]
        negative = [child for child in node.children if _is_negated(child)]
        if node.connector == "OR":
            clauses = [
                (tantivy.Occur.Should, self._child(node, child, terms, negated))
                for child in node.children
            ]
            query = tantivy.Query.boolean_query(clauses) if clauses else tantivy.Query.empty_query()
        else:
            clauses = [
                (tantivy.Occur.Must, self._child(node, child, terms, negated)) for child in positive
            ]
            clauses += [
                (tantivy.Occur.MustNot, self._child(node, _unnegated(child), terms, not negated))
                for child in negative
            ]
            if not positive:
                clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
            proximity = self._proximity(node, positive)
            if proximity is not None:
                clauses.append((tantivy.Occur.Should, proximity))
            query = tantivy.Query.boolean_query(clauses)
        if node.negated:
            return _everything_but(query)
        return query

    def _child(self, parent, child, terms, negated):
        if isinstance(child, SearchNode):
            return self._node(child, terms, negated)
        expression, value = child
        field_name, filter_type = parent.split_expression(expression)
        return self._leaf(field_name, filter_type, value, terms, negated)

    def _leaf(self, field_name, filter_type, value, terms, negated):
        if isinstance(value, Not):
            inner = self._leaf(field_name, filter_type, value.query_string, terms, not negated)
            return _everything_but(inner)
        spec = self._spec(field_name)
        if spec.kind == TEXT:
            return self._text(spec, filter_type, value, terms, negated)
        if spec.kind == KEYWORD:
            return self._keyword(spec, filter_type, value)
        return self._range(spec, filter_type, value)

    # -- analysed text

    def _text(self, spec, filter_type, value, terms, negated):
        if isinstance(value, AutoQuery):
            return self._auto(spec, value.query_string, terms, negated)
        if isinstance(value, Near):
            return self._near(spec, value, terms, negated)
        if filter_type in ("startswith", "endswith"):
            start, end = filter_type == "startswith", filter_type == "endswith"
            return self._text_exact(spec, _plain(value), terms, negated, start=start, end=end)
        if isinstance(value, Exact) or filter_type in ("exact", "contains"):
            return self._text_exact(spec, _plain(value), terms, negated)
        if filter_type == "in":
            return tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, self._text_exact(spec, str(item), terms, negated))
                    for item in value
                ]
            )
        if filter_type == "fuzzy":
            words = self.analyzer.segment(_plain(value))
            return tantivy.Query.boolean_query(
                [
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.fuzzy_term_query(self.schema, spec.name, word),
                    )
                    for word in words
                ]
            )
        if filter_type == "content":
            parts = _plain(value).split()
            if not parts:
                return tantivy.Query.empty_query()
            clauses = [
                (tantivy.Occur.Must, self._text_exact(spec, part, terms, negated)) for part in parts
            ]
            return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
        raise UnsupportedLookup(
            f"The lookup '{filter_type}' is not supported on the text field '{spec.name}'."
        )

    def _text_exact(self, spec, text, terms, negated, start=False, end=False):
        """``text`` must occur as an exact string (after normalisation); its words rank the hit."""
        phrase = self.analyzer.gram_phrase(text, start=start, end=end)
        if not phrase:
            return tantivy.Query.empty_query()
        if not negated:
            terms.append(text)
        clauses = [
            (
                tantivy.Occur.Must,
                tantivy.Query.boost_query(self._grams(spec.grams, phrase), GRAM_WEIGHT),
            )
        ]
        words = list(dict.fromkeys(self.analyzer.segment(text)))
        clauses += [(tantivy.Occur.Should, self.term(spec.name, word)) for word in words]
        if spec.document and not (start or end):
            for boosted in self.boosted:
                match = self._grams(boosted.grams, phrase)
                clauses.append(
                    (
                        tantivy.Occur.Should,
                        tantivy.Query.boost_query(match, boosted.boost * FIELD_BOOST_WEIGHT),
                    )
                )
        return tantivy.Query.boolean_query(clauses)

    def _near(self, spec, near, terms, negated):
        """Both strings near each other (one sloppy or exact phrase per gap); words rank."""
        if not 0 <= near.distance <= MAX_NEAR_DISTANCE:
            raise UnsupportedLookup(
                f"Near distances go from 0 to {MAX_NEAR_DISTANCE} characters, not {near.distance}."
            )
        phrases = self.analyzer.near_phrases(near.first, near.second, near.distance)
        if not phrases:
            return tantivy.Query.empty_query()
        if not negated:
            terms.extend([near.first, near.second])
        found = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, self._grams(spec.grams, phrase, slop))
                for phrase, slop in phrases
            ]
        )
        clauses = [(tantivy.Occur.Must, tantivy.Query.boost_query(found, GRAM_WEIGHT))]
        words = dict.fromkeys(self.analyzer.segment(f"{near.first} {near.second}"))
        clauses += [(tantivy.Occur.Should, self.term(spec.name, word)) for word in words]
        return tantivy.Query.boolean_query(clauses)

    def _grams(self, field_name, phrase, slop=0):
        if len(phrase) == 1:
            return self.term(field_name, phrase[0][1])
        return tantivy.Query.phrase_query(self.schema, field_name, phrase, slop=slop)

    def _auto(self, spec, text, terms, negated):
        """haystack's auto_query: "quoted phrases", -exclusions, and plain terms."""
        clauses = []
        for match in re.finditer(r'(-?)"([^"]+)"|(\S+)', text):
            excluded, phrase, word = match.group(1), match.group(2), match.group(3)
            if word is not None:
                excluded, phrase = (
                    ("-", word[1:]) if word.startswith("-") and len(word) > 1 else ("", word)
                )
            occur = tantivy.Occur.MustNot if excluded else tantivy.Occur.Must
            clauses.append(
                (occur, self._text_exact(spec, phrase, terms, negated or bool(excluded)))
            )
        if not any(occur == tantivy.Occur.Must for occur, _query in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def _proximity(self, node, children):
        """Hits where the query's words stand close together rank higher."""
        words, fields = [], set()
        for child in children:
            if isinstance(child, SearchNode):
                return None
            expression, value = child
            field_name, filter_type = node.split_expression(expression)
            if filter_type not in ("content", "exact") or isinstance(value, (Not, AutoQuery)):
                return None
            spec = self._spec(field_name)
            if spec.kind != TEXT:
                return None
            fields.add(spec.name)
            words += self.analyzer.segment(_plain(value))
        if len(children) < 2 or len(words) < 2 or len(fields) != 1:
            return None
        phrase = tantivy.Query.phrase_query(self.schema, fields.pop(), words, slop=PROXIMITY_SLOP)
        return tantivy.Query.boost_query(phrase, PROXIMITY_WEIGHT)

    # -- exact values and ranges

    def _keyword(self, spec, filter_type, value):
        if filter_type == "in":
            return tantivy.Query.term_set_query(
                self.schema, spec.name, [_plain(item) for item in value]
            )
        if filter_type in ("content", "exact"):
            return self.term(spec.name, _plain(value))
        if filter_type == "startswith":
            pattern = _regex_literal(_plain(value)) + ".*"
            return tantivy.Query.regex_query(self.schema, spec.name, pattern)
        raise UnsupportedLookup(
            f"The lookup '{filter_type}' is not supported on the keyword field '{spec.name}'."
        )

    def _range(self, spec, filter_type, value):
        field_type, convert = _RANGE_TYPES[spec.kind]
        if filter_type == "in":
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, self._range(spec, "exact", item)) for item in value]
            )
        if spec.kind == BOOLEAN:
            # tantivy has no ranges over booleans; a boolean is one of two terms.
            if filter_type not in ("exact", "content"):
                raise UnsupportedLookup(
                    f"The lookup '{filter_type}' is not supported on the boolean field "
                    f"'{spec.name}'."
                )
            return self.term(spec.name, convert(_plain_value(value)))
        bounds = {
            "exact": (value, value, True, True),
            "content": (value, value, True, True),
            "gt": (value, None, False, True),
            "gte": (value, None, True, True),
            "lt": (None, value, True, False),
            "lte": (None, value, True, True),
        }
        if filter_type == "range":
            low, high = value
            bounds["range"] = (low, high, True, True)
        if filter_type not in bounds:
            raise UnsupportedLookup(
                f"The lookup '{filter_type}' is not supported on the field '{spec.name}'."
            )
        low, high, include_low, include_high = bounds[filter_type]
        return tantivy.Query.range_query(
            self.schema,
            spec.name,
            field_type,
            lower_bound=None if low is None else convert(_plain_value(low)),
            upper_bound=None if high is None else convert(_plain_value(high)),
            include_lower=include_low,
            include_upper=include_high,
        )

    def _narrow(self, narrow):
        """haystack's narrow('field:"value"'), as faceted navigation sends it."""
        name, _sep, value = str(narrow).partition(":")
        value = value.strip().strip('"')
        spec = self._spec(name.strip())
        if spec.kind == TEXT:
            return self._text_exact(spec, value, [], negated=True)
        if spec.kind == KEYWORD:
            return self.term(spec.name, value)
        return self._range(spec, "exact", value)

    # -- helpers

    def term(self, field_name, value):
        return tantivy.Query.term_query(self.schema, field_name, value)

    def _spec(self, name):
        if name == "content":
            name = self.content_field
        try:
            return self.specs[name]
        except KeyError:
            raise SearchBackendError(f"The index has no field named '{name}'.") from None


def _everything_but(query):
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, tantivy.Query.all_query()), (tantivy.Occur.MustNot, query)]
    )


def _is_negated(child):
    if isinstance(child, SearchNode):
        return child.negated
    return isinstance(child[1], Not)


def _unnegated(child):
    if isinstance(child, SearchNode):
        return SearchNode(list(child.children), child.connector, negated=False)
    expression, value = child
    return (expression, value.query_string)


def _regex_literal(text):
    """``text`` as a literal in tantivy's (Rust) regex syntax: ASCII punctuation escaped."""
    return "".join(
        f"\\{char}" if char.isascii() and not char.isalnum() and not char.isspace() else char
        for char in text
    )


def _plain(value):
    if isinstance(value, BaseInput):
        return str(value.query_string)
    return str(value)


def _plain_value(value):
    return value.query_string if isinstance(value, BaseInput) else value


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
