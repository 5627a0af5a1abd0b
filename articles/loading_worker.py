"""What a worker process of articles.loading runs: importable before Django is set up.

A spawned worker imports this module to find its initializer, before any app is loaded, so
nothing here may import a model at module level.
"""

# The readers yield to the saving process, the import's serial part: at nice 5 each weighs a
# third of it with the kernel's scheduler, so it keeps a whole core whenever it has work, and
# the readers share what is left. At equal priority it had two thirds of a core, and a 100k
# import took a fifth longer.
NICENESS = 5

_imported = frozenset()


def start(imported):
    """Set Django up in a fresh (spawned) process; ``imported``: (sha256, day) already in."""
    import os

    import django

    os.nice(NICENESS)
    django.setup()
    global _imported
    _imported = imported


def prepare_all(sources):
    from .loading import prepare

    return [prepare(source, _imported) for source in sources]
