"""Import articles from the newspaper's text format.

The format, as the seed shows it:

- ``# `` starts an article and gives its title;
- a ``## `` or ``### `` line right after a title is the deck; a ``## `` after
  body text starts the next article;
- ``#### `` starts a section;
- a byline line (新重庆-重庆日报首席记者 杨骏 实习生 李俊晓) or a dateline that
  opens the lead (重庆日报讯(记者 王天翊)…) names the reporters;
- page breaks cut paragraphs mid-sentence: a block that does not end a
  sentence is joined with the next one;
- a trailing 据《重庆日报》 is the article's source line, not body text.

Everything else is kept exactly as printed: normalisation belongs to search.

`parse()` is pure and raises `MalformedSource` naming the line and the
problem. `import_file()` parses first and then saves a whole file in one
transaction, so a broken file saves nothing; importing the same file again
updates the articles in place and never duplicates them.
"""

import datetime
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

import reversion
from django.db import transaction
from django.utils.translation import gettext as _
from reversion.models import Version

from . import services
from .bylines import Credit, parse_byline, parse_dateline
from .models import Article, Author, Byline, Publication, Section, validate_publication_date
from .slugs import pinyin_slug, unique_slug
from .text import ends_sentence, join_paragraphs

MAX_LINE_CHARS = 10_000
MAX_FILE_BYTES = 50_000_000
DEFAULT_PUBLICATION = "重庆日报"

_HEADING = re.compile(r"^(#{1,6})(?:\s+(.*))?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SOURCE = re.compile(r"\s*(据《[^《》\n]{1,40}》(?:报道)?)\s*$")


class MalformedSource(ValueError):
    """The input is not in the archive's text format; nothing was saved.

    ``code`` names the problem for programs (``"empty"``, ``"no_text"``…);
    ``message`` explains it to a person, in their language.
    """

    def __init__(self, message, line=None, path=None, code=None):
        self.message = message
        self.line = line
        self.path = path
        self.code = code
        super().__init__(str(self))

    def __str__(self):
        where = []
        if self.path:
            where.append(str(self.path))
        if self.line:
            where.append(_("line %(line)d") % {"line": self.line})
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class ParsedSection:
    heading: str
    line: int
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class ParsedArticle:
    title: str
    line: int
    deck: str = ""
    byline: str = ""
    credits: list[Credit] = field(default_factory=list)
    source: str = ""
    sections: list[ParsedSection] = field(default_factory=list)

    @property
    def has_body(self):
        return any(section.paragraphs for section in self.sections)


@dataclass
class ImportReport:
    created: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)
    unchanged: list[Article] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# Reading ------------------------------------------------------------------


def read_source(path):
    """The text of ``path``, or MalformedSource for empty, binary, too large or non-UTF-8 input.

    At most MAX_FILE_BYTES + 1 bytes are read, whatever the file says its size is: a pipe or a
    device (which report no size) gets the same clear error as a large file.
    """
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise MalformedSource(
            _("The file cannot be read: %(error)s") % {"error": error.strerror},
            path=path,
            code="unreadable",
        ) from error
    if len(data) > MAX_FILE_BYTES:
        raise MalformedSource(
            _("The file is larger than %(limit)d bytes, the limit for one file.")
            % {"limit": MAX_FILE_BYTES},
            path=path,
            code="too_large",
        )
    try:
        return decode(data)
    except MalformedSource as error:
        error.path = path
        raise


