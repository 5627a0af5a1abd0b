"""Rebuild the search index from the database beside the live one, with a progress bar.

haystack's own rebuild_index clears the index and fills it again, so that searches find
nothing meanwhile. This one builds a new generation and switches to it at the end (on engines
that can; see search.capabilities), and records the change-log checkpoint it was built from,
so the indexer goes on from there.
"""

import os

from django.conf import settings
from django.core.management.base import CommandError
from haystack.management.commands.rebuild_index import Command as HaystackRebuild

from search.indexer import Indexer
from search.management.progress import progress_bar


class Command(HaystackRebuild):
    help = (
        "Rebuilds the search index from the database. Readers keep the old index until "
        "the new one is complete; changes made meanwhile are applied afterwards."
    )

    def handle(self, **options):
        if options.get("interactive", True):
            answer = input("This replaces the whole search index. Continue? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Rebuild cancelled.")
        verbosity = options.get("verbosity", 1)
        # haystack's --workers: processes that analyse the text while this one writes (one
        # per core unless given; 1 analyses here).
        jobs = options.get("workers") or os.cpu_count() or 1
        for using in options.get("using") or settings.SEARCH_INDEXES:
            indexer = Indexer(using)
            total = indexer.articles().count()
            with progress_bar(total, "Indexing", verbosity, self.stderr._out) as advance:
                added = indexer.rebuild(progress=advance, jobs=jobs)
            if verbosity:
                state = indexer.state()
                self.stdout.write(
                    f"Indexed {added} articles ({using}); the index reflects the change log "
                    f"up to #{state.checkpoint}."
                )
