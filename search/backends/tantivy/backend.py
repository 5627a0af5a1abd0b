"""A django-haystack search backend for tantivy.

Options (in ``HAYSTACK_CONNECTIONS``):

- ``PATH``: the directory that holds the index generations (required; see store.py);
- ``ANALYZER``: dotted path of the analyser class (see analysis.py);
- ``WRITER_HEAP``: bytes of memory for an index writer (default 50 MB; four times that in bulk);
- ``LOCK_TIMEOUT``: seconds a write waits for another writer (default 2);
- ``RESCORE_FIELD``, ``RESCORE_WINDOW``, ``RESCORE_MIN_MATCHES``: when every word of a query's
  boost for words close together occurs in at least ``RESCORE_MIN_MATCHES`` documents (default
  20,000), only the best ``RESCORE_WINDOW`` (200) of the query without that boost are ranked
  again with it, found again by ``RESCORE_FIELD`` (``content_hash``, an integer field every
  document holds); without that field, the whole query is scored;
- ``SILENTLY_FAIL``: as in haystack, log failed searches and writes instead of raising
  (default True). Errors no retry can mend (an unsupported lookup, an index built for another
  schema) are always raised.

**Reading.** Before each search the backend checks, with two ``stat`` calls, whether
``CURRENT`` names another generation and whether the generation has a new commit, and opens or
reloads it. A worker therefore sees a rebuild or an indexer's commit on its next request.

**Writing.** haystack's ``update``, ``remove`` and ``clear`` go through a `Writer`, which holds
the generation's writer lock. With ``commit=False`` the writer stays open with the pending
changes until a later call with ``commit=True``, or `commit`.

**Beyond haystack**, the capabilities the search layer uses (see search/capabilities.py):
`index_state`, `open_writer` and `new_generation` (a change-log checkpoint committed with the
documents, and rebuilds beside the live index), `scan` (every document's id and chosen fields),
`snippets` and `concordance` (matches marked on the original characters).
"""

import calendar
import datetime
import json
import logging
import math
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import tantivy
from django.utils.module_loading import import_string
from haystack import connections
from haystack.backends import BaseSearchBackend, log_query
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError
from haystack.models import SearchResult
from haystack.utils import get_identifier

from ..analysis import SimpleAnalyzer
from ..common import (
    WritesThroughWriter,
    facet_aggregations,
    facet_counts,
    facets_within,
    sort_keys,
)
from ..errors import IndexSchemaMismatch
from ..highlight import MarksText
from .query import Compiler, UnsupportedLookup
from .schema import (
    DATE,
    FLOAT,
    INTEGER,
    META_ID,
    STATE_FIELD,
    STORED,
    TEXT,
    build_schema,
    field_specs,
    fingerprint,
    tokenizers,
)
from .sorting import rescored_hits, sorted_hits
from .store import Store
from .writer import Writer

log = logging.getLogger(__name__)

SCHEMA_FILE = "schema.json"
MLT_TERMS = 25
TOTAL = "_total"
_EMPTY = {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}


