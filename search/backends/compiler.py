"""haystack's SQ trees, compiled into an engine's own queries: never into query strings.

Other haystack backends print the SQ tree into their engine's query syntax and let the engine
parse it back. This project's backends hand haystack's own tree (``SearchQuery.build_query``)
to a `Compiler`, which turns it into the engine's query objects in one pass, so user input is
never parsed twice and cannot break out of a term. The tree logic lives here; each engine's
subclass builds its queries (tantivy's objects, OpenSearch's query DSL), so both engines
answer every lookup the same way.

Lookups on analysed text fields:

- ``content`` (the default): every whitespace-separated part must occur;
- ``exact``, ``contains``: the value occurs as an exact string (after normalisation);
- ``startswith``, ``endswith``: it occurs at the start or the end of a value of the field;
- ``in``: one of several exact strings; ``fuzzy``: each word within one edit;
- a `search.backends.inputs.Near` value: two exact strings near each other.

Date and number fields take ``exact``/``content``, ``in``, ``gt``, ``gte``, ``lt``, ``lte`` and
``range``; booleans ``exact`` and ``in``; keyword (facet) fields ``exact``, ``in`` and
``startswith``. Anything else raises `UnsupportedLookup`, never a query that quietly means
something else.
"""

import contextvars
import re
from dataclasses import dataclass, field

from haystack.backends import BaseSearchQuery, SearchNode
from haystack.constants import DJANGO_CT
from haystack.exceptions import SearchBackendError
from haystack.inputs import AutoQuery, BaseInput, Exact, Not
from haystack.utils import get_model_ct

from .analysis import MAX_NEAR_DISTANCE
from .errors import UnsupportedLookup
from .fields import BOOLEAN, KEYWORD, META_CT, TEXT
from .inputs import Near

MUST, SHOULD, MUST_NOT = "must", "should", "must_not"

# How much an exact match in a boosted field (a title) adds, per unit of boost.
FIELD_BOOST_WEIGHT = 1.0
# Exact-substring phrases prove a match; words rank it.
GRAM_WEIGHT = 0.5
PROXIMITY_SLOP = 12
PROXIMITY_WEIGHT = 0.5


# While a query compiles: the list its boosts for words close together are recorded in, or
# False to compile it without them.
_proximities = contextvars.ContextVar("proximities", default=None)


@dataclass
class Compiled:
    query: object
    highlight_terms: list = field(default_factory=list)  # positive exact strings, for snippets
    # When the query boosts words close together: the same query without those boosts (the
    # same matches, ranked by the words alone), and the boosts' (words field, words). An
    # engine may rank the plain query's best documents again with the boosts, as a rescore.
    plain: object = None
    proximity: list = field(default_factory=list)


