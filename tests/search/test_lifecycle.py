"""The index follows the database: edits, rollbacks, deletes, crashes and concurrent writers.

These tests commit for real (transaction=True), because the index is fed
after commit, and some start second processes on the same database.
"""

import threading
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from articles import changes
from articles.models import Article, Section
from search import searching, sync
from tests.conftest import YUAN, ZHONGXIN, run_in_process, start_process

pytestmark = pytest.mark.django_db(transaction=True)


def found(q):
    form = searching.SearchForm({"q": q})
    form.is_valid()
    return [hit.title for hit in searching.run(form.params()).hits]


def index_is_current():
    return (sync.backend().checkpoint or 0) == changes.latest_id()


def lead_section(title):
    return Section.objects.filter(article__title=title).order_by("position").first()


def test_an_admin_edit_is_searchable_at_once(seeded_index, client):
    admin = User.objects.create_superuser("chief", "chief@example.com", "a-long-test-password")
    client.force_login(admin)
    article = Article.objects.get(title=ZHONGXIN)
    url = f"/admin/articles/article/{article.pk}/change/"
    data = _change_form_data(client.get(url))
    data["sections-0-body"] += "\n\n编辑新增的段落提到青蒿素。"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # Applied by the commit hook of the editor's own request, before any search.
    assert index_is_current()
    assert found("青蒿素") == [ZHONGXIN]


def test_a_rolled_back_edit_never_reaches_the_index(seeded_index):
    before = changes.latest_id()
    section = lead_section(ZHONGXIN)
    with pytest.raises(RuntimeError), transaction.atomic():
        section.body += "\n\n一段回滚的文字提到独角兽。"
        section.save()
        raise RuntimeError("editor cancelled")
    assert changes.latest_id() == before
    assert found("独角兽") == []


def test_a_deleted_article_disappears_from_results(seeded_index):
    assert found("陆海新通道") == [ZHONGXIN]
    Article.objects.get(title=ZHONGXIN).delete()
    assert index_is_current()
    assert found("陆海新通道") == []
    assert found("重庆") != []


def test_unpublishing_removes_and_publishing_restores(seeded_index):
    article = Article.objects.get(title=ZHONGXIN)
    article.status = Article.Status.DRAFT
    article.save()
    assert found("陆海新通道") == []
    article.status = Article.Status.PUBLISHED
    article.save()
    assert found("陆海新通道") == [ZHONGXIN]


def test_a_crash_between_commit_and_index_write_loses_nothing(seeded_index):
    # The second process commits its edit and dies where it would write the index.
    status, stderr = run_in_process(
        """
        import os
        from search import sync
        sync.catch_up = lambda *args, **kwargs: os._exit(3)
        from articles.models import Section
        section = Section.objects.filter(article__title__startswith="中新").first()
        section.body += "\\n\\n崩溃之前提交的段落提到麒麟。"
        section.save()
        """
    )
    assert status == 3, stderr
    assert changes.latest_id() > (sync.backend().checkpoint or 0)
    # The next search replays the log.
    assert found("麒麟") == [ZHONGXIN]
    assert index_is_current()


WRITER = """
import datetime
from articles.importer import Importer

importer = Importer(datetime.date(2025, 11, {day}))
for number in range(8):
    text = f"这是{tag}写的第{{number}}篇稿件,编号{tag}{{number}}号。"
    importer.import_text(f"# {tag}第{{number}}篇\\n\\n{{text}}")
"""


def test_two_processes_writing_at_once_lose_nothing(seeded_index):
    writers = [
        start_process(WRITER.format(tag=tag, day=day)) for tag, day in (("甲方", 12), ("乙方", 13))
    ]
    for writer in writers:
        _stdout, stderr = writer.communicate(timeout=180)
        assert writer.returncode == 0, stderr
    for tag in ("甲方", "乙方"):
        for number in range(8):
            assert found(f"{tag}{number}号") == [f"{tag}第{number}篇"]
    assert index_is_current()


