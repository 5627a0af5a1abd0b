"""import_articles PATH…: import files or whole directories of dated files (articles.loading)."""

import argparse
import datetime
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from articles.importer import DEFAULT_PUBLICATION
from articles.loading import Loader, source_files
from articles.models import Article, validate_publication_date


class Command(BaseCommand):
    help = (
        "Imports articles from text files in the archive's format, or from directories of "
        "them. Each file's day comes from --date or from its name (2025-11-11.txt, "
        "20251111.txt, 2025/11/11/*.txt). Each file is saved whole or not at all; running "
        "the same import again skips the files already imported unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or directories.")
        parser.add_argument(
            "--date",
            type=_date,
            help="Date of publication, YYYY-MM-DD, for files whose names do not say it.",
        )
        parser.add_argument("--publication", default=DEFAULT_PUBLICATION)
        parser.add_argument(
            "--status",
            choices=[choice.value for choice in Article.Status],
            default=Article.Status.PUBLISHED,
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="Processes that read and parse files while this one saves (default: 2).",
        )

    def handle(self, paths, **options):
        files, refused = source_files(paths, options["date"])
        for refusal in refused:
            self.stderr.write(self.style.ERROR(f"{refusal.path}: {refusal.reason}"))
        if refused:
            raise CommandError(
                _("%(count)d files could not be given a day of publication; nothing was imported.")
                % {"count": len(refused)}
            )
        loader = Loader(
            options["publication"],
            options["status"],
            jobs=options["jobs"],
            listing=options["verbosity"] > 1,
        )
        total = sum(source.size for source in files)
        with tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            desc=_("Importing"),
            file=self.stderr._out,
            disable=options["verbosity"] == 0 or not self.stderr.isatty(),  # a bar is for people
            dynamic_ncols=True,
        ) as bar:

            def progress(size, summary):
                bar.update(size)
                bar.set_postfix_str(_("%(count)d articles") % {"count": summary.articles})

            summary = loader.load(files, progress)
        self._report(summary, options["verbosity"])
        if summary.failed:
            raise CommandError(
                _("%(failures)d of %(total)d files could not be imported.")
                % {"failures": len(summary.failed), "total": summary.files}
            )

    def _report(self, summary, verbosity):
        for path, warning in summary.warnings:
            self.stdout.write(self.style.WARNING(f"{path}: {warning}"))
        for refusal in summary.failed:
            message = _("%(error)s Nothing from this file was saved.") % {"error": refusal.reason}
            if str(refusal.path) not in refusal.reason:
                message = f"{refusal.path}: {message}"
            self.stderr.write(self.style.ERROR(message))
        if verbosity > 1:
            outcomes = {
                "created": _("created"),
                "updated": _("updated"),
                "unchanged": _("unchanged"),
            }
            for outcome, article in summary.listed:
                self.stdout.write(
                    f"{outcomes[outcome]}: {article.title} ({article.get_absolute_url()})"
                )
            for path in summary.skipped:
                self.stdout.write(_("%(path)s: imported before, unchanged.") % {"path": path})
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(files)d files: %(created)d articles created, %(updated)d updated, "
                    "%(unchanged)d unchanged; %(skipped)d files imported before and skipped, "
                    "%(failed)d failed."
                )
                % {
                    "files": summary.files,
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                    "skipped": len(summary.skipped),
                    "failed": len(summary.failed),
                }
            )
        )


def _date(value):
    try:
        date = datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date such as 2025-11-11, not {value!r}"
        ) from None
    try:
        validate_publication_date(date)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(" ".join(error.messages)) from None
    return date
