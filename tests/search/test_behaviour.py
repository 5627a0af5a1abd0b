"""The behaviour table: queries over the seed articles with their expected hits, in order.

Runs on each engine (tantivy, and a real OpenSearch node) through the site's own search
(search.searching.run, through haystack's SearchQuerySet), on whichever database the suite
runs on.
"""

import pytest
from haystack.inputs import Exact
from haystack.query import SearchQuerySet

from search import searching
from search.indexer import Indexer
from tests.articles.factories import make_article
from tests.conftest import SEED_DATE, YUAN, ZHONGXIN

USING = "default"  # the engine of the running test (see the engine fixture)


@pytest.fixture(params=["default", "opensearch"], autouse=True)
def engine(request, monkeypatch):
    if request.param == "opensearch":
        request.getfixturevalue("opensearch_node")
    monkeypatch.setattr(f"{__name__}.USING", request.param)
    return request.param


@pytest.fixture
def seeded_index(engine, seed_articles, indexer, figure_indexer):
    """The seed articles, indexed on the test's engine (and the figures' index)."""
    if engine != "default":
        Indexer(engine).rebuild()  # the index outlives the test's database
    Indexer(engine).catch_up()
    figure_indexer.catch_up()
    return seed_articles


def search(q, **extra):
    form = searching.SearchForm({"q": q, **extra})
    form.is_valid()
    return searching.run(form.params(), using=USING)


def titles(outcome):
    return [hit.title for hit in outcome.hits]


TABLE = [
    # the table
    ("新质生产力", [YUAN]),
    ("新质", [YUAN]),
    ("生产力", [YUAN]),
    ("陆海新通道", [ZHONGXIN]),
    ("陸海新通道", [ZHONGXIN]),
    ('"二十届四中全会要求"', [YUAN]),
    ("保税航材分拨", [ZHONGXIN]),
    ("中新互联", [ZHONGXIN]),
    ("中国（重庆）", [ZHONGXIN]),
    ("ODLP", [ZHONGXIN]),
    ("odlp", [ZHONGXIN]),
    ("新加坡 -陆海新通道", []),
    ("重庆", [YUAN, ZHONGXIN]),
    # words cut by the seed's page breaks
    ("全市各级各部门", [YUAN]),
    ("出入境人数占重庆出入境人数", [ZHONGXIN]),
    # traditional characters, full width, case
    ("互聯互通", [ZHONGXIN]),
    ("二十屆四中全會", [YUAN]),
    ("ＯＤＬＰ", [ZHONGXIN]),
    ("中国(重庆)", [ZHONGXIN]),
    # quotes, NOT, OR, +, fields
    ("“二十届四中全会要求”", [YUAN]),
    ('"首席记者 杨骏"', [ZHONGXIN]),
    ("新加坡 NOT 陆海新通道", []),
    ("重庆 -新加坡", [YUAN]),
    ("重庆 NOT 新加坡", [YUAN]),
    ("碳达峰 OR 陆海新通道", [ZHONGXIN, YUAN]),
    ("人工智能+", [YUAN]),
    ("+重庆 +新加坡", [ZHONGXIN]),
    ("标题:重庆", [YUAN]),
    ("title:中新", [ZHONGXIN]),
    ("作者:杨骏", [ZHONGXIN]),
    ("author:王天翊", [YUAN]),
    ("标题:新加坡", []),
    # substrings across jieba's word boundaries
    ("高新区宣讲", [YUAN]),
    ("重庆研究院", [ZHONGXIN]),
    # absent strings
    ("上海", []),
    ("重庆 上海", []),
    ('"重庆新加坡"', []),
]


