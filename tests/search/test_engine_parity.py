"""tantivy and OpenSearch answer every query alike: the same articles (and key figures),
counts and facets.

A generated corpus in the seed's format (bench/corpus.py, with the benchmark's query classes
chosen for it) and the seed articles are indexed on both engines by the indexer; then every
query, through the site's own search (search.searching.run), must find the same set of
articles on both. Ranking may differ (BM25 over the same words, computed by two engines), so
the order is not compared, except where the query asks for one.
"""

import datetime

import pytest

from articles.importer import Importer
from search import figures, searching
from search.indexer import Indexer
from tests.conftest import SEED_DATE, SEED_PATH
from tests.search.test_behaviour import TABLE

pytestmark = pytest.mark.slow

ARTICLES = 400
# Beyond the benchmark's classes: the query language's operators, fields and filters.
LANGUAGE = [
    ("重庆 OR 新加坡", {}),
    ("重庆 -新加坡", {}),
    ("(陆海 OR 通道) NOT 重庆", {}),
    ('"重庆 新加坡"~1', {}),
    ("重庆 NEAR/5 发展", {}),
    ("标题:重庆", {}),
    ("作者:杨骏", {}),
    ("重庆*", {}),
    ("城", {"sort": "newest"}),
    ("港", {"sort": "oldest", "from": "2012-01-01", "to": "2019-12-31"}),
    ("", {"year": "2015"}),
    ("", {"month": "2025-11"}),
    ("发展", {"publication": "重庆日报"}),
]


@pytest.fixture
def corpus(db, opensearch_node, tmp_path):
    from bench.corpus import generate

    generated = generate(ARTICLES, tmp_path / "corpus")
    for path in sorted(generated.path.glob("*.txt")):
        Importer(datetime.date.fromisoformat(path.stem)).import_file(path)
    Importer(SEED_DATE).import_file(SEED_PATH)
    for using in ("default", "figures"):
        Indexer(using).catch_up()
    for using in ("opensearch", "opensearch_figures"):
        Indexer(using).rebuild()
    return generated


def run(q, params, using):
    form = searching.SearchForm({"q": q, **params})
    assert form.is_valid(), form.errors
    return searching.run(form.params(), page_size=2 * ARTICLES, using=using)


def test_both_engines_find_the_same_articles(corpus):
    queries = [(query.q, query.params) for query in corpus.queries]
    queries += [(q, {}) for q, _expected in TABLE] + LANGUAGE
    compared = 0
    for q, params in queries:
        tantivy, opensearch = run(q, params, "default"), run(q, params, "opensearch")
        label = f"{q!r} {params}"
        assert tantivy.count == opensearch.count, label
        assert {hit.pk for hit in tantivy.hits} == {hit.pk for hit in opensearch.hits}, label
        assert tantivy.fallback == opensearch.fallback, label
        assert tantivy.facets == opensearch.facets, label
        if params.get("sort"):
            assert [hit.published_on for hit in tantivy.hits] == [
                hit.published_on for hit in opensearch.hits
            ], label
        compared += bool(tantivy.count)
    assert compared > len(queries) // 2  # most queries find something: the sets mean something


def test_both_engines_mark_the_same_snippets(corpus):
    for query in corpus.queries[:10]:
        tantivy = run(query.q, query.params, "default")
        opensearch = run(query.q, query.params, "opensearch")
        by_pk = {hit.pk: hit.snippets for hit in opensearch.hits}
        for hit in tantivy.hits:
            assert by_pk[hit.pk] == hit.snippets, query.q


FIGURE_QUERIES = [
    {},
    {"q": "重庆"},
    {"unit": "亿元"},
    {"unit": "%", "min": "5", "max": "50"},
    {"min": "1000", "sort": "largest"},
    {"q": "增长", "sort": "oldest", "year": "2016"},
    {"publication": "重庆日报", "unit": "万人"},
]


def test_both_engines_find_the_same_figures(corpus):
    compared = 0
    for params in FIGURE_QUERIES:
        form = figures.FigureForm(params)
        assert form.is_valid(), form.errors
        found = {
            using: figures.run(form.params(), page_size=5000, using=using)
            for using in ("figures", "opensearch_figures")
        }
        tantivy, opensearch = found["figures"], found["opensearch_figures"]
        assert tantivy.count == opensearch.count, params
        assert sorted(map(repr, tantivy.hits)) == sorted(map(repr, opensearch.hits)), params
        assert tantivy.facets == opensearch.facets, params
        compared += bool(tantivy.count)
    assert compared >= len(FIGURE_QUERIES) - 2
