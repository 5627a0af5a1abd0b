"""Rebuild the search index from the database in one commit, with a progress bar."""

from django.core.management.base import CommandError
from haystack.management.commands.rebuild_index import Command as HaystackRebuild

from search import sync
from search.management.progress import progress_bar


class Command(HaystackRebuild):
    help = (
        "Rebuilds the search index from the database. Readers keep the old index until "
        "the new one is committed; changes made meanwhile are applied afterwards."
    )

    def handle(self, **options):
        if options.get("interactive", True):
            answer = input("This replaces the whole search index. Continue? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Rebuild cancelled.")
        total = sync.article_index().index_queryset().count()
        verbosity = options.get("verbosity", 1)
        with progress_bar(total, "Indexing", verbosity, self.stderr._out) as advance:
            added = sync.rebuild(batch_size=options.get("batchsize") or 500, progress=advance)
        if options.get("verbosity", 1):
            self.stdout.write(f"Indexed {added} articles.")
