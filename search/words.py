"""The editors' dictionary words, loaded into jieba wherever text is cut into words.

The indexer loads them before each batch it indexes and stores their version with its commit.
A web worker, which cuts queries (and article texts, for related articles) into words, loads
them when the index it reads was built with another version than the one it holds, so that it
cuts as the index was.
"""

import hashlib
import logging

from django.db import DatabaseError
from django.db import connections as databases

from . import tokenize
from .models import DictionaryWord

log = logging.getLogger(__name__)

_loaded = None  # (version, words) this process has given jieba


def version(words):
    """A short, stable name for a set of words."""
    digest = hashlib.sha1("\n".join(sorted(words)).encode(), usedforsecurity=False)
    return digest.hexdigest()[:12]


def refresh():
    """Give jieba the dictionary as the database has it now; return its version."""
    global _loaded
    words = frozenset(DictionaryWord.objects.values_list("word", flat=True))
    if _loaded is None or _loaded[1] != words:
        tokenize.set_user_words(words)
        _loaded = (version(words), words)
    return _loaded[0]


def follow(index_version):
    """Load the dictionary again if the index was built with another version of it."""
    if index_version and (_loaded is None or _loaded[0] != index_version):
        refresh()


def loaded_version():
    return _loaded[0] if _loaded else None


def loaded_words():
    """The words this process has given jieba (none before the first refresh)."""
    return _loaded[1] if _loaded else frozenset()


def warm_up():
    """Load jieba, rjieba and the editors' words before gunicorn forks its workers.

    rjieba too: an article page cuts its whole text to find the related articles (the search
    backends' more_like_this), in bulk. Loaded in the master, its dictionary is shared by every
    worker; loaded by each worker on its first article page, it was 55-60 MB of each worker's
    private memory (bench/FINDINGS.md).
    """
    try:
        refresh()
    except DatabaseError:
        log.warning("The dictionary words could not be read (is the database migrated?).")
    finally:
        databases.close_all()  # connections must not be shared with the forked workers
    tokenize.warm_up(bulk=True)  # after refresh(): the editors' words make a new segmenter
