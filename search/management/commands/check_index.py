"""check_index: compare a search index with the database, document by document.

Each document carries a hash of what the index was given for it. This command prepares every
document the index should hold (each published article, or each of their visible figures)
again and compares: missing (in the database, not in the index), extra (in the index, not in
the database) and stale (in both, different). It exits non-zero when anything differs;
``--repair`` queues the articles those documents belong to in the change log for the indexer.
"""

from django.core.management.base import BaseCommand, CommandError
from haystack.utils import get_identifier

from articles import changes
from articles.models import Article, Change, Figure
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
        indexed = {}  # document id -> (hash, article id)
        if indexer.search_index:
            for pk, values in indexer.scan(Article, fields=[CONTENT_HASH]):
                indexed[f"articles.article.{pk}"] = (values[CONTENT_HASH], int(pk))
        if indexer.figure_index:
            for pk, values in indexer.scan(Figure, fields=[CONTENT_HASH, "article"]):
                indexed[f"articles.figure.{pk}"] = (values[CONTENT_HASH], int(values["article"]))
        expected = {}
        queryset = indexer.articles().order_by("pk")
        with progress_bar(queryset.count(), "Comparing", verbosity, self.stderr._out) as advance:
            last = 0
            while batch := list(queryset.filter(pk__gt=last)[:ARTICLES_PER_READ]):
                for search_index, obj in indexer.documents(batch):
                    article = obj.pk if isinstance(obj, Article) else obj.article_id
                    prepared = search_index.full_prepare(obj)
                    expected[get_identifier(obj)] = (prepared[CONTENT_HASH], article)
                last = batch[-1].pk
                advance(len(batch))
        missing = sorted(expected.keys() - indexed.keys())
        extra = sorted(indexed.keys() - expected.keys())
        both = expected.keys() & indexed.keys()
        stale = sorted(key for key in both if expected[key] != indexed[key])
        state = indexer.state()
        self.stdout.write(
            f"database: {len(expected)} documents; index: {len(indexed)} documents "
            f"(generation {state.generation}, change log #{state.checkpoint} of "
            f"#{changes.latest_id()})"
        )
        self.stdout.write(f"missing: {len(missing)}  extra: {len(extra)}  stale: {len(stale)}")
        for label, ids in (("missing", missing), ("extra", extra), ("stale", stale)):
            if ids and verbosity > 1:
                self.stdout.write(f"{label}: {' '.join(map(str, ids[:100]))}")
        differing = sorted(
            {(expected.get(key) or indexed[key])[1] for key in missing + extra + stale}
        )
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
