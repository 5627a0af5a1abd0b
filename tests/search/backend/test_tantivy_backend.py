"""The tantivy backend on its own: a toy model that knows nothing of articles, haystack's API.

The "toy" connection indexes `tests.toy.models.Note` with the backend's plain analyser
(SimpleAnalyzer) and haystack's defaults (SILENTLY_FAIL on).
"""

import datetime
import json
import logging
import threading

import pytest
from haystack import connections
from haystack.exceptions import SearchBackendError
from haystack.inputs import Exact
from haystack.query import SQ, SearchQuerySet

from search.backends.tantivy import IndexLocked, IndexSchemaMismatch, UnsupportedLookup
from search.backends.tantivy.backend import SCHEMA_FILE, TantivySearchBackend
from tests.toy.models import Note

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)


@pytest.fixture
def backend():
    engine = connections["toy"].get_backend()
    with engine.new_generation():
        pass  # every test starts from an empty generation
    yield engine
    engine.commit()


@pytest.fixture
def index():
    return connections["toy"].get_unified_index().get_index(Note)


def notes(*rows):
    """Notes from (title, body, tag, days after DAY, rating, weight)."""
    made = []
    for title, body, tag, days, rating, weight in rows:
        made.append(
            Note.objects.create(
                title=title,
                body=body,
                tag=tag,
                written=DAY + datetime.timedelta(days=days),
                rating=rating,
                weight=weight,
            )
        )
    return made


@pytest.fixture
def library(backend, index):
    made = notes(
        ("Apple pie", "Bake the apple pie slowly.\nServe warm.", "food", 0, 5, 1.5),
        ("Apple tree", "An old apple tree grows here.", "garden", 1, 3, 2.5),
        ("Pear tart", "A tart with pears, not apples.", "food", 2, 5, 0.5),
        ("Cherry jam", "Jam from cherries.", "food", 2, 1, 3.0),
        ("Tree house", "The house in the apple tree.", "garden", 3, 5, 1.0),
    )
    backend.update(index, made)
    return {note.title: note for note in made}


def sqs():
    return SearchQuerySet(using="toy").models(Note)


def titles(results):
    return [result.title for result in results]


# -- lookups


def test_contains_exact_and_content(library):
    assert sorted(titles(sqs().filter(text="apple"))) == [
        "Apple pie",
        "Apple tree",
        "Pear tart",
        "Tree house",
    ]  # "apples" contains "apple": matching is by exact substring
    assert titles(sqs().filter(text=Exact("apple tree grows"))) == ["Apple tree"]
    assert titles(sqs().filter(title__contains="tart")) == ["Pear tart"]


def test_startswith_and_endswith_mean_what_they_say(library):
    assert sorted(titles(sqs().filter(title__startswith="apple"))) == ["Apple pie", "Apple tree"]
    assert titles(sqs().filter(title__startswith="tree")) == ["Tree house"]  # not "Apple tree"
    assert sorted(titles(sqs().filter(title__endswith="tree"))) == ["Apple tree"]
    assert titles(sqs().filter(title__endswith="apple")) == []
    assert titles(sqs().filter(tag__startswith="gard").order_by("written")) == [
        "Apple tree",
        "Tree house",
    ]
    # Each value of a multi-valued field starts and ends on its own.
    assert titles(sqs().filter(lines__startswith="serve")) == ["Apple pie"]
    assert titles(sqs().filter(lines__endswith="warm.")) == ["Apple pie"]


@pytest.mark.parametrize(
    "lookup",
    [
        {"rating__startswith": 5},
        {"title__gt": "m"},
        {"tag_exact__gt": "m"},
        {"public__lt": True},
        {"tag_exact__fuzzy": "fod"},
        {"tag_exact__contains": "oo"},
        {"written__startswith": "2026"},
    ],
)
def test_an_unsupported_lookup_is_an_error_not_another_query(library, lookup):
    with pytest.raises(UnsupportedLookup, match="not supported"):
        list(sqs().filter(**lookup))


def test_ranges_on_dates_numbers_and_booleans(library):
    assert sorted(titles(sqs().filter(rating__gte=5))) == ["Apple pie", "Pear tart", "Tree house"]
    assert titles(sqs().filter(weight__range=(2.0, 2.9))) == ["Apple tree"]
    assert sorted(titles(sqs().filter(written__gt=DAY + datetime.timedelta(days=2)))) == [
        "Tree house"
    ]
    assert len(sqs().filter(public=True)) == 5
    assert titles(sqs().filter(SQ(rating=1) | SQ(weight=2.5)).order_by("rating")) == [
        "Cherry jam",
        "Apple tree",
    ]


