"""sitemap.xml (an index of sections, 50,000 addresses each) and robots.txt.

django.contrib.sitemaps builds each section; addresses come from settings.SITE_URL, never from
the request's Host header. The index is ours for the same reason.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .metadata import absolute
from .models import Article, Author


class _OnThisSite(Sitemap):
    limit = 50_000

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"


class ArticleSitemap(_OnThisSite):
    changefreq = "yearly"

    def items(self):
        return (
            Article.objects.published()
            .order_by("pk")
            .only("pk", "slug", "published_on", "updated_at")
        )

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        return None  # one aggregate over a million rows per request buys crawlers little


class PageSitemap(_OnThisSite):
    changefreq = "daily"

    def items(self):
        return ["articles:front_page", "articles:archive"]

    def location(self, name):
        return reverse(name)


class AuthorSitemap(_OnThisSite):
    changefreq = "weekly"

    def items(self):
        return Author.objects.order_by("pk").only("pk", "slug")


SITEMAPS = {"pages": PageSitemap, "articles": ArticleSitemap, "authors": AuthorSitemap}


def sitemap_index(request):
    """Every page of every section, as absolute addresses from SITE_URL."""
    locations = []
    for section, sitemap in SITEMAPS.items():
        pages = Paginator(sitemap().items(), sitemap.limit).num_pages
        path = reverse("articles:sitemap_section", kwargs={"section": section})
        locations.append(absolute(path))
        locations += [absolute(f"{path}?p={page}") for page in range(2, pages + 1)]
    return render(
        request,
        "articles/sitemap_index.xml",
        {"locations": locations},
        content_type="application/xml; charset=utf-8",
    )


def robots(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /figures/",
        "Disallow: /api/",
        "Disallow: /preview/",
        f"Sitemap: {absolute(reverse('articles:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
