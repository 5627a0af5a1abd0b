"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings.prod")

application = get_wsgi_application()

# With gunicorn's preload_app this runs once, in the master: templates, translations and
# jieba's dictionary are loaded before the workers fork and shared by them (newsarchive.warming),
# and freezing the heap keeps the garbage collector from touching (and so copying) those shared
# pages in every worker.
from newsarchive.warming import warm_up  # noqa: E402

warm_up()
gc.freeze()
