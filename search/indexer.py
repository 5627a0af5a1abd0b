"""The indexer: the search index's only writer, fed by the change log.

``manage.py run_indexer`` runs `Indexer.run`, one process per index (per host, with the
embedded engine). It waits for changes (``LISTEN`` on PostgreSQL, a cheap poll on SQLite),
applies them in batches, and commits each batch to the index together with its checkpoint:
the id of the newest change it reflects. Web workers never write the index.

Before each batch, and every few seconds when idle, it checks that the index can follow the
log, and rebuilds it in a new generation (readers keep the old one meanwhile) when it cannot:

- the index has no checkpoint (a new install);
- it was built from another database (the epoch differs);
- the database was restored from a backup: its record of this index's position is missing or
  behind the index, or its log ends before the index's checkpoint;
- a table was truncated, or one change affects too many articles to apply one by one;
- the index was built for other fields (a deploy that changed the schema).

Its position is written to the database before each commit to the index, so a crash between
the two leaves the position ahead (the batch is applied again, harmlessly), and a database
restored from a backup shows a position behind the index. See docs/search-lifecycle.md.
"""

import logging
import threading
import time

from django.db import connections as databases
from django.db import router
from haystack import connections
from haystack.exceptions import SearchBackendError
from haystack.inputs import Exact
from haystack.query import SearchQuerySet
from haystack.utils import get_model_ct

from articles import changes
from articles.models import Article, Byline, Change, Figure

from . import capabilities, rebuilding, tokenize, words
from .backends.common import prepared_documents
from .search_indexes import figures_of

log = logging.getLogger(__name__)

BATCH = 500  # changes per commit
ARTICLES_PER_READ = 500
# A batch that affects more articles than this (a publication renamed) rebuilds instead.
REBUILD_ABOVE = 50_000
POLL_INTERVAL = 0.1  # seconds between looks at the log where nothing notifies (SQLite)
CHECK_INTERVAL = 5.0  # seconds between checks (and heartbeats) while the log is quiet
LOCK_WAIT = 5.0
MAX_BACKOFF = 30.0


