"""backup PATH: write the whole database to one file, while the site runs (see articles.backups)."""

from django.core.management.base import BaseCommand, CommandError

from articles import backups


class Command(BaseCommand):
    help = (
        "Writes a backup of the database to PATH: SQLite's online backup on SQLite, "
        "pg_dump --format=custom on PostgreSQL. The site can keep running."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="The backup file to write.")
        parser.add_argument(
            "--force", action="store_true", help="Replace PATH if it exists already."
        )
        parser.add_argument("--database", default="default", help="The database to back up.")

    def handle(self, path, force, database, **options):
        try:
            written = backups.backup(path, using=database, force=force)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            size = written.stat().st_size / 1_000_000
            self.stdout.write(
                self.style.SUCCESS(
                    f"Backed up {backups.describe(database)} to {written} ({size:.1f} MB)."
                )
            )
