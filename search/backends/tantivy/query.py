"""haystack's SearchQuery for tantivy: SQ trees become tantivy queries, not strings.

Other haystack backends print the SQ tree into their engine's query syntax and
let the engine parse it back. Here the tree is compiled directly into
``tantivy.Query`` objects, so user input is never parsed twice and cannot
break out of a term.
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

from .schema import BOOLEAN, DATE, FLOAT, INTEGER, KEYWORD, META_CT, TEXT, to_datetime

# How much an exact match in a boosted field (a title) adds, per unit of boost.
FIELD_BOOST_WEIGHT = 1.0
# Exact-substring phrases prove a match; words rank it.
GRAM_WEIGHT = 0.5
PROXIMITY_SLOP = 12
PROXIMITY_WEIGHT = 0.5


@dataclass(frozen=True)
class Leaf:
    field: str
    filter_type: str
    value: object


@dataclass(frozen=True)
class Branch:
    connector: str
    children: tuple
    negated: bool = False


MATCH_ALL = Branch("AND", ())


class TantivySearchQuery(BaseSearchQuery):
    def build_query_fragment(self, field, filter_type, value):
        return Leaf(field, filter_type, value)

    def matching_all_fragment(self):
        return MATCH_ALL

    def clean(self, query_fragment):
        # Terms are compiled to tantivy queries, never into query syntax: nothing to escape.
        return query_fragment

    def build_query(self):
        tree = _tree(self.query_filter)
        if self.boost:
            boosts = tuple(
                Leaf("content", "boost", (term, value)) for term, value in self.boost.items()
            )
            tree = Branch("AND", (tree, *boosts))
        return tree

    def __str__(self):
        return repr(self.build_query())


def _tree(node):
    children = []
    for child in node.children:
        if isinstance(child, SearchNode):
            children.append(_tree(child))
        else:
            expression, value = child
            field, filter_type = node.split_expression(expression)
            children.append(Leaf(field, filter_type, value))
    return Branch(node.connector, tuple(children), node.negated)


@dataclass
class Compiled:
    query: object
    highlight_terms: list = field(default_factory=list)  # positive exact strings, for snippets


class Compiler:
    """Compiles Branch/Leaf trees for one schema and analyser."""

    def __init__(self, schema, specs, analyzer, content_field):
        self.schema = schema
        self.specs = specs
        self.analyzer = analyzer
        self.content_field = content_field
        self.boosted = [
            spec
            for spec in specs.values()
            if spec.kind == TEXT and spec.boost > 1 and not spec.document
        ]

    def compile(self, tree, models=None, narrow_queries=()):
        terms = []
        clauses = [(tantivy.Occur.MustNot, self.term(DJANGO_CT, META_CT))]
        if tree is not None and tree != MATCH_ALL:
            clauses.append((tantivy.Occur.Must, self._node(tree, terms, negated=False)))
        else:
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        if models:
            cts = sorted(get_model_ct(model) for model in models)
            clauses.append(
                (tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, DJANGO_CT, cts))
            )
        for narrow in narrow_queries:
            clauses.append((tantivy.Occur.Must, self._narrow(narrow)))
        return Compiled(tantivy.Query.boolean_query(clauses), terms)

    # -- nodes

    def _node(self, node, terms, negated):
        if isinstance(node, Leaf):
            return self._leaf(node, terms, negated)
        negated = negated != node.negated
        positive = [child for child in node.children if not _is_negated(child)]
        negative = [child for child in node.children if _is_negated(child)]
        if node.connector == "OR":
            clauses = [
                (tantivy.Occur.Should, self._node(child, terms, negated)) for child in node.children
            ]
            query = tantivy.Query.boolean_query(clauses) if clauses else tantivy.Query.empty_query()
        else:
            clauses = [
                (tantivy.Occur.Must, self._node(child, terms, negated)) for child in positive
            ]
            clauses += [
                (tantivy.Occur.MustNot, self._node(_unnegate(child), terms, not negated))
                for child in negative
            ]
            if not positive:
                clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
            proximity = self._proximity(positive)
            if proximity is not None:
                clauses.append((tantivy.Occur.Should, proximity))
            query = tantivy.Query.boolean_query(clauses)
        if node.negated:
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, tantivy.Query.all_query()), (tantivy.Occur.MustNot, query)]
            )
        return query

    def _leaf(self, leaf, terms, negated):
        value = leaf.value
        if isinstance(value, Not):
            inner = self._leaf(
                Leaf(leaf.field, leaf.filter_type, value.query_string), terms, not negated
            )
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, tantivy.Query.all_query()), (tantivy.Occur.MustNot, inner)]
            )
        if leaf.filter_type == "boost":
            term, weight = value
            return tantivy.Query.boost_query(
                self._text_exact(self._spec("content"), term, terms, negated), weight
            )
        spec = self._spec(leaf.field)
        if spec.kind == TEXT:
            return self._text(spec, leaf.filter_type, value, terms, negated)
        if spec.kind == KEYWORD:
            return self._keyword(spec, leaf.filter_type, value)
        return self._range(spec, leaf.filter_type, value)

    # -- analysed text

    def _text(self, spec, filter_type, value, terms, negated):
        if isinstance(value, AutoQuery):
            return self._auto(spec, value.query_string, terms, negated)
        if isinstance(value, Exact) or filter_type in (
            "exact",
            "contains",
            "startswith",
            "endswith",
        ):
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
        raise SearchBackendError(
            f"'{filter_type}' is not supported on the text field '{spec.name}'."
        )

    def _text_exact(self, spec, text, terms, negated):
        """``text`` must occur as an exact string (after normalisation); its words rank the hit."""
        phrase = self.analyzer.gram_phrase(text)
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
        if spec.document:
            for boosted in self.boosted:
                match = self._grams(boosted.grams, phrase)
                clauses.append(
                    (
                        tantivy.Occur.Should,
                        tantivy.Query.boost_query(match, boosted.boost * FIELD_BOOST_WEIGHT),
                    )
                )
        return tantivy.Query.boolean_query(clauses)

    def _grams(self, field_name, phrase):
        if len(phrase) == 1:
            return self.term(field_name, phrase[0][1])
        return tantivy.Query.phrase_query(self.schema, field_name, phrase)

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

    def _proximity(self, children):
        """Hits where the query's words stand close together rank higher."""
        words = []
        for child in children:
            if not (isinstance(child, Leaf) and child.filter_type in ("content", "exact")):
                return None
            if self._spec(child.field).kind != TEXT or isinstance(child.value, (Not, AutoQuery)):
                return None
            words += self.analyzer.segment(_plain(child.value))
        if len(children) < 2 or len(words) < 2:
            return None
        field_name = self.content_field if children[0].field == "content" else children[0].field
        phrase = tantivy.Query.phrase_query(self.schema, field_name, words, slop=PROXIMITY_SLOP)
        return tantivy.Query.boost_query(phrase, PROXIMITY_WEIGHT)

    # -- exact values and ranges

    def _keyword(self, spec, filter_type, value):
        if filter_type == "in":
            return tantivy.Query.term_set_query(
                self.schema, spec.name, [_plain(item) for item in value]
            )
        if filter_type in ("content", "exact", "contains"):
            return self.term(spec.name, _plain(value))
        if filter_type in ("gt", "gte", "lt", "lte", "range"):
            return self._range(spec, filter_type, value)
        raise SearchBackendError(f"'{filter_type}' is not supported on the field '{spec.name}'.")

    def _range(self, spec, filter_type, value):
        field_type, convert = _RANGE_TYPES[spec.kind]
        if filter_type == "in":
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, self._range(spec, "exact", item)) for item in value]
            )
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
            raise SearchBackendError(
                f"'{filter_type}' is not supported on the field '{spec.name}'."
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


def _is_negated(node):
    return (isinstance(node, Branch) and node.negated) or (
        isinstance(node, Leaf) and isinstance(node.value, Not)
    )


def _unnegate(node):
    if isinstance(node, Branch):
        return Branch(node.connector, node.children, False)
    return Leaf(node.field, node.filter_type, node.value.query_string)


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
    KEYWORD: (tantivy.FieldType.Text, str),
}
