from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from articles import triggers

# A dictionary word changes how the articles containing it are cut into words: the indexer
# finds them and indexes them again (search/migrations/0002 made the first trigger).
DICTIONARY_WATCHES = (triggers.Watch("search_dictionaryword", "word", "word"),)


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self):
        post_migrate.connect(restore_triggers, sender=self)


def restore_triggers(using, **kwargs):
    """Put back the dictionary's change-log trigger if a migration dropped it."""
    triggers.install_missing(connections[using], DICTIONARY_WATCHES)
