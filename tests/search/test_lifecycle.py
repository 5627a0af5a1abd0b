"""The index follows the database: edits, rollbacks, deletes, crashes, restores and rebuilds.

These tests commit for real (transaction=True): the indexer reads what others committed, and
some tests start second processes (writers, indexers, gunicorn) on the same database.
"""

import io
import json
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db import connections as databases

from articles import changes
from articles.importer import Importer
from articles.models import Article, Section
from search import capabilities, searching
from search.indexer import Indexer
from search.models import DictionaryWord
from tests.conftest import REPO, SEED_DATE, YUAN, ZHONGXIN, process_environment, start_process

pytestmark = pytest.mark.django_db(transaction=True)


def found(q):
    """Titles of the articles containing ``q`` exactly (quoted: a question never falls back)."""
    form = searching.SearchForm({"q": f'"{q}"' if " " not in q and ":" not in q else q})
    form.is_valid()
    return sorted(hit.title for hit in searching.run(form.params()).hits)


def state():
    return capabilities.index_state(capabilities.backend())


def index_is_current():
    return state().checkpoint == changes.latest_id()


def lead_section(title):
    return Section.objects.filter(article__title=title).order_by("position").first()


def add_paragraph(title, text):
    section = lead_section(title)
    section.body += f"\n\n{text}"
    section.save()


def import_brief(day, title, text):
    Importer(SEED_DATE.replace(day=day)).import_text(f"# {title}\n\n{text}\n")


def differences():
    """What check_index finds: (1 if the index differs from the database else 0, its report)."""
    out = io.StringIO()
    try:
        call_command("check_index", stdout=out, verbosity=0)
    except CommandError:
        return 1, out.getvalue()
    return 0, out.getvalue()


def wait_until_current(timeout=30):
    deadline = time.monotonic() + timeout
    while not index_is_current():
        assert time.monotonic() < deadline, "the indexer did not catch up"
        time.sleep(0.05)


# -- editors


def edit_in_admin(client, title, paragraph):
    """A chief editor adds ``paragraph`` to the lead of the article ``title`` in the admin;
    the response of the save, redirects followed."""
    admin = User.objects.create_superuser("chief", "chief@example.com", "a-long-test-password")
    client.force_login(admin)
    article = Article.objects.get(title=title)
    url = f"/admin/articles/article/{article.pk}/change/"
    data = _change_form_data(client.get(url))
    data["sections-0-body"] += f"\n\n{paragraph}"
    return client.post(url, data, follow=True)


def test_an_admin_edit_is_searchable_when_the_page_reloads(seeded_index, running_indexer, client):
    response = edit_in_admin(client, ZHONGXIN, "编辑新增的段落提到青蒿素。")
    assert response.redirect_chain, response.content.decode()[:2000]
    # The save waited for the indexer: no warning, and the edit is found at once.
    assert "搜索索引尚未收录" not in response.content.decode()
    assert found("青蒿素") == [ZHONGXIN]


def test_a_save_waits_for_the_commit_not_only_the_position(
    seeded_index, running_indexer, client, monkeypatch
):
    """The indexer writes its position before it commits; a slow commit (a loaded disk) must
    not let the save's page come back before searches can find the edit."""
    from search.backends.tantivy.writer import Writer

    commit = Writer.commit

    def slow_commit(self):
        time.sleep(0.3)
        commit(self)

    monkeypatch.setattr(Writer, "commit", slow_commit)
    response = edit_in_admin(client, YUAN, "编辑新增的段落提到屠呦呦。")
    assert "搜索索引尚未收录" not in response.content.decode()
    assert found("屠呦呦") == [YUAN]


def test_an_admin_edit_succeeds_while_the_indexer_is_down_and_says_so(seeded_index, client):
    response = edit_in_admin(client, ZHONGXIN, "编辑新增的段落提到青蒿素。")
    assert "青蒿素" in lead_section(ZHONGXIN).body
    messages = [str(message) for message in response.context["messages"]]
    assert any("搜索索引尚未收录" in message for message in messages), messages
    assert found("青蒿素") == []  # readers never index
    Indexer().catch_up()
    assert found("青蒿素") == [ZHONGXIN]


