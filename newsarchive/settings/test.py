"""Tests: fast hashing, a throwaway index, and a database subprocesses can share."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, HAYSTACK_CONNECTIONS

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
os.environ["NEWSARCHIVE_TEST_DIR"] = str(_run_dir)  # subprocesses of a test see the same place

SEARCH_INDEX_PATH = _run_dir / "index"
HAYSTACK_CONNECTIONS = {
    "default": {**HAYSTACK_CONNECTIONS["default"], "PATH": str(SEARCH_INDEX_PATH)}
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a test can start a second process on it.
    DATABASES["default"]["TEST"] = {"NAME": str(_run_dir / "test.sqlite3")}
