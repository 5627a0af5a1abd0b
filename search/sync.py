"""Keeping the search index in step with the database, through the change log.

The database is the source of truth; the index is a copy on local disk that
records, as its checkpoint, the id of the last change-log row it reflects.

- After a transaction that changed articles commits, `catch_up` applies the
  new rows at once (`articles.changes.changes_committed`).
- Before a search, `ensure_fresh` compares the newest row with the
  checkpoint (one indexed query) and catches up if it is behind, so an edit
  is searchable at once from any worker, and a change whose process died
  between its commit and the index write is replayed.
- A rolled-back edit never wrote a row, so it never reaches the index.
- tantivy allows one writer per index: a process that cannot get the lock
  within a moment leaves the work to the holder or to the next search. A
  process whose own writer is finishing a merge in the background leaves it to
  that thread, which catches up as soon as the merge ends.
"""

import logging
import time

from django.db import DatabaseError, transaction
from django.db import connections as db_connections
from haystack import connections
from haystack.utils import get_model_ct

from articles import changes
from articles.models import Article

from . import tokenize
from .backends.tantivy import IndexLocked
from .backends.tantivy.query import Leaf
from .models import DictionaryWord

log = logging.getLogger(__name__)

# A search request applies at most this many changes before answering; a
# larger backlog (a bulk import without a rebuild) is left to update_index.
REQUEST_BATCH = 200
COMMIT_BATCH = 1000
REQUEST_LOCK_TIMEOUT = 0.2
# An editor's save waits this long for another process's writer before leaving its change.
SAVE_LOCK_TIMEOUT = 0.5
# After finding the writer busy, searches skip catching up for this many seconds.
BUSY_BACKOFF = 2.0
_writer_busy_until = 0.0


def backend():
    return connections["default"].get_backend()


def article_index():
    return connections["default"].get_unified_index().get_index(Article)


def ensure_fresh():
    """Make sure the index reflects every committed change; cheap when it already does."""
    latest = changes.latest_id()
    index = backend()
    if latest <= (index.checkpoint or 0):
        return True
    index.reload()
    if latest <= (index.checkpoint or 0):
        refresh_dictionary()
        return True
    if index.merging or time.monotonic() < _writer_busy_until:
        return False  # someone else is writing (a rebuild?): do not make every search wait
    return catch_up(REQUEST_BATCH, lock_timeout=REQUEST_LOCK_TIMEOUT) >= latest


def catch_up(limit=COMMIT_BATCH, lock_timeout=None, bulk=False, index=None):
    """Apply up to ``limit`` pending changes (all of them if None); return the checkpoint reached.

    ``bulk`` indexes with the fast tokeniser and a larger writer, for backlogs. ``index`` is
    the backend to write with (haystack keeps one per thread; by default, this thread's).
    """
    global _writer_busy_until
    index = index or backend()
    try:
        with index.writer(timeout=lock_timeout, bulk=bulk) as writer:
            index.reload()  # another process may have caught up while we waited
            start = index.checkpoint or 0
            rows = list(changes.pending(start, limit).values_list("id", "article_id"))
            if not rows:
                return start
            refresh_dictionary()
            apply(writer, sorted({article_id for _id, article_id in rows}))
            writer.set_checkpoint(rows[-1][0])
        return rows[-1][0]
    except IndexLocked:
        if not index.merging:  # this process knows when its own merge ends
            _writer_busy_until = time.monotonic() + BUSY_BACKOFF
        log.info("The index is being written by another process; leaving the changes to it.")
        index.reload()
        return index.checkpoint or 0


def apply(writer, article_ids, batch_size=500):
    """Write the current state of these articles: indexed if published, removed otherwise."""
    search_index = article_index()
    for start in range(0, len(article_ids), batch_size):
        batch = article_ids[start : start + batch_size]
        articles = list(search_index.index_queryset().filter(pk__in=batch))
        gone = set(batch) - {article.pk for article in articles}
        writer.remove(f"{get_model_ct(Article)}.{pk}" for pk in sorted(gone))
        writer.add(search_index, articles)


def on_changes_committed(sender, bulk=False, **kwargs):
    # Runs after the editor's transaction committed: a failure here must not
    # turn a saved edit into an error page. The change stays in the log.
    if not bulk and backend().merging:
        return  # caught up by after_merge
    try:
        catch_up(
            limit=None if bulk else COMMIT_BATCH,
            lock_timeout=60 if bulk else SAVE_LOCK_TIMEOUT,
            bulk=bulk,
        )
    except Exception:
        log.exception("Could not apply committed changes to the search index; they stay pending.")


def rebuild(batch_size=500, progress=None):
    """Index every article again in one commit; readers see the old index until it lands."""
    search_index = article_index()
    start = changes.latest_id()
    refresh_dictionary()
    queryset = search_index.index_queryset().order_by("pk")
    with backend().writer(bulk=True, timeout=60) as writer:
        writer.clear()
        last = 0
        while True:
            batch = list(queryset.filter(pk__gt=last)[:batch_size])
            if not batch:
                break
            writer.add(search_index, batch, replace=False)
            last = batch[-1].pk
            if progress:
                progress(len(batch))
        writer.set_checkpoint(start)
    return writer.added


_loaded_words = None


def warm_up():
    """Load jieba and the editors' dictionary words before gunicorn forks its workers."""
    tokenize.warm_up()
    try:
        refresh_dictionary()
    except DatabaseError:
        log.warning("The dictionary words could not be read (is the database migrated?).")
    finally:
        # Connections must not be shared with the forked workers.
        db_connections.close_all()


def refresh_dictionary():
    """Load the editors' dictionary words into jieba when they changed."""
    global _loaded_words
    words = frozenset(DictionaryWord.objects.values_list("word", flat=True))
    if words != _loaded_words:
        tokenize.set_user_words(words)
        _loaded_words = words


def articles_containing(word):
    """Ids of indexed articles whose text contains ``word``, to re-tokenise them."""
    query = Leaf("content", "exact", word)
    return [int(pk) for pk in backend().matching_ids(query, models=[Article])]


def record_dictionary_change(word):
    """Re-tokenise the articles that contain ``word`` once this transaction commits."""
    ids = articles_containing(word)
    transaction.on_commit(refresh_dictionary)
    changes.record(ids, reason="dictionary")


def after_merge(sender, backend, **kwargs):
    """Apply what was left to a merge finished in the background (runs in its thread)."""
    try:
        catch_up(lock_timeout=REQUEST_LOCK_TIMEOUT, index=backend)
    except Exception:
        log.exception("Could not apply committed changes to the search index; they stay pending.")
    finally:
        db_connections.close_all()  # this thread's own connections
