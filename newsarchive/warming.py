"""What the gunicorn master loads before it forks its workers, so that no first request waits.

With ``preload_app`` (newsarchive/gunicorn.conf.py) the master imports the application once;
whatever it loads then, every worker has from its first request, in pages shared with the
master: the project's templates, compiled by Django's cached loader; the translation catalogues
of every language the site speaks; jieba's dictionaries and the editors' words (search.words).
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import get_template
from django.utils import translation


def warm_up():
    from search.words import warm_up as warm_up_search

    for name in project_templates():
        get_template(name)  # a broken template stops the start, before any worker serves it
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Search")  # loads the language's catalogues
    warm_up_search()


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
