"""restore PATH: replace the whole database with a backup made by `backup` (articles.backups)."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from articles import backups


class Command(BaseCommand):
    help = (
        "Replaces everything in the database with the backup at PATH (made by `backup`). "
        "The search index is rebuilt from the restored database by the indexer."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="The backup file to restore.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument("--database", default="default", help="The database to replace.")

    def handle(self, path, interactive, database, **options):
        try:
            if interactive:
                backups.check(path, using=database)  # before asking; restore checks again
                self._confirm(path, database)
            indexer_running = backups.indexer_running()
            backups.restore(path, using=database)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        if not options["verbosity"]:
            return
        self.stdout.write(self.style.SUCCESS(f"Restored {backups.describe(database)} from {path}."))
        if indexer_running:
            self.stdout.write(
                "The running indexer (run_indexer) will rebuild the search index from the "
                "restored database; searches use the old index until the new one is complete. "
                "`manage.py check_index` confirms the result."
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    "No indexer is running: start `manage.py run_indexer`, or run "
                    "`manage.py rebuild_index`, to rebuild the search index from the restored "
                    "database. Until then searches find what the old database held."
                )
            )
        unapplied = self._unapplied_migrations(database)
        if unapplied:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup predates {unapplied} migration(s) of this release: "
                    "run `manage.py migrate`."
                )
            )

    def _confirm(self, path, database):
        modified = datetime.datetime.fromtimestamp(Path(path).stat().st_mtime)
        written = modified.strftime("%Y-%m-%d %H:%M")
        answer = input(
            f"This replaces everything in {backups.describe(database)} with the backup {path} "
            f"(written {written}). Continue? [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            raise CommandError("Restore cancelled: nothing was changed.")

    def _unapplied_migrations(self, database):
        executor = MigrationExecutor(connections[database])
        return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
