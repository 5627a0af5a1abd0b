"""What a worker process of search.rebuilding runs: importable before Django is set up.

A spawned worker imports this module to find its initializer, before any app is loaded, so
nothing here may import a model at module level.
"""

_analysis = None  # (field specs, analyzer) of the index being rebuilt


def start(specs, analyzer, user_words):
    """Set Django up in a fresh (spawned) process, with the rebuilding process's dictionary."""
    import django

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
