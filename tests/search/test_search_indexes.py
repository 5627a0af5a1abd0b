"""The indexes' prepared data: what haystack's generic prepare() gives, from a plan."""

import pytest
from haystack import indexes
from haystack.exceptions import SearchFieldError

from articles.models import Article
from search.indexer import _figures
from search.search_indexes import (
    CONTENT_HASH,
    ArticleIndex,
    FigureIndex,
    HashedIndex,
    content_hash,
)

from ..articles.factories import make_article


def haystack_prepare(index, obj):
    """haystack's own prepare(), field by field, and the digest HashedIndex adds."""
    data = indexes.SearchIndex.prepare(index, obj)
    index.complete(data)
    data[CONTENT_HASH] = content_hash(data)
    return data


def haystacks(index):
    """``index`` with haystack's own prepare()."""

    class Generic(type(index)):
        def prepare(self, obj):
            self.prepared_data = haystack_prepare(self, obj)
            return self.prepared_data

    return Generic()


def test_articles_and_figures_prepare_as_haystack_does(seed_articles):
    articles = list(Article.objects.published().with_sections().order_by("pk"))
    figures = list(_figures(articles))
    assert figures
    for index, objects in ((ArticleIndex(), articles), (FigureIndex(), figures)):
        for obj in objects:
            prepared = index.prepare(obj)
            expected = haystack_prepare(index, obj)
            assert prepared == expected
            assert list(prepared) == list(expected)  # the same order of fields
            assert index.full_prepare(obj) == haystacks(index).full_prepare(obj)


def test_empty_and_missing_values_take_haystacks_path(db):
    article = make_article(deck="", byline="")
    index = ArticleIndex()
    assert index.prepare(article) == haystack_prepare(index, article)
    assert index.full_prepare(article) == haystacks(index).full_prepare(article)
    article.deck = None  # None at the end of a lookup: haystack refuses it without null=True
    with pytest.raises(SearchFieldError):
        haystack_prepare(index, article)
    with pytest.raises(SearchFieldError):
        index.prepare(article)


def test_a_relation_missing_on_the_way_takes_haystacks_path(db):
    class Titles(indexes.SearchIndex):
        text = indexes.CharField(document=True, model_attr="title")
        publication = indexes.CharField(model_attr="publication__name", null=True)

        def get_model(self):
            return Article

    class PlannedTitles(Titles):
        prepare = ArticleIndex.prepare
        _content_type = ArticleIndex._content_type
        _preparers = ArticleIndex._preparers
        _field_preparer = ArticleIndex._field_preparer
        complete = HashedIndex.complete

    article = make_article()
    planned = PlannedTitles().prepare(article)
    expected = indexes.SearchIndex.prepare(Titles(), article)
    assert planned.pop(CONTENT_HASH) == content_hash(expected)
    assert planned == expected
    # An article without its publication: haystack finds no attribute there, and says so.
    article.publication = None
    with pytest.raises(SearchFieldError):
        indexes.SearchIndex.prepare(Titles(), article)
    with pytest.raises(SearchFieldError):
        PlannedTitles().prepare(article)


def test_an_article_records_whether_its_text_is_plain(db):
    def article(paragraph):
        return make_article(sections=[("", [paragraph])])

    index = ArticleIndex()
    # Width and case only: full-width punctuation and digits, capitals.
    assert index.full_prepare(article("GDP增长５.２%，同比（上年）提高。"))["text_is_plain"] is True
    assert index.full_prepare(article("據《大公報》報道，經濟增長。"))["text_is_plain"] is False
    assert index.full_prepare(article("轨道交通①号线开通。"))["text_is_plain"] is False  # NFKC
