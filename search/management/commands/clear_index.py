"""Empty the search index (the database keeps everything; rebuild_index refills it)."""

from django.core.management.base import CommandError
from haystack.management.commands.clear_index import Command as HaystackClear

from search import sync


class Command(HaystackClear):
    def handle(self, **options):
        if options.get("interactive", True):
            answer = input("This removes every document from the search index. Continue? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing was removed.")
        with sync.backend().writer(timeout=60) as writer:
            writer.clear()
        if options.get("verbosity", 1):
            self.stdout.write("The search index is empty. Run rebuild_index to fill it again.")
