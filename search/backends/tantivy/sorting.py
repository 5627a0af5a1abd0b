"""Ordering hits by several keys, where tantivy orders by one fast field or by relevance.

The first key is tantivy's. Later keys only reorder documents that tie on the keys before
them, so only the documents that can tie with the requested page are read:

- after a field, the documents whose first key lies between the page's first and last values
  (one count tells how many documents come before them);
- after relevance, the runs of equal scores that touch the page.

Relevance is always best first: ``score`` and ``-score`` mean the same.
"""

import datetime

import tantivy

from ..common import SortKey  # noqa: F401 (the keys sorted_hits takes)
from ..compiler import MUST
from .query import UnsupportedLookup
from .schema import BOOLEAN, DATE, KEYWORD

# Documents read to order ties by later keys; beyond this, the sort is refused, not guessed.
MAX_TIES = 50_000
_EPOCH = datetime.datetime(1970, 1, 1)


def sorted_hits(searcher, query, keys, offset, limit, compiler, count=True):
    """([(score or sort value, address)] for the page, the number of matches or None)."""
    fetch = max(limit, 1)
    if len(keys) <= 1:
        order = _order(keys[0]) if keys else {}
        result = searcher.search(query, fetch, count=count, offset=offset, **order)
        return result.hits[:limit], result.count
    if keys[0].spec is None:
        return _after_relevance(searcher, query, keys, offset, limit, count)
    return _after_field(searcher, query, keys, offset, limit, compiler, count)


def _order(key):
    if key.spec is None:
        return {}
    order = tantivy.Order.Desc if key.descending else tantivy.Order.Asc
    return {"order_by_field": key.spec.name, "order": order}


def _after_field(searcher, query, keys, offset, limit, compiler, count):
    first = keys[0]
    # tantivy refuses a limit of 0 (a page of nothing still asks for a count).
    head = searcher.search(query, max(offset + limit, 1), count=count, **_order(first))
    hits = head.hits
    if len(hits) <= offset or limit == 0:
        return [], head.count
    low, high = hits[offset][0], hits[-1][0]
    if low is None or high is None:
        raise UnsupportedLookup(
            f"Documents without a value for '{first.spec.name}' cannot be sorted by more keys."
        )
    # The page starts after every document strictly before its first value, and holds the
    # documents from its first value to its last, in the order of the later keys.
    bounds = (low, high) if low <= high else (high, low)
    if first.spec.kind == KEYWORD:
        before, window = _keyword_window(searcher, query, first, low, bounds, compiler)
    else:
        before_lookup = "gt" if first.descending else "lt"
        before = _count(searcher, _and(query, _bound(compiler, first.spec, before_lookup, low)))
        window = _and(query, _bound(compiler, first.spec, "range", bounds))
    rows = _rows(searcher, window, keys)
    start = offset - before
    return [(values[0], address) for values, _score, address in rows[start : start + limit]], (
        head.count
    )


def _after_relevance(searcher, query, keys, offset, limit, count):
    wanted = offset + limit
    fetch = max(wanted, 1)
    result = searcher.search(query, fetch, count=count)
    total = result.count
    hits = result.hits
    # Take more until the last hit scores lower than the page's last: ties are then complete.
    while len(hits) == fetch and len(hits) >= wanted and hits[-1][0] == hits[wanted - 1][0]:
        if fetch >= MAX_TIES:
            raise UnsupportedLookup("Too many documents share a score to sort them by more keys.")
        fetch *= 2
        hits = searcher.search(query, fetch, count=False).hits
    ordered = list(hits)
    start = 0
    while start < len(ordered) and start < wanted:
        end = start
        while end + 1 < len(ordered) and ordered[end + 1][0] == ordered[start][0]:
            end += 1
        if end > start and end >= offset:
            group = [
                (_values(searcher, address, keys, score), score, address)
                for score, address in ordered[start : end + 1]
            ]
            _sort(group, keys)
            ordered[start : end + 1] = [(score, address) for _v, score, address in group]
        start = end + 1
    return ordered[offset:wanted], total


