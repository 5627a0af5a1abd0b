"""The change log that feeds the search index, which the database writes itself.

Triggers (articles.triggers) add a `Change` row in the same transaction as every write to a
row the index copies, so the log and the data commit or roll back together, and no path
(admin, importer, shell, ``QuerySet.update``, ``bulk_*``, raw SQL) can change indexed content
without a row. See docs/search-lifecycle.md for who reads the log and what happens on a crash,
a restore or a rebuild.

This module is how the rest of the code reads the log: the newest id (a content version for
page caches), the pending rows, the epoch, the readers' positions. `touch` queues things by
hand (check_index --repair), through the same upsert the triggers use.
"""

import datetime
import time

from django.db import connection, transaction
from django.utils import timezone

from .models import Change, ChangeLogEpoch, ChangeLogReader

# A reader that has not been seen for this long is taken to be down: saves do not wait for it.
READER_LIVE_FOR = datetime.timedelta(seconds=30)
# An editor's save waits at most this long for the live readers to apply it.
SAVE_WAIT = 2.0


def latest_id():
    """The id of the newest change: cheap (an index lookup), used as a content version."""
    return Change.objects.order_by("-id").values_list("id", flat=True).first() or 0


def pending(after_id, limit=None):
    """Changes after ``after_id``, oldest first."""
    changes = Change.objects.filter(id__gt=after_id).order_by("id")
    return changes[:limit] if limit else changes


def oldest_pending_at(after_id):
    """When the oldest change after ``after_id`` was made, or None when there is none."""
    return pending(after_id).values_list("created_at", flat=True).first()


def epoch():
    """The database's identity (see ChangeLogEpoch); made afresh if the table was emptied."""
    row = ChangeLogEpoch.objects.order_by("id").first()
    if row is None:
        row, _created = ChangeLogEpoch.objects.get_or_create(id=1)
    return str(row.epoch)


def touch(topic, keys):
    """Queue ``keys`` of ``topic`` (a Change.Topic) as changed, as the triggers would."""
    keys = sorted({str(key) for key in keys})
    if not keys:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT articles_log_changes(%s, %s)", [topic, keys])
            return
        now = timezone.now()
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            Change.objects.filter(topic=topic, key__in=batch).delete()
            Change.objects.bulk_create(
                Change(topic=topic, key=key, created_at=now) for key in batch
            )


def record_position(name, position, location=""):
    """Note that the reader ``name`` has applied the log up to ``position`` (and is alive)."""
    ChangeLogReader.objects.update_or_create(
        name=name,
        defaults={"position": position, "location": location[:300], "seen_at": timezone.now()},
    )


def record_visible(name, position):
    """Note that searches of the reader ``name`` see the log up to ``position`` (its commit is
    done): what saves wait for. `record_position` is written before the commit."""
    ChangeLogReader.objects.filter(name=name).update(visible=position, seen_at=timezone.now())


def reader_position(name):
    return ChangeLogReader.objects.filter(name=name).values_list("position", flat=True).first()


def heartbeat(name):
    """Note that the reader ``name`` is alive, without moving its position."""
    ChangeLogReader.objects.filter(name=name).update(seen_at=timezone.now())


def forget_readers(location, keep):
    """Forget the readers at ``location`` other than ``keep`` (generations replaced there)."""
    ChangeLogReader.objects.filter(location=location).exclude(name=keep).delete()


def live_readers():
    return ChangeLogReader.objects.filter(seen_at__gte=timezone.now() - READER_LIVE_FOR)


def wait_until_applied(change_id, timeout=SAVE_WAIT, interval=0.02):
    """Wait until every live reader has applied the log up to ``change_id`` and committed it,
    so that searches find it (`record_visible`).

    True when they have; False after ``timeout`` seconds, or at once when no reader is live
    (no indexer is running), so that the caller can say that search is behind.
    """
    deadline = time.monotonic() + timeout
    while True:
        positions = list(live_readers().values_list("visible", flat=True))
        if not positions:
            return False
        if min(positions) >= change_id:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
