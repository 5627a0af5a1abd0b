"""What the search index knows about an article, and about each of its key figures."""

import hashlib
import json

from django.core.exceptions import FieldDoesNotExist
from django.utils.encoding import force_str
from haystack import fields, indexes
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.utils import get_identifier, get_model_ct

from articles import reading, units
from articles.models import Article, Figure

from .analysis import ChineseAnalyzer

CONTENT_HASH = "content_hash"
# The analyser every connection of the project uses (settings: HAYSTACK_CONNECTIONS' ANALYZER).
_ANALYZER = ChineseAnalyzer()


class HashedIndex(indexes.SearchIndex):
    """An index whose documents carry a digest of their fields, so check_index sees stale ones.

    Its `prepare` gives what haystack's gives, from a plan made once per index: a rebuild
    prepares every article and each of its figures (about twenty), and haystack's generic
    `prepare` looks each field's method and model_attr up again for every object (see
    `_field_preparer`).
    """

    content_hash = indexes.IntegerField()

    def prepare(self, obj):
        data = {
            ID: get_identifier(obj),
            DJANGO_CT: self._content_type,
            DJANGO_ID: force_str(obj.pk),
        }
        for name, prepare in self._preparers:
            data[name] = prepare(obj)
        self.complete(data)
        data[CONTENT_HASH] = content_hash(data)
        self.prepared_data = data
        return data

    def prepare_content_hash(self, obj):
        return 0  # set by prepare(), from the other fields

    def complete(self, data):
        """Set the fields computed from other fields' prepared values, in ``data``."""

    @property
    def _content_type(self):
        return get_model_ct(self.get_model())

    @property
    def _preparers(self):
        """(index field name, function of the object) for every field, in haystack's order."""
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self._plan = tuple(
                (field.index_fieldname, self._field_preparer(name, field))
                for name, field in self.fields.items()
            )
        return plan

    def _field_preparer(self, name, field):
        """What haystack's `prepare` computes for one field, as one function of the object.

        haystack calls ``field.prepare`` for every field, then ``prepare_<name>`` where the index
        has one, which replaces the field's value. A field with such a method and nothing for
        ``field.prepare`` to read (no model_attr, no template) needs only the method. A field
        whose model_attr follows forward relations (a foreign key, one to one) reads the
        attributes straight; whatever haystack treats specially (None on the way or at the
        end, a callable, an attribute missing) goes to ``field.prepare`` itself.
        """
        method = getattr(self, f"prepare_{name}", None)
        reads = field.use_template or field.model_attr is not None
        if method is not None:
            if not reads:
                return method
            return lambda obj: (field.prepare(obj), method(obj))[1]
        getter = _forward_getter(self.get_model(), field)
        if getter is None:
            return field.prepare

        def prepare(obj):
            try:
                value = getter(obj)
            except AttributeError:
                value = None
            if value is None or callable(value):
                return field.prepare(obj)
            return field.convert(value)

        return prepare


# Field classes whose prepare() is convert() of SearchField.prepare()'s single value.
_CONVERTING = frozenset(
    cls.prepare
    for cls in (
        fields.CharField,
        fields.IntegerField,
        fields.FloatField,
        fields.DecimalField,
        fields.BooleanField,
        fields.DateField,
        fields.DateTimeField,
        fields.MultiValueField,
    )
)


def _forward_getter(model, field):
    """A function reading ``field``'s model_attr from an object of ``model`` when every step
    but the last is a forward relation to one object, or None (haystack's lookup then)."""
    if field.use_template or field.model_attr is None or type(field).prepare not in _CONVERTING:
        return None
    *hops, last = field.model_attr.split("__")
    for hop in hops:
        try:
            relation = model._meta.get_field(hop)
        except FieldDoesNotExist:  # a property or a method: haystack's lookup
            return None
        if not (relation.many_to_one or relation.one_to_one) or not relation.concrete:
            return None
        model = relation.related_model
        if hasattr(model, "all"):  # haystack would take it for a manager
            return None
    steps = (*hops, last)

    def read(obj):
        for step in steps:
            obj = getattr(obj, step)  # None partway: AttributeError, then haystack's lookup
        return obj

    return read


