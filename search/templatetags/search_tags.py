"""What search adds to the article page: related articles, and the reader's query marked."""

import logging

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from haystack.query import SearchQuerySet

from search import capabilities
from search.query import parse

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


# -- the reader's query, marked in the article (?q=… on an article page, from a search hit)


@register.simple_tag(takes_context=True)
def query_matches(context):
    """Find the reader's query (?q=) in the article's text, number the matches, and return
    {"query", "count"}; `marked` then prints each part of the text with its matches.

    The matcher is search's own (capabilities.concordance over the engine's analyser), so
    traditional, full-width and case variants are marked as search found them.
    """
    request = context.get("request")
    query = request.GET.get("q", "").strip() if request is not None else ""
    terms = [term.text for term in parse(query).positive_terms()] if query else []
    spans, number = {}, 0
    if terms:
        engine = capabilities.backend()
        for section in context.get("sections", []):
            for paragraph in section.paragraphs:
                for part in paragraph.parts:
                    found = []
                    for line in capabilities.concordance(engine, part.text, terms, width=10**6):
                        number += 1
                        found.append((len(line.left), len(line.left) + len(line.match), number))
                    spans[id(part)] = found
    context.render_context["query_matches"] = (spans, number)
    return {"query": query, "count": number}


@register.simple_tag(takes_context=True)
def marked(context, part):
    """``part``'s text, escaped, each match a <mark> linking to the next (the last one back to
    the list of matches), so a reader steps through them with Tab and Enter, without JavaScript."""
    spans, total = context.render_context.get("query_matches", ({}, 0))
    text, pieces, position = part.text, [], 0
    for start, end, number in spans.get(id(part), []):
        if start < position:
            continue
        following = f"#m{number + 1}" if number < total else "#matches"
        pieces += [
            escape(text[position:start]),
            format_html(
                '<a class="match" id="m{}" href="{}"><mark>{}</mark></a>',
                number,
                following,
                text[start:end],
            ),
        ]
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above
