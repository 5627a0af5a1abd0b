"""run_indexer: the search index's only writer, following the change log until stopped."""

import logging
import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from search.indexer import Indexer


class Command(BaseCommand):
    help = (
        "Keeps the search index in step with the database: applies the change log as it "
        "grows, and rebuilds the index when it cannot follow the log. Run one per index."
    )

    def add_arguments(self, parser):
        parser.add_argument("--using", default="default", help="The haystack connection.")
        parser.add_argument(
            "--niceness",
            type=int,
            default=None,
            help="Lower the indexer's CPU priority by this much (default: INDEXER_NICENESS, 10).",
        )

    def handle(self, **options):
        niceness = options["niceness"]
        lower_priority(settings.INDEXER_NICENESS if niceness is None else niceness)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: stop.set())
        logging.getLogger("search").setLevel(logging.INFO)
        indexer = Indexer(options["using"])
        self.stdout.write(f"Indexing {indexer.location} from the change log; stop with Ctrl-C.")
        indexer.run(stop)
        self.stdout.write(
            f"Stopped after applying {indexer.applied} changes ({indexer.rebuilds} rebuilds)."
        )


def lower_priority(niceness):
    """Lower this process's CPU priority before any thread starts: the threads it starts later
    (tantivy's writer threads) inherit it. Readers come first; the indexer takes what is left."""
    if niceness > 0 and hasattr(os, "nice"):
        os.nice(niceness)
