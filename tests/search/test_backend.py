"""The tantivy backend through haystack's own API: SearchQuerySet, commands and the index."""

import datetime

import pytest
from django.core.management import call_command
from haystack.inputs import AutoQuery, Exact
from haystack.query import SQ, SearchQuerySet

from articles import changes
from articles.models import Article, Author
from search.backends.inputs import Near
from tests.conftest import YUAN, ZHONGXIN


def titles(sqs):
    return [result.title for result in sqs]


@pytest.fixture
def sqs(seeded_index):
    return SearchQuerySet().models(Article)


def test_filter_content_requires_every_term(sqs):
    assert titles(sqs.filter(content="重庆 新加坡")) == [ZHONGXIN]
    assert titles(sqs.filter(content=Exact("中新互联"))) == [ZHONGXIN]


def test_filters_combine_with_and_or_not(sqs):
    assert sorted(titles(sqs.filter(SQ(content="碳达峰") | SQ(content="ODLP")))) == [ZHONGXIN, YUAN]
    assert titles(sqs.filter(content="重庆").exclude(content="新加坡")) == [YUAN]
    assert titles(sqs.filter(content="重庆").filter(title=Exact("中新"))) == [ZHONGXIN]


def test_auto_query_reads_quotes_and_exclusions(sqs):
    assert titles(sqs.auto_query('"二十届四中全会" -新加坡')) == [YUAN]


def test_filters_on_facet_and_date_fields(sqs):
    assert titles(sqs.filter(author_exact="李俊晓")) == [ZHONGXIN]
    assert sorted(titles(sqs.filter(author_exact__in=["王天翊", "杨骏"]))) == [ZHONGXIN, YUAN]
    day = datetime.date(2025, 11, 11)
    assert len(sqs.filter(published_on=day)) == 2
    assert len(sqs.filter(published_on__gt=day)) == 0
    assert len(sqs.filter(published_on__range=(day, day))) == 2
    assert len(sqs.filter(published_on__lt=day)) == 0


def test_models_limits_results_to_a_model(seeded_index):
    assert len(SearchQuerySet().models(Article).filter(content="重庆")) == 2
    with pytest.warns(UserWarning, match="not registered for search"):
        assert len(SearchQuerySet().models(Author).filter(content="重庆")) == 0
    # Without models(), the index's own bookkeeping document never shows up.
    assert len(SearchQuerySet().all()) == 2


def test_order_by_date_and_relevance(seeded_index, indexer):
    Article.objects.filter(title=YUAN).update(published_on=datetime.date(2025, 11, 10))
    indexer.catch_up()
    sqs = SearchQuerySet().models(Article).filter(content="重庆")
    assert titles(sqs.order_by("-published_on")) == [ZHONGXIN, YUAN]
    assert titles(sqs.order_by("published_on")) == [YUAN, ZHONGXIN]
    assert [result.published_on for result in sqs.order_by("published_on")] == [
        datetime.date(2025, 11, 10),
        datetime.date(2025, 11, 11),
    ]


def test_count_and_slicing(sqs):
    everything = sqs.filter(content="重庆")
    assert everything.count() == 2
    assert titles(everything[1:2]) == [ZHONGXIN]
    assert titles(everything[5:10]) == []
    assert everything[0].title == YUAN


def test_field_facets(sqs):
    counts = sqs.filter(content="重庆").facet("author").facet("publication").facet_counts()
    assert sorted(counts["fields"]["author"]) == [("李俊晓", 1), ("杨骏", 1), ("王天翊", 1)]
    assert counts["fields"]["publication"] == [("重庆日报", 2)]


def test_date_facets(sqs):
    counts = sqs.date_facet(
        "published_on",
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2026, 1, 1),
        gap_by="month",
    ).facet_counts()
    months = counts["dates"]["published_on"]
    assert [(start.month, count) for start, count in months] == [(9, 0), (10, 0), (11, 2), (12, 0)]


