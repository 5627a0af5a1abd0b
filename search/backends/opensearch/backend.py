"""A django-haystack search backend for OpenSearch, with the archive's analysis and lifecycle.

It extends django-haystack-opensearch's backend (its opensearch-py client and settings), and
replaces what must answer exactly as tantivy does: the mapping (search/backends/opensearch/
mapping.py), the query compiler (query.py: the shared SQ-tree compiler, emitting DSL), the
results, facets and more_like_this.

Options (in ``HAYSTACK_CONNECTIONS``):

- ``URL``: one node's URL, or a list of them (the client spreads requests, and retries on
  another node when one fails);
- ``INDEX_NAME``: the alias readers and writers use; each generation is an index named
  ``<INDEX_NAME>--g<time><random>`` behind it;
- ``SHARDS``, ``REPLICAS``: of a new generation (default 1 and 0);
- ``ANALYZER``: dotted path of the analyser class, as for tantivy (search/backends/analysis.py);
- ``TIMEOUT``, ``KWARGS``: for the opensearch-py client; ``SILENTLY_FAIL`` as in haystack.

**Generations.** A rebuild writes a new index and then moves the alias to it in one
``_aliases`` call, which OpenSearch applies atomically: every web host sees the old
generation until then, the new one after. The index's state (the change-log checkpoint, the
epoch, the dictionary's version) is one document in it, written after each batch's documents
and made visible with them by the same refresh: indexes never refresh on their own
(``refresh_interval: -1``), so readers see whole batches, each with its checkpoint.

**One writer.** As with tantivy, the indexer (``run_indexer``) is the only writer of an index;
on OpenSearch one indexer per index serves every web host.
"""

import datetime
import json
import logging
import secrets
from contextlib import contextmanager

from django.utils.module_loading import import_string
from django_haystack_opensearch.haystack import OpenSearchSearchBackend
from haystack import connections
from haystack.backends import log_query
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct
from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError, OpenSearchException

from ..analysis import SimpleAnalyzer
from ..common import (
    WritesThroughWriter,
    analysed,
    facet_aggregations,
    facet_counts,
    facets_within,
    prepared_documents,
    sort_keys,
)
from ..errors import IndexSchemaMismatch, UnsupportedLookup
from ..fields import META_CT, META_ID, STATE_FIELD, TEXT, field_specs
from ..highlight import MarksText
from .mapping import (
    DocumentBuilder,
    fingerprint,
    from_json,
    index_body,
    state_document,
)
from .query import MUST, MUST_NOT, DslCompiler

log = logging.getLogger(__name__)

BULK_ACTIONS = 1000  # documents per bulk request
MLT_TERMS = 25
SCAN_PAGE = 1000
GENERATION_MARK = "--g"
_EMPTY = {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}


