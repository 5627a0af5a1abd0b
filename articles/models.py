"""The archive's domain: publications, authors, articles, their sections and figures."""

import datetime
import uuid
from calendar import monthrange

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Prefetch
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .slugs import pinyin_slug, unique_slug
from .text import split_paragraphs

EARLIEST_DATE = datetime.date(1900, 1, 1)


def validate_publication_date(date):
    """Refuse dates no paper in the archive can have: before 1900, or after tomorrow.

    Tomorrow is allowed because the next morning's paper is often entered the
    evening before. The admin (through clean()) and the importer share this rule.
    """
    latest = timezone.localdate() + datetime.timedelta(days=1)
    if not EARLIEST_DATE <= date <= latest:
        raise ValidationError(
            _("The date must lie between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()},
            code="date_out_of_range",
        )


def month_bounds(year, month):
    """The first and the last day of a month."""
    return datetime.date(year, month, 1), datetime.date(year, month, monthrange(year, month)[1])


class Publication(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self):
        return self.name


class Author(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            base = pinyin_slug(self.name)
            taken = set(Author.objects.filter(slug__startswith=base).values_list("slug", flat=True))
            self.slug = unique_slug(base, taken)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED)

    def on_date(self, date):
        return self.filter(published_on=date)

    def in_month(self, year, month):
        # A date range, not __month: EXTRACT(month) cannot use the index on published_on.
        return self.filter(published_on__range=month_bounds(year, month))

    def for_listing(self):
        """What a list of articles shows: publication and ordered byline."""
        bylines = Byline.objects.select_related("author").order_by("position")
        return self.select_related("publication").prefetch_related(
            Prefetch("bylines", queryset=bylines)
        )

    def with_text(self):
        """The listing plus the sections: the whole printed text, in a fixed number of queries."""
        return self.for_listing().prefetch_related(
            Prefetch("sections", queryset=Section.objects.order_by("position", "id"))
        )

    def with_sections(self):
        """Everything the article page shows: the text and the key figures.

        A figure's section is among the article's, which come prefetched: `reading.read` gives
        each figure its own (a join would read every section again, once per figure).
        """
        figures = Figure.objects.filter(is_hidden=False)
        return self.with_text().prefetch_related(
            Prefetch("figures", queryset=figures.order_by("position", "id"))
        )

    def month_counts(self):
        """(month, count) pairs, newest first, counted in the database."""
        return (
            self.annotate(month=TruncMonth("published_on"))
            .values("month")
            .annotate(count=Count("id"))
            .order_by("-month")
        )

    def day_counts(self):
        """(day, count) pairs, oldest first, counted in the database."""
        return self.values(day=F("published_on")).annotate(count=Count("id")).order_by("day")


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    publication = models.ForeignKey(
        Publication, models.PROTECT, related_name="articles", verbose_name=_("publication")
    )
    title = models.CharField(_("title"), max_length=200)
    deck = models.CharField(
        _("deck"), max_length=300, blank=True, help_text=_("The subtitle printed under the title.")
    )
    slug = models.SlugField(
        _("slug"),
        max_length=60,
        blank=True,
        help_text=_("Part of the address. Left empty, it is made from the title's pinyin."),
    )
    published_on = models.DateField(_("date of publication"), db_index=True)
    byline = models.CharField(
        _("byline"), max_length=200, blank=True, help_text=_("Exactly as printed.")
    )
    source = models.CharField(
        _("source line"), max_length=100, blank=True, help_text=_("For example 据《重庆日报》.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    script = models.CharField(
        _("script"),
        max_length=8,
        choices=[("zh-Hans", _("Simplified Chinese")), ("zh-Hant", _("Traditional Chinese"))],
        default="zh-Hans",
        help_text=_("The characters the article is printed in; the page's language follows it."),
    )
    authors = models.ManyToManyField(
        Author, through="Byline", related_name="articles", verbose_name=_("authors")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(fields=["published_on", "slug"], name="article_slug_per_day")
        ]
        indexes = [
            models.Index(fields=["status", "-published_on"], name="article_status_date"),
            # How the importer knows an article: its publication, day and title.
            models.Index(fields=["publication", "published_on", "title"], name="article_known_by"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.unique_slug_for(self.title, self.published_on, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        date = self.published_on
        return reverse(
            "articles:detail",
            kwargs={
                "year": date.year,
                "month": f"{date.month:02d}",
                "day": f"{date.day:02d}",
                "slug": self.slug,
            },
        )

    def clean_fields(self, exclude=None):
        # Stripped first, so that a title of spaces fails the field's own
        # "blank" rule, once, in the admin and anywhere else.
        self.title = self.title.strip()
        super().clean_fields(exclude)

    def clean(self):
        if self.published_on:
            try:
                validate_publication_date(self.published_on)
            except ValidationError as error:
                raise ValidationError({"published_on": error}) from error

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @classmethod
    def unique_slug_for(cls, title, published_on, exclude_pk=None):
        base = pinyin_slug(title)
        taken = cls.objects.filter(published_on=published_on, slug__startswith=base)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        return unique_slug(base, set(taken.values_list("slug", flat=True)))


class Byline(models.Model):
    """One author in an article's byline, with the role printed before the name."""

    article = models.ForeignKey(Article, models.CASCADE, related_name="bylines")
    author = models.ForeignKey(
        Author, models.PROTECT, related_name="bylines", verbose_name=_("author")
    )
    role = models.CharField(
        _("role"), max_length=20, blank=True, help_text=_("As printed: 记者, 首席记者, 实习生…")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("byline")
        verbose_name_plural = _("bylines")
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_author_once")
        ]

    def __str__(self):
        return f"{self.role} {self.author}".strip()


class Section(models.Model):
    """An ordered part of an article: an optional heading and paragraphs.

    Paragraphs are separated by a blank line in ``body``. ``anchor`` is set
    once and kept, so links to a section survive reordering; paragraphs are
    cited as ``<anchor>-p<n>``.
    """

    article = models.ForeignKey(Article, models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    heading = models.CharField(
        _("heading"), max_length=200, blank=True, help_text=_("Empty for the untitled lead.")
    )
    body = models.TextField(_("body"), help_text=_("Separate paragraphs with a blank line."))
    anchor = models.SlugField(_("anchor"), max_length=20, blank=True, editable=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["article", "anchor"], name="section_anchor_per_article")
        ]

    def __str__(self):
        return self.heading or str(_("Lead"))

    def save(self, *args, **kwargs):
        if not self.anchor:
            self.anchor = self.next_anchor(self.article_id)
        super().save(*args, **kwargs)

    @staticmethod
    def next_anchor(article_id, taken=()):
        existing = set(taken)
        if article_id is not None:
            existing.update(
                Section.objects.filter(article_id=article_id).values_list("anchor", flat=True)
            )
        number = len(existing) + 1
        while f"s{number}" in existing:
            number += 1
        return f"s{number}"

    @property
    def paragraphs(self):
        return split_paragraphs(self.body)

    def paragraph_anchor(self, number):
        return f"{self.anchor}-p{number}"

    def numbered_paragraphs(self):
        """(anchor, text) for each paragraph, numbered from 1."""
        return [
            (self.paragraph_anchor(number), text)
            for number, text in enumerate(self.paragraphs, start=1)
        ]


class Figure(models.Model):
    """A number the article reports, extracted from a sentence or entered by an editor."""

    article = models.ForeignKey(Article, models.CASCADE, related_name="figures")
    section = models.ForeignKey(
        Section, models.CASCADE, related_name="figures", verbose_name=_("section")
    )
    paragraph = models.PositiveSmallIntegerField(_("paragraph"), default=1)
    position = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(_("as printed"), max_length=80)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=4)
    value_from = models.DecimalField(
        _("from value"),
        max_digits=24,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("For a change from one number to another, the first number."),
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    qualifier = models.CharField(
        _("qualifier"), max_length=10, blank=True, help_text=_("超, 近, 约, 以上…")
    )
    label = models.CharField(_("what it measures"), max_length=80)
    sentence = models.TextField(_("sentence"), blank=True)
    # Compared within one section's figures when they are extracted again; never looked up.
    key = models.CharField(max_length=120, editable=False)
    is_edited = models.BooleanField(
        _("corrected by an editor"),
        default=False,
        help_text=_("Corrected figures are kept when figures are extracted again."),
    )
    is_hidden = models.BooleanField(_("hidden"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")

    def __str__(self):
        return f"{self.label} {self.text}"

    @property
    def anchor(self):
        return self.section.paragraph_anchor(self.paragraph)


class Change(models.Model):
    """One row of the change log that feeds the search index. The database writes it itself.

    Triggers (see articles.triggers) on every table whose rows the index copies add a row when
    something changes, whatever made the change: the admin, the importer, the shell,
    ``QuerySet.update``, the ``bulk_*`` methods or raw SQL. A row names what to look at again:

    - an article (``key`` is its id): its text, byline, figures or status changed;
    - an author or a publication (its id): the name its articles show changed;
    - a dictionary word: the articles containing it are cut into words again;
    - everything (a table was truncated).

    There is one row per thing. A newer change replaces the older row with a new, higher id, so
    a transaction leaves exactly one row per article it touched, and the log is never longer
    than what its slowest reader has still to apply. Whoever applies the log reads the current
    state from the database, so the newest row for a thing says all there is to know.
    """

    class Topic(models.TextChoices):
        ARTICLE = "article", _("article")
        AUTHOR = "author", _("author")
        PUBLICATION = "publication", _("publication")
        WORD = "word", _("dictionary word")
        EVERYTHING = "all", _("everything")

    id = models.BigAutoField(primary_key=True)
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    key = models.CharField(_("key"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        constraints = [
            models.UniqueConstraint(fields=["topic", "key"], name="change_one_row_per_thing")
        ]

    def __str__(self):
        return f"#{self.id} {self.topic} {self.key}"


class ChangeLogEpoch(models.Model):
    """The database's identity: a random id made by the migration that created the change log.

    A copy (the search index) records the epoch it was built from. Another database, or this
    one emptied and started again, has another epoch, and the copy is then rebuilt.
    """

    epoch = models.UUIDField(_("epoch"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("change log epoch")
        verbose_name_plural = _("change log epochs")

    def __str__(self):
        return str(self.epoch)


class ChangeLogReader(models.Model):
    """A copy fed from the change log (one search index generation) and how far it has read.

    Its indexer writes ``position`` before each commit to the copy, ``visible`` after it, and
    refreshes ``seen_at`` while it runs. Editors' saves wait for the live readers' ``visible``
    to pass their change (searches then find it); a reader whose copy is ahead of ``position``
    was restored from an older database and rebuilds.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    location = models.CharField(_("location"), max_length=300, blank=True)
    position = models.BigIntegerField(_("position"), default=0)
    visible = models.BigIntegerField(_("visible to searches"), default=0)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("change log reader")
        verbose_name_plural = _("change log readers")

    def __str__(self):
        return f"{self.name} @{self.position}"


class ImportedFile(models.Model):
    """A source file imported whole, known by its content's hash.

    Written in the same transaction as the file's articles: a file recorded here was imported
    completely, and importing the same content again for the same day and paper is skipped
    (an interrupted import resumes where it stopped).
    """

    sha256 = models.CharField(_("content hash"), max_length=64)
    published_on = models.DateField(_("date of publication"))
    publication = models.ForeignKey(
        Publication, models.CASCADE, related_name="imported_files", verbose_name=_("publication")
    )
    path = models.CharField(_("path"), max_length=500)
    size = models.PositiveBigIntegerField(_("size"))
    articles = models.PositiveIntegerField(_("articles"))
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("imported file")
        verbose_name_plural = _("imported files")
        constraints = [
            models.UniqueConstraint(
                fields=["sha256", "published_on", "publication"], name="imported_file_once"
            )
        ]

    def __str__(self):
        return self.path
