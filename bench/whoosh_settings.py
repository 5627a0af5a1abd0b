"""The baseline: django-haystack + Whoosh + jieba's ChineseAnalyzer, as the tutorials set it up.

Same database as the product (DATABASE_URL), its own index (WHOOSH_INDEX_PATH) and its own
search index (bench.whoosh_app). The product's search app is not installed, so nothing of ours
takes part: haystack's own update_index command and its default settings
(HAYSTACK_LIMIT_TO_REGISTERED_MODELS left at True) are used.
"""

import os
from pathlib import Path

from newsarchive.settings.base import *  # noqa: F403
from newsarchive.settings.base import BASE_DIR, TEMPLATES, VAR_DIR

DEBUG = False
SECRET_KEY = "bench-whoosh-baseline-not-secret"

INSTALLED_APPS = [
    "bench.whoosh_app",
    "articles",
    "haystack",
    "reversion",
    "django.contrib.auth",
    "django.contrib.contenttypes",
]
# Nothing of the site's request handling: the baseline only indexes and searches (the site's
# middleware and login backend need apps it does not install, django-axes' among them).
MIDDLEWARE = []
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
ROOT_URLCONF = "bench.whoosh_app.urls"
TEMPLATES = [{**TEMPLATES[0], "DIRS": [BASE_DIR / "bench" / "templates", *TEMPLATES[0]["DIRS"]]}]

HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "bench.whoosh_backend.WhooshEngine",
        "PATH": os.environ.get("WHOOSH_INDEX_PATH", str(Path(VAR_DIR) / "whoosh_index")),
    },
}
del HAYSTACK_LIMIT_TO_REGISTERED_MODELS  # noqa: F821  (back to haystack's default, True)