class Indexer:
    def __init__(self, using="default", batch_size=BATCH, location=None):
        self.using = using
        self.engine = capabilities.backend(using)
        # What this index holds: articles (ArticleIndex), their figures (FigureIndex), or both.
        held = connections[using].get_unified_index().get_indexes()
        self.search_index = held.get(Article)
        self.figure_index = held.get(Figure)
        if self.search_index is None and self.figure_index is None:
            raise SearchBackendError(f"The index '{using}' holds neither articles nor figures.")
        # The database the change log lives in (haystack's alias names the index, not this).
        self.database = router.db_for_read(Change)
        self.batch_size = batch_size
        self.location = location or capabilities.location(self.engine)
        self._writer = None
        self.applied = 0  # changes applied by this indexer
        self.indexed = 0  # articles written or removed by it
        self.rebuilds = 0

    # -- state

    def state(self):
        return capabilities.index_state(self.engine)

    def rebuild_reason(self):
        """Why the index cannot follow the log from its checkpoint, or None."""
        try:
            state = self.state()
        except SearchBackendError as error:
            return str(error)
        if state.checkpoint is None:
            return "the index has no checkpoint"
        if state.generation is None:
            return None  # haystack's own API keeps no state: nothing more to compare
        if state.meta.get("epoch") != changes.epoch():
            return "the index was built from another database (the epoch differs)"
        position = changes.reader_position(state.generation)
        if position is None:
            return "the database has no record of this index (restored from an older backup?)"
        if position < state.checkpoint:
            return "the database was restored from a backup (its record of the index is behind)"
        if changes.latest_id() < state.checkpoint:
            return "the change log ends before the index's checkpoint (a restore?)"
        return None

    # -- catching up

    def catch_up(self, keep_writer=False):
        """Apply every pending change, rebuilding first if the index cannot follow the log.

        Returns the checkpoint reached. The writer is released at the end unless
        ``keep_writer`` (the running indexer keeps it, and tantivy merges in its threads).
        """
        try:
            reason = self.rebuild_reason()
            if reason:
                log.warning("Rebuilding the search index: %s.", reason)
                self.rebuild()
            while self._apply_batch():
                pass
        finally:
            if not keep_writer:
                self.close()
        return self.state().checkpoint

    def _apply_batch(self):
        state = self.state()
        rows = list(
            changes.pending(state.checkpoint or 0, self.batch_size).values_list(
                "id", "topic", "key"
            )
        )
        if not rows:
            return 0
        topics = {topic for _id, topic, _key in rows}
        if Change.Topic.EVERYTHING in topics:
            log.warning("Rebuilding the search index: a table was emptied.")
            self.rebuild()
            return len(rows)
        dictionary = words.refresh() if Change.Topic.WORD in topics else self._dictionary()
        article_ids = self._articles_affected(rows)
        if len(article_ids) > REBUILD_ABOVE:
            log.warning("Rebuilding the search index: %d articles changed.", len(article_ids))
            self.rebuild()
            return len(rows)
        writer = self._current_writer()
        self._write(writer, article_ids)
        last = rows[-1][0]
        writer.set_state(checkpoint=last, epoch=changes.epoch(), dictionary=dictionary)
        changes.record_position(writer.generation, last, self.location)
        writer.commit()
        changes.record_visible(writer.generation, last)  # what an editor's save waits for
        self.applied += len(rows)
        self.indexed += len(article_ids)
        return len(rows)

    def _dictionary(self):
        return words.loaded_version() or words.refresh()

    def _articles_affected(self, rows):
        ids = set()
        for _id, topic, key in rows:
            if topic == Change.Topic.ARTICLE:
                ids.add(int(key))
            elif topic == Change.Topic.AUTHOR:
                ids.update(
                    Byline.objects.filter(author_id=key).values_list("article_id", flat=True)
                )
            elif topic == Change.Topic.PUBLICATION:
                ids.update(Article.objects.filter(publication_id=key).values_list("id", flat=True))
            elif topic == Change.Topic.WORD:
                ids.update(self._articles_containing(key))
        return sorted(ids)

    def _articles_containing(self, word):
        """The articles whose indexed text contains ``word``: they are cut into words again."""
        model, field = (Article, "pk") if self.search_index else (Figure, "article")
        found = SearchQuerySet(using=self.using).models(model).filter(content=Exact(word))
        total = found.count()
        return sorted({int(pk) for pk in found.values_list(field, flat=True)[:total]})

    def articles(self):
        """The published articles, with what this index needs of them."""
        articles = Article.objects.published()
        return articles.with_sections() if self.figure_index else articles.with_text()

    def documents(self, articles):
        """(search index, object) for each document this index holds for ``articles``."""
        for article in articles:
            if self.search_index:
                yield self.search_index, article
            if self.figure_index:
                for figure in figures_of(article):
                    yield self.figure_index, figure

    def _write(self, writer, article_ids):
        """Write the current state of these articles (indexed if published, removed otherwise),
        and of their figures: the old ones go, the article's visible figures come back."""
        content_type = get_model_ct(Article)
        for start in range(0, len(article_ids), ARTICLES_PER_READ):
            batch = article_ids[start : start + ARTICLES_PER_READ]
            articles = list(self.articles().filter(pk__in=batch))
            if self.search_index:
                gone = set(batch) - {article.pk for article in articles}
                writer.remove(f"{content_type}.{pk}" for pk in sorted(gone))
                writer.add(self.search_index, articles)
            if self.figure_index:
                # An article's figures come and go with its edits: the old ones all go.
                writer.remove_matching(Figure, "article", [str(pk) for pk in batch])
                writer.add(self.figure_index, _figures(articles), replace=False)

    def _current_writer(self):
        generation = self.state().generation
        writer = self._writer
        if writer is not None and (
            writer.closed or (generation is not None and writer.generation != generation)
        ):
            self.close()  # a rebuild elsewhere made another generation current
            self._forget_other_generations(generation)
        if self._writer is None:
            self._writer = capabilities.open_writer(self.engine, timeout=LOCK_WAIT)
        return self._writer

    def close(self):
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    # -- rebuilding

    def rebuild(self, progress=None, jobs=1):
        """Index every article again in a new generation; readers keep the old one until then.

        With ``jobs`` above 1, a large rebuild analyses its documents in that many worker
        processes (search.rebuilding) while this process reads, prepares and writes them.
        Returns the number of articles indexed.
        """
        self.close()
        dictionary = words.refresh()
        epoch = changes.epoch()
        start = changes.latest_id()  # every change up to here is in what is read below
        queryset = self.articles().order_by("pk")
        analysis = capabilities.analysis(self.engine) if jobs > 1 else None
        if analysis is not None and queryset.count() <= rebuilding.PARALLEL_ABOVE:
            analysis = None  # starting the workers would cost more than they save
        added = 0
        with capabilities.new_generation(self.engine) as writer:
            if analysis is None:
                for batch in _reads(queryset):
                    if self.search_index:
                        writer.add(self.search_index, batch, replace=False)
                    if self.figure_index:
                        writer.add(self.figure_index, _figures(batch), replace=False)
                    added += len(batch)
                    if progress:
                        progress(len(batch))
            else:
                prepared = ((len(batch), self._prepared(batch)) for batch in _reads(queryset))
                for count, documents in rebuilding.analysed_batches(prepared, *analysis, jobs):
                    writer.add_analysed(documents, replace=False)
                    added += count
                    if progress:
                        progress(count)
            writer.set_state(checkpoint=start, epoch=epoch, dictionary=dictionary)
            changes.record_position(writer.generation, start, self.location)
        changes.record_visible(writer.generation, start)  # the generation is current now
        self._forget_other_generations(self.state().generation)
        self.rebuilds += 1
        return added

    def _prepared(self, articles):
        """haystack's prepared data of every document this index holds for ``articles``."""
        documents = []
        if self.search_index:
            documents += prepared_documents(self.search_index, articles)
        if self.figure_index:
            documents += prepared_documents(self.figure_index, _figures(articles))
        return documents

    def _forget_other_generations(self, current):
        if current is None:
            return
        prune = getattr(self.engine, "prune", None)
        if prune is not None:
            prune()
        changes.forget_readers(self.location, keep=current)

    def scan(self, model=Article, fields=()):
        """(object id, {field: value}) for every document of ``model`` in the index."""
        return capabilities.scan(self.engine, model, fields)

    # -- running

    def run(self, stop=None):
        """Follow the log until ``stop`` (a threading.Event) is set.

        Any failure (the database restarting, the disk filling) is logged and retried with a
        growing pause; the connections, the writer and the listener are opened again.
        """
        stop = stop or threading.Event()
        tokenize.warm_up(bulk=True)  # jieba and rjieba load once, before the first edit waits
        waiter = None
        last_check = heartbeat = 0.0
        backoff = 1.0
        try:
            while not stop.is_set():
                try:
                    waiter = waiter or _waiter(self.database)
                    now = time.monotonic()
                    state = self.state()
                    if (
                        changes.latest_id() != state.checkpoint
                        or now - last_check >= CHECK_INTERVAL
                        or (self._writer and self._writer.generation != state.generation)
                    ):
                        self.catch_up(keep_writer=True)
                        last_check = now
                    if now - heartbeat >= CHECK_INTERVAL:
                        self._heartbeat()
                        heartbeat = now
                    waiter.wait(stop)
                    backoff = 1.0
                except Exception:
                    log.exception("The indexer failed; trying again in %.0f s.", backoff)
                    self.close()
                    if waiter is not None:
                        waiter.close()
                        waiter = None
                    databases[self.database].close()
                    stop.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
        finally:
            self.close()
            if waiter is not None:
                waiter.close()

    def _heartbeat(self):
        changes.heartbeat(capabilities.reader_name(self.engine, self.state()))


