"""Template helpers for reader pages."""

import re

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from articles import metadata

register = template.Library()


@register.simple_tag
def byline(article):
    """The byline as printed, with each author's name linked to their page.

    Every piece of printed text is escaped; only the links are markup.
    """
    lines = list(article.bylines.all())
    if not article.byline:
        return format_html_join(
            " ",
            '{} <a href="{}">{}</a>',
            ((line.role, line.author.get_absolute_url(), line.author.name) for line in lines),
        )
    links = {line.author.name: line.author.get_absolute_url() for line in lines}
    if not links:
        return article.byline
    names = re.compile("|".join(re.escape(name) for name in sorted(links, key=len, reverse=True)))
    pieces, position = [], 0
    for match in names.finditer(article.byline):
        pieces.append(conditional_escape(article.byline[position : match.start()]))
        pieces.append(format_html('<a href="{}">{}</a>', links[match[0]], match[0]))
        position = match.end()
    pieces.append(conditional_escape(article.byline[position:]))
    return mark_safe("".join(str(piece) for piece in pieces))  # noqa: S308  (escaped above)


@register.inclusion_tag("articles/includes/_citation_meta.html")
def citation_meta(article):
    """The article's Highwire tags, JSON-LD and canonical link, for the page's <head>."""
    return {
        "canonical": metadata.absolute(article.get_absolute_url()),
        "tags": metadata.highwire(article),
        "json_ld": metadata.json_ld(metadata.news_article(article)),
    }
