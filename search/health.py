"""How far the search index is behind the database, for /healthz and operators."""

from django.utils import timezone

from articles import changes

from . import capabilities

# Behind by more than this, the index is reported as lagging.
LAG_TOLERATED_SECONDS = 60


def index_report(using="default"):
    engine = capabilities.backend(using)
    state = capabilities.index_state(engine)
    checkpoint = state.checkpoint or 0
    latest = changes.latest_id()
    pending = changes.pending(checkpoint).count() if latest > checkpoint else 0
    oldest = changes.oldest_pending_at(checkpoint) if pending else None
    lag_seconds = round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0.0
    epoch_matches = (
        state.meta.get("epoch") == changes.epoch() if state.generation is not None else None
    )
    ok = state.checkpoint is not None and epoch_matches is not False
    return {
        "status": "ok" if ok and lag_seconds <= LAG_TOLERATED_SECONDS else "behind",
        "generation": state.generation,
        "checkpoint": state.checkpoint,
        "latest_change": latest,
        "lag_changes": pending,
        "lag_seconds": lag_seconds,
        "epoch_matches": epoch_matches,
        # The indexers of this index (each records where its index lives), not of every index.
        "indexers": changes.live_readers().filter(location=capabilities.location(engine)).count(),
    }
