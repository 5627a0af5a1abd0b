"""run_indexer: the search index's only writer, following the change log until stopped."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand

from search.indexer import Indexer


class Command(BaseCommand):
    help = (
        "Keeps the search index in step with the database: applies the change log as it "
        "grows, and rebuilds the index when it cannot follow the log. Run one per index."
    )

    def add_arguments(self, parser):
        parser.add_argument("--using", default="default", help="The haystack connection.")

    def handle(self, **options):
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
