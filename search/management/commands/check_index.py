"""check_index: compare the search index with the database, article by article.

Each indexed article carries a hash of what the index was given for it. This command prepares
every published article again and compares: missing (published, not in the index), extra (in
the index, not published) and stale (in both, different). It exits non-zero when anything
differs; ``--repair`` queues exactly those articles in the change log for the indexer.
"""

from django.core.management.base import BaseCommand, CommandError

from articles import changes
from articles.models import Change
from search.indexer import ARTICLES_PER_READ, Indexer
from search.management.progress import progress_bar
from search.search_indexes import CONTENT_HASH


class Command(BaseCommand):
    help = "Compares the search index with the database; --repair queues what differs."

    def add_arguments(self, parser):
        parser.add_argument("--using", default="default", help="The haystack connection.")
        parser.add_argument(
            "--repair", action="store_true", help="Queue the differing articles for the indexer."
        )

    def handle(self, **options):
        verbosity = options["verbosity"]
        indexer = Indexer(options["using"])
        indexed = {
            int(pk): values[CONTENT_HASH] for pk, values in indexer.scan(fields=[CONTENT_HASH])
        }
        expected = {}
        queryset = indexer.search_index.index_queryset().order_by("pk")
        with progress_bar(queryset.count(), "Comparing", verbosity, self.stderr._out) as advance:
            last = 0
            while batch := list(queryset.filter(pk__gt=last)[:ARTICLES_PER_READ]):
                for article in batch:
                    expected[article.pk] = indexer.search_index.full_prepare(article)[CONTENT_HASH]
                last = batch[-1].pk
                advance(len(batch))
        missing = sorted(expected.keys() - indexed.keys())
        extra = sorted(indexed.keys() - expected.keys())
        stale = sorted(pk for pk in expected.keys() & indexed.keys() if expected[pk] != indexed[pk])
        state = indexer.state()
        self.stdout.write(
            f"database: {len(expected)} published articles; index: {len(indexed)} articles "
            f"(generation {state.generation}, change log #{state.checkpoint} of "
            f"#{changes.latest_id()})"
        )
        self.stdout.write(f"missing: {len(missing)}  extra: {len(extra)}  stale: {len(stale)}")
        for label, ids in (("missing", missing), ("extra", extra), ("stale", stale)):
            if ids and verbosity > 1:
                self.stdout.write(f"{label}: {' '.join(map(str, ids[:100]))}")
        differing = missing + extra + stale
        if not differing:
            return
        if options["repair"]:
            changes.touch(Change.Topic.ARTICLE, differing)
            self.stdout.write(
                f"Queued {len(differing)} articles in the change log; the indexer applies them."
            )
            return
        raise CommandError(
            f"The index differs from the database in {len(differing)} articles. "
            "Run check_index --repair to queue them for the indexer."
        )
