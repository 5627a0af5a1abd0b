"""Whole-page caching: a cached page costs one query, and any saved article makes it stale."""

from django.utils.html import escape

from articles import views
from tests.articles.factories import make_article
from tests.conftest import ZHONGXIN

ZHONGXIN_URL = "/2025/11/11/zhong-xin-hu-lian-hu-tong-xiang-mu-10-nian-he/"


def test_a_cached_page_is_served_without_rendering(
    client, seed_articles, django_assert_num_queries, monkeypatch
):
    first = client.get(ZHONGXIN_URL)
    assert first.status_code == 200

    def no_rendering(*args, **kwargs):
        raise AssertionError("the cached page was rendered again")

    monkeypatch.setattr(views, "render", no_rendering)
    with django_assert_num_queries(1):  # the change-log id
        second = client.get(ZHONGXIN_URL)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "no-cache" in second["Cache-Control"]


def test_saving_an_article_invalidates_every_page(client, seed_articles):
    for url in ("/", ZHONGXIN_URL):
        assert "改过的标题" not in client.get(url).text
    article = seed_articles[ZHONGXIN]
    article.title = "改过的标题"
    article.save()
    for url in ("/", ZHONGXIN_URL):
        assert "改过的标题" in client.get(url).text


def test_editing_a_section_invalidates_the_article(client, seed_articles):
    assert "改过的段落" not in client.get(ZHONGXIN_URL).text
    section = seed_articles[ZHONGXIN].sections.get(anchor="s4")
    section.body += "\n\n改过的段落。"
    section.save()
    assert "改过的段落" in client.get(ZHONGXIN_URL).text


def test_a_new_article_appears_on_cached_lists(client, seed_articles):
    assert client.get("/2025/11/11/").status_code == 200
    make_article("新来的<文章>")
    assert escape("新来的<文章>") in client.get("/2025/11/11/").text


def test_query_strings_are_cached_separately(client, seed_articles):
    assert client.get("/authors/yang-jun/").status_code == 200
    assert client.get("/authors/yang-jun/", {"page": 9}).status_code == 404


def test_errors_are_not_cached(client, seed_articles):
    assert client.get("/authors/zhang-san/").status_code == 404
    make_article("第二天的", authors=[("张三", "记者")])
    assert client.get("/authors/zhang-san/").status_code == 200


def test_head_is_served_from_the_cache(client, seed_articles, django_assert_num_queries):
    assert client.get("/").status_code == 200
    with django_assert_num_queries(1):
        response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""
