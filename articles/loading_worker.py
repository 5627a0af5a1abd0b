"""What a worker process of articles.loading runs: importable before Django is set up.

A spawned worker imports this module to find its initializer, before any app is loaded, so
nothing here may import a model at module level.
"""

_imported = frozenset()


def start(imported):
    """Set Django up in a fresh (spawned) process; ``imported``: (sha256, day) already in."""
    import django

    django.setup()
    global _imported
    _imported = imported


def prepare(source):
    from .loading import prepare

    return prepare(source, _imported)
