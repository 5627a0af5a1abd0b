"""Loading an archive: directories of dated files, read in parallel, resumable.

`source_files` finds the files to import and the day each was printed. `Loader.load` reads
them (parsing, pinyin and key figures in ``jobs`` processes, which need no database; they run
at a lower priority and at most READ_AHEAD_BYTES ahead, since saving is the serial part) and
saves them in order, each file whole or not at all, with a record of its content's hash
(articles.models.ImportedFile): files go by batches of about BATCH_ARTICLES articles, one
transaction each, and a batch's files are written by one set of statements (`_groups`,
`Importer.save_files`). Running the same import again skips every file already imported
unchanged, so an interrupted import finishes where it stopped.

A file's day comes from ``--date``, or from its name or folders: ``2025-11-11.txt``,
``20251111.txt``, ``2025/11/11/第一版.txt``. A file whose names give two days, or another day than
``--date``, or none when there is no ``--date``, is refused with the reason, before anything is
saved.
"""

import collections
import datetime
import hashlib
import itertools
import multiprocessing
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import loading_worker
from .importer import Importer, find_figures
from .models import ImportedFile, validate_publication_date
from .slugs import pinyin_slug
from .textformat import MAX_FILE_BYTES, MalformedSource, decode, parse

SOURCE_SUFFIXES = (".txt",)
BATCH_ARTICLES = 500  # articles saved in one transaction, at most a file more
PARALLEL_ABOVE_BYTES = 2_000_000  # smaller imports are read in this process
READ_CHUNK_FILES = 4  # files a reading process takes at once
READ_AHEAD_BYTES = 8_000_000  # of files read and not yet saved: three batches of a daily paper
_DAY_IN_NAME = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d\d)-?(?P<month>[01]\d)-?(?P<day>[0-3]\d)(?!\d)"
)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    published_on: datetime.date
    size: int


@dataclass
class Refusal:
    path: Path
    reason: str


@dataclass
class Summary:
    files: int = 0
    bytes: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list = field(default_factory=list)  # files imported before, unchanged
    failed: list = field(default_factory=list)  # Refusal: files not imported, with the reason
    warnings: list = field(default_factory=list)  # (path, message)
    listed: list = field(default_factory=list)  # (outcome, Article), when the loader lists them

    @property
    def articles(self):
        return self.created + self.updated + self.unchanged


def days_in(path, root=None):
    """Every day a file's name and its folders (below ``root``) say it was printed."""
    path = Path(path)
    days = set()
    for match in _DAY_IN_NAME.finditer(path.stem):
        days.add(_day(match["year"], match["month"], match["day"]))
    parts = path.relative_to(root).parts[:-1] if root else path.parts[:-1]
    for index in range(len(parts) - 2):
        year, month, day = parts[index : index + 3]
        if (
            re.fullmatch(r"(?:19|20)\d\d", year)
            and re.fullmatch(r"[01]?\d", month)
            and re.fullmatch(r"[0-3]?\d", day)
        ):
            days.add(_day(year, month, day))
    days.discard(None)
    return days


def _day(year, month, day):
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def source_files(paths, date=None):
    """(files to import, in order, refusals): every text file under ``paths``, with its day."""
    found, refused = [], []
    for given in map(Path, paths):
        if given.is_dir():
            candidates = sorted(
                path
                for path in given.rglob("*")
                if path.is_file() and path.suffix.lower() in SOURCE_SUFFIXES
            )
            root = given
        else:
            candidates, root = [given], None
        for path in candidates:
            day, reason = _day_of(path, root, date)
            if reason:
                refused.append(Refusal(path, reason))
                continue
            try:
                size = path.stat().st_size
            except OSError as error:
                refused.append(Refusal(path, error.strerror or str(error)))
                continue
            found.append(SourceFile(path, day, size))
    return found, refused


