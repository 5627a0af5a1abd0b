"""fixtures/seed.json is what importing the seed gives; fixtures/README.md says how to remake it."""

import json

from django.core.management import call_command

from articles.importer import Importer
from articles.management.commands.load_seed import SEED_FIXTURE
from articles.models import Article, Author, Publication
from tests.conftest import SEED_DATE, SEED_PATH


def canonical():
    """Every article with its sections, bylines and figures: content only, no keys or timestamps."""
    articles = Article.objects.select_related("publication").order_by("published_on", "slug")
    return [
        {
            "publication": (article.publication.name, article.publication.slug),
            "article": (
                article.title,
                article.deck,
                article.slug,
                article.published_on,
                article.byline,
                article.source,
                article.status,
            ),
            "bylines": [
                (byline.position, byline.role, byline.author.name, byline.author.slug)
                for byline in article.bylines.select_related("author")
            ],
            "sections": [
                (section.position, section.anchor, section.heading, section.body)
                for section in article.sections.all()
            ],
            "figures": [
                (
                    figure.section.anchor,
                    figure.paragraph,
                    figure.position,
                    figure.text,
                    figure.value,
                    figure.value_from,
                    figure.unit,
                    figure.qualifier,
                    figure.label,
                    figure.sentence,
                    figure.key,
                    figure.is_edited,
                    figure.is_hidden,
                )
                for figure in article.figures.select_related("section")
            ],
        }
        for article in articles
    ]


def test_importing_the_seed_reproduces_the_fixture(db):
    Importer(SEED_DATE).import_file(SEED_PATH)
    imported = canonical()
    assert [len(article["sections"]) for article in imported] == [1, 4]

    Article.objects.all().delete()
    Author.objects.all().delete()
    Publication.objects.all().delete()
    call_command("load_seed", verbosity=0)

    assert canonical() == imported


def test_the_fixture_holds_the_articles_and_not_the_change_log():
    models = {entry["model"] for entry in json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))}
    assert models == {
        "articles.publication",
        "articles.author",
        "articles.article",
        "articles.byline",
        "articles.section",
        "articles.figure",
    }
