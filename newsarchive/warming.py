"""What the gunicorn master loads before it forks its workers, so that no first request waits.

With ``preload_app`` (newsarchive/gunicorn.conf.py) the master imports the application once;
whatever it loads then, every worker has from its first request, in pages shared with the
master: the URL configuration, and so every view module and what it imports (about 0.1 s of
imports, which the first request would otherwise pay), with its reverse lookups in every
language; the static files' manifest; the project's templates, compiled by Django's cached
loader; the translation catalogues of every language the site speaks; jieba's and rjieba's
dictionaries with the editors' words (search.words); the search engines' modules and
haystack's search indexes (search.capabilities.load_engines). Nothing that holds a thread, a
file lock or a connection (the search index's reader, the database) is opened here: a fork
would share or lose them.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation


def warm_up():
    from search.capabilities import load_engines
    from search.words import warm_up as warm_up_search

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports the URLconf and every view module)
    for name in project_templates():
        get_template(name)  # a broken template stops the start, before any worker serves it
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Search")  # loads the language's catalogues
            resolver.reverse_dict  # noqa: B018 (built per language, on the first reverse())
    for directory in map(Path, settings.STATICFILES_DIRS):
        first = next((path for path in sorted(directory.rglob("*")) if path.is_file()), None)
        if first is not None:
            staticfiles_storage.url(first.relative_to(directory).as_posix())  # reads the manifest
            break
    warm_up_search()
    load_engines()


def project_templates():
    """The names of the templates in the project's template directories."""
    names = []
    for engine in settings.TEMPLATES:
        for directory in map(Path, engine.get("DIRS", [])):
            names += [
                path.relative_to(directory).as_posix()
                for path in sorted(directory.rglob("*"))
                if path.is_file() and path.suffix in (".html", ".xml", ".txt")
            ]
    return names
