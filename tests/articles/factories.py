"""Small builders for articles in tests: only what a test names, sensible defaults for the rest."""

import datetime
import itertools

from articles import services
from articles.models import Article, Author, Byline, Publication, Section

DEFAULT_DATE = datetime.date(2025, 11, 11)
_numbers = itertools.count(1)


def make_publication(name="重庆日报", slug="chong-qing-ri-bao"):
    publication, _created = Publication.objects.get_or_create(name=name, defaults={"slug": slug})
    return publication


def make_article(
    title=None,
    *,
    sections=None,
    authors=(),
    published_on=DEFAULT_DATE,
    status=Article.Status.PUBLISHED,
    publication=None,
    **fields,
):
    """An article with sections ``[(heading, [paragraph, …])]`` and authors ``[(name, role)]``.

    Figures are extracted from the text, as the importer and the admin do.
    """
    if title is None:
        title = f"测试文章{next(_numbers)}"
    if sections is None:
        sections = [("", ["今年1—10月,果园港完成集装箱吞吐量120万标箱,同比增长18%。"])]
    article = Article.objects.create(
        title=title,
        published_on=published_on,
        status=status,
        publication=publication or make_publication(),
        **fields,
    )
    for position, (heading, paragraphs) in enumerate(sections, start=1):
        Section.objects.create(
            article=article, position=position, heading=heading, body="\n\n".join(paragraphs)
        )
    for position, (name, role) in enumerate(authors):
        author, _created = Author.objects.get_or_create(name=name)
        Byline.objects.create(article=article, author=author, role=role, position=position)
    services.refresh_figures(article)  # as the admin does after a save
    return article
