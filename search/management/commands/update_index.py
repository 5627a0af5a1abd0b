"""Index articles changed since --age hours (or all of them), with a progress bar."""

import datetime

from django.utils import timezone
from haystack.management.commands.update_index import Command as HaystackUpdate

from search import sync
from search.management.progress import progress_bar


class Command(HaystackUpdate):
    help = (
        "Indexes published articles (all, or those changed in the last --age hours) "
        "and applies the pending change log."
    )

    def handle(self, **options):
        verbosity = options.get("verbosity", 1)
        if not options.get("age") and not options.get("start_date") and not options.get("end_date"):
            total = sync.article_index().index_queryset().count()
            with progress_bar(total, "Indexing", verbosity, self.stderr._out) as advance:
                added = sync.rebuild(batch_size=options.get("batchsize") or 500, progress=advance)
            if verbosity:
                self.stdout.write(f"Indexed {added} articles.")
            return
        queryset = sync.article_index().index_queryset()
        if options.get("age"):
            queryset = queryset.filter(
                updated_at__gte=timezone.now() - datetime.timedelta(hours=options["age"])
            )
        if options.get("start_date"):
            queryset = queryset.filter(updated_at__gte=options["start_date"])
        if options.get("end_date"):
            queryset = queryset.filter(updated_at__lte=options["end_date"])
        ids = list(queryset.values_list("pk", flat=True))
        batch_size = options.get("batchsize") or 500
        with (
            progress_bar(len(ids), "Indexing", verbosity, self.stderr._out) as advance,
            sync.backend().writer(bulk=True, timeout=60) as writer,
        ):
            for start in range(0, len(ids), batch_size):
                batch = ids[start : start + batch_size]
                sync.apply(writer, batch)
                advance(len(batch))
        reached = sync.catch_up()
        if verbosity:
            self.stdout.write(
                f"Indexed {len(ids)} articles; the change log is applied up to #{reached}."
            )
