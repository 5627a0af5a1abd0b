"""The database writes the change log itself: every path, one row per thing per transaction."""

import datetime

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, transaction
from django.utils import timezone

from articles import changes, triggers
from articles.models import (
    Article,
    Author,
    Byline,
    Change,
    ChangeLogEpoch,
    ChangeLogReader,
    Figure,
    Publication,
    Section,
)
from search.models import DictionaryWord
from tests.articles.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    return make_article("第一篇", authors=[("杨骏", "记者")]), make_article("第二篇")


def logged_since(before):
    """(topic, key) of every row newer than ``before``, in id order."""
    return list(Change.objects.filter(id__gt=before).values_list("topic", "key"))


def article_rows(*articles):
    return [(Change.Topic.ARTICLE, str(article.pk)) for article in articles]


def test_one_save_of_an_article_and_its_parts_is_one_row(two):
    first, _second = two
    before = changes.latest_id()
    with transaction.atomic():  # what the admin's change view does
        first.title = "改过的标题"
        first.save()
        section = first.sections.first()
        section.body += "\n\n新的一段。"
        section.save()
        Section.objects.create(article=first, position=9, body="新增的一节。")
        first.bylines.update(role="首席记者")
        first.figures.update(label="改过的标签")
    assert logged_since(before) == article_rows(first)


def test_a_transaction_over_two_articles_leaves_a_row_for_each(two):
    before = changes.latest_id()
    with transaction.atomic():
        for article in two:
            article.sections.update(heading="统一的小标题")
    assert sorted(logged_since(before)) == sorted(article_rows(*two))


def test_a_newer_change_replaces_the_older_row_with_a_higher_id(two):
    first, _second = two
    older = Change.objects.get(topic=Change.Topic.ARTICLE, key=str(first.pk)).id
    Article.objects.filter(pk=first.pk).update(deck="副标题")
    newer = Change.objects.get(topic=Change.Topic.ARTICLE, key=str(first.pk)).id
    assert newer > older
    assert newer == changes.latest_id()


def test_queryset_update_bulk_create_and_bulk_update_are_logged(two):
    first, second = two
    before = changes.latest_id()
    Section.objects.filter(article=first).update(heading="批量")
    assert logged_since(before) == article_rows(first)

    before = changes.latest_id()
    Section.objects.bulk_create([Section(article=second, position=5, anchor="s9", body="批量新建")])
    assert logged_since(before) == article_rows(second)

    before = changes.latest_id()
    sections = list(Section.objects.filter(article=first))
    for section in sections:
        section.body = "批量更新"
    Section.objects.bulk_update(sections, ["body"])
    assert logged_since(before) == article_rows(first)


def test_an_ignored_bulk_insert_still_moves_a_pending_row(two):
    """INSERT OR IGNORE fires the trigger; the trigger's own insert must not be ignored."""
    first, _second = two
    older = changes.latest_id()
    Section.objects.bulk_create(
        [
            Section(article=first, position=7, anchor="s1", body="与已有的锚点冲突,被忽略"),
            Section(article=first, position=8, anchor="s8", body="新的一节"),
        ],
        ignore_conflicts=True,
    )
    assert logged_since(older) == article_rows(first)


def test_raw_sql_is_logged(two):
    first, second = two
    before = changes.latest_id()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET title = %s WHERE id = %s", ["原始SQL", first.pk]
        )
        cursor.execute("DELETE FROM articles_figure WHERE article_id = %s", [second.pk])
    assert sorted(logged_since(before)) == sorted(article_rows(first, second))


def test_a_deleted_article_is_logged_once(two):
    first, _second = two
    pk = first.pk
    before = changes.latest_id()
    first.delete()  # cascades to its sections, bylines and figures
    assert logged_since(before) == [(Change.Topic.ARTICLE, str(pk))]


def test_a_section_moved_to_another_article_logs_both(two):
    first, second = two
    before = changes.latest_id()
    Section.objects.filter(pk=first.sections.first().pk).update(article=second, anchor="s99")
    assert sorted(logged_since(before)) == sorted(article_rows(first, second))


