"""A django-haystack search backend for tantivy.

Options (in ``HAYSTACK_CONNECTIONS``):

- ``PATH``: the index directory (required);
- ``ANALYZER``: dotted path of the analyser class (see ``analysis.py``);
- ``WRITER_HEAP``: bytes of memory for an index writer (default 50 MB);
- ``LOCK_TIMEOUT``: seconds to wait for another process's writer (default 2).

Writes go through `writer()`: one tantivy writer, one commit. tantivy lets a
single writer hold a directory at a time; a second process waits up to
``LOCK_TIMEOUT`` and then raises `IndexLocked`, so callers can leave the work
to whoever holds the lock.

Merges never hold up a small write. Once enough small segments have piled up,
the writer that committed the last one is handed to a background thread that
lets tantivy finish merging, then releases the lock and sends `merged` (from
that thread), so whoever left work to it can do it now. Until then, writers
wait for it as for any other holder; bulk writes wait for the merge to end.

The index may carry a checkpoint, an integer the caller stores with a commit
(``Writer.set_checkpoint``) and reads back (``checkpoint``). Callers that feed
the index from a change log use it to know how far the index has caught up.
"""

import calendar
import datetime
import json
import logging
import math
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import tantivy
from django.dispatch import Signal
from django.utils.module_loading import import_string
from haystack import connections
from haystack.backends import BaseSearchBackend, log_query
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.inputs import AutoQuery
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct

from .analysis import SimpleAnalyzer
from .highlight import Highlighter
from .query import MATCH_ALL, Compiler, Leaf
from .schema import (
    CHECKPOINT_FIELD,
    DATE,
    GRAM_TOKENIZER,
    META_ID,
    STORED,
    TEXT,
    DocumentBuilder,
    build_schema,
    checkpoint_document,
    field_specs,
    fingerprint,
    to_datetime,
)

log = logging.getLogger(__name__)

SCHEMA_FILE = "haystack-schema.json"
MLT_TERMS = 25
MERGE_AFTER_SEGMENTS = 8
TOTAL = "_total"
# Facets are counted beside the search for the top hits (see _run).
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tantivy-facets")
HIGHLIGHT_OPTIONS = ("fragment_chars", "max_snippets")


# Sent by the thread that finished a merge in the background, once the lock is free.
merged = Signal()


class IndexLocked(SearchBackendError):
    """Another process holds the index writer."""


