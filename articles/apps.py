from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from . import triggers


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Archive")

    def ready(self):
        post_migrate.connect(restore_triggers, sender=self)


def restore_triggers(using, **kwargs):
    """Put back the change log's triggers a migration dropped (see articles.triggers)."""
    triggers.install_missing(connections[using], triggers.ARCHIVE_WATCHES)
