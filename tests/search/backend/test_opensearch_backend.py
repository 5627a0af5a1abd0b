"""The OpenSearch backend on a real node: its lifecycle (generations behind an alias, the state
committed with the documents, an index for other fields refused), check_index and the health
report, and the positions its phrases are sent with."""

import io
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from haystack.query import SearchQuerySet

from articles import changes
from articles.models import Article, Section
from search import capabilities, health
from search.backends.analysis import LINE_BREAK
from search.backends.errors import IndexSchemaMismatch
from search.backends.opensearch.mapping import GRAMS_ANALYZER
from search.backends.opensearch.query import phrase_text
from search.indexer import Indexer
from search.search_indexes import ArticleIndex
from tests.conftest import YUAN, ZHONGXIN

USING = "opensearch"


@pytest.fixture
def backend(db, opensearch_node):
    engine = capabilities.backend(USING)
    Indexer(USING).rebuild()  # the index outlives the test's database
    return engine


@pytest.fixture
def indexed(backend, seed_articles):
    Indexer(USING).catch_up()
    return backend


def titles(using=USING, **filters):
    return sorted(result.title for result in SearchQuerySet(using=using).filter(**filters))


def test_phrases_reach_opensearch_at_the_positions_asked(backend):
    rng = random.Random(5)
    for _ in range(50):
        positions = sorted(rng.sample(range(40), rng.randint(1, 6)))
        phrase = [(position - positions[0], f"t{n}") for n, position in enumerate(positions)]
        analysed = backend.conn.indices.analyze(
            index=backend.alias, body={"analyzer": GRAMS_ANALYZER, "text": phrase_text(phrase)}
        )["tokens"]
        assert [(token["position"], token["token"]) for token in analysed] == phrase
        assert LINE_BREAK not in {token["token"] for token in analysed}


def test_a_rebuild_moves_the_alias_at_once(indexed):
    before = capabilities.index_state(indexed)
    assert titles(content="重庆") == sorted([YUAN, ZHONGXIN])
    with capabilities.new_generation(indexed) as writer:
        writer.add(ArticleIndex(), Article.objects.filter(title=YUAN))
        writer.set_state(checkpoint=before.checkpoint, epoch=before.meta["epoch"])
        writer.commit()
        # Written and committed, but readers still see the old generation.
        assert capabilities.index_state(indexed).generation == before.generation
        assert titles(content="重庆") == sorted([YUAN, ZHONGXIN])
    after = capabilities.index_state(indexed)
    assert after.generation != before.generation
    assert titles(content="重庆") == [YUAN]
    assert indexed.generations() == [after.generation]  # the old one is gone


def test_a_failed_rebuild_leaves_the_live_generation(indexed):
    before = capabilities.index_state(indexed)
    with pytest.raises(RuntimeError), capabilities.new_generation(indexed) as writer:
        writer.add(ArticleIndex(), Article.objects.all())
        raise RuntimeError("the rebuild fails")
    assert capabilities.index_state(indexed) == before
    assert indexed.generations() == [before.generation]


def test_documents_and_their_checkpoint_become_visible_together(indexed):
    state = capabilities.index_state(indexed)
    section = Section.objects.filter(article__title=YUAN).first()
    section.body += "\n\nZEBRAS crossed the square."
    section.save()
    writer = capabilities.open_writer(indexed)
    try:
        writer.add(ArticleIndex(), Article.objects.filter(title=YUAN))
        writer.set_state(checkpoint=changes.latest_id())
        writer._flush()  # sent, not yet committed
        assert titles(content="zebras") == []
        assert capabilities.index_state(indexed).checkpoint == state.checkpoint
        writer.commit()
    finally:
        writer.close()
    assert titles(content="zebras") == [YUAN]
    assert capabilities.index_state(indexed).checkpoint == changes.latest_id()


def test_an_index_built_for_other_fields_is_refused_then_rebuilt(indexed):
    generation = capabilities.index_state(indexed).generation
    indexed.conn.indices.put_mapping(index=generation, body={"_meta": {"fingerprint": "other"}})
    indexed._checked = None  # as a new worker would find it
    with pytest.raises(IndexSchemaMismatch):
        capabilities.index_state(indexed)
    indexer = Indexer(USING)
    assert "other fields" in indexer.rebuild_reason()
    indexer.catch_up()
    assert capabilities.index_state(indexed).generation != generation
    assert titles(content="陆海新通道") == [ZHONGXIN]


def test_check_index_and_the_health_report(indexed):
    out = io.StringIO()
    call_command("check_index", using=USING, stdout=out)
    assert "missing: 0  extra: 0  stale: 0" in out.getvalue()
    report = health.index_report(USING)
    assert report["status"] == "ok"
    assert report["lag_changes"] == 0
    assert report["generation"] == capabilities.index_state(indexed).generation

    zhongxin = Article.objects.get(title=ZHONGXIN)
    indexed.remove(zhongxin)  # behind the indexer's back
    out = io.StringIO()
    with pytest.raises(CommandError, match="differs from the database in 1 articles"):
        call_command("check_index", using=USING, stdout=out)
    assert "missing: 1" in out.getvalue()
    call_command("check_index", using=USING, repair=True, stdout=io.StringIO())
    Indexer(USING).catch_up()
    call_command("check_index", using=USING, stdout=io.StringIO())  # mended


def test_an_unreachable_node_is_a_search_error_not_an_empty_result(settings):
    from haystack.exceptions import SearchBackendError

    from search.backends.opensearch import OpenSearchBackend

    engine = OpenSearchBackend(
        "default", URL="http://127.0.0.1:9", INDEX_NAME="nowhere", TIMEOUT=2, SILENTLY_FAIL=False
    )
    with pytest.raises(SearchBackendError):
        engine.index_state()


def test_pruning_spares_a_rebuild_still_being_written(indexed):
    before = capabilities.index_state(indexed).generation
    with capabilities.new_generation(indexed) as writer:
        writer.add(ArticleIndex(), Article.objects.all())
        indexed.prune()  # another process's indexer, after its own switch
        assert writer.generation in indexed.generations()
    assert indexed.generations() == [capabilities.index_state(indexed).generation]
    assert before not in indexed.generations()


def test_every_host_names_the_shared_index_alike(backend):
    assert capabilities.location(backend) == f"opensearch:{backend.alias}"


def test_the_figures_index_follows_corrections_hiding_and_unpublishing(backend, seed_articles):
    from decimal import Decimal

    from articles.models import Figure
    from search import figures

    using = "opensearch_figures"
    Indexer(using).rebuild()

    def count(**params):
        form = figures.FigureForm({"publication": "重庆日报", **params})
        assert form.is_valid(), form.errors
        return figures.run(form.params(), page_size=500, using=using).count

    everything, yuan = count(), count(author="王天翊")  # the other article's reporter
    assert everything > yuan
    figure = Figure.objects.get(text="260亿美元")
    figure.value, figure.label, figure.is_edited = Decimal("270") * 10**8, "签约总额", True
    figure.save()
    Indexer(using).catch_up()
    assert count(q="签约总额", unit="美元") == 1
    assert count() == everything  # the old document went, the corrected one came

    figure.is_hidden = True
    figure.save()
    Indexer(using).catch_up()
    assert count(q="签约总额", unit="美元") == 0
    assert count() == everything - 1

    Article.objects.filter(title=ZHONGXIN).update(status=Article.Status.DRAFT)
    Indexer(using).catch_up()
    assert count() == yuan