class ArticleIndex(HashedIndex, indexes.Indexable):
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
    # Whether the analyser normalises the text in width and case only (most simplified
    # texts): the snippets of the hits shown then skip OpenCC and NFKC, most of their cost.
    text_is_plain = indexes.BooleanField(default=False)

    def get_model(self):
        return Article

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

    def prepare_text_is_plain(self, article):
        return False  # set by complete(), from the text

    def complete(self, data):
        data["text_is_plain"] = _ANALYZER.is_plain(data["text"])


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


class FigureIndex(HashedIndex, indexes.Indexable):
    """A key figure as the figures explorer finds it: its sentence and label are its text.

    Figures have an index of their own (the "figures" connection), so that they never weigh
    on the ranking of articles. Its indexer writes them with their article, from the article
    as its page shows it: visible figures only, each linked to the anchor the page gives it.
    Fields shared with ArticleIndex (title, author, publication, published_on, month, url)
    mean the same.
    """

    text = indexes.CharField(document=True)
    title = indexes.CharField(model_attr="article__title")
    author = indexes.MultiValueField(faceted=True)
    publication = indexes.CharField(model_attr="article__publication__name", faceted=True)
    published_on = indexes.DateField(model_attr="article__published_on")
    month = indexes.FacetCharField()
    url = indexes.CharField(indexed=False)
    # Which article the figure belongs to, so that the indexer can drop its old figures.
    article = indexes.FacetCharField()
    family = indexes.FacetCharField()  # articles.units: 元, 美元, 吨, %, 个…
    amount = indexes.FloatField()  # the value in the family's base unit, for ranges and order
    printed = indexes.CharField(model_attr="text", indexed=False)
    value = indexes.CharField(indexed=False)
    value_from = indexes.CharField(indexed=False, null=True)
    unit = indexes.CharField(model_attr="unit", indexed=False)
    qualifier = indexes.CharField(model_attr="qualifier", indexed=False)
    label = indexes.CharField(model_attr="label", indexed=False)
    sentence = indexes.CharField(model_attr="sentence", indexed=False)

    def get_model(self):
        return Figure

    def index_queryset(self, using=None):
        return Figure.objects.filter(
            is_hidden=False, article__in=Article.objects.published()
        ).select_related("article__publication", "section")

    def prepare_text(self, figure):
        return "\n".join(line for line in (figure.label, figure.sentence) if line)

    def prepare_author(self, figure):
        authors = getattr(figure, "article_authors", None)  # set by figures_of
        if authors is None:
            authors = [byline.author.name for byline in figure.article.bylines.all()]
        return list(authors)

    def prepare_month(self, figure):
        return f"{figure.article.published_on:%Y-%m}"

    def prepare_url(self, figure):
        url = getattr(figure, "page_url", None)  # set by figures_of
        return url if url is not None else figure.article.get_absolute_url() + figure_href(figure)

    def prepare_article(self, figure):
        return str(figure.article_id)

    def prepare_family(self, figure):
        return units.family_of(figure.unit)

    def prepare_amount(self, figure):
        return float(units.normalize(figure.value, figure.unit).value)

    def prepare_value(self, figure):
        return f"{figure.value.normalize():f}"

    def prepare_value_from(self, figure):
        return None if figure.value_from is None else f"{figure.value_from.normalize():f}"


def figures_of(article):
    """The visible figures of ``article`` (fetched with_sections), each with its page anchor."""
    _sections, views = reading.read(article)
    url = article.get_absolute_url()  # once for all its figures, as are its authors
    authors = tuple(byline.author.name for byline in article.bylines.all())
    for view in views:
        view.figure.page_href = view.href
        view.figure.page_url = url + view.href
        view.figure.article_authors = authors
        view.figure.article = article
        yield view.figure


def figure_href(figure):
    """The figure's anchor on its article page (``#fig-12``, or its paragraph's)."""
    href = getattr(figure, "page_href", None)
    if href is None:
        article = Article.objects.with_sections().get(pk=figure.article_id)
        href = next(
            (found.href for found in figures_of(article) if found.pk == figure.pk),
            f"#{figure.section.anchor}",
        )
    return href
