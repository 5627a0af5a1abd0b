"""What an article page tells citation managers and search engines about the article.

Zotero's Embedded Metadata translator (and Google Scholar) read the Highwire ``citation_*`` meta
tags; search engines read schema.org's ``NewsArticle`` in JSON-LD. Both name the stable address
(``/a/<id>/``), which survives a change of the article's slug.
"""

import json

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe

# Characters that could end a <script> element or start markup, as JSON escapes.
_SCRIPT_SAFE = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute(path):
    """``path`` as a full URL of the site (settings.SITE_URL), whatever Host the client sent."""
    return settings.SITE_URL.rstrip("/") + path


def stable_url(article):
    return absolute(reverse("articles:permalink", kwargs={"pk": article.pk}))


def authors(article):
    """The names of the people the article credits, in byline order."""
    return [byline.author.name for byline in article.bylines.all()]


def highwire(article):
    """(name, content) of the Highwire citation_* meta tags, one author tag per author."""
    tags = [
        ("citation_title", article.title),
        *(("citation_author", name) for name in authors(article)),
        ("citation_publication_date", f"{article.published_on:%Y/%m/%d}"),
        ("citation_date", f"{article.published_on:%Y/%m/%d}"),
        ("citation_journal_title", article.publication.name),
        ("citation_publisher", article.publication.name),
        ("citation_language", article.script),
        ("citation_public_url", stable_url(article)),
        ("citation_abstract_html_url", stable_url(article)),
    ]
    return [(name, content) for name, content in tags if content]


def news_article(article):
    """schema.org NewsArticle, as a JSON-LD object."""
    return {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        **({"alternativeHeadline": article.deck} if article.deck else {}),
        "datePublished": article.published_on.isoformat(),
        "dateModified": article.updated_at.isoformat(),
        "inLanguage": article.script,
        "author": [{"@type": "Person", "name": name} for name in authors(article)],
        "publisher": {"@type": "Organization", "name": article.publication.name},
        "isPartOf": {"@type": "Periodical", "name": article.publication.name},
        "url": stable_url(article),
        "mainEntityOfPage": absolute(article.get_absolute_url()),
    }


def json_ld(data):
    """``data`` as the body of a <script type="application/ld+json"> element, safely."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_SAFE))  # noqa: S308