class OpenSearchBackend(MarksText, WritesThroughWriter, OpenSearchSearchBackend):
    def __init__(self, connection_alias, **options):
        # The parent makes a client from URL and KWARGS; this one retries on another node.
        super().__init__(connection_alias, **options)
        urls = options["URL"]
        self.conn = OpenSearch(
            hosts=[urls] if isinstance(urls, str) else list(urls),
            timeout=self.timeout,
            max_retries=3,
            retry_on_timeout=True,
            **options.get("KWARGS", {}),
        )
        self.alias = options["INDEX_NAME"]
        self.shards = int(options.get("SHARDS", 1))
        self.replicas = int(options.get("REPLICAS", 0))
        analyzer = options.get("ANALYZER")
        self.analyzer = import_string(analyzer)() if analyzer else SimpleAnalyzer()
        self._ready = False
        self._checked = None  # the generation whose mapping was found to fit

    @property
    def path(self):
        return None  # nothing on this host

    @property
    def shared_location(self):
        """The index every host shares (see capabilities.location)."""
        return f"opensearch:{self.alias}"

    # -- setup

    def setup(self):
        if self._ready:
            return
        unified = connections[self.connection_alias].get_unified_index()
        self.specs = field_specs(unified.all_searchfields())
        if not any(spec.kind == TEXT for spec in self.specs.values()):
            raise SearchBackendError("No text fields were found in any search index.")
        self.content_field = unified.document_field
        self.fingerprint = fingerprint(self.specs)
        self.compiler = DslCompiler(
            self.specs, self.analyzer, self.content_field, held=unified.get_indexed_models()
        )
        self._ready = True

    def build_schema(self, fields):
        return index_body(field_specs(fields))

    # -- generations

    def generations(self):
        """Every generation of this index, newest first."""
        try:
            found = self.conn.indices.get(index=f"{self.alias}{GENERATION_MARK}*")
        except NotFoundError:
            return []
        return sorted(found, reverse=True)

    def current(self):
        """The generation the alias points to, or None."""
        try:
            found = self.conn.indices.get_alias(name=self.alias)
        except NotFoundError:
            return None
        names = sorted(found)
        return names[-1] if names else None

    def _check(self, generation):
        """Refuse a generation built for other fields: it must be rebuilt, never wiped."""
        if generation is None or generation == self._checked:
            return
        mapping = self.conn.indices.get_mapping(index=generation)[generation]["mappings"]
        if mapping.get("_meta", {}).get("fingerprint") != self.fingerprint:
            raise IndexSchemaMismatch(
                f"The search index {generation} was built for other fields. "
                "Run `manage.py rebuild_index` (or start the indexer) to build it again."
            )
        self._checked = generation

    def index_state(self):
        """(generation, checkpoint, meta) of what readers see; (None, None, {}) if nothing.

        One request: the state document, as of the last refresh, names its index too.
        """
        self.setup()
        try:
            found = self._call(self.conn.get, index=self.alias, id=META_ID, realtime=False)
        except NotFoundError as error:
            generation = (error.info or {}).get("_index") if isinstance(error.info, dict) else None
            self._check(generation)
            return (generation, None, {})
        generation = found["_index"]
        self._check(generation)
        stored = found["_source"].get(STATE_FIELD) or {}
        meta = json.loads(stored["json"]) if "json" in stored else {}
        return (generation, meta.get("checkpoint"), meta)

    def open_writer(self, timeout=None, bulk=False):
        """A `Writer` on the current generation (made, empty, if there is none)."""
        self.setup()
        if self.current() is None:
            with self.new_generation():
                pass
        generation, _checkpoint, meta = self.index_state()
        return Writer(self, generation, state=meta)

    @contextmanager
    def new_generation(self):
        """A `Writer` on a new, empty index; the alias moves to it when the block succeeds."""
        self.setup()
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S%f")
        name = f"{self.alias}{GENERATION_MARK}{stamp}{secrets.token_hex(3)}"
        body = index_body(self.specs, shards=self.shards, replicas=self.replicas)
        self._call(self.conn.indices.create, index=name, body=body)
        writer = Writer(self, name)
        try:
            yield writer
            writer.dirty = True  # an empty generation is committed too
            writer.commit()
            # Every primary shard allocated; replicas follow as the cluster allows.
            self._call(self.conn.cluster.health, index=name, wait_for_status="yellow")
            previous = self.current()
            actions = [{"add": {"index": name, "alias": self.alias}}]
            if previous is not None:
                actions.insert(0, {"remove": {"index": previous, "alias": self.alias}})
            self._call(self.conn.indices.update_aliases, body={"actions": actions})
        except BaseException:
            writer.close()
            self.conn.indices.delete(index=name, ignore_unavailable=True)
            raise
        writer.close()
        self.prune()

    def prune(self):
        """Delete the generations older than the one the alias points to (a newer one may be
        a rebuild still being written)."""
        current = self.current()
        if current is None:
            return []
        old = [name for name in self.generations() if name < current]
        for name in old:
            self.conn.indices.delete(index=name, ignore_unavailable=True)
        return old

    # -- reading

    @log_query
    def search(self, query_string, **kwargs):
        self.setup()
        compiled = self.compiler.compile(
            query_string,
            kwargs.get("models"),
            kwargs.get("narrow_queries") or (),
            kwargs.get("boost"),
        )
        try:
            return self._run(compiled, **kwargs)
        except (UnsupportedLookup, IndexSchemaMismatch):
            raise
        except SearchBackendError:
            if not self.silently_fail:
                raise
            log.exception("Searching %s failed.", self.alias)
            return dict(_EMPTY)

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
        query = compiled.query
        if exclude is not None:
            query = self.compiler.boolean([(MUST, query), (MUST_NOT, exclude)])
        limit = max(0, (end_offset if end_offset is not None else start_offset + 20) - start_offset)
        body = {
            "query": query,
            "from": start_offset,
            "size": limit,
            "track_total_hits": True,
        }
        sort = self._sort(sort_by)
        if sort:
            body["sort"] = sort
        aggregations, buckets = self._aggregations(facets, date_facets, query_facets)
        if aggregations:
            body["aggs"] = aggregations
        try:
            raw = self._call(
                self.conn.search, index=self.alias, body=body, allow_partial_search_results=False
            )
        except NotFoundError:
            return dict(_EMPTY)  # no generation yet
        self._check(_generation_of(raw))
        highlighter = self.result_highlighter(highlight, compiled.highlight_terms)
        by_field = bool(sort) and sort[0] != "_score"
        results = [
            self._result(hit, result_class, highlighter, by_field) for hit in raw["hits"]["hits"]
        ]
        return {
            "results": results,
            "hits": raw["hits"]["total"]["value"],
            "facets": self._facet_counts(
                raw.get("aggregations", {}),
                facets,
                buckets,
                query_facets,
                raw["hits"]["total"]["value"],
            ),
            "spelling_suggestion": None,
        }

    def _sort(self, sort_by):
        return [
            "_score"
            if key.spec is None
            else {key.spec.name: {"order": "desc" if key.descending else "asc"}}
            for key in sort_keys(self.specs, sort_by)
        ]

    def _aggregations(self, facets, date_facets, query_facets):
        aggregations, buckets = facet_aggregations(facets, date_facets, _millis)
        for number, (name, value) in enumerate(query_facets or []):
            aggregations[f"query_{number}"] = {"filter": self.compiler.lookup(name, "exact", value)}
        return aggregations, buckets

    def _facet_counts(self, raw, facets, buckets, query_facets, total):
        if not (facets or buckets or query_facets):
            return {}
        # One request counts every facet; those over their max_matches are left out as tantivy
        # leaves them, so that both engines answer alike.
        counted, uncounted = facets_within(facets, total)
        result = facet_counts(raw, counted, buckets, uncounted)
        for number, (name, value) in enumerate(query_facets or []):
            result["queries"][f"{name}:{value}"] = raw[f"query_{number}"]["doc_count"]
        return result

    def _result(self, hit, result_class, highlighter, sorted_by_field):
        source = hit["_source"]
        app_label, model_name = source[DJANGO_CT].split(".")
        fields = {}
        for name, value in source.items():
            spec = self.specs.get(name)
            if spec is None or name in (DJANGO_CT, DJANGO_ID) or value is None:
                continue
            fields[name] = _value(spec, value)
        if highlighter is not None:
            fields["highlighted"] = self.highlighted(highlighter, fields)
        score = 0.0 if sorted_by_field else (hit.get("_score") or 0.0)
        return (result_class or SearchResult)(
            app_label, model_name, source[DJANGO_ID], score, **fields
        )

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
        """Documents sharing the most characteristic words of ``model_instance``.

        OpenSearch's own more_like_this query picks them (tf·idf, at most 25), from the words
        this project's analyser cuts, on the words field.
        """
        self.setup()
        identifier = get_identifier(model_instance)
        try:
            found = self._call(
                self.conn.search,
                index=self.alias,
                body={"query": {"ids": {"values": [identifier]}}, "size": 1},
            )["hits"]["hits"]
        except NotFoundError:
            return {"results": [], "hits": 0}
        if not found:
            return {"results": [], "hits": 0}
        text = found[0]["_source"].get(self.content_field) or ""
        words = [
            word.text
            for word in self.analyzer.words(text, bulk=True)
            if len(word.text) > 1 and not word.text.isdigit()
        ]
        if not words:
            return {"results": [], "hits": 0}
        content = self.specs[self.content_field]
        similar = {
            "more_like_this": {
                "fields": [content.words],
                "like": " ".join(words),
                "min_term_freq": 1,
                "min_doc_freq": 2,
                "max_query_terms": MLT_TERMS,
            }
        }
        compiled = self.compiler.compile(additional_query_string, models or [type(model_instance)])
        compiled.query = self.compiler.boolean([(MUST, compiled.query), (MUST, similar)])
        return self._run(
            compiled,
            start_offset=start_offset,
            end_offset=end_offset,
            result_class=result_class,
            exclude={"ids": {"values": [identifier]}},
        )

    # -- capabilities beyond haystack (see search/capabilities.py)

    def scan(self, models=None, fields=()):
        """(django_id, {field: value}) for every document of ``models``, ordered by django_id."""
        self.setup()
        if self.current() is None:
            return
        query = self.compiler.compile(None, models).query
        specs = [self.specs[name] for name in fields]
        after = None
        while True:
            body = {
                "query": query,
                "size": SCAN_PAGE,
                "sort": [{DJANGO_ID: "asc"}, {ID: "asc"}],
                "_source": [DJANGO_ID, *fields],
            }
            if after is not None:
                body["search_after"] = after
            hits = self._call(self.conn.search, index=self.alias, body=body)["hits"]["hits"]
            for hit in hits:
                source = hit["_source"]
                yield (
                    source[DJANGO_ID],
                    {spec.name: _value(spec, source.get(spec.name)) for spec in specs},
                )
            if len(hits) < SCAN_PAGE:
                return
            after = hits[-1]["sort"]

    def _call(self, method, **kwargs):
        """One request; the client's errors become haystack's (a 503 page, not a 500)."""
        try:
            return method(**kwargs)
        except NotFoundError:
            raise
        except OpenSearchException as error:
            raise SearchBackendError(f"OpenSearch failed: {error}") from error


