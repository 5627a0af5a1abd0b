"""The related-articles list on the article page, from the search index."""

import logging

from django import template
from haystack.query import SearchQuerySet

register = template.Library()
log = logging.getLogger(__name__)

RELATED_COUNT = 5


@register.inclusion_tag("search/includes/_related.html")
def related_articles(article):
    try:
        related = list(SearchQuerySet().more_like_this(article)[:RELATED_COUNT])
    except Exception:
        # Related articles are a comfort; a missing or rebuilding index must not break the page.
        log.exception("Could not find related articles for article %s", article.pk)
        related = []
    return {"related": related}
