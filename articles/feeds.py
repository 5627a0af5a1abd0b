"""Atom feeds of the archive's articles: everything new, and each author's.

Links are made from settings.SITE_URL (articles.metadata.absolute), never from the request's
Host header, so a feed is right for every reader and can be cached.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from .metadata import absolute, stable_url
from .models import Article, Author

FEED_SIZE = 50


def published_at(day):
    """A day of publication as an instant: midnight where the archive keeps its time."""
    return datetime.datetime.combine(day, datetime.time(), zoneinfo.ZoneInfo(settings.TIME_ZONE))


class ArticleFeed(Feed):
    """What every article feed shares: entries, their links and dates."""

    feed_type = Atom1Feed

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return article.deck or article.byline

    def item_link(self, article):
        return absolute(article.get_absolute_url())

    def item_guid(self, article):
        return stable_url(article)

    item_guid_is_permalink = True

    def item_pubdate(self, article):
        return published_at(article.published_on)

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return article.byline or None

    def item_categories(self, article):
        return [article.publication.name]


class LatestArticles(ArticleFeed):
    def title(self):
        return _("News archive: latest articles")

    def subtitle(self):
        return _("A searchable archive of Chinese newspaper articles.")

    def link(self):
        return absolute(reverse("articles:front_page"))

    def feed_url(self):
        return absolute(reverse("articles:feed"))

    def items(self):
        return Article.objects.published().for_listing()[:FEED_SIZE]


class AuthorArticles(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Author, slug=slug)

    def title(self, author):
        return _("News archive: articles by %(name)s") % {"name": author.name}

    def link(self, author):
        return absolute(author.get_absolute_url())

    def feed_url(self, author):
        return absolute(reverse("articles:author_feed", kwargs={"slug": author.slug}))

    def items(self, author):
        return author.articles.published().for_listing()[:FEED_SIZE]