class TantivySearchBackend(BaseSearchBackend):
    def __init__(self, connection_alias, **options):
        super().__init__(connection_alias, **options)
        if "PATH" not in options:
            raise SearchBackendError(
                f"The tantivy connection '{connection_alias}' needs a 'PATH' option."
            )
        self.path = Path(options["PATH"])
        self.writer_heap = int(options.get("WRITER_HEAP", 50_000_000))
        self.lock_timeout = float(options.get("LOCK_TIMEOUT", 2.0))
        analyzer = options.get("ANALYZER")
        self.analyzer = import_string(analyzer)() if analyzer else SimpleAnalyzer()
        self._index = None
        self._setup_lock = threading.Lock()
        self._settled_segments = None  # segments after the last merge this process waited for
        self._merging = None  # the thread finishing a merge, holding the writer lock

    # -- setup

    def setup(self):
        with self._setup_lock:
            if self._index is not None:
                return
            unified = connections[self.connection_alias].get_unified_index()
            self.specs = field_specs(unified.all_searchfields())
            if not any(spec.kind == TEXT for spec in self.specs.values()):
                raise SearchBackendError("No text fields were found in any search index.")
            self.content_field = unified.document_field
            self.schema = build_schema(self.specs)
            self._open()
            self.compiler = Compiler(self.schema, self.specs, self.analyzer, self.content_field)

    def _open(self):
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / SCHEMA_FILE
        expected = fingerprint(self.specs)
        if tantivy.Index.exists(str(self.path)):
            found = json.loads(marker.read_text())["fingerprint"] if marker.exists() else None
            if found != expected:
                log.warning(
                    "The index at %s was built for another schema; starting afresh.", self.path
                )
                self._wipe()
        try:
            index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except ValueError as error:
            if "schema does not match" not in str(error):
                raise
            log.warning("The index at %s has another schema; starting afresh.", self.path)
            self._wipe()
            index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        marker.write_text(json.dumps({"fingerprint": expected}))
        index.register_tokenizer(
            GRAM_TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        )
        index.config_reader("manual")
        self._index = index

    def _wipe(self):
        for entry in self.path.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    @property
    def index(self):
        if self._index is None:
            self.setup()
        return self._index

    def reload(self):
        """See what other processes committed."""
        self.index.reload()

    def searcher(self):
        return self.index.searcher()

    # -- writing

    @contextmanager
    def writer(self, bulk=False, timeout=None):
        """A `Writer` holding the index lock; commits when the block ends without error."""
        index = self.index
        wait = self.lock_timeout if timeout is None else timeout
        merging = self._merging
        if merging is not None:
            # This process's own writer holds the lock until its merge ends.
            merging.join(None if bulk else wait)
            if merging.is_alive():
                raise IndexLocked(f"A merge is being finished in the index at {self.path}.")
        deadline = time.monotonic() + wait
        heap = self.writer_heap * (4 if bulk else 1)
        threads = min(2, os.cpu_count() or 1) if bulk else 1
        while True:
            try:
                raw = index.writer(heap_size=heap, num_threads=threads)
                break
            except ValueError as error:
                if "LockBusy" not in str(error):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexLocked(
                        f"Another process is writing the index at {self.path}."
                    ) from error
                time.sleep(0.02)
        writer = Writer(self, raw, bulk)
        committed = False
        try:
            yield writer
            if writer.dirty:
                raw.commit()
                committed = True
                index.reload()
        except BaseException:
            raw.rollback()
            raise
        finally:
            # A commit may start a merge, and dropping the writer abandons it. A bulk write
            # waits for its merges. A small one does not: once enough small segments have
            # piled up on top of those the last merge left, its writer finishes the merge in
            # the background (tantivy's merge policy may pull large segments into it, which
            # takes seconds), so an editor's save never waits for one.
            writer.raw = None
            segments = index.searcher().num_segments
            if self._settled_segments is None:
                self._settled_segments = segments
            if bulk:
                self._finish_merges(raw)
            elif committed and segments > self._settled_segments + MERGE_AFTER_SEGMENTS:
                self._merging = threading.Thread(
                    target=self._merge_in_background, args=(raw,), name="tantivy-merge", daemon=True
                )
                self._merging.start()
            # Otherwise the writer is dropped here, which releases tantivy's lock.
            raw = None

    @property
    def merging(self):
        """Whether a background thread of this process is finishing a merge."""
        thread = self._merging
        return thread is not None and thread.is_alive()

    def _merge_in_background(self, raw):
        self._finish_merges(raw)
        self._merging = None  # the lock is free: writers need not wait for this thread
        merged.send(sender=type(self), backend=self)

    def _finish_merges(self, raw):
        """Let the writer's merges end (tantivy releases the GIL meanwhile), then drop it."""
        try:
            raw.wait_merging_threads()
        except Exception:
            log.exception("Merging segments of the index at %s failed.", self.path)
        finally:
            self.index.reload()
            self._settled_segments = self.index.searcher().num_segments

    def update(self, index, iterable, commit=True):
        with self.writer() as writer:
            writer.add(index, iterable)

    def remove(self, obj_or_string, commit=True):
        with self.writer() as writer:
            writer.remove([get_identifier(obj_or_string)])

    def clear(self, models=None, commit=True):
        with self.writer() as writer:
            writer.clear(models)

    @property
    def checkpoint(self):
        """The checkpoint stored with the index's current commit, or None."""
        searcher = self.searcher()
        hits = searcher.search(self.compiler.term(ID, META_ID), 1, count=False).hits
        if not hits:
            return None
        return searcher.doc(hits[0][1]).get_first(CHECKPOINT_FIELD)

    # -- reading

    @log_query
    def search(self, query_string, **kwargs):
        compiled = self._compile(query_string, kwargs)
        return self._run(compiled, **kwargs)

    def _compile(self, query, options):
        self.index  # noqa: B018  (sets up the compiler)
        if isinstance(query, str):
            # raw_search() and plain strings: read as haystack's auto_query.
            query = Leaf("content", "content", AutoQuery(query)) if query.strip() else MATCH_ALL
        return self.compiler.compile(
            query, options.get("models"), options.get("narrow_queries") or ()
        )

    def _run(
        self,
        compiled,
        start_offset=0,
        end_offset=None,
        sort_by=None,
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        result_class=None,
        exclude=None,
        **_ignored,
    ):
        searcher = self.searcher()
        query = compiled.query
        if exclude is not None:
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.MustNot, exclude)]
            )
        limit = max(0, (end_offset if end_offset is not None else start_offset + 20) - start_offset)
        order = self._order(sort_by)
        wants_facets = bool(facets or date_facets or query_facets)
        if wants_facets:
            # Facets visit every match anyway, and count them on the way: meanwhile (tantivy
            # releases the GIL) this thread takes the top hits without counting, which lets
            # tantivy skip blocks of documents that cannot make the top.
            counting = _POOL.submit(
                self._facets, searcher, query, facets, date_facets, query_facets
            )
        found = searcher.search(
            query, max(limit, 1), count=not wants_facets, offset=start_offset, **order
        )
        highlighter = None
        if highlight:
            options = highlight if isinstance(highlight, dict) else {}
            options = {key: options[key] for key in HIGHLIGHT_OPTIONS if key in options}
            highlighter = Highlighter(self.analyzer, compiled.highlight_terms, **options)
        results = [
            self._result(searcher, score, address, result_class, highlighter, bool(order))
            for score, address in found.hits[:limit]
        ]
        facet_counts, total = counting.result() if wants_facets else ({}, found.count)
        return {
            "results": results,
            "hits": total,
            "facets": facet_counts,
            "spelling_suggestion": None,
        }

    def _order(self, sort_by):
        for name in sort_by or []:
            descending = name.startswith("-")
            name = name.lstrip("-")
            if name == "score":
                return {}
            spec = self.specs.get(name)
            if spec is None or not spec.sortable:
                raise SearchBackendError(f"The index cannot sort by '{name}'.")
            # tantivy orders by one fast field; later keys are ignored.
            return {
                "order_by_field": name,
                "order": tantivy.Order.Desc if descending else tantivy.Order.Asc,
            }
        return {}

    def _result(self, searcher, score, address, result_class, highlighter, sorted_by_field):
        document = searcher.doc(address).to_dict()
        app_label, model_name = document[DJANGO_CT][0].split(".")
        fields = {}
        for name, values in document.items():
            spec = self.specs.get(name)
            if spec is None or name in (DJANGO_CT, DJANGO_ID):
                continue
            values = [_from_index(spec, value) for value in values]
            fields[name] = values if spec.multivalued else values[0]
        if highlighter is not None:
            text = fields.get(self.content_field, "") or ""
            snippets = highlighter.snippets(text) or [highlighter.lead(text)]
            fields["highlighted"] = {self.content_field: [snippet.html for snippet in snippets]}
            fields["snippets"] = snippets
        result_class = result_class or SearchResult
        return result_class(
            app_label,
            model_name,
            document[DJANGO_ID][0],
            0.0 if sorted_by_field else score,
            **fields,
        )

    def _facets(self, searcher, query, facets, date_facets, query_facets):
        """(haystack's facet counts, the number of matches) in one pass over the matches."""
        # Every document has exactly one django_ct: its buckets add up to the matches.
        aggregations = {TOTAL: {"terms": {"field": DJANGO_CT, "size": 1000}}}
        for name, options in (facets or {}).items():
            size = int(options.get("limit") or options.get("size") or 100)
            aggregations[name] = {"terms": {"field": name, "size": size}}
        buckets = {}
        for name, options in (date_facets or {}).items():
            buckets[name] = _date_buckets(options)
            aggregations[name] = {
                "range": {
                    "field": name,
                    "ranges": [{"from": low, "to": high} for _start, low, high in buckets[name]],
                }
            }
        raw = searcher.aggregate(query, aggregations)
        total = sum(bucket["doc_count"] for bucket in raw[TOTAL]["buckets"])
        result = {"fields": {}, "dates": {}, "queries": {}}
        for name in facets or {}:
            result["fields"][name] = [
                (bucket["key"], bucket["doc_count"])
                for bucket in raw[name]["buckets"]
                if bucket["doc_count"]
            ]
        for name, ranges in buckets.items():
            counts = {
                (bucket.get("from"), bucket.get("to")): bucket["doc_count"]
                for bucket in raw[name]["buckets"]
            }
            result["dates"][name] = [
                (start, counts.get((float(low), float(high)), 0)) for start, low, high in ranges
            ]
        for name, value in query_facets or []:
            facet_query = self.compiler.compile(_facet_leaf(name, value)).query
            both = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.Must, facet_query)]
            )
            result["queries"][f"{name}:{value}"] = searcher.search(both, 1, count=True).count
        return result, total

    def matching_ids(self, query, models=None):
        """The django_id of every document matching ``query`` (a tree or a string), unranked."""
        compiled = self._compile(query, {"models": models})
        searcher = self.searcher()
        total = searcher.search(compiled.query, 1, count=True).count
        if not total:
            return []
        hits = searcher.search(compiled.query, total, count=False).hits
        return [searcher.doc(address).get_first(DJANGO_ID) for _score, address in hits]

    def more_like_this(
        self,
        model_instance,
        additional_query_string=None,
        start_offset=0,
        end_offset=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ):
        """Documents sharing the most characteristic words (by tf·idf) of ``model_instance``."""
        self.index  # noqa: B018
        searcher = self.searcher()
        identifier = get_identifier(model_instance)
        own = self.compiler.term(ID, identifier)
        hits = searcher.search(own, 1, count=False).hits
        if not hits:
            return {"results": [], "hits": 0}
        text = searcher.doc(hits[0][1]).get_first(self.content_field) or ""
        terms = self._characteristic_terms(searcher, text)
        if not terms:
            return {"results": [], "hits": 0}
        similar = tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.boost_query(self.compiler.term(self.content_field, word), weight),
                )
                for word, weight in terms
            ]
        )
        tree = (
            additional_query_string
            if additional_query_string not in (None, "", MATCH_ALL)
            else None
        )
        compiled = self.compiler.compile(tree, models or [type(model_instance)])
        compiled.query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, compiled.query), (tantivy.Occur.Must, similar)]
        )
        return self._run(
            compiled,
            start_offset=start_offset,
            end_offset=end_offset,
            result_class=result_class,
            exclude=own,
        )

    def _characteristic_terms(self, searcher, text):
        counts = {}
        # bulk: the fast tokeniser where the analyser has one; the same words either way.
        for word in self.analyzer.words(text, bulk=True):
            if len(word.text) > 1 and not word.text.isdigit():
                counts[word.text] = counts.get(word.text, 0) + 1
        total = max(searcher.num_docs, 1)
        scored = []
        for word, count in counts.items():
            frequency = searcher.doc_freq(self.content_field, word)
            if frequency < 2 or (total >= 20 and frequency > total // 2):
                continue  # only in this document, or in too many to tell anything
            scored.append((count * _idf(total, frequency), word))
        scored.sort(reverse=True)
        return [(word, round(weight, 3)) for weight, word in scored[:MLT_TERMS]]

    def build_schema(self, fields):
        return build_schema(field_specs(fields))

    def prep_value(self, value):
        return value

    def kwic(self, text, terms, width=30):
        """Keyword-in-context lines of ``text`` for ``terms``."""
        return Highlighter(self.analyzer, terms).concordance(text, width=width)


class Writer:
    """One batch of changes, committed together by `TantivySearchBackend.writer`."""

    def __init__(self, backend, raw, bulk):
        self.raw = raw
        self.builder = DocumentBuilder(backend.specs, backend.analyzer, bulk=bulk)
        self.added = 0
        self.dirty = False

    def add(self, index, objects, replace=True):
        """Index ``objects``; ``replace=False`` skips the delete when the index was just cleared."""
        for obj in objects:
            try:
                prepared = index.full_prepare(obj)
            except SkipDocument:
                continue
            if replace:
                self.raw.delete_documents_by_term(ID, prepared[ID])
            self.raw.add_document(self.builder.build(prepared))
            self.added += 1
            self.dirty = True

    def remove(self, identifiers):
        for identifier in identifiers:
            self.raw.delete_documents_by_term(ID, identifier)
            self.dirty = True

    def clear(self, models=None):
        self.dirty = True
        if models is None:
            self.raw.delete_all_documents()
            return
        for model in models:
            self.raw.delete_documents_by_term(DJANGO_CT, get_model_ct(model))

    def set_checkpoint(self, value):
        self.dirty = True
        self.raw.delete_documents_by_term(ID, META_ID)
        if value is not None:
            self.raw.add_document(checkpoint_document(value))


def _from_index(spec, value):
    if spec.kind == STORED:
        return bytes(value).decode()
    if spec.kind == DATE and isinstance(value, datetime.datetime):
        if spec.haystack_type == "date":
            return value.date()
        return value.replace(tzinfo=datetime.UTC)
    return value


def _idf(total, frequency):
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))


_FIXED_GAPS = {
    "day": datetime.timedelta(days=1),
    "hour": datetime.timedelta(hours=1),
    "minute": datetime.timedelta(minutes=1),
    "second": datetime.timedelta(seconds=1),
}


def _step(moment, gap_by, amount):
    if gap_by in _FIXED_GAPS:
        return moment + _FIXED_GAPS[gap_by] * amount
    months = amount * (12 if gap_by == "year" else 1)
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _date_buckets(options):
    """(bucket start, from, to) in tantivy's nanoseconds for a haystack date facet."""
    start = to_datetime(options["start_date"])
    end = to_datetime(options["end_date"])
    gap_by, amount = options["gap_by"], int(options.get("gap_amount", 1))
    buckets = []
    while start < end and len(buckets) < 10_000:
        following = min(_step(start, gap_by, amount), end)
        buckets.append((start, _nanos(start), _nanos(following)))
        start = following
    return buckets


def _nanos(moment):
    return calendar.timegm(moment.timetuple()) * 1_000_000_000


def _facet_leaf(name, value):
    return Leaf(name, "exact", value)