def test_a_rolled_back_edit_never_reaches_the_log(seeded_index):
    before = changes.latest_id()
    section = lead_section(ZHONGXIN)
    with pytest.raises(RuntimeError), transaction.atomic():
        section.body += "\n\n一段回滚的文字提到独角兽。"
        section.save()
        raise RuntimeError("editor cancelled")
    assert changes.latest_id() == before
    Indexer().catch_up()
    assert found("独角兽") == []


def test_a_deleted_article_disappears_from_results(seeded_index):
    assert found("陆海新通道") == [ZHONGXIN]
    Article.objects.get(title=ZHONGXIN).delete()
    Indexer().catch_up()
    assert found("陆海新通道") == []
    assert found("重庆") == [YUAN]


def test_unpublishing_removes_and_publishing_restores(seeded_index):
    Article.objects.filter(title=ZHONGXIN).update(status=Article.Status.DRAFT)
    Indexer().catch_up()
    assert found("陆海新通道") == []
    Article.objects.filter(title=ZHONGXIN).update(status=Article.Status.PUBLISHED)
    Indexer().catch_up()
    assert found("陆海新通道") == [ZHONGXIN]


def test_renaming_an_author_reindexes_their_articles(seeded_index):
    from articles.models import Author

    Author.objects.filter(name="杨骏").update(name="杨俊")
    Indexer().catch_up()
    assert found("作者:杨俊") == [ZHONGXIN]
    assert found("作者:杨骏") == []


# -- readers only read


def test_readers_do_no_indexing_while_the_indexer_cuts_thousands_again(seeded_index, monkeypatch):
    """A dictionary word in 4,000 articles: the indexer's thread does all of the work."""
    from search.backends.tantivy.schema import DocumentBuilder

    Importer(SEED_DATE).import_text(
        "\n\n".join(f"# 通道简讯{n}\n\n第{n}条渝新通道消息。" for n in range(4000))
    )
    Indexer().catch_up()
    builders = []
    build = DocumentBuilder.build

    def spy(self, prepared):
        builders.append(threading.current_thread().name)
        return build(self, prepared)

    monkeypatch.setattr(DocumentBuilder, "build", spy)
    DictionaryWord.objects.create(word="渝新通道")
    stop = threading.Event()
    searches = 0

    def index():
        try:
            Indexer().catch_up()
        finally:
            databases.close_all()
            stop.set()

    worker = threading.Thread(target=index, name="indexer")
    worker.start()
    while not stop.is_set():
        assert found("渝新通道消息") != []
        searches += 1
    worker.join()
    assert searches > 0
    assert builders.count("indexer") >= 4000
    assert set(builders) == {"indexer"}  # not one document built by a reader
    assert index_is_current()


# -- the log is complete, whatever writes


def test_updates_and_raw_sql_reach_the_index(seeded_index):
    Section.objects.filter(article__title=YUAN).update(heading="批量修改的小标题")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET title = %s WHERE title = %s", ["原始SQL改的标题", ZHONGXIN]
        )
    Indexer().catch_up()
    assert found("批量修改的小标题") == [YUAN]
    assert found("原始SQL改的标题") == ["原始SQL改的标题"]


def test_two_processes_writing_at_once_lose_nothing(seeded_index, running_indexer):
    writer = """
    import datetime
    from articles.importer import Importer

    importer = Importer(datetime.date(2025, 11, {day}))
    for number in range(8):
        text = f"这是{tag}写的第{{number}}篇稿件,编号{tag}{{number}}号。"
        importer.import_text(f"# {tag}第{{number}}篇\\n\\n{{text}}")
    """
    writers = [
        start_process(writer.format(tag=tag, day=day)) for tag, day in (("甲方", 12), ("乙方", 13))
    ]
    for process in writers:
        _stdout, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr
    wait_until_current()
    for tag in ("甲方", "乙方"):
        for number in range(8):
            assert found(f"{tag}{number}号") == [f"{tag}第{number}篇"]


