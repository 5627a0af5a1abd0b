"""Tests: fast hashing, a throwaway index, and a database subprocesses can share."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, HAYSTACK_CONNECTIONS, INSTALLED_APPS, env_list

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files from the source folders: tests do not run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

_run_dir = Path(os.environ.get("NEWSARCHIVE_TEST_DIR") or tempfile.mkdtemp(prefix="newsarchive-"))
# pytest-xdist: each worker gets an index and a database of its own.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and _run_dir.name != _worker:
    _run_dir = _run_dir / _worker
    _run_dir.mkdir(parents=True, exist_ok=True)
os.environ["NEWSARCHIVE_TEST_DIR"] = str(_run_dir)  # subprocesses of a test see the same place

# A model that knows nothing of articles, for the tantivy backend's own tests.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.toy"]
_ARTICLES = "search.search_indexes.ArticleIndex"
_FIGURES = "search.search_indexes.FigureIndex"
_NOTES = "tests.toy.search_indexes.NoteIndex"


def _opensearch(name, excluded, **options):
    return {
        "ENGINE": "search.backends.opensearch.OpenSearchEngine",
        "URL": env_list("OPENSEARCH_URL", ["http://127.0.0.1:9250"]),
        "INDEX_NAME": f"test-{_run_dir.name.lower()}-{name}",
        "ANALYZER": "search.analysis.ChineseAnalyzer",
        "SILENTLY_FAIL": False,
        "EXCLUDED_INDEXES": excluded,
        **options,
    }


SEARCH_INDEX_PATH = _run_dir / "index"
FIGURE_INDEX_PATH = _run_dir / "figure-index"
HAYSTACK_CONNECTIONS = {
    "default": {
        **HAYSTACK_CONNECTIONS["default"],
        "PATH": str(SEARCH_INDEX_PATH),
        "EXCLUDED_INDEXES": [_FIGURES, _NOTES],
    },
    "figures": {
        **HAYSTACK_CONNECTIONS["figures"],
        "PATH": str(FIGURE_INDEX_PATH),
        "EXCLUDED_INDEXES": [_ARTICLES, _NOTES],
    },
    # The backend on its own: notes, the plain analyser, haystack's defaults.
    "toy": {
        "ENGINE": "search.backends.tantivy.TantivyEngine",
        "PATH": str(_run_dir / "toy-index"),
        "EXCLUDED_INDEXES": [_ARTICLES, _FIGURES],
    },
    # OpenSearch, the contract tests' third engine: a node the tests start
    # (tests/opensearch_node.py) or the one OPENSEARCH_URL names. Each run has indexes of its own.
    "opensearch": _opensearch("articles", [_FIGURES, _NOTES]),
    # The key figures' index on OpenSearch, beside "opensearch" (the articles').
    "opensearch_figures": _opensearch("figures", [_ARTICLES, _NOTES]),
    # Two OpenSearch nodes in one cluster, 2 shards with 1 replica (tests/search/
    # test_opensearch_cluster.py): the client knows both nodes.
    "opensearch_cluster": _opensearch(
        "cluster",
        [_FIGURES, _NOTES],
        URL=["http://127.0.0.1:9260", "http://127.0.0.1:9261"],
        SHARDS=2,
        REPLICAS=1,
    ),
    # haystack's own Whoosh backend, the contract tests' second engine.
    "whoosh": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": str(_run_dir / "whoosh-index"),
        "EXCLUDED_INDEXES": [_FIGURES, _NOTES],
    },
}

if os.environ.get("NEWSARCHIVE_TEST_DB_NAME"):
    # A process a test started (an indexer, gunicorn): it works on that test's database.
    DATABASES["default"]["NAME"] = os.environ["NEWSARCHIVE_TEST_DB_NAME"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a test can start a second process on it.
    DATABASES["default"]["TEST"] = {"NAME": str(_run_dir / "test.sqlite3")}