def test_query_facets(sqs):
    # haystack hands the backend the facet field of "author": author_exact.
    counts = sqs.query_facet("author", "杨骏").facet_counts()
    assert counts["queries"] == {"author_exact:杨骏": 1}


def test_sorting_by_a_text_field_is_refused_clearly(sqs):
    from haystack.exceptions import SearchBackendError

    with pytest.raises(SearchBackendError, match="cannot sort by 'title'"):
        list(sqs.order_by("title"))


def test_highlight_marks_the_matches(sqs):
    (result,) = sqs.filter(content=Exact("陸海新通道")).highlight()
    assert any("<mark>陆海新通道</mark>" in snippet for snippet in result.highlighted["text"])


def test_more_like_this(sqs):
    yuan = Article.objects.get(title=YUAN)
    related = SearchQuerySet().more_like_this(yuan)
    assert titles(related) == [ZHONGXIN]


def test_stored_fields_come_back_typed(sqs):
    (result,) = sqs.filter(content="ODLP")
    assert result.published_on == datetime.date(2025, 11, 11)
    assert result.author == ["杨骏", "李俊晓"]
    assert result.url == Article.objects.get(title=ZHONGXIN).get_absolute_url()
    assert result.anchors[0] == ""


def test_rebuild_index_shows_progress_and_sets_the_checkpoint(seed_articles, search_index, capsys):
    call_command("rebuild_index", interactive=False)
    captured = capsys.readouterr()
    assert "Indexing" in captured.err
    assert "100%" in captured.err
    assert "Indexed 2 articles (default)" in captured.out
    assert f"up to #{changes.latest_id()}." in captured.out
    assert len(SearchQuerySet().filter(content="重庆")) == 2


def test_haystacks_own_clear_then_update_index(seeded_index, capsys):
    checkpoint = search_index_state().checkpoint
    call_command("clear_index", interactive=False, using=["default"])
    assert len(SearchQuerySet().filter(content="重庆")) == 0
    call_command("update_index", using=["default"])
    assert "Indexing 2" in capsys.readouterr().out
    assert len(SearchQuerySet().filter(content="重庆")) == 2
    assert search_index_state().checkpoint == checkpoint  # the index's state survives


def test_haystacks_own_update_index_with_age(seeded_index, capsys):
    call_command("clear_index", interactive=False, using=["default"])
    call_command("update_index", age=1, using=["default"])
    assert "Indexing 2" in capsys.readouterr().out
    assert len(SearchQuerySet().filter(content="重庆")) == 2


def search_index_state():
    from search import capabilities

    return capabilities.index_state(capabilities.backend())


def test_auto_query_strings_reach_the_backend(sqs):
    assert titles(sqs.filter(content=AutoQuery("新加坡"))) == [ZHONGXIN]
    assert titles(sqs.filter(content=AutoQuery("新加坡 -陆海新通道"))) == []  # both in one article
    assert titles(sqs.filter(content=AutoQuery('重庆 -"新加坡"'))) == [YUAN]


def test_near_finds_two_strings_close_together_in_either_order(sqs):
    # 以重庆、新加坡‘双枢纽’为…: one character between them.
    assert titles(sqs.filter(content=Near("重庆", "新加坡", 1))) == [ZHONGXIN]
    assert titles(sqs.filter(content=Near("新加坡", "重庆", 1))) == [ZHONGXIN]
    assert titles(sqs.filter(content=Near("碳达峰", "新加坡", 20))) == []
    assert titles(sqs.filter(content="碳达峰").exclude(content=Near("碳达峰", "新加坡", 20))) == [
        YUAN
    ]
    assert titles(sqs.filter(title=Near("中新", "合作", 20))) == [ZHONGXIN]


def test_near_beyond_the_engines_reach_is_refused(sqs):
    from search.backends.tantivy import UnsupportedLookup

    with pytest.raises(UnsupportedLookup):
        list(sqs.filter(content=Near("重庆", "新加坡", 21)))
