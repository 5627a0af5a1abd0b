"""Record every change to an article in the change log, in the same transaction."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import changes
from .models import Article, ArticleChange, Byline, Figure, Section


@receiver(post_save, sender=Article, dispatch_uid="articles.article_saved")
def article_saved(sender, instance, **kwargs):
    changes.record([instance.pk], reason="article")


@receiver(post_delete, sender=Article, dispatch_uid="articles.article_deleted")
def article_deleted(sender, instance, **kwargs):
    changes.record([instance.pk], ArticleChange.Action.DELETED, reason="article")


@receiver(post_save, sender=Section, dispatch_uid="articles.section_saved")
@receiver(post_delete, sender=Section, dispatch_uid="articles.section_deleted")
@receiver(post_save, sender=Figure, dispatch_uid="articles.figure_saved")
@receiver(post_delete, sender=Figure, dispatch_uid="articles.figure_deleted")
@receiver(post_save, sender=Byline, dispatch_uid="articles.byline_saved")
@receiver(post_delete, sender=Byline, dispatch_uid="articles.byline_deleted")
def part_changed(sender, instance, **kwargs):
    changes.record([instance.article_id], reason=sender._meta.model_name)
