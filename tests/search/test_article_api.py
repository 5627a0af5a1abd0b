"""/api/articles/<id>/: an article as JSON and as plain text."""

from django.conf import settings

from articles.models import Article
from tests.conftest import ZHONGXIN


def test_an_article_as_json(client, seed_articles):
    article = seed_articles[ZHONGXIN]
    data = client.get(f"/api/articles/{article.pk}/").json()
    assert data["title"] == ZHONGXIN
    assert data["published_on"] == "2025-11-11"
    assert data["stable_url"] == f"{settings.SITE_URL}/a/{article.pk}/"
    assert [author["name"] for author in data["authors"]] == ["杨骏", "李俊晓"]
    sections = article.sections.order_by("position")
    assert [section["anchor"] for section in data["sections"]] == [s.anchor for s in sections]
    first = sections[0]
    assert [p["text"] for p in data["sections"][0]["paragraphs"]] == first.paragraphs
    assert data["sections"][0]["paragraphs"][0]["anchor"] == first.paragraph_anchor(1)
    assert len(data["figures"]) == article.figures.count()
    figure = next(figure for figure in data["figures"] if figure["printed"] == "260亿美元")
    assert figure["value"] == "26000000000" and figure["unit"] == "美元"
    assert figure["url"].startswith(settings.SITE_URL + article.get_absolute_url() + "#fig-")


def test_an_article_as_text(client, seed_articles):
    article = seed_articles[ZHONGXIN]
    response = client.get(f"/api/articles/{article.pk}/", {"format": "text"})
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert text.startswith(ZHONGXIN + "\n")
    for section in article.sections.all():
        for paragraph in section.paragraphs:
            assert paragraph in text


def test_drafts_and_unknown_articles_are_not_found(client, seed_articles):
    article = seed_articles[ZHONGXIN]
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    response = client.get(f"/api/articles/{article.pk}/")
    assert response.status_code == 404
    assert "error" in response.json()
    assert client.get("/api/articles/999999/").status_code == 404