@pytest.mark.parametrize(("query", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_behaviour_table(seeded_index, query, expected):
    outcome = search(query)
    assert titles(outcome) == expected
    assert outcome.count == len(expected)
    assert not outcome.fallback


def test_a_question_falls_back_to_partial_matches_ranked(seeded_index):
    outcome = search("重庆和新加坡的航班每周有多少班")
    assert outcome.fallback
    assert titles(outcome)[0] == ZHONGXIN
    assert "航班" in outcome.partial_words
    assert "的" not in outcome.partial_words


def test_an_unspaced_string_with_no_exact_match_falls_back_and_says_so(seeded_index):
    outcome = search("重庆新加坡")
    assert outcome.fallback
    assert outcome.partial_words == ["重庆", "新加坡"]
    assert titles(outcome) == [ZHONGXIN, YUAN]


def test_a_title_match_weighs_more_than_a_body_match(seeded_index):
    # Both articles print 重庆 in the body; only the 袁家军 title has it.
    assert titles(search("重庆"))[0] == YUAN
    # 中新 is in the other title.
    assert titles(search("中新 重庆"))[0] == ZHONGXIN


def test_snippets_mark_the_original_characters_and_link_to_the_paragraph(seeded_index):
    outcome = search("陸海新通道")
    (hit,) = outcome.hits
    html, href = hit.snippets[0]
    assert "<mark>陆海新通道</mark>" in html
    assert href.startswith(hit.link + "#s")
    assert "-p" in href


def test_full_width_query_marks_half_width_text(seeded_index):
    (hit,) = search("中国（重庆）").hits
    assert any("<mark>中国(重庆)</mark>" in html for html, _href in hit.snippets)


def test_page_break_words_are_highlighted_whole(seeded_index):
    (hit,) = search("保税航材分拨").hits
    assert any("<mark>保税航材分拨</mark>" in html for html, _href in hit.snippets)


def test_excluded_terms_are_not_highlighted(seeded_index):
    (hit,) = search("重庆 -新加坡").hits
    assert all("<mark>新加坡</mark>" not in html for html, _href in hit.snippets)


def test_plain_and_traditional_texts_are_marked_alike(seeded_index, engine):
    make_article(title="港聞", sections=[("", ["據《大公報》報道，香港經濟（ＧＤＰ）增長。"])])
    Indexer(engine).catch_up()
    by_title = {
        result.title: result.text_is_plain
        for result in SearchQuerySet(using=USING).filter(content=Exact("重庆"))
    }
    assert by_title == {YUAN: True, ZHONGXIN: True}  # the seed: simplified, plain
    (hit,) = search("经济 gdp").hits  # the traditional article's text is not plain
    assert any("<mark>經濟</mark>（<mark>ＧＤＰ</mark>）" in html for html, _href in hit.snippets)
    (hit,) = search("陆海新通道 互聯").hits
    assert any("<mark>陆海新通道</mark>" in html for html, _href in hit.snippets)


def test_facets_count_years_months_authors_and_publications(seeded_index):
    facets = search("重庆").facets
    assert facets["year"] == [("2025", 2)]
    assert facets["month"] == [("2025-11", 2)]
    assert sorted(facets["author"]) == [("李俊晓", 1), ("杨骏", 1), ("王天翊", 1)]
    assert facets["publication"] == [("重庆日报", 2)]


def test_a_searchs_facets_are_counted_once_for_its_pages_and_orders(
    seeded_index, engine, monkeypatch
):
    from articles.importer import Importer

    counted = []
    with_facets = searching._with_facets
    monkeypatch.setattr(
        searching, "_with_facets", lambda sqs, *every: counted.append(1) or with_facets(sqs, *every)
    )
    first = search("重庆")
    assert counted == [1]
    assert search("重庆", page="2").facets == first.facets  # no hits on page 2, same facets
    assert search("重庆", sort="newest").facets == first.facets
    assert counted == [1]
    assert search("重庆", author="杨骏").facets["publication"] == [("重庆日报", 1)]  # filtered
    assert len(counted) == 2
    # The index moves: the facets are counted again, on the new state.
    Importer(SEED_DATE).import_text("# 重庆简讯\n\n（记者 张三）重庆发布新消息。\n")
    Indexer(engine).catch_up()
    assert ("张三", 1) in search("重庆").facets["author"]
    assert len(counted) == 3


def test_authors_are_counted_only_up_to_the_bound_unless_asked(seeded_index, settings):
    settings.SEARCH_AUTHOR_FACET_MAX_MATCHES = 1
    broad = search("重庆")  # two matches: over the bound
    assert broad.count == 2
    assert broad.uncounted_facets == {"author": 1}
    assert broad.facets["author"] == []
    # Every other facet is still counted, exactly.
    assert broad.facets["publication"] == [("重庆日报", 2)]
    assert broad.facets["month"] == [("2025-11", 2)]
    narrow = search("陆海新通道")  # one match: within it
    assert narrow.uncounted_facets == {}
    assert sorted(narrow.facets["author"]) == [("李俊晓", 1), ("杨骏", 1)]
    asked = search("重庆", facets="all")
    assert asked.uncounted_facets == {}
    assert sorted(asked.facets["author"]) == [("李俊晓", 1), ("杨骏", 1), ("王天翊", 1)]
    # A search kept with its facets keeps what it left uncounted.
    assert search("重庆", page="2").uncounted_facets == {"author": 1}
    assert search("重庆", facets="all", page="2").facets["author"] == asked.facets["author"]


def test_a_facets_bound_is_the_same_on_every_engine(seeded_index, settings):
    """The bound is haystack's facet option max_matches: both backends answer it alike."""
    from haystack.query import SearchQuerySet

    from articles.models import Article

    sqs = SearchQuerySet(using=USING).models(Article).filter(content="重庆")
    counts = sqs.facet("author", max_matches=1).facet("publication").facet_counts()
    assert counts["uncounted"] == {"author": 1}
    assert "author" not in counts["fields"]
    assert counts["fields"]["publication"] == [("重庆日报", 2)]
    counts = sqs.facet("author", max_matches=2).facet_counts()
    assert counts["uncounted"] == {}
    assert len(counts["fields"]["author"]) == 3


def test_facets_are_counted_for_every_search_when_not_kept(seeded_index, settings, monkeypatch):
    settings.SEARCH_FACET_CACHE = False
    counted = []
    with_facets = searching._with_facets
    monkeypatch.setattr(
        searching, "_with_facets", lambda sqs, *every: counted.append(1) or with_facets(sqs, *every)
    )
    assert search("重庆").facets == search("重庆", page="2").facets
    assert counted == [1, 1]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"author": "杨骏"}, [ZHONGXIN]),
        ({"publication": "重庆日报"}, [YUAN, ZHONGXIN]),
        ({"year": "2025"}, [YUAN, ZHONGXIN]),
        ({"month": "2025-10"}, []),
        ({"from": "2025-11-11", "to": "2025-11-11"}, [YUAN, ZHONGXIN]),
        ({"from": "2025-11-12"}, []),
        ({"to": "2025-11-10"}, []),
    ],
)
def test_filters(seeded_index, extra, expected):
    assert titles(search("重庆", **extra)) == expected


def test_sort_by_date(seeded_index, engine):
    from articles.models import Article

    Article.objects.filter(title=ZHONGXIN).update(published_on="2025-11-12")
    Indexer(engine).catch_up()
    assert titles(search("重庆", sort="newest")) == [ZHONGXIN, YUAN]
    assert titles(search("重庆", sort="oldest")) == [YUAN, ZHONGXIN]


def test_invalid_parameters_are_dropped_with_a_message(seeded_index):
    form = searching.SearchForm({"q": "重庆", "from": "yesterday", "sort": "sideways", "page": "0"})
    assert not form.is_valid()
    assert set(form.errors) == {"from_", "sort", "page"}
    assert titles(searching.run(form.params(), using=USING)) == [YUAN, ZHONGXIN]


def test_the_query_explanation_shows_normalisation_and_words(seeded_index):
    explanation = search("互聯互通 新质生产力").explanation
    assert explanation[0]["normalized"] == "互联互通"
    assert explanation[1]["normalized"] == ""
    assert explanation[1]["words"] == ["新质生产力"]