def decode(data):
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise MalformedSource(
            _("This looks like a binary file, not text (it contains NUL bytes)."),
            line=line,
            code="binary",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise MalformedSource(
            _("The text is not valid UTF-8 (byte %(offset)d).") % {"offset": error.start},
            line=line,
            code="encoding",
        ) from error
    return text


# Parsing ------------------------------------------------------------------


def parse(text):
    """Parse the text format into articles, or raise MalformedSource."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise MalformedSource(_("The file is empty."), line=1, code="empty")
    articles = []
    article = None
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise MalformedSource(
                _("The line is %(length)d characters long; the limit is %(limit)d.")
                % {"length": len(line), "limit": MAX_LINE_CHARS},
                line=number,
                code="line_too_long",
            )
        _check_characters(line, number)
        line = line.strip()
        if not line:
            continue
        heading = _HEADING.match(line)
        if heading:
            level, content = len(heading[1]), (heading[2] or "").strip()
            if not content:
                raise MalformedSource(_("The heading is empty."), line=number, code="empty_heading")
            article = _read_heading(level, content, number, article, articles)
        else:
            _read_text(line, number, article)
    for parsed in articles:
        _finish(parsed)
    return articles


def _check_characters(line, number):
    control = _CONTROL.search(line)
    if control:
        raise MalformedSource(
            _("The line contains the control character U+%(code)04X.") % {"code": ord(control[0])},
            line=number,
            code="control_character",
        )


def _read_heading(level, content, number, article, articles):
    """Apply one heading line; return the article that is now open."""
    if level == 1 or (level == 2 and (article is None or article.has_body)):
        article = ParsedArticle(title=content, line=number)
        articles.append(article)
        return article
    if article is None:
        raise MalformedSource(
            _("A heading comes before any article title (a line starting with “# ”)."),
            line=number,
            code="heading_before_title",
        )
    if level in (2, 3) and not article.has_body and not article.sections:
        if article.deck:
            raise MalformedSource(
                _("The article already has a deck; a second one is not allowed."),
                line=number,
                code="second_deck",
            )
        if article.byline:
            raise MalformedSource(
                _("The deck must come before the byline."), line=number, code="deck_after_byline"
            )
        article.deck = content
        return article
    if level in (3, 4):
        article.sections.append(ParsedSection(heading=content, line=number))
        return article
    raise MalformedSource(
        _(
            "Headings of level %(level)d are not part of the format; "
            "use “### ” or “#### ” for a section."
        )
        % {"level": level},
        line=number,
        code="heading_level",
    )


def _read_text(line, number, article):
    if article is None:
        raise MalformedSource(
            _("Text comes before any article title (a line starting with “# ”)."),
            line=number,
            code="text_before_title",
        )
    if not article.sections and not article.byline:
        credits = parse_byline(line)
        if credits:
            article.byline, article.credits = line, credits
            return
    if not article.sections:
        article.sections.append(ParsedSection(heading="", line=number))
    article.sections[-1].paragraphs.append(line)


def _finish(article):
    """Source line, dateline credits and page-break repair, once an article is complete."""
    _take_source_line(article)
    for section in article.sections:
        section.paragraphs = repair_page_breaks(section.paragraphs)
    article.sections = [section for section in article.sections if section.paragraphs]
    if not article.sections:
        raise MalformedSource(
            _("The article “%(title)s” has no text.") % {"title": article.title},
            line=article.line,
            code="no_text",
        )
    if not article.byline:
        dateline = parse_dateline(article.sections[0].paragraphs[0])
        if dateline:
            article.byline, article.credits = dateline


def _take_source_line(article):
    sections = [section for section in article.sections if section.paragraphs]
    if not sections:
        return
    paragraphs = sections[-1].paragraphs
    match = _SOURCE.search(paragraphs[-1])
    if match:
        article.source = match[1]
        rest = paragraphs[-1][: match.start()].rstrip()
        if rest:
            paragraphs[-1] = rest
        else:
            paragraphs.pop()


def repair_page_breaks(blocks):
    """Join each block that stops mid-sentence with the block after it."""
    paragraphs = []
    pending = ""
    for block in blocks:
        pending += block
        if ends_sentence(pending):
            paragraphs.append(pending)
            pending = ""
    if pending:
        paragraphs.append(pending)
    return paragraphs


# Saving -------------------------------------------------------------------


class Importer:
    """Saves parsed articles. One instance can import many files and reuses its lookups."""

    def __init__(self, published_on, publication=DEFAULT_PUBLICATION, status=None):
        if not isinstance(published_on, datetime.date):
            raise TypeError("published_on must be a date")
        validate_publication_date(published_on)
        self.published_on = published_on
        self.status = status or Article.Status.PUBLISHED
        self.publication_name = publication
        self._publication = None
        self._authors = {}

    def import_file(self, path):
        try:
            articles = parse(read_source(path))
        except MalformedSource as error:
            error.path = path
            raise
        return self.save(articles)

    def import_text(self, text):
        return self.save(parse(text))

    @transaction.atomic
    def save(self, parsed_articles):
        try:
            return self._save(parsed_articles)
        except BaseException:
            # Everything this call wrote rolls back, so the lookups must not
            # keep a publication or an author created in it.
            self._publication, self._authors = None, {}
            raise

    def _save(self, parsed_articles):
        report = ImportReport()
        new = []
        for parsed, article in self._match_saved(parsed_articles):
            if article is None:
                new.append(parsed)
                continue
            # Nothing is lost: an editor's corrections stay in the article's history.
            if not Version.objects.get_for_object(article).exists():
                _save_version(article, _("As it was before it was imported again"))
            if self._update(article, parsed):
                _save_version(article, _("Imported again"))
                report.updated.append(article)
            else:
                report.unchanged.append(article)
        report.created = self._create(new)
        for article in report.created + report.updated:
            if not article.source and not article.byline:
                report.warnings.append(
                    _("“%(title)s” has neither a byline nor a source line.")
                    % {"title": article.title}
                )
        return report

    # -- lookups

    @property
    def publication(self):
        if self._publication is None:
            self._publication, _created = Publication.objects.get_or_create(
                name=self.publication_name,
                defaults={"slug": pinyin_slug(self.publication_name)},
            )
        return self._publication

    def _match_saved(self, parsed_articles):
        """Pair each parsed article with the saved article it updates, or with None.

        An article is known by its title, day and publication. A title printed
        twice on one day (two briefs both headed 简讯) names two articles: the
        n-th article with that title in the file is the n-th one saved.
        """
        titles = {parsed.title for parsed in parsed_articles}
        saved = defaultdict(deque)
        for article in (
            Article.objects.filter(
                publication=self.publication, published_on=self.published_on, title__in=titles
            )
            .order_by("pk")
            .prefetch_related("sections", "bylines__author")
        ):
            saved[article.title].append(article)
        return [
            (parsed, saved[parsed.title].popleft() if saved[parsed.title] else None)
            for parsed in parsed_articles
        ]

    def _authors_for(self, credits):
        missing = {credit.name for credit in credits} - self._authors.keys()
        if missing:
            for author in Author.objects.filter(name__in=missing):
                self._authors[author.name] = author
            for name in sorted(missing - self._authors.keys()):
                self._authors[name] = Author.objects.create(name=name)
        return [self._authors[credit.name] for credit in credits]

    # -- writing

    def _create(self, new):
        if not new:
            return []
        taken = set(
            Article.objects.filter(published_on=self.published_on).values_list("slug", flat=True)
        )
        articles = []
        for parsed in new:
            slug = unique_slug(pinyin_slug(parsed.title), taken)
            taken.add(slug)
            articles.append(
                Article(
                    publication=self.publication,
                    title=parsed.title,
                    deck=parsed.deck,
                    slug=slug,
                    published_on=self.published_on,
                    byline=parsed.byline,
                    source=parsed.source,
                    status=self.status,
                )
            )
        articles = Article.objects.bulk_create(articles)
        sections, bylines = [], []
        for article, parsed in zip(articles, new, strict=True):
            sections.extend(_sections_for(article, parsed))
            bylines.extend(self._bylines_for(article, parsed))
        Section.objects.bulk_create(sections)
        Byline.objects.bulk_create(bylines)
        services.create_figures(sections)
        return articles

    def _bylines_for(self, article, parsed):
        authors = self._authors_for(parsed.credits)
        seen = set()
        for position, (credit, author) in enumerate(zip(parsed.credits, authors, strict=True)):
            if author.pk in seen:
                continue
            seen.add(author.pk)
            yield Byline(article=article, author=author, role=credit.role, position=position)

    def _update(self, article, parsed):
        """Bring ``article`` in line with ``parsed``; return whether anything changed."""
        changed = False
        for name in ("deck", "byline", "source"):
            if getattr(article, name) != getattr(parsed, name):
                setattr(article, name, getattr(parsed, name))
                changed = True
        if changed:
            article.save()
        changed |= self._update_bylines(article, parsed)
        changed |= _update_sections(article, parsed)
        return changed

    def _update_bylines(self, article, parsed):
        wanted = [(byline.author.pk, byline.role) for byline in self._bylines_for(article, parsed)]
        current = [(byline.author_id, byline.role) for byline in article.bylines.all()]
        if wanted == current:
            return False
        article.bylines.all().delete()
        Byline.objects.bulk_create(self._bylines_for(article, parsed))
        return True


def _save_version(article, comment):
    """A version of ``article`` with its sections, byline and figures, in its history."""
    with reversion.create_revision(atomic=False):
        reversion.set_comment(comment)
        reversion.add_to_revision(article)


def _sections_for(article, parsed):
    return [
        Section(
            article=article,
            position=position,
            heading=section.heading,
            body=join_paragraphs(section.paragraphs),
            anchor=f"s{position}",
        )
        for position, section in enumerate(parsed.sections, start=1)
    ]


def _update_sections(article, parsed):
    """Update sections in place, keeping their anchors, so links to them survive."""
    current = list(article.sections.all())
    wanted = _sections_for(article, parsed)
    changed = []
    for old, new in zip(current, wanted, strict=False):
        if (old.position, old.heading, old.body) != (new.position, new.heading, new.body):
            old.position, old.heading, old.body = new.position, new.heading, new.body
            changed.append(old)
    Section.objects.bulk_update(changed, ["position", "heading", "body"])
    extra = current[len(wanted) :]
    if extra:
        Section.objects.filter(pk__in=[section.pk for section in extra]).delete()
    added = wanted[len(current) :]
    taken = {section.anchor for section in current[: len(wanted)]}
    for section in added:
        section.anchor = Section.next_anchor(article.pk, taken)
        taken.add(section.anchor)
    Section.objects.bulk_create(added)
    if changed or extra or added:
        services.refresh_figures(article)
        return True
    return False
