"""Writing a generation: documents and the index's state, committed together."""

import logging
import os
from contextlib import ExitStack

import tantivy
from haystack.constants import DJANGO_CT, ID
from haystack.utils import get_model_ct

from ..common import analysed, prepared_documents
from .schema import META_ID, DocumentBuilder, state_document

log = logging.getLogger(__name__)


class Writer:
    """One tantivy writer on one generation, holding its writer lock until `close`.

    Changes become visible to readers at `commit`, and the state set with `set_state` (the
    change-log checkpoint, say) is committed in the same tantivy commit as the documents, so
    the two can never disagree. tantivy merges segments in the writer's own threads; a
    long-lived writer (the indexer's) lets them run, a bulk one waits for them at `close`.
    """

    def __init__(self, backend, index, generation, locks, bulk=False, state=None):
        self.generation = generation
        self._locks = locks if locks is not None else ExitStack()
        heap = backend.writer_heap * (4 if bulk else 1)
        threads = min(2, os.cpu_count() or 1) if bulk else 1
        try:
            self.raw = index.writer(heap_size=heap, num_threads=threads)
        except BaseException:
            self._locks.close()
            raise
        self._index = index
        self._compiler = backend.compiler
        self._specs, self._analyzer = backend.specs, backend.analyzer
        self.builder = DocumentBuilder(backend.specs)
        self.state = dict(state or {})
        self.added = 0
        self.dirty = False
        self._state_changed = False

    def add(self, search_index, objects, replace=True):
        """Index ``objects``; ``replace=False`` skips the delete when the index was just cleared."""
        self.add_analysed(
            (
                analysed(self._specs, self._analyzer, prepared)
                for prepared in prepared_documents(search_index, objects)
            ),
            replace,
        )

    def add_analysed(self, documents, replace=True):
        """Index documents analysed already (search.backends.common.analysed)."""
        for document in documents:
            if replace:
                self.raw.delete_documents_by_term(ID, document[0][ID][0])
            self.raw.add_document(self.builder.build(document))
            self.added += 1
            self.dirty = True

    def remove(self, identifiers):
        for identifier in identifiers:
            self.raw.delete_documents_by_term(ID, identifier)
            self.dirty = True

    def remove_matching(self, model, field, values):
        """Remove the documents of ``model`` whose ``field`` (a keyword) holds one of ``values``."""
        of_model = self._compiler.term(DJANGO_CT, get_model_ct(model))
        for value in values:
            self.raw.delete_documents_by_query(
                tantivy.Query.boolean_query(
                    [
                        (tantivy.Occur.Must, of_model),
                        (tantivy.Occur.Must, self._compiler.term(field, value)),
                    ]
                )
            )
            self.dirty = True

    def clear(self, models=None):
        """Remove every document (of ``models``); the index's state stays."""
        self.dirty = True
        if models is None:
            self.raw.delete_all_documents()
            self._state_changed = True  # the state document went too: write it again
            return
        for model in models:
            self.raw.delete_documents_by_term(DJANGO_CT, get_model_ct(model))

    def set_state(self, **values):
        self.state.update(values)
        self._state_changed = self.dirty = True

    def commit(self):
        if not self.dirty:
            return
        if self._state_changed:
            self.raw.delete_documents_by_term(ID, META_ID)
            self.raw.add_document(state_document(self.state))
            self._state_changed = False
        self.raw.commit()
        self.dirty = False
        self._index.reload()

    def rollback(self):
        if self.raw is not None and self.dirty:
            self.raw.rollback()
            self.dirty = False

    def close(self, wait_merges=False):
        """Drop the writer (after its merges, if asked) and release the lock."""
        raw, self.raw = self.raw, None
        try:
            if raw is not None and wait_merges:
                raw.wait_merging_threads()
        except Exception:
            log.exception("Merging segments of the generation %s failed.", self.generation)
        finally:
            del raw  # dropping tantivy's writer releases its own lock
            self._locks.close()

    @property
    def closed(self):
        return self.raw is None