def _rows(searcher, query, keys):
    size = _count(searcher, query)
    if size > MAX_TIES:
        raise UnsupportedLookup(
            f"Too many documents ({size}) share the values of '{keys[0].spec.name}' "
            "to sort them by more keys."
        )
    hits = searcher.search(query, max(size, 1), count=False).hits
    rows = [(_values(searcher, address, keys, score), score, address) for score, address in hits]
    _sort(rows, keys)
    return rows


def _values(searcher, address, keys, score):
    document = searcher.doc(address)
    return [score if key.spec is None else document.get_first(key.spec.name) for key in keys]


def _sort(rows, keys):
    # Stable sorts from the last key to the first; a missing value comes last.
    for position in reversed(range(len(keys))):
        key = keys[position]
        descending = True if key.spec is None else key.descending
        present = [row for row in rows if row[0][position] is not None]
        missing = [row for row in rows if row[0][position] is None]
        present.sort(key=lambda row, p=position: row[0][p], reverse=descending)
        rows[:] = present + missing


def _bound(compiler, spec, lookup, value):
    """A query for ``spec`` ``lookup`` ``value``, where values are tantivy's sort values."""
    if spec.kind == BOOLEAN:
        low, high = value if lookup == "range" else (value, value)
        allowed = {
            "range": lambda v: low <= v <= high,
            "gt": lambda v: v > low,
            "lt": lambda v: v < low,
        }[lookup]
        values = [v for v in (False, True) if allowed(v)]
        return compiler.lookup(spec.name, "in", values)
    if spec.kind == DATE:
        value = tuple(map(_date, value)) if lookup == "range" else _date(value)
    return compiler.lookup(spec.name, lookup, value)


def _keyword_window(searcher, query, key, first_value, bounds, compiler):
    """(documents before ``first_value``, a query for the values within ``bounds``).

    tantivy has no ranges over text: the field's values among the matches are listed instead.
    """
    counts = dict(searcher.terms_with_prefix(key.spec.name, "", filter_query=query))
    low, high = bounds
    if key.descending:
        before = sum(count for value, count in counts.items() if value > first_value)
    else:
        before = sum(count for value, count in counts.items() if value < first_value)
    values = [value for value in counts if low <= value <= high]
    return before, _and(query, compiler.lookup(key.spec.name, "in", values))


def _date(nanoseconds):
    return _EPOCH + datetime.timedelta(microseconds=nanoseconds // 1000)


def _and(*queries):
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, query) for query in queries])


def _count(searcher, query):
    return searcher.search(query, 1, count=True).count


def rescored_hits(searcher, plain, query, compiler, key_field, window, count):
    """([(score, address)] of ``plain``'s best ``window`` documents in ``query``'s order, the
    number of matches or None), or None when those documents cannot be found again exactly.

    ``plain`` matches what ``query`` matches, ranked by fewer clauses, which tantivy answers
    without scoring every match. Only its best documents are scored by ``query``, found again by
    ``key_field`` (an integer fast field every document holds), as Elasticsearch's rescore
    does. Documents sharing a key with one of them are left out of the ranking again.
    """
    head = searcher.search(plain, window, count=count)
    addresses = [address for _score, address in head.hits]
    if not addresses:
        return [], head.count
    keys = searcher.fast_field_values(key_field, addresses)
    if None in keys:
        return None
    wanted = {(address.segment_ord, address.doc) for address in addresses}
    # The key set only picks the documents: it adds nothing to their scores.
    within = compiler.boolean(
        [(MUST, query), (MUST, compiler.boost(compiler.terms(key_field, set(keys)), 0.0))]
    )
    again = searcher.search(within, 2 * len(addresses), count=False)
    hits = [
        (score, address)
        for score, address in again.hits
        if (address.segment_ord, address.doc) in wanted
    ]
    if len(hits) != len(addresses):
        return None
    return hits, head.count