# -- ordering


def oracle(notes, keys):
    """Python's order of ``notes`` for haystack order_by ``keys``."""
    ordered = list(notes)
    for key in reversed(keys):
        name = key.lstrip("-")
        attribute = name.removesuffix("_exact")
        ordered.sort(key=lambda note, a=attribute: getattr(note, a), reverse=key.startswith("-"))
    return [note.title for note in ordered]


@pytest.mark.parametrize(
    "keys",
    [
        ["-rating", "written"],
        ["rating", "-weight"],
        ["-written", "-rating", "weight"],
        ["tag_exact", "-written"],
        ["public", "-weight"],
    ],
)
def test_every_sort_key_counts_on_every_page(library, keys):
    everything = list(Note.objects.all())
    expected = oracle(everything, keys)
    for size in (1, 2, 3, 5):
        pages = [titles(sqs().order_by(*keys)[start : start + size]) for start in range(0, 5, size)]
        assert [title for page in pages for title in page] == expected, (keys, size)


def test_an_empty_page_sorted_by_several_keys_is_empty(library):
    assert titles(sqs().order_by("-rating", "written")[:0]) == []
    assert titles(sqs().filter(text="nowhere").order_by("-rating", "written")[:0]) == []


def test_relevance_then_a_field_orders_ties(backend, index):
    # Titles of one length: the same number of grams, so that every score ties.
    made = notes(*[(f"Same {n:02d}", "identical words", "x", n, n % 3, 0.0) for n in range(12)])
    backend.update(index, made)
    ordered = sqs().filter(text="identical").order_by("-score", "-rating", "written")
    expected = oracle(made, ["-rating", "written"])  # every score ties
    assert titles(ordered[0:12]) == expected
    assert titles(ordered[4:8]) == expected[4:8]


def test_sorting_by_an_analysed_text_field_is_refused(library):
    with pytest.raises(UnsupportedLookup, match="cannot sort by 'title'"):
        list(sqs().order_by("title"))


# -- writing


def test_commit_false_holds_changes_until_a_commit(backend, index, library):
    (extra,) = notes(("Plum cake", "Plums.", "food", 4, 2, 0.0))
    backend.update(index, [extra], commit=False)
    backend.remove(library["Cherry jam"], commit=False)
    assert titles(sqs().filter(text="plum")) == []
    assert titles(sqs().filter(text="cherries")) == ["Cherry jam"]
    backend.commit()
    assert titles(sqs().filter(text="plum")) == ["Plum cake"]
    assert titles(sqs().filter(text="cherries")) == []


def test_clear_keeps_the_index_state(backend, index, library):
    with backend.writer() as writer:
        writer.set_state(checkpoint=41, epoch="e")
    backend.clear()
    assert len(sqs()) == 0
    _generation, checkpoint, meta = backend.index_state()
    assert (checkpoint, meta["epoch"]) == (41, "e")
    backend.update(index, Note.objects.all())
    assert len(sqs()) == 5
    assert backend.index_state()[1] == 41


def test_silently_fail_logs_a_failed_write_and_raising_raises_it(backend, index, caplog):
    (note,) = notes(("Broken", "x", "t", 0, 0, 0.0))

    def broken(obj):
        raise ValueError("cannot prepare")

    index.full_prepare, original = broken, index.full_prepare
    try:
        with caplog.at_level(logging.ERROR):
            backend.update(index, [note])  # the toy connection keeps haystack's default: silent
        assert "Failed to add documents" in caplog.text
        backend.silently_fail = False
        with pytest.raises(ValueError, match="cannot prepare"):
            backend.update(index, [note])
    finally:
        index.full_prepare = original
        backend.silently_fail = True
    assert len(sqs()) == 0


def test_one_writer_at_a_time(backend):
    with backend.writer(), pytest.raises(IndexLocked):
        other = TantivySearchBackend("toy", **connections["toy"].options)
        with other.writer(timeout=0.1):
            pass


# -- generations


def test_a_new_generation_replaces_the_old_one_for_every_reader(backend, index, library):
    other_process = TantivySearchBackend("toy", **connections["toy"].options)
    assert len(SearchQuerySet(using="toy").all()) == 5
    assert other_process.search("apple")["hits"] == 4
    old = backend.index_state()[0]
    with backend.new_generation() as writer:
        writer.add(index, [library["Cherry jam"]])
        assert other_process.search("apple")["hits"] == 4  # readers keep the old one meanwhile
    assert other_process.search("apple")["hits"] == 0
    assert other_process.search("cherries")["hits"] == 1
    assert other_process.index_state()[0] != old
    assert backend.store.names() == [other_process.index_state()[0]]  # the old one is pruned