def _reads(queryset):
    """The articles of ``queryset`` (ordered by pk), ARTICLES_PER_READ at a time."""
    last = 0
    while batch := list(queryset.filter(pk__gt=last)[:ARTICLES_PER_READ]):
        yield batch
        last = batch[-1].pk


def _figures(articles):
    """The figures to index with ``articles``: those their pages show."""
    for article in articles:
        yield from figures_of(article)


class _Poller:
    """Wakes the indexer every POLL_INTERVAL seconds (SQLite: there is nothing to listen to)."""

    def wait(self, stop):
        stop.wait(POLL_INTERVAL)

    def close(self):
        pass


class _Listener:
    """Wakes the indexer when a transaction that wrote the change log commits (PostgreSQL)."""

    def __init__(self, database):
        import psycopg

        from articles.triggers import NOTIFY_CHANNEL

        params = databases[database].get_connection_params()
        keep = ("dbname", "user", "password", "host", "port", "sslmode", "options")
        self.connection = psycopg.connect(
            **{key: value for key, value in params.items() if key in keep and value},
            autocommit=True,
        )
        self.connection.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def wait(self, stop):
        # A notification, or a second at most, so that `stop` and the periodic check are seen.
        for _notification in self.connection.notifies(timeout=1.0, stop_after=1):
            pass

    def close(self):
        try:
            self.connection.close()
        except Exception:  # a connection the server already dropped
            log.debug("Closing the LISTEN connection failed.", exc_info=True)


def _waiter(database):
    if databases[database].vendor == "postgresql":
        try:
            return _Listener(database)
        except Exception:
            log.exception("Cannot LISTEN for changes; polling instead.")
    return _Poller()