SAVER = """
import random
from articles.models import Section

random.seed({seed})
sections = list(Section.objects.filter(article__title__startswith="并发").order_by("pk"))
for number in range({saves}):
    section = random.choice(sections)
    section.body = f"{tag}的第{{number}}次保存"
    section.save()
"""


def test_interleaved_saves_from_two_processes_leave_the_index_equal_to_the_database(
    seeded_index, running_indexer
):
    """1,000 saves from two processes at once, while the indexer follows: nothing is missed."""
    Importer(SEED_DATE).import_text(
        "\n\n".join(f"# 并发{n}\n\n并发测试的第{n}篇。" for n in range(20))
    )
    savers = [
        start_process(SAVER.format(seed=seed, saves=500, tag=tag))
        for seed, tag in ((1, "甲"), (2, "乙"))
    ]
    for process in savers:
        _stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
    wait_until_current()
    assert differences()[0] == 0
    for section in Section.objects.filter(article__title__startswith="并发"):
        assert section.article.title in found(section.body)


# -- crashes


def test_a_killed_indexer_loses_nothing(seeded_index):
    """kill -9 in the middle of a batch: the database is ahead, the index is not; nothing lost."""
    indexer = start_process(
        """
        import os, sys, time
        from search.backends.tantivy.writer import Writer
        from search.indexer import Indexer

        def stuck(self):
            print("committing", flush=True)
            time.sleep(600)

        Writer.commit = stuck
        Indexer().catch_up()
        """
    )
    for day in (12, 13, 14):
        import_brief(day, f"第{day}日要闻", f"十一月{day}日的稿件提到白鹭{day}。")
    assert indexer.stdout.readline().strip() == "committing"
    checkpoint = state().checkpoint
    indexer.send_signal(signal.SIGKILL)
    indexer.communicate(timeout=30)
    # The indexer recorded its position before the commit it never made.
    assert changes.reader_position(state().generation) > checkpoint
    assert state().checkpoint == checkpoint
    again = Indexer()
    assert again.rebuild_reason() is None  # no restore: the batch is simply applied again
    again.catch_up()
    assert found("白鹭12") == ["第12日要闻"]
    assert differences()[0] == 0


# -- restores, epochs and schemas


def test_a_restored_database_rebuilds_the_index(seeded_index, tmp_path):
    """Back up, import three, restore, import one: the index is the restored database's."""
    backup = _backup(tmp_path)
    for day in (12, 13, 14):
        import_brief(day, f"备份之后{day}", f"备份之后导入的稿件{day}。")
    Indexer().catch_up()
    assert len(found("备份之后导入的稿件")) == 3
    _restore(backup)
    import_brief(15, "恢复之后", "恢复之后导入的稿件。")
    indexer = Indexer()
    assert "restored" in indexer.rebuild_reason() or "log ends" in indexer.rebuild_reason()
    indexer.catch_up()
    assert found("备份之后导入的稿件") == []
    assert found("恢复之后导入的稿件") == ["恢复之后"]
    assert differences()[0] == 0


def test_another_database_rebuilds_the_index(seeded_index):
    from articles.models import ChangeLogEpoch

    ChangeLogEpoch.objects.all().delete()  # as if the index met a fresh database
    indexer = Indexer()
    assert "epoch" in indexer.rebuild_reason()
    generation = state().generation
    indexer.catch_up()
    assert state().generation != generation
    assert found("陆海新通道") == [ZHONGXIN]


