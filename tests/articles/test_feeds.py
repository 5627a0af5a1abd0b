"""Atom feeds (parsed with feedparser), sitemap.xml (parsed as XML) and robots.txt."""

import xml.etree.ElementTree as ET

import feedparser
from django.conf import settings

from tests.conftest import YUAN, ZHONGXIN

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_the_archive_feed(client, seed_articles):
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert {entry.title for entry in feed.entries} == {ZHONGXIN, YUAN}
    entry = next(entry for entry in feed.entries if entry.title == ZHONGXIN)
    article = seed_articles[ZHONGXIN]
    assert entry.link == settings.SITE_URL + article.get_absolute_url()
    assert entry.id == f"{settings.SITE_URL}/a/{article.pk}/"
    assert entry.published.startswith("2025-11-11")


def test_an_authors_feed_and_its_link(client, seed_articles):
    author = seed_articles[ZHONGXIN].bylines.first().author
    feed = feedparser.parse(client.get(f"/authors/{author.slug}/feed/").content)
    assert [entry.title for entry in feed.entries] == [ZHONGXIN]
    page = client.get(author.get_absolute_url()).content.decode()
    assert f'href="/authors/{author.slug}/feed/"' in page
    assert client.get("/authors/nobody/feed/").status_code == 404


def test_a_search_feed_is_a_saved_search(client, seeded_index):
    feed = feedparser.parse(client.get("/search/feed/", {"q": "陆海新通道"}).content)
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == [ZHONGXIN]
    assert "陆海新通道" in feed.feed.title
    page = client.get("/search/", {"q": "陆海新通道"}).content.decode()
    assert 'type="application/atom+xml"' in page and "/search/feed/?q=" in page
    assert feedparser.parse(client.get("/search/feed/").content).entries == []


def test_the_sitemap_lists_every_published_article(client, seed_articles):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    sections = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert f"{settings.SITE_URL}/sitemap-articles.xml" in sections
    urls = set()
    for section in sections:
        path = section.removeprefix(settings.SITE_URL)
        tree = ET.fromstring(client.get(path).content)
        urls |= {loc.text for loc in tree.iter(f"{SITEMAP}loc")}
    for article in seed_articles.values():
        assert settings.SITE_URL + article.get_absolute_url() in urls
    assert all(url.startswith(settings.SITE_URL) for url in urls)


def test_robots_txt_points_at_the_sitemap(client, db):
    body = client.get("/robots.txt").content.decode()
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in body
    assert "Disallow: /admin/" in body


def test_a_sitemap_section_takes_a_fixed_number_of_queries(
    client, seed_articles, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        client.get("/sitemap-articles.xml")
