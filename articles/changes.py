"""The change log (outbox) that feeds the search index.

Every write to an article records a row in ArticleChange inside the writer's
own transaction, so the log and the article commit or roll back together.
After commit, `changes_committed` tells whoever keeps a copy (the search
index) to catch up; if that never happens (a crash), the copy replays the log
the next time it is used.

On PostgreSQL, writers take a transaction-scoped advisory lock before they
append, so log ids become visible in id order and a reader that has applied
everything up to id N never misses a row below N committed later. SQLite
already serialises writers.
"""

import threading
from contextlib import contextmanager

from django.db import connection, transaction
from django.dispatch import Signal

from .models import ArticleChange

# Sent after the transaction that recorded changes has committed; ``bulk`` is
# true at the end of a `deferred()` block, after many transactions.
changes_committed = Signal()

_deferring = threading.local()

_LOG_LOCK_KEY = 7_302_215_017  # any constant; identifies this log's advisory lock


def record(article_ids, action=ArticleChange.Action.SAVED, reason=""):
    """Append one change per article id, in the caller's transaction."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOG_LOCK_KEY])
        ArticleChange.objects.bulk_create(
            ArticleChange(article_id=pk, action=action, reason=reason[:40]) for pk in ids
        )
    if not getattr(_deferring, "active", False):
        transaction.on_commit(lambda: changes_committed.send(sender=ArticleChange, bulk=False))


@contextmanager
def deferred():
    """Record every change as usual, but announce them once, at the end (bulk imports).

    Catching up after each file of a large import would index article by
    article; one announcement at the end lets the copy catch up in bulk.
    """
    _deferring.active = True
    try:
        yield
    finally:
        _deferring.active = False
        changes_committed.send(sender=ArticleChange, bulk=True)


def latest_id():
    """The id of the newest change: cheap (an index lookup), used as a content version."""
    return ArticleChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def pending(after_id, limit=None):
    """Changes after ``after_id``, oldest first."""
    changes = ArticleChange.objects.filter(id__gt=after_id).order_by("id")
    return changes[:limit] if limit else changes