def test_a_schema_change_is_a_new_generation_not_a_wipe(seeded_index):
    import json

    from search.backends.tantivy.backend import SCHEMA_FILE

    engine = capabilities.backend()
    old = state().generation
    marker = engine.store.path(old) / SCHEMA_FILE
    marker.write_text(json.dumps({"fingerprint": "built-by-an-older-release"}))
    engine._generation = None  # as a process that starts after the deploy
    from haystack.exceptions import SearchBackendError

    with pytest.raises(SearchBackendError, match="rebuild_index"):
        found("重庆")
    assert (engine.store.path(old) / "meta.json").exists()  # nothing was wiped
    Indexer().catch_up()  # the indexer builds a new generation
    assert state().generation != old
    assert found("陆海新通道") == [ZHONGXIN]


def test_a_rebuild_analysed_in_worker_processes_indexes_what_one_process_does(
    seeded_index, monkeypatch
):
    from articles.models import Figure
    from search import rebuilding

    import_brief(11, "中新互联简讯", "中新互联的项目累计签约347个，同比增长20.2%。")
    DictionaryWord.objects.create(word="中新互联")  # the workers must cut with it too
    monkeypatch.setattr(rebuilding, "PARALLEL_ABOVE", 0)
    pooled = []
    analysed_batches = rebuilding.analysed_batches

    def spy(batches, specs, analyzer, jobs):
        for tag, documents in analysed_batches(batches, specs, analyzer, jobs):
            pooled.append(len(documents))
            yield tag, documents

    monkeypatch.setattr(rebuilding, "analysed_batches", spy)
    queries = ["陆海新通道", "中新互联", "重庆", "签约"]

    def indexed():
        articles, figures = Indexer(), Indexer("figures")
        engine = capabilities.backend()
        words = engine.searcher().doc_freq("text__w", "中新互联")
        return (
            sorted(articles.scan(Article, fields=("content_hash", "title"))),
            sorted(figures.scan(Figure, fields=("content_hash", "url"))),
            words,
            [found(q) for q in queries],
        )

    for using in ("default", "figures"):
        Indexer(using).rebuild(jobs=1)
    alone = indexed()
    assert pooled == []
    for using in ("default", "figures"):
        assert Indexer(using).rebuild(jobs=2) == Article.objects.count()
    assert sum(pooled) == Article.objects.count() + len(alone[1])  # every document, in the pool
    assert indexed() == alone
    assert alone[2] == 1 and len(alone[1]) > 20


def test_rebuilding_workers_yield_their_cores_to_the_rebuilding_process(monkeypatch):
    """Reading, preparing and tantivy's writer are a rebuild's serial part: its analysing
    workers run at a lower priority."""
    import django

    from search import rebuilding_worker, tokenize

    niceness, dictionaries = [], []
    monkeypatch.setattr("os.nice", niceness.append)
    monkeypatch.setattr(django, "setup", lambda: None)
    monkeypatch.setattr(tokenize, "set_user_words", dictionaries.append)
    monkeypatch.setattr(rebuilding_worker, "_analysis", None)
    rebuilding_worker.start("specs", "analyzer", ["中新互联"])
    assert niceness == [rebuilding_worker.NICENESS]
    assert rebuilding_worker.NICENESS > 0
    assert dictionaries == [["中新互联"]]
    assert rebuilding_worker._analysis == ("specs", "analyzer")


def test_a_rebuild_whose_workers_cannot_start_fails_and_keeps_the_index(seeded_index, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from search import rebuilding

    monkeypatch.setattr(rebuilding, "PARALLEL_ABOVE", 0)
    monkeypatch.setattr(rebuilding.words, "loaded_words", lambda: 42)  # no dictionary: fails
    before = state().generation
    with pytest.raises(BrokenProcessPool):
        Indexer().rebuild(jobs=2)
    assert state().generation == before
    assert found("陆海新通道") == [ZHONGXIN]


# -- rebuilds reach live workers


def test_rebuild_index_reaches_a_live_gunicorn_worker_at_its_next_request(seeded_index):
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            "/dev/null",
            "newsarchive.wsgi:application",
        ],
        env=process_environment(),
        cwd=REPO,
        stderr=subprocess.PIPE,
    )
    try:

        def api():
            url = f"http://127.0.0.1:{port}/api/search/?q=%E9%87%8D%E5%BA%86"
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.loads(response.read())["index"]["generation"]

        _wait_for(lambda: _answers(api))
        before = {api() for _ in range(6)}  # both workers have opened the index
        call_command("rebuild_index", interactive=False, verbosity=0)
        rebuilt = time.monotonic()
        after = {api() for _ in range(6)}
        assert after == {state().generation} != before
        assert time.monotonic() - rebuilt < 1.0
    finally:
        server.terminate()
        server.communicate(timeout=30)


