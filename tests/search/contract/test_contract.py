"""The contract a search engine behind haystack keeps for the archive, run on every engine.

Each test runs on tantivy (the archive's engine), on OpenSearch (a real node: see
tests/opensearch_node.py) and on haystack's own Whoosh backend, through
the same code the site uses: haystack's public API (search.searching, SearchQuerySet) and the
capabilities of search.capabilities, with their fallbacks where an engine lacks them. Whoosh's
known gaps are expected failures (strict: a gap that closes fails the run) that say why.
"""

import pytest
from haystack.inputs import Exact
from haystack.query import SearchQuerySet

from articles import changes
from articles.models import Article, Section
from search import capabilities, kwic, searching
from search.indexer import Indexer
from tests.conftest import YUAN, ZHONGXIN

ENGINES = ["default", "opensearch", "whoosh"]

NO_CHINESE_WORDS = (
    "Whoosh's StemmingAnalyzer (which haystack hard-codes) cuts no Chinese words: a run of Han "
    "characters is one term, so a string inside it is not found"
)
NO_NORMALISATION = "Whoosh cuts no Chinese words and does not map traditional characters"
ANALYSED_FACETS = (
    "haystack's Whoosh backend analyses facet fields: the month 2025-11 is counted as the two "
    "terms 2025 and 11"
)


def known_gap(engine, reason):
    return pytest.mark.known_gap(engine=engine, reason=reason)


@pytest.fixture(params=ENGINES)
def engine(request, db):
    gap = request.node.get_closest_marker("known_gap")
    if gap and gap.kwargs["engine"] == request.param:
        request.applymarker(pytest.mark.xfail(reason=gap.kwargs["reason"], strict=True))
    if request.param == "opensearch":
        request.getfixturevalue("opensearch_node")
        Indexer(using="opensearch").rebuild()  # the index outlives the test's database
    return request.param


@pytest.fixture
def indexed(engine, seed_articles):
    """The seed articles, indexed on ``engine`` by the indexer, as the site indexes them.

    One paragraph in English gives every engine words it can cut.
    """
    lead = Section.objects.filter(article__title=ZHONGXIN).order_by("position").first()
    lead.body += "\n\nThe ODLP pilot opened in Chongqing."
    lead.save()
    indexer = Indexer(using=engine)
    indexer.catch_up()
    return engine


def search(engine, q="", **params):
    form = searching.SearchForm({"q": q, **params})
    form.is_valid()
    return searching.run(form.params(), using=engine)


def titles(outcome):
    return [hit.title for hit in outcome.hits]


@known_gap("whoosh", NO_CHINESE_WORDS)
def test_an_exact_chinese_string_inside_words(indexed):
    assert titles(search(indexed, "陆海新通道")) == [ZHONGXIN]
    assert titles(search(indexed, '"互联互通项目"')) == [ZHONGXIN]


@known_gap("whoosh", NO_NORMALISATION)
def test_traditional_and_full_width_forms_match(indexed):
    assert titles(search(indexed, "陸海新通道")) == [ZHONGXIN]
    assert titles(search(indexed, "ＯＤＬＰ")) == [ZHONGXIN]


def test_a_latin_word_in_any_case(indexed):
    assert titles(search(indexed, "odlp")) == [ZHONGXIN]
    assert titles(search(indexed, "ODLP")) == [ZHONGXIN]


@known_gap("whoosh", NO_CHINESE_WORDS)
def test_and_or_not(indexed):
    assert titles(search(indexed, "重庆 新加坡")) == [ZHONGXIN]
    assert sorted(titles(search(indexed, "碳达峰 OR ODLP"))) == sorted([ZHONGXIN, YUAN])
    assert titles(search(indexed, "重庆 -新加坡")) == [YUAN]


@known_gap("whoosh", NO_CHINESE_WORDS)
def test_proximity(indexed):
    # 以重庆、新加坡‘双枢纽’为…: one character between them.
    assert titles(search(indexed, '"重庆 新加坡"~1')) == [ZHONGXIN]
    assert titles(search(indexed, "新加坡 NEAR/1 重庆")) == [ZHONGXIN]
    assert titles(search(indexed, "碳达峰 NEAR/20 新加坡")) == []
    assert titles(search(indexed, "碳达峰 -(碳达峰 NEAR/20 新加坡)")) == [YUAN]


@known_gap("whoosh", NO_CHINESE_WORDS)
def test_fields(indexed):
    assert titles(search(indexed, "标题:中新")) == [ZHONGXIN]
    assert titles(search(indexed, "作者:李俊晓")) == [ZHONGXIN]


def test_filters_without_a_query_order_and_count(indexed):
    everything = search(indexed, **{"from": "2025-11-01", "to": "2025-11-30"})
    assert everything.count == 2
    assert search(indexed, **{"from": "2025-11-12"}).count == 0
    assert search(indexed, year="2025", sort="newest").count == 2


@known_gap("whoosh", ANALYSED_FACETS)
def test_facets(indexed):
    facets = search(indexed, year="2025").facets
    assert facets["year"] == [("2025", 2)]
    assert sorted(facets["author"]) == [("李俊晓", 1), ("杨骏", 1), ("王天翊", 1)]
    assert facets["publication"] == [("重庆日报", 2)]


def test_snippets_mark_the_match_and_link_its_paragraph(indexed):
    (hit,) = search(indexed, "ODLP").hits
    assert hit.snippets
    for html, href in hit.snippets:
        assert "<mark>ODLP</mark>" in html
        assert href.startswith(hit.link + "#s")


def test_keyword_in_context(indexed):
    form = searching.SearchForm({"q": "ODLP"})
    form.is_valid()
    concordance = kwic.concordance(form.params(), using=indexed)
    assert concordance.lines
    assert {line.match for line in concordance.lines} == {"ODLP"}
    assert all(line.title == ZHONGXIN for line in concordance.lines)


def test_the_index_knows_how_far_it_has_read_the_log(indexed):
    state = capabilities.index_state(capabilities.backend(indexed))
    assert state.checkpoint == changes.latest_id()


def test_the_indexer_applies_an_edit(indexed):
    section = Section.objects.filter(article__title=YUAN).first()
    section.body += "\n\nA paragraph about ZEBRAS."
    section.save()
    Indexer(using=indexed).catch_up()
    assert titles(search(indexed, "zebras")) == [YUAN]
    Article.objects.filter(title=YUAN).delete()
    Indexer(using=indexed).catch_up()
    assert titles(search(indexed, "zebras")) == []


def test_a_title_that_starts_so(indexed):
    found = SearchQuerySet(using=indexed).models(Article).filter(title__startswith="重庆")
    assert [result.title for result in found] == []
    found = SearchQuerySet(using=indexed).models(Article).filter(title__startswith="中新互联")
    assert [result.title for result in found] == [ZHONGXIN]


@known_gap("whoosh", NO_CHINESE_WORDS)
def test_more_like_this(indexed):
    yuan = Article.objects.get(title=YUAN)
    related = SearchQuerySet(using=indexed).more_like_this(yuan)
    assert [result.title for result in related] == [ZHONGXIN]


def test_exact_filter_on_a_facet_value(indexed):
    found = SearchQuerySet(using=indexed).models(Article).filter(author_exact=Exact("杨骏"))
    assert [result.title for result in found] == [ZHONGXIN]
