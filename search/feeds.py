"""/search/feed/?q=…: a search's newest hits as an Atom feed, a saved-search alert for any
feed reader. The same parameters as the search page; newest first."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from articles.feeds import published_at
from articles.metadata import absolute

from . import searching
from .views import plain_text

FEED_SIZE = 50


class SearchFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        form = searching.SearchForm(request.GET)
        form.is_valid()
        params = form.params() | {"sort": "newest", "page": 1}
        return params, searching.run(params, page_size=FEED_SIZE, facets=False)

    def title(self, found):
        params, _outcome = found
        return _("News archive: search for “%(query)s”") % {"query": params["q"]}

    def link(self, found):
        params, _outcome = found
        return absolute(reverse("search:search") + "?" + urlencode({"q": params["q"]}))

    def feed_url(self, found):
        params, _outcome = found
        return absolute(reverse("search:feed") + "?" + urlencode({"q": params["q"]}))

    def items(self, found):
        return found[1].hits

    def item_title(self, hit):
        return hit.title

    def item_description(self, hit):
        return " … ".join(plain_text(html) for html, _href in hit.snippets)

    def item_link(self, hit):
        return absolute(hit.url)

    def item_pubdate(self, hit):
        return published_at(hit.published_on)

    def item_author_name(self, hit):
        return hit.byline or None