# -- the page cache


def test_a_page_computed_while_the_index_is_behind_is_not_cached(seeded_index, client):
    url = "/search/?q=%E7%99%BD%E9%B9%AD"  # 白鹭
    assert "白鹭" not in _hits_html(client.get(url))
    add_paragraph(ZHONGXIN, "合并期间保存的段落提到白鹭。")  # the log moves; the index has not
    assert "白鹭" not in _hits_html(client.get(url))
    Indexer().catch_up()
    assert "白鹭" in _hits_html(client.get(url))


def test_a_page_is_cached_under_the_index_state_read_after_the_search(seeded_index, client):
    from django.core.cache import cache

    url = "/search/?q=%E9%87%8D%E5%BA%86"
    client.get(url)
    keys = set(cache._cache.keys())
    generation, checkpoint, _meta = state()
    assert any(f"index:default:{generation}:{checkpoint}" in key for key in keys)


# -- check_index


def test_check_index_finds_each_kind_of_drift_and_repair_mends_it(seeded_index):
    from haystack import connections

    extra = Importer(SEED_DATE.replace(day=12)).import_text("# 多余的一篇\n\n将被删除。\n")
    Indexer().catch_up()
    assert differences()[0] == 0
    search_index = connections["default"].get_unified_index().get_index(Article)
    zhongxin = Article.objects.get(title=ZHONGXIN)
    with capabilities.backend().writer() as writer:
        writer.remove([f"articles.article.{zhongxin.pk}"])  # missing
        stale = Article.objects.with_text().get(title=YUAN)
        stale.title = "索引里的旧标题"
        writer.add(search_index, [stale])  # stale
    Article.objects.filter(pk=extra.created[0].pk).delete()
    _pretend_applied()  # the index skips the delete: it keeps an extra article
    status, report = differences()
    assert status == 1
    assert "missing: 1  extra: 1  stale: 1" in report
    call_command("check_index", repair=True, verbosity=0, stdout=io.StringIO())
    Indexer().catch_up()
    assert differences()[0] == 0
    assert found("陆海新通道") == [ZHONGXIN]
    assert found("索引里的旧标题") == []
    assert found("将被删除") == []


def _pretend_applied():
    """Move the index's checkpoint to the end of the log without applying anything."""
    from articles.models import ChangeLogReader

    latest = changes.latest_id()
    ChangeLogReader.objects.filter(name=state().generation).update(position=latest)
    with capabilities.backend().writer() as writer:
        writer.set_state(checkpoint=latest)


# -- helpers


def _backup(tmp_path):
    if connection.vendor == "sqlite":
        path = tmp_path / "backup.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        return path
    path = tmp_path / "backup.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={path}", _pg_url()], check=True, timeout=120
    )
    return path


def _restore(path):
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(path) as source:
            source.backup(connection.connection)
        return
    databases.close_all()
    subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_pg_url()}", str(path)],
        check=True,
        timeout=120,
    )


def _pg_url():
    settings = connection.settings_dict
    return (
        f"postgresql://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(call):
    try:
        call()
        return True
    except OSError:
        return False


def _wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.2)


def _hits_html(response):
    html = response.content.decode()
    start = html.find('<ol class="hits">')
    return html[start : html.find("</ol>", start)] if start != -1 else ""


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