class TantivySearchBackend(MarksText, WritesThroughWriter, BaseSearchBackend):
    def __init__(self, connection_alias, **options):
        super().__init__(connection_alias, **options)
        if "PATH" not in options:
            raise SearchBackendError(
                f"The tantivy connection '{connection_alias}' needs a 'PATH' option."
            )
        self.store = Store(options["PATH"])
        self.writer_heap = int(options.get("WRITER_HEAP", 50_000_000))
        self.lock_timeout = float(options.get("LOCK_TIMEOUT", 2.0))
        # Boosts for words close together cost a phrase scored on every match: above
        # RESCORE_MIN_MATCHES (articles holding the rarest of the words), only the best
        # RESCORE_WINDOW of the plain ranking are ranked again with them (see _ranked).
        self.rescore_field = options.get("RESCORE_FIELD", "content_hash")
        self.rescore_window = int(options.get("RESCORE_WINDOW", 200))
        self.rescore_min_matches = int(options.get("RESCORE_MIN_MATCHES", 20_000))
        analyzer = options.get("ANALYZER")
        self.analyzer = import_string(analyzer)() if analyzer else SimpleAnalyzer()
        self._setup_lock = threading.Lock()
        self._ready = False
        self._index = None  # the current generation, open
        self._generation = None
        self._signature = None  # of the generation's meta.json when it was last loaded
        self._state = None  # (generation, checkpoint, meta) of the loaded commit
        self._pending = None  # the writer holding changes made with commit=False
        self._pool = None

    @property
    def path(self):
        return self.store.root

    # -- setup

    def setup(self):
        with self._setup_lock:
            if self._ready:
                return
            unified = connections[self.connection_alias].get_unified_index()
            self.specs = field_specs(unified.all_searchfields())
            if not any(spec.kind == TEXT for spec in self.specs.values()):
                raise SearchBackendError("No text fields were found in any search index.")
            self.content_field = unified.document_field
            self.schema = build_schema(self.specs)
            self.fingerprint = fingerprint(self.specs)
            self.compiler = Compiler(
                self.schema,
                self.specs,
                self.analyzer,
                self.content_field,
                held=unified.get_indexed_models(),
            )
            self._ready = True

    def _configure(self, index):
        for name, analyzer in tokenizers().items():
            index.register_tokenizer(name, analyzer)
        index.config_reader("manual")
        return index

    def _open(self, name):
        path = self.store.path(name)
        try:
            found = json.loads((path / SCHEMA_FILE).read_text())["fingerprint"]
        except (OSError, ValueError, KeyError):
            found = None
        if found != self.fingerprint:
            raise IndexSchemaMismatch(
                f"The search index at {path} was built for other fields. "
                "Run `manage.py rebuild_index` (or start the indexer) to build it again."
            )
        try:
            index = tantivy.Index(self.schema, path=str(path), reuse=True)
        except ValueError as error:
            raise IndexSchemaMismatch(
                f"The search index at {path} cannot be opened ({error}). "
                "Run `manage.py rebuild_index` to build it again."
            ) from error
        return self._configure(index)

    def refresh(self):
        """Follow CURRENT and the generation's commits; return the open index, or None."""
        if not self._ready:
            self.setup()
        name = self.store.current()
        if name != self._generation:
            self._index, self._generation = None, None
            self._signature = self._state = None
            if name is not None:
                self._index = self._open(name)
                self._generation = name
        if self._index is None:
            return None
        try:
            stat = os.stat(self.store.path(name) / "meta.json")
            signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            signature = None
        if signature != self._signature:
            self._index.reload()
            self._signature = signature
            self._state = None
        return self._index

    def searcher(self):
        index = self.refresh()
        return index.searcher() if index is not None else None

    # -- the index's state (a capability: see search/capabilities.py)

    def index_state(self):
        """(generation, checkpoint, meta) of the commit readers see; (None, None, {}) if none.

        ``meta`` is what the last writer stored with `Writer.set_state`; ``checkpoint`` is
        its ``"checkpoint"`` entry.
        """
        index = self.refresh()
        if self._state is None:
            meta = {}
            if index is not None:
                searcher = index.searcher()
                hits = searcher.search(self.compiler.term(ID, META_ID), 1, count=False).hits
                if hits:
                    raw = searcher.doc(hits[0][1]).get_first(STATE_FIELD)
                    meta = json.loads(bytes(raw)) if raw else {}
            self._state = (self._generation, meta.get("checkpoint"), meta)
        return self._state

    # -- writing

    def open_writer(self, timeout=None, bulk=False):
        """A `Writer` on the current generation (made, empty, if there is none); close it."""
        if self.refresh() is None:
            with self.new_generation():
                pass
        locks = ExitStack()
        try:
            while True:
                generation = self._generation
                wait = self.lock_timeout if timeout is None else timeout
                locks.enter_context(self.store.writer_lock(generation, wait))
                index = self.refresh()  # see what the last holder committed
                if self._generation == generation:
                    break
                locks.close()  # a rebuild switched generations while this one waited
            state = self.index_state()[2]
        except BaseException:
            locks.close()
            raise
        return Writer(self, index, generation, locks, bulk=bulk, state=state)

    @contextmanager
    def new_generation(self):
        """A `Writer` on a new, empty generation, which becomes current when the block succeeds.

        Readers keep the current generation until then; a failed block leaves no trace.
        """
        self.setup()
        name = self.store.create()
        path = self.store.path(name)
        try:
            (path / SCHEMA_FILE).write_text(json.dumps({"fingerprint": self.fingerprint}))
            index = self._configure(tantivy.Index(self.schema, path=str(path), reuse=False))
            locks = ExitStack()
            locks.enter_context(self.store.writer_lock(name, 0))
            writer = Writer(self, index, name, locks, bulk=True)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        try:
            yield writer
            writer.dirty = True  # an empty generation is committed too
            writer.commit()
        except BaseException:
            writer.close()
            shutil.rmtree(path, ignore_errors=True)
            raise
        writer.close(wait_merges=True)
        self.store.switch(name)
        self.store.prune()
        self.refresh()

    def prune(self):
        """Delete the generations no reader needs and no writer holds."""
        return self.store.prune()

    # -- reading

    @log_query
    def search(self, query_string, **kwargs):
        try:
            index = self.refresh()
            if index is None:
                return dict(_EMPTY)
            compiled = self.compiler.compile(
                query_string,
                kwargs.get("models"),
                kwargs.get("narrow_queries") or (),
                kwargs.get("boost"),
            )
            return self._run(index.searcher(), compiled, **kwargs)
        except (UnsupportedLookup, IndexSchemaMismatch):
            raise
        except Exception:
            if not self.silently_fail:
                raise
            log.exception("Searching the index at %s failed.", self.path)
            return dict(_EMPTY)

    def _run(
        self,
        searcher,
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
        query, plain = compiled.query, compiled.plain
        if exclude is not None:
            query, plain = (
                tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, each), (tantivy.Occur.MustNot, exclude)]
                )
                if each is not None
                else None
                for each in (query, plain)
            )
        limit = max(0, (end_offset if end_offset is not None else start_offset + 20) - start_offset)
        wants_facets = bool(facets or date_facets or query_facets)
        if wants_facets:
            # Facets visit every match anyway, and count them on the way: meanwhile (tantivy
            # releases the GIL) this thread takes the top hits without counting, which lets
            # tantivy skip blocks of documents that cannot make the top.
            # The plain query matches the same documents, with nothing to score.
            counting = self._facet_pool().submit(
                self._facets,
                searcher,
                query if plain is None else plain,
                facets,
                date_facets,
                query_facets,
            )
        keys = sort_keys(self.specs, sort_by)
        hits, total = self._ranked(
            searcher, compiled, query, plain, keys, start_offset, limit, count=not wants_facets
        )
        highlighter = self.result_highlighter(highlight, compiled.highlight_terms)
        by_field = bool(keys) and keys[0].spec is not None
        results = [
            self._result(searcher, score, address, result_class, highlighter, by_field)
            for score, address in hits
        ]
        facet_counts, total = counting.result() if wants_facets else ({}, total)
        return {
            "results": results,
            "hits": total,
            "facets": facet_counts,
            "spelling_suggestion": None,
        }

    def _ranked(self, searcher, compiled, query, plain, keys, offset, limit, count):
        """The page's (score or sort value, address) and the number of matches, or None.

        Ranked by relevance, a query whose words are common ranks its plain query's best
        ``rescore_window`` documents again with the boosts for words close together, instead of
        scoring that phrase on every match: at a million articles, two common words ANDed took
        100 ms with the phrase on all 627,511 matches, 36 ms without it (bench/FINDINGS.md).
        A document outside the window ranks by its words alone; a page beyond the window, or
        words rarer than ``rescore_min_matches``, take the whole query as it is.
        """
        by_relevance = not keys or (len(keys) == 1 and keys[0].spec is None)
        if (
            plain is not None
            and by_relevance
            and offset + limit <= self.rescore_window
            and self._rescorable()
            and self._common(searcher, compiled.proximity)
        ):
            rescored = rescored_hits(
                searcher,
                plain,
                query,
                self.compiler,
                self.rescore_field,
                self.rescore_window,
                count,
            )
            if rescored is not None:
                hits, total = rescored
                return hits[offset : offset + limit], total
        return sorted_hits(searcher, query, keys, offset, limit, self.compiler, count=count)

    def _rescorable(self):
        """Whether the index has the integer field that finds documents again for a rescore."""
        spec = self.specs.get(self.rescore_field)
        return spec is not None and spec.kind == INTEGER

    def _common(self, searcher, proximity):
        """Whether every word of some boost occurs in at least rescore_min_matches documents."""
        return any(
            min(searcher.doc_freq(field_name, word) for word in words) >= self.rescore_min_matches
            for field_name, words in proximity
        )

    def _facet_pool(self):
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tantivy-facets")
        return self._pool

    def _result(self, searcher, score, address, result_class, highlighter, sorted_by_field):
        document = searcher.doc(address).to_dict()
        app_label, model_name = document[DJANGO_CT][0].split(".")
        fields = {}
        for name, values in document.items():
            spec = self.specs.get(name)
            if spec is None or name in (DJANGO_CT, DJANGO_ID):
                continue
            values = [from_index(spec, value) for value in values]
            fields[name] = values if spec.multivalued else values[0]
        if highlighter is not None:
            fields["highlighted"] = self.highlighted(highlighter, fields)
        result_class = result_class or SearchResult
        return result_class(
            app_label,
            model_name,
            document[DJANGO_ID][0],
            0.0 if sorted_by_field else score,
            **fields,
        )

    def _facets(self, searcher, query, facets, date_facets, query_facets):
        """(haystack's facet counts, the number of matches) in one pass over the matches, and a
        second for the facets bounded by ``max_matches`` when the matches are few enough."""
        facets = facets or {}
        unbounded = {
            name: options for name, options in facets.items() if "max_matches" not in options
        }
        aggregations, buckets = facet_aggregations(unbounded, date_facets, _nanos)
        # Every document has exactly one django_ct: its buckets add up to the matches.
        aggregations[TOTAL] = {"terms": {"field": DJANGO_CT, "size": 1000}}
        raw = searcher.aggregate(query, aggregations)
        total = sum(bucket["doc_count"] for bucket in raw[TOTAL]["buckets"])
        counted, uncounted = facets_within(facets, total)
        later = {name: options for name, options in counted.items() if name not in unbounded}
        if later:
            raw |= searcher.aggregate(query, facet_aggregations(later, None, _nanos)[0])
        result = facet_counts(raw, counted, buckets, uncounted)
        for name, value in query_facets or []:
            both = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, query),
                    (tantivy.Occur.Must, self.compiler.lookup(name, "exact", value)),
                ]
            )
            result["queries"][f"{name}:{value}"] = searcher.search(both, 1, count=True).count
        return result, total

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
        searcher = self.searcher()
        if searcher is None:
            return {"results": [], "hits": 0}
        identifier = get_identifier(model_instance)
        own = self.compiler.term(ID, identifier)
        hits = searcher.search(own, 1, count=False).hits
        if not hits:
            return {"results": [], "hits": 0}
        text = searcher.doc(hits[0][1]).get_first(self.content_field) or ""
        terms = self._characteristic_terms(searcher, text)
        if not terms:
            return {"results": [], "hits": 0}
        words = self.specs[self.content_field].words
        similar = tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.boost_query(self.compiler.term(words, word), weight),
                )
                for word, weight in terms
            ]
        )
        compiled = self.compiler.compile(additional_query_string, models or [type(model_instance)])
        compiled.query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, compiled.query), (tantivy.Occur.Must, similar)]
        )
        return self._run(
            searcher,
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
            frequency = searcher.doc_freq(self.specs[self.content_field].words, word)
            if frequency < 2 or (total >= 20 and frequency > total // 2):
                continue  # only in this document, or in too many to tell anything
            scored.append((count * _idf(total, frequency), word))
        scored.sort(reverse=True)
        return [(word, round(weight, 3)) for weight, word in scored[:MLT_TERMS]]

    def build_schema(self, fields):
        return build_schema(field_specs(fields))

    def prep_value(self, value):
        return value

    # -- capabilities beyond haystack (see search/capabilities.py)

    def scan(self, models=None, fields=()):
        """(django_id, {field: value}) for every document of ``models``, ordered by django_id.

        Integer and float fields are read from tantivy's columns, without loading documents.
        """
        searcher = self.searcher()
        if searcher is None:
            return
        query = self.compiler.compile(None, models).query
        total = searcher.search(query, 1, count=True).count
        if not total:
            return
        hits = searcher.search(
            query, total, count=False, order_by_field=DJANGO_ID, order=tantivy.Order.Asc
        ).hits
        specs = [self.specs[name] for name in fields]
        for start in range(0, len(hits), 10_000):
            batch = hits[start : start + 10_000]
            addresses = [address for _id, address in batch]
            columns = {}
            for spec in specs:
                if spec.kind in (INTEGER, FLOAT):
                    columns[spec.name] = searcher.fast_field_values(spec.name, addresses)
            for position, (identifier, address) in enumerate(batch):
                values = {name: column[position] for name, column in columns.items()}
                missing = [spec for spec in specs if spec.name not in columns]
                if missing:
                    document = searcher.doc(address)
                    for spec in missing:
                        value = document.get_first(spec.name)
                        values[spec.name] = None if value is None else from_index(spec, value)
                yield identifier, values


def from_index(spec, value):
    if spec.kind == STORED:
        return bytes(value).decode()
    if spec.kind == DATE and isinstance(value, datetime.datetime):
        if spec.haystack_type == "date":
            return value.date()
        return value.replace(tzinfo=datetime.UTC)
    return value


def _idf(total, frequency):
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))


def _nanos(moment):
    return calendar.timegm(moment.timetuple()) * 1_000_000_000
