"""What the search layer needs beyond haystack's public API, and what it does without it.

haystack is the one seam between search and an engine: searching, filtering, faceting,
ordering, highlighting and more_like_this go through ``SearchQuerySet``. haystack has no API
for the few things below. A backend may offer each as a method; when it does not, this module
falls back to something that works on any haystack backend.

=========================  ===================================  ==================================
capability                 backend method                       fallback
=========================  ===================================  ==================================
index state                ``index_state()`` returns            no generation; the checkpoint is
                           ``(generation, checkpoint, meta)``   the indexer's position recorded
                                                                in the database
checkpointed writes        ``open_writer(timeout=…)``: a        haystack's ``update`` and
                           writer whose ``commit`` stores the   ``remove``; the position is
                           state with the documents             recorded in the database after
rebuild beside readers     ``new_generation()``: a writer on    haystack's ``clear``, then writes
                           a fresh copy, switched in at the end in place (readers see it fill)
every document's fields    ``scan(models, fields)``             ``SearchQuerySet.values_list``,
                                                                page by page
snippets and KWIC          ``snippets(text, terms)``,           the stored text, matched line by
                           ``concordance(text, terms, width)``  line as typed (no normalisation)
analysis in other          ``analysis()`` returns (field        the rebuilding process analyses
processes (a rebuild's     specs, analyzer); its writers have   every document itself
pool)                      ``add_analysed(documents)``
=========================  ===================================  ==================================

A writer (native or fallback) has ``generation``, ``add(search_index, objects)``,
``remove(identifiers)``, ``remove_matching(model, field, values)`` (every document of a model
whose keyword field holds one of the values: an article's figures), ``set_state(**values)``,
``commit()`` and ``close()``.
"""

import html
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from haystack import connections

from articles import changes


class IndexState(NamedTuple):
    generation: str | None  # which copy readers see; changes when the index is rebuilt
    checkpoint: int | None  # the newest change-log id the copy reflects
    meta: dict  # what the indexer stored with its last commit (epoch, dictionary…)


@dataclass(frozen=True)
class Snippet:
    line: int  # the line (paragraph) of the stored text
    html: str  # escaped, with <mark> around the matches
    matches: int = 0


@dataclass(frozen=True)
class Concordance:
    line: int
    left: str
    match: str
    right: str


def backend(using="default"):
    return connections[using].get_backend()


def load_engines():
    """Import every connection's engine and build its search indexes; open no index.

    For the gunicorn master (newsarchive.warming): its workers inherit both, and a worker's
    first search only has to open the index.
    """
    for alias in connections.connections_info:
        connections[alias].get_unified_index().build()


def index_state(engine):
    native = getattr(engine, "index_state", None)
    if native is not None:
        generation, checkpoint, meta = native()
        return IndexState(generation, checkpoint, dict(meta))
    position = changes.reader_position(_fallback_name(engine))
    return IndexState(None, position, {})


def open_writer(engine, timeout=None):
    native = getattr(engine, "open_writer", None)
    if native is not None:
        return native(timeout=timeout)
    return _HaystackWriter(engine)


@contextmanager
def new_generation(engine):
    native = getattr(engine, "new_generation", None)
    if native is not None:
        with native() as writer:
            yield writer
        return
    writer = _HaystackWriter(engine)
    engine.clear(commit=True)
    yield writer
    writer.commit()


def analysis(engine):
    """(field specs, analyzer) if the engine's writers take documents analysed in another
    process (search.rebuilding), else None."""
    native = getattr(engine, "analysis", None)
    return native() if native is not None else None


def scan(engine, model, fields=()):
    """(django_id, {field: value}) for every indexed document of ``model``."""
    native = getattr(engine, "scan", None)
    if native is not None:
        yield from native(models=[model], fields=fields)
        return
    from haystack.query import SearchQuerySet

    results = SearchQuerySet(using=engine.connection_alias).models(model).order_by("django_id")
    for start in range(0, results.count(), 1000):
        for result in results[start : start + 1000]:
            yield result.pk, {name: getattr(result, name, None) for name in fields}


