"""What an article page tells citation managers: Highwire tags, JSON-LD, canonical, /a/<id>/."""

import json

from django.conf import settings

from articles.models import Article
from tests.articles.html import page
from tests.conftest import YUAN, ZHONGXIN


def head_of(client, article):
    return page(client.get(article.get_absolute_url()))


def meta(html, name):
    return [tag.attrs["content"] for tag in html.find_all("meta") if tag.attrs.get("name") == name]


def test_highwire_tags_name_the_newspaper_article(client, seed_articles):
    article = seed_articles[ZHONGXIN]
    html = head_of(client, article)
    assert meta(html, "citation_title") == [ZHONGXIN]
    assert meta(html, "citation_author") == ["杨骏", "李俊晓"]  # one tag each, in byline order
    assert meta(html, "citation_publication_date") == ["2025/11/11"]
    assert meta(html, "citation_journal_title") == ["重庆日报"]
    assert meta(html, "citation_language") == ["zh-Hans"]
    stable = f"{settings.SITE_URL}/a/{article.pk}/"
    assert meta(html, "citation_public_url") == [stable]


def test_json_ld_and_canonical(client, seed_articles):
    article = seed_articles[YUAN]
    response = client.get(article.get_absolute_url())
    body = response.content.decode()
    start = body.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    data = json.loads(body[start : body.index("</script>", start)])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == YUAN
    assert data["datePublished"] == "2025-11-11"
    assert data["publisher"]["name"] == "重庆日报"
    assert data["url"] == f"{settings.SITE_URL}/a/{article.pk}/"
    canonical = f'<link rel="canonical" href="{settings.SITE_URL}{article.get_absolute_url()}">'
    assert canonical in body


def test_json_ld_cannot_end_its_script(client, db):
    from tests.articles.factories import make_article

    article = make_article("标题</script><script>alert(1)</script>")
    body = client.get(article.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in body
    assert "\\u003C/script\\u003E" in body


def test_the_stable_address_survives_a_slug_edit(client, seed_articles):
    article = seed_articles[ZHONGXIN]
    assert client.get(f"/a/{article.pk}/").url == article.get_absolute_url()
    Article.objects.filter(pk=article.pk).update(slug="xin-de-lian-jie")
    article.refresh_from_db()
    response = client.get(f"/a/{article.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == "/2025/11/11/xin-de-lian-jie/"
    assert response.status_code == 200
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert client.get(f"/a/{article.pk}/").status_code == 404
    assert client.get("/a/999999/").status_code == 404
