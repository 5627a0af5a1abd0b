"""What the archive's backends do alike around their engines: haystack's writes through a
writer, the sort keys a search may ask for, and facets as aggregations.

tantivy's aggregations take and give Elasticsearch's JSON, as OpenSearch's do, so one request
and one reading of the answer serve both; only the unit of a date bound differs (``instant``).
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.encoding import force_str
from haystack.exceptions import SkipDocument
from haystack.utils import get_identifier

from .errors import UnsupportedLookup
from .fields import TEXT, date_buckets

log = logging.getLogger(__name__)

# Values of a facet each segment or shard counts: all of them, as far as tantivy's and
# OpenSearch's default bucket limit (65,000) allows.
EXACT_TERMS = 65_000


def prepared_documents(search_index, objects):
    """haystack's prepared data for each object the index takes (SkipDocument skips one)."""
    for obj in objects:
        try:
            yield search_index.full_prepare(obj)
        except SkipDocument:
            continue


def analysed(specs, analyzer, prepared):
    """One prepared document (haystack's data for an object) ready for any engine's builder.

    Returns ``(values, streams)``: ``values`` maps each field of ``specs`` the document has to
    the list of its values (text as str); ``streams`` maps the words field and the grams field
    of each text field to its stream (search/backends/analysis.py). Plain data, so that it can
    be computed in another process (search/rebuilding.py).
    """
    values, streams = {}, {}
    for name, value in prepared.items():
        spec = specs.get(name)
        if spec is None or value is None:
            continue
        items = value if isinstance(value, (list, tuple, set)) else [value]
        items = [item for item in items if item is not None]
        if not items:
            continue
        if spec.kind == TEXT:
            items = [force_str(item) for item in items]
            streams[spec.words] = analyzer.word_stream(items)
            streams[spec.grams] = analyzer.grams(items)
        values[name] = items
    return values, streams


class WritesThroughWriter:
    """haystack's ``update``, ``remove`` and ``clear`` through the backend's `open_writer`.

    With ``commit=False`` the writer stays open with the pending changes until a later call
    with ``commit=True``, or `commit`. The writer class has ``add``, ``remove``, ``clear``,
    ``commit``, ``rollback`` and ``close``.
    """

    _pending = None  # the writer holding changes made with commit=False

    def analysis(self):
        """(field specs, analyzer): what `analysed` needs to make documents for this engine's
        writers (their ``add_analysed``), in any process."""
        self.setup()
        return self.specs, self.analyzer

    def update(self, index, iterable, commit=True):
        self._write("Failed to add documents to the index", commit, "add", index, iterable)

    def remove(self, obj_or_string, commit=True):
        identifier = get_identifier(obj_or_string)
        self._write("Failed to remove a document", commit, "remove", [identifier])

    def clear(self, models=None, commit=True):
        self._write("Failed to clear the index", commit, "clear", models)

    def commit(self):
        """Commit what ``update``/``remove``/``clear`` left pending with ``commit=False``."""
        writer, self._pending = self._pending, None
        if writer is None:
            return
        try:
            writer.commit()
        finally:
            writer.close()

    @contextmanager
    def writer(self, timeout=None, bulk=False):
        """A writer on the current generation, committed when the block ends without error."""
        writer = self.open_writer(timeout, bulk)
        try:
            yield writer
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.close(wait_merges=bulk)

    def _write(self, failure, commit, operation, *args):
        try:
            if self._pending is None:
                self._pending = self.open_writer()
            getattr(self._pending, operation)(*args)
            if commit:
                self.commit()
        except Exception:
            writer, self._pending = self._pending, None
            if writer is not None:
                writer.rollback()
                writer.close()
            if not self.silently_fail:
                raise
            log.exception("%s (%s).", failure, self.connection_alias)


@dataclass(frozen=True)
class SortKey:
    spec: object  # a FieldSpec, or None for relevance
    descending: bool = True


def sort_keys(specs, sort_by):
    """haystack's ``sort_by`` names as `SortKey`; relevance is always best first."""
    keys = []
    for name in sort_by or []:
        descending = name.startswith("-")
        name = name.lstrip("-")
        if name == "score":
            keys.append(SortKey(None))
            continue
        spec = specs.get(name)
        if spec is None or not spec.sortable or spec.multivalued:
            raise UnsupportedLookup(f"The index cannot sort by '{name}'.")
        keys.append(SortKey(spec, descending))
    return keys


def facet_aggregations(facets, date_facets, instant):
    """(aggregations, date buckets) for haystack's field and date facets.

    ``instant`` turns a bucket's bounds into the engine's numbers (nanoseconds, milliseconds).
    """
    aggregations, buckets = {}, {}
    for name, options in (facets or {}).items():
        size = int(options.get("limit") or options.get("size") or 100)
        # Each segment (tantivy) or shard (OpenSearch) sends its own top values, ten times
        # ``size`` by default: a value below that in one segment loses its count there, and
        # the top values come out wrong. Every value is sent, up to the engines' bucket limit.
        aggregations[name] = {"terms": {"field": name, "size": size, "shard_size": EXACT_TERMS}}
    for name, options in (date_facets or {}).items():
        buckets[name] = date_buckets(options, instant)
        ranges = [{"from": low, "to": high} for _start, low, high in buckets[name]]
        aggregations[name] = {"range": {"field": name, "ranges": ranges}}
    return aggregations, buckets


def facets_within(facets, total):
    """(haystack's field facets to count for a search of ``total`` matches, those left uncounted
    as {name: max_matches}).

    A facet with the option ``max_matches`` (``sqs.facet("author", max_matches=20_000)``) is
    counted only for a search of at most that many matches: counting visits every match, and
    a facet over a multivalued field costs several times one over a single value. A facet is
    either counted exactly or not at all, never estimated.
    """
    counted, uncounted = {}, {}
    for name, options in (facets or {}).items():
        bound = options.get("max_matches")
        if bound is not None and total > int(bound):
            uncounted[name] = int(bound)
        else:
            counted[name] = options
    return counted, uncounted


def facet_counts(raw, facets, buckets, uncounted=None):
    """haystack's facet counts ``{"fields", "dates", "queries"}`` from the aggregations' answer
    (query facets are the caller's to add), and ``"uncounted"``: the field facets left out by
    their ``max_matches``, as {name: max_matches} (`facets_within`; haystack renames the keys
    as it does the fields')."""
    result = {"fields": {}, "dates": {}, "queries": {}, "uncounted": dict(uncounted or {})}
    for name in facets or {}:
        result["fields"][name] = [
            (bucket["key"], bucket["doc_count"])
            for bucket in raw[name]["buckets"]
            if bucket["doc_count"]
        ]
    for name, ranges in buckets.items():
        counts = {
            (_number(bucket.get("from")), _number(bucket.get("to"))): bucket["doc_count"]
            for bucket in raw[name]["buckets"]
        }
        result["dates"][name] = [
            (start, counts.get((float(low), float(high)), 0)) for start, low, high in ranges
        ]
    return result


def _number(bound):
    return None if bound is None else float(bound)