def test_renaming_an_author_or_a_publication_logs_it_and_a_slug_does_not(two):
    author = Author.objects.get(name="杨骏")
    before = changes.latest_id()
    Author.objects.filter(pk=author.pk).update(slug="yang-jun-2")
    assert logged_since(before) == []
    Author.objects.filter(pk=author.pk).update(name="杨俊")
    assert logged_since(before) == [(Change.Topic.AUTHOR, str(author.pk))]
    publication = Publication.objects.first()
    before = changes.latest_id()
    Publication.objects.filter(pk=publication.pk).update(slug="other")
    assert logged_since(before) == []
    Publication.objects.filter(pk=publication.pk).update(name="另一家报纸")
    assert logged_since(before) == [(Change.Topic.PUBLICATION, str(publication.pk))]


def test_dictionary_words_are_logged_old_and_new():
    before = changes.latest_id()
    word = DictionaryWord.objects.create(word="渝新欧")
    DictionaryWord.objects.filter(pk=word.pk).update(word="中欧班列")
    DictionaryWord.objects.filter(pk=word.pk).delete()
    assert sorted(logged_since(before)) == [
        (Change.Topic.WORD, "中欧班列"),
        (Change.Topic.WORD, "渝新欧"),
    ]


def test_a_rolled_back_transaction_logs_nothing(two):
    first, _second = two
    before = changes.latest_id()
    with pytest.raises(RuntimeError), transaction.atomic():
        Section.objects.filter(article=first).update(body="回滚")
        raise RuntimeError
    assert changes.latest_id() == before


def test_touch_queues_as_the_triggers_do(two):
    first, _second = two
    before = changes.latest_id()
    changes.touch(Change.Topic.ARTICLE, [first.pk, first.pk, 123456])
    assert sorted(logged_since(before)) == sorted(
        [(Change.Topic.ARTICLE, str(first.pk)), (Change.Topic.ARTICLE, "123456")]
    )
    assert Change.objects.filter(topic=Change.Topic.ARTICLE, key=str(first.pk)).count() == 1


def test_the_epoch_is_made_by_the_migration_and_again_if_emptied():
    epoch = changes.epoch()
    assert ChangeLogEpoch.objects.get().epoch.hex == epoch.replace("-", "")
    ChangeLogEpoch.objects.all().delete()
    assert changes.epoch() != epoch


def test_saves_wait_only_for_live_readers():
    ChangeLogReader.objects.all().delete()
    assert changes.wait_until_applied(1, timeout=0.1) is False  # nobody reads the log
    changes.record_position("甲", 10, "host:/index")
    # Written before the commit: searches do not see the change yet.
    assert changes.wait_until_applied(10, timeout=0.1) is False
    changes.record_visible("甲", 10)
    assert changes.wait_until_applied(10, timeout=0.1) is True
    assert changes.wait_until_applied(11, timeout=0.1) is False
    # A reader not seen for a while is down: saves do not wait for it.
    stale = timezone.now() - changes.READER_LIVE_FOR - datetime.timedelta(seconds=1)
    ChangeLogReader.objects.filter(name="甲").update(seen_at=stale)
    changes.record_position("乙", 11, "host2:/index")
    changes.record_visible("乙", 11)
    assert changes.wait_until_applied(11, timeout=0.1) is True


def test_figures_and_bylines_belong_to_their_article(two):
    first, second = two
    before = changes.latest_id()
    Figure.objects.filter(article=second).update(is_hidden=True)
    Byline.objects.filter(article=first).delete()
    assert sorted(logged_since(before)) == sorted(article_rows(first, second))


def test_every_watched_table_has_its_triggers_after_the_migrations():
    """SQLite remakes a table to change it, and its triggers go with the old one."""
    from search.apps import DICTIONARY_WATCHES

    present = triggers.installed_triggers(connection)
    for watch in (*triggers.ARCHIVE_WATCHES, *DICTIONARY_WATCHES):
        assert present.issuperset(triggers.trigger_names(connection.vendor, [watch])), watch.table


