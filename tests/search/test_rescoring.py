"""Words close together rank first, whether the boost is scored on every match or, for common
words, only on the plain ranking's best documents (the tantivy backend's rescore)."""

import pytest
from haystack.query import SQ, SearchQuerySet

from articles.models import Article
from search import capabilities
from search.backends.tantivy import backend as tantivy_backend
from tests.articles.factories import make_article

FILLER = "城市建设持续推进，市民生活不断改善，"


@pytest.fixture
def near_and_far(indexer):
    """One article with 港口 next to 物流, five with the two words far apart. The one is longer,
    so the words alone rank it last: only the boost for words close together puts it first.
    It is the oldest too, and of articles scoring the same the newest ranks first."""
    make_article("相邻", sections=[("", ["港口，物流。" + FILLER * 3])])
    for number in range(5):
        make_article(f"相隔{number}", sections=[("", ["港口，" + FILLER * 2 + "物流。"])])
    indexer.catch_up()


@pytest.fixture
def engine(monkeypatch):
    engine = capabilities.backend()
    calls = []
    rescored_hits = tantivy_backend.rescored_hits

    def counted(*args, **kwargs):
        calls.append(args)
        return rescored_hits(*args, **kwargs)

    monkeypatch.setattr(tantivy_backend, "rescored_hits", counted)
    engine.rescored = calls
    return engine


BOTH = SQ(content="港口") & SQ(content="物流")  # as search.searching writes two words


def ranking():
    return [result.title for result in SearchQuerySet().models(Article).filter(BOTH)]


def test_a_query_of_several_words_compiles_a_plain_twin_without_the_proximity_boost(engine):
    engine.setup()
    compiled = engine.compiler.compile(BOTH)
    assert compiled.plain is not None
    assert [words for _field, words in compiled.proximity] == [["港口", "物流"]]
    single = engine.compiler.compile(SQ(content="港口"))
    assert single.plain is None and single.proximity == []


def test_rare_words_score_closeness_on_every_match(near_and_far, engine):
    assert ranking()[0] == "相邻"
    assert engine.rescored == []  # six matches: far below the threshold


def test_common_words_rank_the_plain_best_again_with_the_same_result(
    near_and_far, engine, monkeypatch
):
    everywhere = ranking()
    monkeypatch.setattr(engine, "rescore_min_matches", 0)
    rescored = ranking()
    assert engine.rescored  # the rescore ran
    assert rescored == everywhere and rescored[0] == "相邻"
    assert SearchQuerySet().models(Article).filter(BOTH).count() == 6


def test_a_page_beyond_the_window_takes_the_whole_query(near_and_far, engine, monkeypatch):
    everywhere = ranking()
    monkeypatch.setattr(engine, "rescore_min_matches", 0)
    monkeypatch.setattr(engine, "rescore_window", 3)
    assert ranking() == everywhere  # a page of 20 does not fit a window of 3
    assert engine.rescored == []


def test_without_an_integer_field_to_find_documents_again_the_whole_query_is_scored(
    near_and_far, engine, monkeypatch
):
    everywhere = ranking()
    monkeypatch.setattr(engine, "rescore_min_matches", 0)
    for field_name in ("no_such_field", "title"):  # missing; text, not an integer
        monkeypatch.setattr(engine, "rescore_field", field_name)
        assert ranking() == everywhere
    assert engine.rescored == []