def test_a_dictionary_word_re_tokenises_the_articles_containing_it(seeded_index):
    from search import tokenize
    from search.models import DictionaryWord

    assert "渝新航线" not in tokenize.segment("渝新航线客运量")
    DictionaryWord.objects.create(word="渝新航线")
    assert "渝新航线" in tokenize.segment("渝新航线客运量")
    assert index_is_current()
    backend = sync.backend()
    assert backend.searcher().doc_freq("text", "渝新航线") == 1
    DictionaryWord.objects.all().delete()
    assert "渝新航线" not in tokenize.segment("渝新航线客运量")
    assert backend.searcher().doc_freq("text", "渝新航线") == 0


def _change_form_data(response):
    """What the browser would post back for the admin change form in ``response``, unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value is not None and value is not False:
                data[form.add_prefix(name)] = str(value)
    return data


def test_a_bulk_import_is_indexed_once_at_the_end(seeded_index, tmp_path):
    from django.core.management import call_command

    from articles.changes import changes_committed

    for day in (12, 13, 14):
        (tmp_path / f"{day}.txt").write_text(
            f"# 第{day}日要闻\n\n今天是十一月{day}日,档案里多了一篇稿件。\n"
        )
    announcements = []

    def listen(sender, bulk=False, **kwargs):
        announcements.append(bulk)

    changes_committed.connect(listen)
    try:
        call_command(
            "import_articles", *sorted(map(str, tmp_path.iterdir())), "--date", "2025-11-12"
        )
    finally:
        changes_committed.disconnect(listen)
    assert announcements == [True]
    assert index_is_current()
    assert sorted(found("档案里多了一篇稿件")) == ["第12日要闻", "第13日要闻", "第14日要闻"]


@pytest.fixture
def held_merge(seeded_index, monkeypatch):
    """Every small commit hands its writer to a merge that finishes only when released."""
    from search.backends.tantivy import backend as tantivy_backend

    release = threading.Event()
    finish = tantivy_backend.TantivySearchBackend._finish_merges

    def finish_when_released(self, raw):
        release.wait(60)
        finish(self, raw)

    monkeypatch.setattr(tantivy_backend, "MERGE_AFTER_SEGMENTS", -1)
    monkeypatch.setattr(
        tantivy_backend.TantivySearchBackend, "_finish_merges", finish_when_released
    )
    threads = []
    start = tantivy_backend.TantivySearchBackend._merge_in_background

    def remembered(self, raw):
        threads.append(threading.current_thread())
        start(self, raw)

    def wait():
        # A merge's thread catches up, and that commit may start the next merge.
        for thread in threads:
            thread.join(60)

    monkeypatch.setattr(tantivy_backend.TantivySearchBackend, "_merge_in_background", remembered)
    yield SimpleNamespace(release=release.set, wait=wait)
    release.set()
    wait()


def add_paragraph(title, text):
    section = lead_section(title)
    section.body += f"\n\n{text}"
    section.save()


def test_a_merge_finishes_in_the_background_and_saves_made_meanwhile_follow(held_merge):
    index = sync.backend()
    add_paragraph(ZHONGXIN, "合并之前保存的段落提到白鹭。")
    # The save returned with its merge still running, and is searchable already.
    assert index.merging
    assert index_is_current()
    assert found("白鹭") == [ZHONGXIN]
    # A save during the merge does not wait for it: its change stays in the log.
    add_paragraph(YUAN, "合并期间保存的段落提到苍鹭。")
    assert not index_is_current()
    assert found("重庆") != []  # searches still answer meanwhile
    held_merge.release()
    held_merge.wait()
    assert not index.merging
    # The thread that merged applied what was left to it.
    assert index_is_current()
    assert found("苍鹭") == [YUAN]
    assert found("白鹭") == [ZHONGXIN]


def test_a_rebuild_waits_for_a_merge_in_the_background(held_merge):
    index = sync.backend()
    add_paragraph(ZHONGXIN, "合并之前保存的段落提到白鹭。")
    assert index.merging
    threading.Timer(0.2, held_merge.release).start()
    assert sync.rebuild() == 2
    assert not index.merging
    assert found("白鹭") == [ZHONGXIN]
    assert index_is_current()
