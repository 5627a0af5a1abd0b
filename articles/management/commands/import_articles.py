"""import_articles PATH… --date YYYY-MM-DD: import articles from the newspaper's text format."""

import argparse
import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from articles.importer import DEFAULT_PUBLICATION, Importer, MalformedSource
from articles.models import Article, validate_publication_date


class Command(BaseCommand):
    help = (
        "Imports articles from text files in the archive's format. Each file is saved "
        "whole or not at all; importing a file again updates its articles."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--date",
            required=True,
            type=_date,
            help="Date of publication of the articles, YYYY-MM-DD (the text does not say).",
        )
        parser.add_argument("--publication", default=DEFAULT_PUBLICATION)
        parser.add_argument(
            "--status",
            choices=[choice.value for choice in Article.Status],
            default=Article.Status.PUBLISHED,
        )

    def handle(self, paths, **options):
        importer = Importer(options["date"], options["publication"], options["status"])
        failures = 0
        for path in paths:
            try:
                report = importer.import_file(path)
            except MalformedSource as error:
                failures += 1
                message = _("%(error)s Nothing from this file was saved.") % {"error": error}
                self.stderr.write(self.style.ERROR(message))
                continue
            self._report(path, report)
        if failures:
            raise CommandError(
                _("%(failures)d of %(total)d files could not be imported.")
                % {"failures": failures, "total": len(paths)}
            )

    def _report(self, path, report):
        for label, articles in (
            (_("created"), report.created),
            (_("updated"), report.updated),
            (_("unchanged"), report.unchanged),
        ):
            for article in articles:
                self.stdout.write(f"{label}: {article.title} ({article.get_absolute_url()})")
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(warning))
        summary = _("%(path)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
        self.stdout.write(
            self.style.SUCCESS(
                summary
                % {
                    "path": path,
                    "created": len(report.created),
                    "updated": len(report.updated),
                    "unchanged": len(report.unchanged),
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