def snippets(engine, text, terms, max_snippets=3, plain=False):
    """The best lines of ``text`` for ``terms``. ``plain``: the index recorded that its
    analyser normalises ``text`` in width and case only (ArticleIndex.text_is_plain)."""
    native = getattr(engine, "snippets", None)
    if native is not None:
        found = native(text, terms, max_snippets=max_snippets, plain=plain)
        return [Snippet(item.line, item.html, item.matches) for item in found]
    lines = [line for line in _plain_matches(text, terms) if line[1]]
    lines.sort(key=lambda line: (-len(line[1]), line[0]))
    return [
        Snippet(number, _marked(text.split("\n")[number], spans), len(spans))
        for number, spans in lines[:max_snippets]
    ]


def lead(engine, text):
    """A snippet from the start of ``text``, for a hit whose match is not in its text."""
    native = getattr(engine, "lead", None)
    if native is not None:
        found = native(text)
        return Snippet(found.line, found.html, 0)
    first = next((line for line in text.split("\n") if line.strip()), "")
    return Snippet(0, html.escape(first[:120]) + ("…" if len(first) > 120 else ""))


def concordance(engine, text, terms, width=30, plain=False):
    native = getattr(engine, "concordance", None)
    if native is not None:
        found = native(text, terms, width, plain=plain)
        return [Concordance(c.line, c.left, c.match, c.right) for c in found]
    lines = text.split("\n")
    return [
        Concordance(
            number, line[max(0, start - width) : start], line[start:end], line[end:][:width]
        )
        for number, spans in _plain_matches(text, terms)
        for line in [lines[number]]
        for start, end in spans
    ]


def _plain_matches(text, terms):
    terms = [term for term in terms if term]
    for number, line in enumerate(text.split("\n")):
        spans = []
        for term in terms:
            position = line.find(term)
            while position != -1:
                spans.append((position, position + len(term)))
                position = line.find(term, position + 1)
        if spans:
            yield number, sorted(spans)


def _marked(line, spans):
    parts, position = [], 0
    for start, end in spans:
        if start < position:
            continue
        parts += [html.escape(line[position:start]), f"<mark>{html.escape(line[start:end])}</mark>"]
        position = end
    parts.append(html.escape(line[position:]))
    return "".join(parts)


def location(engine):
    """Where an index lives: the indexer records it with its position, so that each index's
    readers can be told apart. A shared index (OpenSearch's) names itself, the same from every
    host; one on local disk is named by the host and its directory (or the connection's name).
    """
    shared = getattr(engine, "shared_location", None)
    if shared:
        return shared
    return f"{socket.gethostname()}:{getattr(engine, 'path', None) or engine.connection_alias}"


def reader_name(engine, state):
    """The name under which the database records how far this index has read the log."""
    return state.generation or _fallback_name(engine)


def _fallback_name(engine):
    return f"haystack:{engine.connection_alias}"


@dataclass
class _HaystackWriter:
    """Writes through haystack's own API; the state lives in the database only."""

    engine: object
    state: dict = field(default_factory=dict)
    _dirty: bool = False

    @property
    def generation(self):
        return _fallback_name(self.engine)

    def add(self, search_index, objects, replace=True):
        objects = list(objects)
        if objects:
            self.engine.update(search_index, objects, commit=True)

    def remove(self, identifiers):
        for identifier in identifiers:
            self.engine.remove(identifier, commit=True)

    def remove_matching(self, model, field, values):
        from haystack.inputs import Exact
        from haystack.query import SQ, SearchQuerySet
        from haystack.utils import get_model_ct

        values = list(values)
        if not values:
            return
        matching = SQ()
        for value in values:
            matching |= SQ(**{field: Exact(value)})
        found = SearchQuerySet(using=self.engine.connection_alias).models(model).filter(matching)
        total = found.count()
        content_type = get_model_ct(model)
        self.remove(f"{content_type}.{pk}" for pk in found.values_list("pk", flat=True)[:total])

    def set_state(self, **values):
        self.state.update(values)

    def commit(self):
        pass  # every call above has committed

    def rollback(self):
        pass

    def close(self, wait_merges=False):
        pass

    @property
    def closed(self):
        return False
