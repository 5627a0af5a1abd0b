"""404 and 500 pages: unknown addresses, impossible dates, drafts, and a server error."""

import pytest
from django.test import RequestFactory
from django.utils.html import escape
from django.utils.translation import gettext
from django.views.defaults import server_error

from articles.models import Article
from tests.articles.factories import make_article
from tests.articles.html import page

ZHONGXIN_URL = "/2025/11/11/zhong-xin-hu-lian-hu-tong-xiang-mu-10-nian-he/"


@pytest.mark.parametrize(
    "url",
    [
        "/no-such-page/",
        "/2025/11/11/no-such-slug/",
        "/2025/11/12/zhong-xin-hu-lian-hu-tong-xiang-mu-10-nian-he/",  # right slug, wrong day
        "/2025/02/30/",
        "/2025/13/",
        "/2025/00/",
        "/2025/11/00/",
        "/0000/",
        "/9999/12/",
        "/2024/",  # a valid year with nothing published
        "/2025/10/",
        "/2025/02/30/",
        "/authors/nobody/",
        "/authors/yang-jun/?page=0",
        "/authors/yang-jun/?page=abc",
        "/2025/11/?page=99",
        "/25/11/11/",
    ],
)
def test_not_found(client, seed_articles, url):
    response = client.get(url)
    assert response.status_code == 404
    assert escape(gettext("Page not found")) in response.text


def test_a_draft_is_not_found(client, db):
    draft = make_article("草稿", status=Article.Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "草稿" not in client.get("/2025/11/11/").content.decode()  # its day shows nothing


def test_not_found_page_is_a_whole_page(client, db):
    html = page(client.get("/no-such-page/"))
    assert html.one("html").attrs["lang"] == "zh-Hans"
    assert html.one("h1").text == gettext("Page not found")
    assert "/archive/" in html.by_id("main").hrefs
    for landmark in ("header", "nav", "main", "footer"):
        assert html.find_all(landmark)


def test_server_error_page(client, db, monkeypatch):
    def broken(article):
        raise RuntimeError("the figures table is gone")

    article = make_article("会出错的文章")
    monkeypatch.setattr("articles.reading.read", broken)
    client.raise_request_exception = False
    response = client.get(article.get_absolute_url())
    assert response.status_code == 500
    html = page(response)
    assert html.one("html").attrs["lang"] == "zh-Hans"
    assert html.one("h1").text == gettext("Server error")
    assert "the figures table is gone" not in response.text


def test_server_error_page_needs_no_request_context_or_database():
    # No database here: any query would fail this test.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert escape(gettext("Server error")) in response.content.decode()
