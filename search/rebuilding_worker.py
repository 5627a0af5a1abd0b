"""What a worker process of search.rebuilding runs: importable before Django is set up.

A spawned worker imports this module to find its initializer, before any app is loaded, so
nothing here may import a model at module level.
"""

# The workers yield to the rebuilding process, whose reading, preparing and tantivy's indexing
# threads are the rebuild's serial part: at nice 5 each weighs a third of it with the kernel's
# scheduler (as articles.loading_worker's readers do). The key figures' rebuild of 10k articles
# took 3-13% less in each of four alternating pairs (bench.rebuild).
NICENESS = 5

_analysis = None  # (field specs, analyzer) of the index being rebuilt


def start(specs, analyzer, user_words):
    """Set Django up in a fresh (spawned) process, with the rebuilding process's dictionary."""
    import os

    import django

    os.nice(NICENESS)
    django.setup()
    from . import tokenize

    tokenize.set_user_words(user_words)
    global _analysis
    _analysis = (specs, analyzer)


def analyse(batch):
    """Analyse a batch of prepared documents (search.backends.common.analysed)."""
    from .backends.common import analysed

    specs, analyzer = _analysis
    return [analysed(specs, analyzer, prepared) for prepared in batch]
