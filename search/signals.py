"""Dictionary edits re-tokenise the articles they affect; committed changes reach the index."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.changes import changes_committed

from . import sync
from .backends.tantivy import merged
from .models import DictionaryWord


@receiver(post_save, sender=DictionaryWord, dispatch_uid="search.word_saved")
@receiver(post_delete, sender=DictionaryWord, dispatch_uid="search.word_deleted")
def dictionary_changed(sender, instance, **kwargs):
    sync.record_dictionary_change(instance.word)


changes_committed.connect(sync.on_changes_committed, dispatch_uid="search.changes_committed")
merged.connect(sync.after_merge, dispatch_uid="search.after_merge")