@pytest.mark.django_db(transaction=True)
def test_a_trigger_a_migration_dropped_is_back_after_migrate(two):
    first, _second = two
    watch = triggers.ARCHIVE_WATCHES[0]
    with connection.cursor() as cursor:
        for statement in triggers.drop_sql(connection.vendor, [watch]):
            cursor.execute(statement)
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    before = changes.latest_id()
    Article.objects.filter(pk=first.pk).update(title="迁移之后")
    assert logged_since(before) == article_rows(first)


def every_trigger_is_in_place():
    present = triggers.installed_triggers(connection)
    return present.issuperset(triggers.trigger_names(connection.vendor, triggers.ARCHIVE_WATCHES))


def test_an_import_logs_each_new_article_once_and_leaves_every_trigger():
    from articles.importer import Importer
    from tests.conftest import SEED_DATE, SEED_PATH

    before = changes.latest_id()
    report = Importer(SEED_DATE).import_file(SEED_PATH)
    assert sorted(logged_since(before)) == sorted(article_rows(*report.created))
    assert every_trigger_is_in_place()
    # The parts' own triggers still log an article that is not paused.
    article = report.created[0]
    before = changes.latest_id()
    Section.objects.create(article=article, position=9, body="新增的一节。")
    assert logged_since(before) == article_rows(article)


def test_a_pause_ends_with_its_block_and_skips_only_its_own_articles(two):
    first, second = two
    before = changes.latest_id()
    with transaction.atomic():
        with triggers.paused(connection, Change.Topic.ARTICLE, [first.pk]):
            Section.objects.create(article=first, position=9, body="暂停中的一节。")
            Section.objects.create(article=second, position=9, body="另一篇的一节。")
            Figure.objects.create(
                article=second, section=second.sections.first(), text="3家", value=3, key="k3"
            )
        assert every_trigger_is_in_place()
        Section.objects.create(article=first, position=10, body="暂停之后的一节。")
    if connection.vendor == "sqlite":
        assert sorted(logged_since(before)) == sorted(article_rows(second, first))
    else:  # statement triggers: nothing is paused
        assert sorted(logged_since(before)) == sorted(article_rows(first, second))


def test_a_block_that_fails_inside_a_pause_still_ends_it(two):
    first, second = two
    with transaction.atomic():
        with (
            pytest.raises(ValueError),
            transaction.atomic(),
            triggers.paused(connection, Change.Topic.ARTICLE, [first.pk]),
        ):
            Section.objects.create(article=first, position=9, body="暂停中的一节。")
            raise ValueError("the block fails")
        assert every_trigger_is_in_place()
        before = changes.latest_id()
        Section.objects.create(article=second, position=9, body="失败之后的一节。")
        assert logged_since(before) == article_rows(second)


@pytest.mark.django_db(transaction=True)
def test_a_pause_outside_a_transaction_is_refused_on_sqlite(two):
    if connection.vendor == "sqlite":
        with pytest.raises(RuntimeError), triggers.paused(connection, "article", [two[0].pk]):
            pass
    else:  # PostgreSQL pauses nothing, anywhere
        with triggers.paused(connection, "article", [two[0].pk]):
            assert every_trigger_is_in_place()
    assert every_trigger_is_in_place()


@pytest.mark.django_db(transaction=True)
def test_an_import_that_fails_leaves_every_trigger(two, monkeypatch):
    from articles import importer
    from tests.conftest import SEED_DATE, SEED_PATH

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(importer.services, "insert_figures", broken)
    with pytest.raises(RuntimeError):
        importer.Importer(SEED_DATE).import_file(SEED_PATH)
    assert every_trigger_is_in_place()
    assert not Article.objects.exclude(pk__in=[article.pk for article in two]).exists()
    before = changes.latest_id()
    Section.objects.create(article=two[0], position=9, body="之后的一节。")
    assert logged_since(before) == article_rows(two[0])
