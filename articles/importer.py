"""Saving articles read from the archive's text format (articles.textformat).

`Importer.import_file()` parses a whole file first and then saves it in one transaction, so a
broken file saves nothing; importing the same file again updates its articles in place (an
editor's corrections stay in each article's history) and never duplicates them.
"""

import datetime
import operator
from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import reduce

import reversion
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from reversion.models import Version

from . import services, triggers
from .bulk import insert_rows
from .models import (
    Article,
    Author,
    Byline,
    Change,
    Publication,
    Section,
    validate_publication_date,
)
from .slugs import pinyin_slug, unique_slug
from .text import join_paragraphs
from .textformat import MalformedSource, parse, read_source

DEFAULT_PUBLICATION = "重庆日报"
_SLUG_NUMBERS = 20  # numbered slugs a new author's lookup covers: zhang-wei … zhang-wei-19


@dataclass
class ImportReport:
    created: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)
    unchanged: list[Article] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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

    def save(self, parsed_articles):
        """Save one file's articles, printed on this importer's day; its ImportReport."""
        return self.save_files([(self.published_on, parsed_articles)])[0]

    @transaction.atomic
    def save_files(self, files):
        """Save several files' articles together: ``files`` holds (day, parsed articles) pairs.

        One ImportReport per file, in order. The files are saved as if one after the other, with
        one set of statements for them all (a database round trip costs more than a row): so no
        two of them may name the same article (title and day); `articles.loading` sees to it.
        """
        try:
            return self._save_files(files)
        except BaseException:
            # Everything this call wrote rolls back, so the lookups must not
            # keep a publication or an author created in it.
            self._publication, self._authors = None, {}
            raise

    def _save_files(self, files):
        reports = [ImportReport() for _file in files]
        entries = [  # (file number, day, parsed article)
            (number, day, parsed)
            for number, (day, parsed_articles) in enumerate(files)
            for parsed in parsed_articles
        ]
        self._know_authors(credit.name for *_where, parsed in entries for credit in parsed.credits)
        new = []
        for entry, article in zip(entries, self._match_saved(entries), strict=True):
            if article is None:
                new.append(entry)
                continue
            report, parsed = reports[entry[0]], entry[2]
            # Nothing is lost: an editor's corrections stay in the article's history.
            if not Version.objects.get_for_object(article).exists():
                _save_version(article, _("As it was before it was imported again"))
            if self._update(article, parsed):
                _save_version(article, _("Imported again"))
                report.updated.append(article)
            else:
                report.unchanged.append(article)
        for (number, _day, _parsed), article in zip(new, self._create(new), strict=True):
            reports[number].created.append(article)
        for number, _day, parsed in entries:
            reports[number].warnings += [
                _("line %(line)d: %(message)s") % {"line": line, "message": message}
                for line, message in parsed.warnings
            ]
        for report in reports:
            self._warn_uncredited(report)
        return reports

    @staticmethod
    def _warn_uncredited(report):
        """A warning for each article the report saved without a byline or a source line."""
        for article in report.created + report.updated:
            if not article.source and not article.byline:
                report.warnings.append(
                    _("“%(title)s” has neither a byline nor a source line.")
                    % {"title": article.title}
                )

    # -- lookups

    @property
    def publication(self):
        if self._publication is None:
            self._publication, _created = Publication.objects.get_or_create(
                name=self.publication_name,
                defaults={"slug": pinyin_slug(self.publication_name)},
            )
        return self._publication

    def _match_saved(self, entries):
        """The saved article each (file, day, parsed article) entry updates, or None.

        An article is known by its title, day and publication. A title printed
        twice on one day (two briefs both headed 简讯) names two articles: the
        n-th article with that title in the file is the n-th one saved.
        """
        titles = defaultdict(set)
        for _number, day, parsed in entries:
            titles[day].add(parsed.title)
        # One lookup of the article_known_by index per day's titles, ORed in one query. The
        # publication is named in each branch: outside them, SQLite (with no ANALYZE) walks
        # the publication's index instead, every article it has (0.2 s a batch at 100k).
        known = reduce(
            operator.or_,
            (
                Q(publication=self.publication, published_on=day, title__in=sorted(names))
                for day, names in titles.items()
            ),
            Q(pk__in=[]),
        )
        found = (
            Article.objects.filter(known).order_by().prefetch_related("sections", "bylines__author")
        )
        # Sorted here: ordered in SQL, SQLite would walk the publication's articles in id
        # order instead of looking them up by the article_known_by index.
        saved = defaultdict(deque)
        for article in sorted(found, key=lambda article: article.pk):
            saved[article.published_on, article.title].append(article)
        return [
            saved[day, parsed.title].popleft() if saved[day, parsed.title] else None
            for _number, day, parsed in entries
        ]

    def _authors_for(self, credits):
        self._know_authors({credit.name for credit in credits})
        return [self._authors[credit.name] for credit in credits]

    def _know_authors(self, names):
        """Look up, or create, the authors of ``names`` this importer does not know yet."""
        missing = set(names) - self._authors.keys()
        if not missing:
            return
        for author in Author.objects.filter(name__in=missing):
            self._authors[author.name] = author
        new = sorted(missing - self._authors.keys())
        if not new:
            return
        # Slugs as Author.save makes them (base, base-2, base-3…), for all new names at once,
        # looked up by value: a prefix search would read every author on SQLite.
        bases = {name: pinyin_slug(name) for name in new}
        candidates = {
            base: [base, *(f"{base}-{number}" for number in range(2, _SLUG_NUMBERS))]
            for base in set(bases.values())
        }
        taken = set(
            Author.objects.filter(
                slug__in=[slug for slugs in candidates.values() for slug in slugs]
            ).values_list("slug", flat=True)
        )
        crowded = [base for base, slugs in candidates.items() if taken.issuperset(slugs)]
        if crowded:  # a very common name: every numbered slug looked up is taken
            starts = Q()
            for base in crowded:
                starts |= Q(slug__startswith=base)
            taken |= set(Author.objects.filter(starts).values_list("slug", flat=True))
        authors = []
        for name in new:
            slug = unique_slug(bases[name], taken)
            taken.add(slug)
            authors.append(Author(name=name, slug=slug))
        for author in Author.objects.bulk_create(authors):
            self._authors[author.name] = author

    # -- writing

    def _create(self, new):
        """Create the articles of (file, day, parsed article) entries, with their parts."""
        if not new:
            return []
        taken = defaultdict(set)  # each day's slugs
        days = {day for _number, day, _parsed in new}
        for day, slug in Article.objects.filter(published_on__in=days).values_list(
            "published_on", "slug"
        ):
            taken[day].add(slug)
        articles = []
        for _number, day, parsed in new:
            slug = unique_slug(parsed.slug_base or pinyin_slug(parsed.title), taken[day])
            taken[day].add(slug)
            articles.append(
                Article(
                    publication=self.publication,
                    title=parsed.title,
                    deck=parsed.deck,
                    slug=slug,
                    published_on=day,
                    byline=parsed.byline,
                    source=parsed.source,
                    script=parsed.script,
                    status=self.status,
                )
            )
        articles = Article.objects.bulk_create(articles)
        # Each new article's own row logged it (articles.triggers): its parts need not.
        with triggers.paused(connection, Change.Topic.ARTICLE, [a.pk for a in articles]):
            self._create_parts(articles, [parsed for *_where, parsed in new])
        return articles

    def _create_parts(self, articles, new):
        # Sections, bylines and figures go in as plain rows (articles.bulk): a new article's
        # parts need no model instance, and an archive brings millions of them.
        sections, bylines = [], []
        for article, parsed in zip(articles, new, strict=True):
            find_figures(parsed)
            sections += [
                (article.pk, position, section.heading, join_paragraphs(section.paragraphs))
                for position, section in enumerate(parsed.sections, start=1)
            ]
            bylines += [
                (article.pk, author.pk, role, position)
                for author, role, position in self._credits_of(parsed)
            ]
        insert_rows(
            Section,
            ("article", "position", "heading", "body", "anchor"),
            [(*row, _first_anchor(row[1])) for row in sections],
        )
        insert_rows(Byline, ("article", "author", "role", "position"), bylines)
        section_ids = {
            (article_id, position): pk
            for pk, article_id, position in Section.objects.filter(
                article__in=[article.pk for article in articles]
            ).values_list("pk", "article_id", "position")
        }
        services.insert_figures(
            (article.pk, section_ids[article.pk, position], section.figures)
            for article, parsed in zip(articles, new, strict=True)
            for position, section in enumerate(parsed.sections, start=1)
        )

    def _credits_of(self, parsed):
        """(author, role, position) of each person the article credits, each author once."""
        authors = self._authors_for(parsed.credits)
        seen = set()
        for position, (credit, author) in enumerate(zip(parsed.credits, authors, strict=True)):
            if author.pk not in seen:
                seen.add(author.pk)
                yield author, credit.role, position

    def _update(self, article, parsed):
        """Bring ``article`` in line with ``parsed``; return whether anything changed."""
        changed = False
        for name in ("deck", "byline", "source", "script"):
            if getattr(article, name) != getattr(parsed, name):
                setattr(article, name, getattr(parsed, name))
                changed = True
        if changed:
            article.save()
        changed |= self._update_bylines(article, parsed)
        changed |= _update_sections(article, parsed)
        return changed

    def _update_bylines(self, article, parsed):
        credits = list(self._credits_of(parsed))
        wanted = [(author.pk, role) for author, role, _position in credits]
        current = [(byline.author_id, byline.role) for byline in article.bylines.all()]
        if wanted == current:
            return False
        article.bylines.all().delete()
        Byline.objects.bulk_create(
            Byline(article=article, author=author, role=role, position=position)
            for author, role, position in credits
        )
        return True


def _save_version(article, comment):
    """A version of ``article`` with its sections, byline and figures, in its history."""
    with reversion.create_revision(atomic=False):
        reversion.set_comment(comment)
        reversion.add_to_revision(article)


def find_figures(parsed):
    """Find the key figures of a new article's sections, unless they were found already.

    Needs no database: articles.loading calls it in its reading processes.
    """
    for position, section in enumerate(parsed.sections, start=1):
        if section.figures is None:
            by_paragraph = [services.figures_in(paragraph) for paragraph in section.paragraphs]
            section.figures = list(
                services.figure_rows(position, _first_anchor(position), by_paragraph)
            )


def _first_anchor(position):
    """A new article's section anchors follow their order; later sections take the next free."""
    return f"s{position}"


def _sections_for(article, parsed):
    return [
        Section(
            article=article,
            position=position,
            heading=section.heading,
            body=join_paragraphs(section.paragraphs),
            anchor=_first_anchor(position),
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