class Writer:
    """Bulk writes to one generation; `commit` makes them visible with the index's state.

    The documents go first, then the state document, then one refresh shows both. A crash
    between them leaves the state behind the documents: the indexer applies the batch again,
    which changes nothing. Writes sent before a failure stay written (OpenSearch has no
    rollback); the state never claims them.
    """

    def __init__(self, backend, generation, state=None):
        self.generation = generation
        self._backend = backend
        self._conn = backend.conn
        self._specs, self._analyzer = backend.specs, backend.analyzer
        self.builder = DocumentBuilder(backend.specs)
        self.state = dict(state or {})
        self._actions = []
        self._unrefreshed = False
        self._state_changed = False
        self.added = 0
        self.dirty = False
        self._closed = False

    def add(self, search_index, objects, replace=True):
        """Index ``objects``; a document replaces the one with its id (``replace`` is moot)."""
        self.add_analysed(
            analysed(self._specs, self._analyzer, prepared)
            for prepared in prepared_documents(search_index, objects)
        )

    def add_analysed(self, documents, replace=True):
        """Index documents analysed already (search.backends.common.analysed)."""
        for document in documents:
            identifier = document[0][ID][0]
            self._actions.append({"index": {"_index": self.generation, "_id": identifier}})
            self._actions.append(self.builder.build(document))
            self.added += 1
            self.dirty = True
            if len(self._actions) >= 2 * BULK_ACTIONS:
                self._flush()

    def remove(self, identifiers):
        for identifier in identifiers:
            self._actions.append({"delete": {"_index": self.generation, "_id": identifier}})
            self.dirty = True

    def remove_matching(self, model, field, values):
        """Remove the documents of ``model`` whose ``field`` (a keyword) holds one of ``values``."""
        values = list(values)
        if values:
            compiler = self._backend.compiler
            of_model = compiler.term(DJANGO_CT, get_model_ct(model))
            self._remove_found(
                compiler.boolean([(MUST, of_model), (MUST, compiler.terms(field, values))])
            )

    def clear(self, models=None):
        """Remove every document (of ``models``); the index's state stays."""
        compiler = self._backend.compiler
        if models:
            self._remove_found(compiler.terms(DJANGO_CT, [get_model_ct(m) for m in models]))
        else:
            self._remove_found(compiler.everything_but(compiler.term(DJANGO_CT, META_CT)))

    def _remove_found(self, query):
        """Remove every document ``query`` finds, by id, page by page.

        (``_delete_by_query`` belongs to OpenSearch's reindex module, which a node need not
        have.) A search finds what the last refresh shows: what this writer sent is refreshed
        first.
        """
        self._flush()
        if self._unrefreshed:
            self._backend._call(self._conn.indices.refresh, index=self.generation)
            self._unrefreshed = False
        after = None
        while True:
            body = {"query": query, "size": SCAN_PAGE, "sort": [{ID: "asc"}], "_source": False}
            if after is not None:
                body["search_after"] = after
            found = self._backend._call(self._conn.search, index=self.generation, body=body)
            hits = found["hits"]["hits"]
            for hit in hits:
                self._actions.append({"delete": {"_index": self.generation, "_id": hit["_id"]}})
                self.dirty = True
            if len(hits) < SCAN_PAGE:
                return
            after = hits[-1]["sort"]

    def set_state(self, **values):
        self.state.update(values)
        self._state_changed = self.dirty = True

    def commit(self):
        if not self.dirty:
            return
        self._flush()
        if self._state_changed:
            self._backend._call(
                self._conn.index,
                index=self.generation,
                id=META_ID,
                body=state_document(self.state),
            )
            self._state_changed = False
        self._backend._call(self._conn.indices.refresh, index=self.generation)
        self._unrefreshed = False
        self.dirty = False

    def _flush(self):
        if not self._actions:
            return
        actions, self._actions = self._actions, []
        response = self._backend._call(self._conn.bulk, body=actions, refresh=False)
        self._unrefreshed = True
        if response.get("errors"):
            failed = [
                item
                for entry in response["items"]
                for item in entry.values()
                if item.get("error") and not (item.get("status") == 404 and "delete" in entry)
            ]
            if failed:
                raise SearchBackendError(
                    f"OpenSearch refused {len(failed)} of {len(response['items'])} writes "
                    f"to {self.generation}, the first: {failed[0]['error']}"
                )

    def rollback(self):
        self._actions = []
        self._state_changed = False
        self.dirty = False

    def close(self, wait_merges=False):
        self._actions = []
        self._closed = True

    @property
    def closed(self):
        return self._closed


def _millis(moment):
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


def _value(spec, value):
    """A field of ``_source`` as haystack's SearchResult holds it."""
    if value is None:
        return None
    if spec.multivalued:
        return [from_json(spec, item) for item in (value if isinstance(value, list) else [value])]
    return from_json(spec, value)


def _generation_of(raw):
    """The index a search's hits came from (None without hits)."""
    hits = raw["hits"]["hits"]
    return hits[0]["_index"] if hits else None