class Compiler:
    """Compiles haystack SQ trees for one index's fields and analyser.

    A subclass builds its engine's queries: `term`, `terms`, `phrase`, `fuzzy`, `prefix`,
    `range`, `boolean`, `boost`, `everything` and `nothing`.
    """

    # Whether the engine ranks a query's plain twin again (`Compiled.plain`), so needs it.
    rescores = False

    def __init__(self, specs, analyzer, content_field, held=()):
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
        arguments = (node, models, narrow_queries, boost)
        proximity = []
        token = _proximities.set(proximity)
        try:
            compiled = self._compile(*arguments)
        finally:
            _proximities.reset(token)
        if proximity and self.rescores:
            token = _proximities.set(False)
            try:
                compiled.plain = self._compile(*arguments).query
            finally:
                _proximities.reset(token)
            compiled.proximity = proximity
        return compiled

    def _compile(self, node, models, narrow_queries, boost):
        terms = []
        clauses = [(MUST_NOT, self.term(DJANGO_CT, META_CT))]
        if isinstance(node, str):
            node = SearchNode([("content", AutoQuery(node))]) if node.strip() else None
        if node is not None and node.children:
            clauses.append((MUST, self._node(node, terms, negated=False)))
        else:
            clauses.append((MUST, self.everything()))
        for term, weight in (boost or {}).items():
            phrase = self._text_exact(self._spec("content"), str(term), [], negated=True)
            clauses.append((SHOULD, self.boost(phrase, weight)))
        cts = sorted({get_model_ct(model) for model in models or ()})
        if cts and not (self.held and self.held <= set(cts)):
            clauses.append((MUST, self.terms(DJANGO_CT, cts)))
        for narrow in narrow_queries:
            clauses.append((MUST, self._narrow(narrow)))
        return Compiled(self.boolean(clauses), terms)

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
                (SHOULD, self._child(node, child, terms, negated)) for child in node.children
            ]
            query = self.boolean(clauses) if clauses else self.nothing()
        else:
            clauses = [(MUST, self._child(node, child, terms, negated)) for child in positive]
            clauses += [
                (MUST_NOT, self._child(node, _unnegated(child), terms, not negated))
                for child in negative
            ]
            if not positive:
                clauses.append((MUST, self.everything()))
            proximity = self._proximity(node, positive)
            if proximity is not None:
                clauses.append((SHOULD, proximity))
            query = self.boolean(clauses)
        if node.negated:
            return self.everything_but(query)
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
            return self.everything_but(inner)
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
            return self.boolean(
                [(SHOULD, self._text_exact(spec, str(item), terms, negated)) for item in value]
            )
        if filter_type == "fuzzy":
            words = self.analyzer.segment(_plain(value))
            return self.boolean(
                [
                    (
                        MUST,
                        self.fuzzy(spec.words, word),
                    )
                    for word in words
                ]
            )
        if filter_type == "content":
            parts = _plain(value).split()
            if not parts:
                return self.nothing()
            clauses = [(MUST, self._text_exact(spec, part, terms, negated)) for part in parts]
            return clauses[0][1] if len(clauses) == 1 else self.boolean(clauses)
        raise UnsupportedLookup(
            f"The lookup '{filter_type}' is not supported on the text field '{spec.name}'."
        )

    def _text_exact(self, spec, text, terms, negated, start=False, end=False):
        """``text`` must occur as an exact string (after normalisation); its words rank the hit."""
        phrase = self.analyzer.gram_phrase(text, start=start, end=end)
        if not phrase:
            return self.nothing()
        if not negated:
            terms.append(text)
        clauses = [
            (
                MUST,
                self.boost(self._grams(spec.grams, phrase), GRAM_WEIGHT),
            )
        ]
        words = list(dict.fromkeys(self.analyzer.segment(text)))
        clauses += [(SHOULD, self.term(spec.words, word)) for word in words]
        if spec.document and not (start or end):
            for boosted in self.boosted:
                match = self._grams(boosted.grams, phrase)
                clauses.append(
                    (
                        SHOULD,
                        self.boost(match, boosted.boost * FIELD_BOOST_WEIGHT),
                    )
                )
        return self.boolean(clauses)

    def _near(self, spec, near, terms, negated):
        """Both strings near each other (one sloppy or exact phrase per gap); words rank."""
        if not 0 <= near.distance <= MAX_NEAR_DISTANCE:
            raise UnsupportedLookup(
                f"Near distances go from 0 to {MAX_NEAR_DISTANCE} characters, not {near.distance}."
            )
        phrases = self.analyzer.near_phrases(near.first, near.second, near.distance)
        if not phrases:
            return self.nothing()
        if not negated:
            terms.extend([near.first, near.second])
        found = self.boolean(
            [(SHOULD, self._grams(spec.grams, phrase, slop)) for phrase, slop in phrases]
        )
        clauses = [(MUST, self.boost(found, GRAM_WEIGHT))]
        words = dict.fromkeys(self.analyzer.segment(f"{near.first} {near.second}"))
        clauses += [(SHOULD, self.term(spec.words, word)) for word in words]
        return self.boolean(clauses)

    def _grams(self, field_name, phrase, slop=0):
        if len(phrase) == 1:
            return self.term(field_name, phrase[0][1])
        return self.phrase(field_name, phrase, slop)

    def _auto(self, spec, text, terms, negated):
        """haystack's auto_query: "quoted phrases", -exclusions, and plain terms."""
        clauses = []
        for match in re.finditer(r'(-?)"([^"]+)"|(\S+)', text):
            excluded, phrase, word = match.group(1), match.group(2), match.group(3)
            if word is not None:
                excluded, phrase = (
                    ("-", word[1:]) if word.startswith("-") and len(word) > 1 else ("", word)
                )
            occur = MUST_NOT if excluded else MUST
            clauses.append(
                (occur, self._text_exact(spec, phrase, terms, negated or bool(excluded)))
            )
        if not any(occur == MUST for occur, _query in clauses):
            clauses.append((MUST, self.everything()))
        return self.boolean(clauses)

    def _proximity(self, node, children):
        """Hits where the query's words stand close together rank higher."""
        recorded = _proximities.get()
        if recorded is False:
            return None
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
            fields.add(spec.words)
            words += self.analyzer.segment(_plain(value))
        if len(children) < 2 or len(words) < 2 or len(fields) != 1:
            return None
        field_name = fields.pop()
        if recorded is not None:
            recorded.append((field_name, words))
        phrase = self.phrase(field_name, list(enumerate(words)), PROXIMITY_SLOP)
        return self.boost(phrase, PROXIMITY_WEIGHT)

    # -- exact values and ranges

    def _keyword(self, spec, filter_type, value):
        if filter_type == "in":
            return self.terms(spec.name, [_plain(item) for item in value])
        if filter_type in ("content", "exact"):
            return self.term(spec.name, _plain(value))
        if filter_type == "startswith":
            return self.prefix(spec.name, _plain(value))
        raise UnsupportedLookup(
            f"The lookup '{filter_type}' is not supported on the keyword field '{spec.name}'."
        )

    def _range(self, spec, filter_type, value):
        if filter_type == "in":
            return self.boolean([(SHOULD, self._range(spec, "exact", item)) for item in value])
        if spec.kind == BOOLEAN:
            # A boolean is one of two terms, never a range.
            if filter_type not in ("exact", "content"):
                raise UnsupportedLookup(
                    f"The lookup '{filter_type}' is not supported on the boolean field "
                    f"'{spec.name}'."
                )
            return self.term(spec.name, bool(_plain_value(value)))
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
        return self.range(
            spec,
            None if low is None else _plain_value(low),
            None if high is None else _plain_value(high),
            include_low,
            include_high,
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

    # -- the engine's queries (a subclass builds them)

    def term(self, field_name, value):
        raise NotImplementedError

    def terms(self, field_name, values):
        raise NotImplementedError

    def phrase(self, field_name, phrase, slop=0):
        """(position, token) pairs at those relative positions, each allowed ``slop`` away."""
        raise NotImplementedError

    def fuzzy(self, field_name, word):
        """``word`` within one edit."""
        raise NotImplementedError

    def prefix(self, field_name, value):
        raise NotImplementedError

    def range(self, spec, low, high, include_low, include_high):
        raise NotImplementedError

    def boolean(self, clauses):
        """(occur, query) pairs, occur one of MUST, SHOULD and MUST_NOT.

        SHOULD clauses beside a MUST only rank; without one, at least one must match.
        """
        raise NotImplementedError

    def boost(self, query, weight):
        raise NotImplementedError

    def everything(self):
        raise NotImplementedError

    def nothing(self):
        raise NotImplementedError

    def everything_but(self, query):
        return self.boolean([(MUST, self.everything()), (MUST_NOT, query)])

    # -- helpers

    def _spec(self, name):
        if name == "content":
            name = self.content_field
        try:
            return self.specs[name]
        except KeyError:
            raise SearchBackendError(f"The index has no field named '{name}'.") from None


def _is_negated(child):
    if isinstance(child, SearchNode):
        return child.negated
    return isinstance(child[1], Not)


def _unnegated(child):
    if isinstance(child, SearchNode):
        return SearchNode(list(child.children), child.connector, negated=False)
    expression, value = child
    return (expression, value.query_string)


def _plain(value):
    if isinstance(value, BaseInput):
        return str(value.query_string)
    return str(value)


def _plain_value(value):
    return value.query_string if isinstance(value, BaseInput) else value


class SearchQuery(BaseSearchQuery):
    """haystack's SearchQuery for a backend with a `Compiler`: the tree is the query."""

    def build_query(self):
        # haystack's own tree: the backend compiles it. Boosts travel in the search kwargs
        # (build_params), models and narrowing too.
        return self.query_filter

    def build_query_fragment(self, field, filter_type, value):
        raise NotImplementedError("This backend compiles SQ trees; it builds no strings.")

    def clean(self, query_fragment):
        # Terms are compiled into queries, never into query syntax: nothing to escape.
        return query_fragment

    def __str__(self):
        return repr(self.query_filter)
