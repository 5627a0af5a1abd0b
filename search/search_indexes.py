"""What the search index knows about an article."""

import hashlib
import json

from haystack import indexes

from articles.models import Article

CONTENT_HASH = "content_hash"


class ArticleIndex(indexes.SearchIndex, indexes.Indexable):
    # One line per paragraph: title, deck, byline, each section's heading and
    # paragraphs, then the source line. `anchors` holds the paragraph anchor of
    # each line ("" for lines that are not paragraphs), so that a snippet can
    # link to its paragraph.
    text = indexes.CharField(document=True)
    title = indexes.CharField(model_attr="title", boost=3.0)
    author = indexes.MultiValueField(faceted=True)
    publication = indexes.CharField(model_attr="publication__name", faceted=True)
    published_on = indexes.DateField(model_attr="published_on")
    month = indexes.FacetCharField()
    deck = indexes.CharField(model_attr="deck", indexed=False)
    byline = indexes.CharField(model_attr="byline", indexed=False)
    url = indexes.CharField(indexed=False)
    anchors = indexes.MultiValueField(indexed=False)
    # A digest of everything above, so that check_index can tell a stale copy.
    content_hash = indexes.IntegerField()

    def get_model(self):
        return Article

    def prepare(self, article):
        data = super().prepare(article)
        data[CONTENT_HASH] = content_hash(data)
        return data

    def prepare_content_hash(self, article):
        return 0  # set by prepare(), from the other fields

    def index_queryset(self, using=None):
        return Article.objects.published().with_text()

    def read_queryset(self, using=None):
        return Article.objects.published().for_listing()

    def get_updated_field(self):
        return "updated_at"

    def prepare_text(self, article):
        return "\n".join(line for line, _anchor in lines(article))

    def prepare_anchors(self, article):
        return [anchor for _line, anchor in lines(article)]

    def prepare_author(self, article):
        return [byline.author.name for byline in article.bylines.all()]

    def prepare_month(self, article):
        return f"{article.published_on:%Y-%m}"

    def prepare_url(self, article):
        return article.get_absolute_url()


def lines(article):
    """(text, paragraph anchor) for every line the document field holds."""
    yield article.title, ""
    for printed in (article.deck, article.byline):
        if printed:
            yield printed, ""
    for section in article.sections.all():
        if section.heading:
            yield section.heading, section.anchor
        for anchor, paragraph in section.numbered_paragraphs():
            yield paragraph.replace("\n", " "), anchor
    if article.source:
        yield article.source, ""


def content_hash(prepared):
    """A 31-bit digest of the prepared fields (all but the hash itself).

    31 bits fit every engine's integer field (Whoosh's are 32-bit); a stale copy goes unseen
    only if its digest collides with the current one's, about once in two billion.
    """
    fields = {name: value for name, value in prepared.items() if name != CONTENT_HASH}
    payload = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    digest = hashlib.blake2b(payload.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") >> 1