def _day_of(path, root, date):
    days = days_in(path, root)
    if len(days) > 1:
        listed = "、".join(sorted(day.isoformat() for day in days))
        return None, _("Its name gives more than one day (%(days)s).") % {"days": listed}
    named = next(iter(days), None)
    if date and named and named != date:
        return None, _("Its name says %(named)s, but --date says %(date)s.") % {
            "named": named.isoformat(),
            "date": date.isoformat(),
        }
    day = date or named
    if day is None:
        return None, _("No day of publication: name the file like 2025-11-11.txt, or give --date.")
    try:
        validate_publication_date(day)
    except ValidationError as error:
        return None, " ".join(error.messages)
    return day, ""


def _batches(prepared_files):
    """Lists of prepared files holding BATCH_ARTICLES articles (a file more at most)."""
    batch, articles = [], 0
    for prepared in prepared_files:
        batch.append(prepared)
        articles += len(prepared.articles)
        if articles >= BATCH_ARTICLES:
            yield batch
            batch, articles = [], 0
    if batch:
        yield batch


def _groups(prepared_files):
    """The files in order, in groups saved together: a group never holds two files that name
    the same article (title and day) or are the same content for the same day, so saving a
    group at once is saving its files one after the other."""
    group, articles, contents = [], set(), set()
    for prepared in prepared_files:
        day = prepared.source.published_on
        names = {(day, parsed.title) for parsed in prepared.articles}
        content = (prepared.sha256, day)
        if group and (names & articles or content in contents):
            yield group
            group, articles, contents = [], set(), set()
        group.append(prepared)
        articles |= names
        contents.add(content)
    if group:
        yield group


# -- reading (in worker processes: no database)


@dataclass
class Prepared:
    """A file read and parsed, with the work that needs no database done."""

    source: SourceFile
    sha256: str = ""
    articles: list = field(default_factory=list)
    error: str = ""
    already: bool = False