def test_a_failed_generation_leaves_no_trace(backend, index, library):
    before = backend.store.names()
    with pytest.raises(RuntimeError), backend.new_generation() as writer:
        writer.add(index, [library["Cherry jam"]])
        raise RuntimeError("the rebuild broke")
    assert backend.store.names() == before
    assert backend.search("apple")["hits"] == 4


def test_an_index_built_for_other_fields_is_refused_never_wiped(backend, library):
    generation = backend.index_state()[0]
    marker = backend.store.path(generation) / SCHEMA_FILE
    marker.write_text(json.dumps({"fingerprint": "another"}))
    fresh = TantivySearchBackend("toy", **connections["toy"].options)
    with pytest.raises(IndexSchemaMismatch, match="rebuild_index"):
        fresh.search("apple")
    assert (backend.store.path(generation) / "meta.json").exists()


def test_no_generation_yet_searches_nothing(tmp_path):
    options = {**connections["toy"].options, "PATH": str(tmp_path / "empty")}
    engine = TantivySearchBackend("toy", **options)
    assert engine.search("apple")["hits"] == 0
    assert engine.index_state() == (None, None, {})


# -- the rest of haystack's API


def test_facets_count_and_slicing(library):
    results = sqs().filter(text="apple").facet("tag")
    assert results.count() == 4
    assert sorted(results.facet_counts()["fields"]["tag"]) == [("food", 2), ("garden", 2)]
    assert len(results[2:10]) == 2


def test_the_top_facet_values_are_counted_exactly_across_segments(backend, index):
    """Each commit is a segment; the most frequent values differ from segment to segment, so
    a count that keeps each segment's top values only would miss some of them."""
    import random

    rng = random.Random(3)
    truth = {}
    for segment in range(6):
        rows = []
        for _ in range(300):
            low, high = (0, 60) if segment % 2 else (30, 90)
            tag = f"t{rng.randint(low, high):02d}"
            truth[tag] = truth.get(tag, 0) + 1
            rows.append(("Note", "A note.", tag, 0, 1, 1.0))
        backend.update(index, notes(*rows))  # a commit: a segment
    assert backend.searcher().num_segments > 1
    counts = sqs().facet("tag", limit=2).facet_counts()["fields"]["tag"]
    assert all(truth[tag] == count for tag, count in counts)
    assert [count for _tag, count in counts] == sorted(truth.values(), reverse=True)[:2]


def test_scan_reads_every_document_and_its_columns(backend, library):
    rows = dict(backend.scan(models=[Note], fields=["rating", "weight", "tag"]))
    assert len(rows) == 5
    pie = library["Apple pie"]
    assert rows[str(pie.pk)] == {"rating": 5, "weight": 1.5, "tag": "food"}


def test_snippets_and_concordance(backend):
    (snippet,) = backend.snippets("First line.\nThe apple <b>tree</b>.", ["apple"])
    assert snippet.line == 1
    assert snippet.html == "The <mark>apple</mark> &lt;b&gt;tree&lt;/b&gt;."
    (line,) = backend.concordance("An apple a day.", ["apple"], width=3)
    assert (line.line, line.left, line.match, line.right) == (0, "An ", "apple", " a ")


def test_no_thread_is_started_until_facets_are_counted(library):
    engine = TantivySearchBackend("toy", **connections["toy"].options)
    before = threading.active_count()
    engine.search("apple")
    assert engine._pool is None
    assert threading.active_count() == before


def test_search_errors_raise_when_not_silent(library):
    engine = TantivySearchBackend("toy", **{**connections["toy"].options, "SILENTLY_FAIL": False})
    with pytest.raises(SearchBackendError, match="no field named 'nothing'"):
        engine.search(SQ(nothing="x"))


def test_the_model_filter_is_left_out_only_when_every_model_held_is_asked_for(backend):
    from articles.models import Article
    from search.backends.tantivy.query import Compiler

    backend.setup()
    assert "TermSet" not in repr(backend.compiler.compile(None, [Note]).query)  # holds notes only
    both = Compiler(
        backend.schema, backend.specs, backend.analyzer, backend.content_field, [Note, Article]
    )
    assert "TermSet" in repr(both.compile(None, [Note]).query)
    assert "TermSet" not in repr(both.compile(None, [Note, Article]).query)