def prepare(source, imported=frozenset()):
    """Read and parse one file; ``imported`` holds (sha256, day) of files already imported."""
    try:
        with open(source.path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return Prepared(
            source,
            error=_("The file cannot be read: %(error)s") % {"error": error.strerror or str(error)},
        )
    sha256 = hashlib.sha256(data).hexdigest()
    if (sha256, source.published_on) in imported:
        return Prepared(source, sha256, already=True)
    try:
        if len(data) > MAX_FILE_BYTES:
            raise MalformedSource(
                _("The file is larger than %(limit)d bytes, the limit for one file.")
                % {"limit": MAX_FILE_BYTES},
                code="too_large",
            )
        articles = parse(decode(data))
    except MalformedSource as error:
        error.path = source.path
        return Prepared(source, sha256, error=str(error))
    for article in articles:
        article.slug_base = pinyin_slug(article.title)
        find_figures(article)
    return Prepared(source, sha256, articles)


def _chunks(items, size):
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _read_ahead(chunks, submit, limit):
    """Each file of ``chunks`` as read by ``submit(chunk).get()``, in order, with at most
    ``limit`` bytes of files submitted and not yet given back (and at least one chunk).

    Unbounded, the readers ran ahead of the saving: in a 100k import a third of the archive
    piled up here (1.1 GB), and this process saved it alone at the end, on one of two cores.
    """
    pending, ahead = collections.deque(), 0
    for chunk in chunks:
        while pending and ahead >= limit:
            reading, size = pending.popleft()
            ahead -= size
            yield from reading.get()
        size = sum(source.size for source in chunk)
        pending.append((submit(chunk), size))
        ahead += size
    for reading, _size in pending:
        yield from reading.get()


# -- saving (in this process)


class Loader:
    """Imports source files into one publication, file by file, each in one transaction."""

    def __init__(self, publication, status, jobs=1, listing=False):
        self.publication = publication
        self.status = status
        self.jobs = max(1, jobs)
        self.listing = listing  # keep every saved article in the summary (a small import's list)
        self._importer = None

    def load(self, files, progress=None):
        return self.save(self._prepared(files, self._imported()), progress)

    def save(self, prepared_files, progress=None):
        """Save files read by `prepare`, in order; a Summary."""
        summary = Summary()
        for batch in _batches(prepared_files):
            # Small files are saved many to a transaction, with one set of statements for a
            # whole group of them (Importer.save_files): a crash loses at most one batch, which
            # the next run imports again. A batch with nothing to save takes no lock.
            saving = [prepared for prepared in batch if prepared.articles]
            if saving:
                with transaction.atomic():
                    for group in _groups(saving):
                        try:
                            self._save(group, summary)
                        except MalformedSource as error:  # a group of one file
                            summary.failed.append(Refusal(group[0].source.path, str(error)))
            for prepared in batch:
                summary.files += 1
                summary.bytes += prepared.source.size
                if prepared.already:
                    summary.skipped.append(prepared.source.path)
                elif prepared.error:
                    summary.failed.append(Refusal(prepared.source.path, prepared.error))
                if progress:
                    progress(prepared.source.size, summary)
        return summary

    def _imported(self):
        # Only reads: a publication is created with its first article, not before.
        return frozenset(
            ImportedFile.objects.filter(publication__name=self.publication).values_list(
                "sha256", "published_on"
            )
        )

    def _prepared(self, files, imported):
        # Starting a worker takes a second; a few files are read here, in this process.
        if self.jobs == 1 or sum(source.size for source in files) < PARALLEL_ABOVE_BYTES:
            yield from (prepare(source, imported) for source in files)
            return
        # Spawned, not forked: a worker shares no connection, lock or thread with this process.
        context = multiprocessing.get_context("spawn")
        with context.Pool(
            self.jobs, initializer=loading_worker.start, initargs=(imported,)
        ) as pool:
            yield from _read_ahead(
                _chunks(files, READ_CHUNK_FILES),
                lambda chunk: pool.apply_async(loading_worker.prepare_all, (chunk,)),
                READ_AHEAD_BYTES,
            )

    def _save(self, group, summary):
        """Save a group of prepared files (see _groups) and record each as imported.

        A file the importer refuses fails alone: the group is saved again file by file, each
        whole or not at all.
        """
        importer = self._importer_for(group[0].source.published_on)
        try:
            with transaction.atomic():
                reports = importer.save_files(
                    [(prepared.source.published_on, prepared.articles) for prepared in group]
                )
                self._record(importer.publication, group)
        except MalformedSource:
            if len(group) == 1:
                raise
            for prepared in group:
                try:
                    self._save([prepared], summary)
                except MalformedSource as error:
                    summary.failed.append(Refusal(prepared.source.path, str(error)))
            return
        for prepared, report in zip(group, reports, strict=True):
            path = prepared.source.path
            summary.created += len(report.created)
            summary.updated += len(report.updated)
            summary.unchanged += len(report.unchanged)
            summary.warnings += [(path, warning) for warning in report.warnings]
            if self.listing:
                summary.listed += [
                    (outcome, article)
                    for outcome in ("created", "updated", "unchanged")
                    for article in getattr(report, outcome)
                ]

    @staticmethod
    def _record(publication, group):
        """An ImportedFile for each file of ``group``: a new one, or the same content's again."""
        recorded = {
            (imported.sha256, imported.published_on): imported
            for imported in ImportedFile.objects.filter(
                publication=publication, sha256__in={prepared.sha256 for prepared in group}
            )
        }
        new, again = [], []
        for prepared in group:
            source = prepared.source
            values = {
                "path": str(source.path)[-500:],
                "size": source.size,
                "articles": len(prepared.articles),
            }
            imported = recorded.get((prepared.sha256, source.published_on))
            if imported is None:
                new.append(
                    ImportedFile(
                        sha256=prepared.sha256,
                        published_on=source.published_on,
                        publication=publication,
                        **values,
                    )
                )
            else:
                for name, value in values.items():
                    setattr(imported, name, value)
                again.append(imported)
        ImportedFile.objects.bulk_create(new)
        ImportedFile.objects.bulk_update(again, ["path", "size", "articles"])

    def _importer_for(self, day):
        # One importer keeps its publication and author lookups across days.
        if self._importer is None:
            self._importer = Importer(day, self.publication, self.status)
        return self._importer
