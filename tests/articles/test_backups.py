"""backup and restore: the site serves exactly the backed-up archive, and search follows.

These tests commit for real (transaction=True): a backup reads what was committed, and a
restore replaces the test database itself, on SQLite and on PostgreSQL alike.
"""

import datetime
import io
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from articles import backups, changes
from articles.importer import Importer
from articles.models import Article, ChangeLogReader, Section
from search import capabilities, searching
from tests.conftest import SEED_DATE, YUAN, ZHONGXIN, start_process

pytestmark = pytest.mark.django_db(transaction=True)

NEW = "备份之后导入的稿件"


def import_brief(day, title, text):
    report = Importer(SEED_DATE.replace(day=day)).import_text(f"# {title}\n\n{text}\n")
    return report.created[0]


def found(q):
    """Titles of the articles containing ``q`` exactly."""
    form = searching.SearchForm({"q": f'"{q}"'})
    form.is_valid()
    return sorted(hit.title for hit in searching.run(form.params()).hits)


def differences():
    """1 if check_index finds the index differs from the database, else 0."""
    try:
        call_command("check_index", stdout=io.StringIO(), verbosity=0)
    except CommandError:
        return 1
    return 0


def backup(path, **options):
    out = io.StringIO()
    call_command("backup", str(path), stdout=out, **options)
    return out.getvalue()


def restore(path, **options):
    out = io.StringIO()
    call_command("restore", str(path), interactive=False, stdout=out, **options)
    return out.getvalue()


def index_is_current():
    return capabilities.index_state(capabilities.backend()).checkpoint == changes.latest_id()


def wait_until(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the indexer did not catch up"
        time.sleep(0.05)


def archive():
    """What readers can reach: (title, URL) of every published article."""
    return sorted((a.title, a.get_absolute_url()) for a in Article.objects.published())


def test_a_restore_serves_the_backed_up_archive_and_search_follows(
    seeded_index, indexer, client, tmp_path
):
    path = tmp_path / "archive.backup"
    assert "Backed up" in backup(path)
    backed_up = archive()
    assert [title for title, _url in backed_up] == sorted([YUAN, ZHONGXIN])

    new = import_brief(12, NEW, "十一月十二日的稿件提到白鹭。")
    indexer.catch_up()
    assert found("白鹭") == [NEW]
    assert client.get(new.get_absolute_url()).status_code == 200
    assert NEW in client.get("/").content.decode()

    out = restore(path)
    assert "Restored" in out and "rebuild" in out

    assert archive() == backed_up
    assert Article.objects.count() == len(backed_up)
    assert client.get(new.get_absolute_url()).status_code == 404
    for _title, url in backed_up:
        assert client.get(url).status_code == 200
    front_page = client.get("/").content.decode()
    assert NEW not in front_page
    assert YUAN in front_page and ZHONGXIN in front_page

    rebuilds = indexer.rebuilds
    indexer.catch_up()
    assert indexer.rebuilds == rebuilds + 1
    assert differences() == 0
    assert found("白鹭") == []
    assert found("陆海新通道") == [ZHONGXIN]


@pytest.mark.slow
def test_a_running_indexer_rebuilds_once_after_a_restore(seeded_index, tmp_path):
    """The restore and its entry in the change log arrive together: one rebuild, not two."""
    indexer = start_process(
        """
        import signal, threading
        from search.indexer import Indexer

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_args: stop.set())
        indexer = Indexer()
        print("running", flush=True)
        indexer.run(stop)
        print(indexer.rebuilds, flush=True)
        """
    )
    try:
        assert indexer.stdout.readline().strip() == "running"
        path = tmp_path / "archive.backup"
        backup(path)
        import_brief(12, NEW, "十一月十二日的稿件提到白鹭。")
        wait_until(lambda: found("白鹭") == [NEW])
        assert "running indexer" in restore(path)
        wait_until(lambda: index_is_current() and found("白鹭") == [])
        time.sleep(1.0)  # time for a second rebuild, if one were coming
    finally:
        indexer.terminate()
        stdout, stderr = indexer.communicate(timeout=60)
    assert stdout.strip() == "1", stderr
    assert differences() == 0


def test_a_page_cached_before_a_restore_is_not_served_after_it(seeded_index, client, tmp_path):
    """The restored log must not hand out again the ids that pages were cached under."""
    path = tmp_path / "archive.backup"
    backup(path)
    import_brief(12, "恢复之前的稿件", "恢复之前。")
    assert "恢复之前的稿件" in client.get("/").content.decode()  # cached under the newest id
    restore(path)
    import_brief(12, "恢复之后的稿件", "恢复之后。")  # the same changes, so the same ids
    front_page = client.get("/").content.decode()
    assert "恢复之后的稿件" in front_page
    assert "恢复之前的稿件" not in front_page


def test_a_backup_never_replaces_a_file_unless_forced(seed_articles, tmp_path):
    path = tmp_path / "archive.backup"
    path.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match=r"already exists.*--force"):
        backup(path)
    assert path.read_bytes() == b"an older backup"
    backup(path, force=True)
    backups.check(path)  # a whole backup of this site
    assert path.stat().st_mode & 0o077 == 0  # it holds password hashes
    assert [p.name for p in tmp_path.iterdir()] == ["archive.backup"]  # no partial file left


def test_a_backup_into_a_missing_directory_says_so(tmp_path):
    with pytest.raises(CommandError, match="does not exist: create it"):
        backup(tmp_path / "missing" / "archive.backup")


def _other_kind_of_backup(path):
    """A file that is a backup, but of the other database."""
    if connection.vendor == "sqlite":
        path.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(100))
        return "PostgreSQL"
    with sqlite3.connect(path) as database:
        database.execute("CREATE TABLE articles_article (id integer)")
    return "SQLite"


def test_restore_refuses_what_is_not_a_backup_of_this_kind_and_changes_nothing(
    seed_articles, tmp_path
):
    notes = tmp_path / "notes.txt"
    notes.write_text("这不是备份。\n")
    with pytest.raises(CommandError, match="is not a backup"):
        restore(notes)
    with pytest.raises(CommandError, match="does not exist"):
        restore(tmp_path / "missing.backup")
    other = tmp_path / "other.backup"
    kind = _other_kind_of_backup(other)
    with pytest.raises(CommandError, match=f"is a backup of a {kind} database, but this site"):
        restore(other)
    assert sorted(Article.objects.values_list("title", flat=True)) == sorted([YUAN, ZHONGXIN])


def _stranger(path):
    """A backup of a database that is not this site's, of the right kind."""
    if connection.vendor == "sqlite":
        with sqlite3.connect(path) as database:
            database.execute("CREATE TABLE notes (body text)")
        return
    settings = connection.settings_dict
    environment = {
        **os.environ,
        "PGHOST": settings["HOST"],
        "PGPORT": str(settings["PORT"] or 5432),
        "PGUSER": settings["USER"],
        "PGPASSWORD": settings["PASSWORD"],
    }
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={path}", "postgres"],
        env=environment,
        check=True,
        timeout=120,
    )


def test_restore_refuses_a_backup_of_another_database(seed_articles, tmp_path):
    stranger = tmp_path / "stranger.backup"
    _stranger(stranger)
    with pytest.raises(CommandError, match="not a backup of this site"):
        restore(stranger)
    assert Article.objects.count() == 2


def test_a_damaged_backup_changes_nothing(seed_articles, tmp_path):
    path = tmp_path / "archive.backup"
    backup(path)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - len(whole) // 100])  # cut short, as by a full disk
    import_brief(12, NEW, "备份之后。")
    with pytest.raises(CommandError):
        restore(path)  # on PostgreSQL, pg_restore fails partway through the data
    assert Article.objects.filter(title=NEW).exists()
    assert Article.objects.count() == 3


def test_a_postgresql_restore_that_fails_halfway_is_rolled_back(
    seed_articles, tmp_path, monkeypatch
):
    """psql has run part of the script when pg_restore fails: it must not commit that part."""
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite a restore is one step of the backup API")
    path = tmp_path / "archive.backup"
    backup(path)
    sections = Section.objects.count()
    fake = tmp_path / "bin" / "pg_restore"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = --list ]; then exec {shutil.which("pg_restore")} "$@"; fi\n'
        "echo 'DROP TABLE IF EXISTS public.articles_section CASCADE;'\n"
        "echo 'pg_restore: error: could not read from input file: end of file' >&2\n"
        "exit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(CommandError, match=r"pg_restore could not restore .* nothing was changed"):
        restore(path)
    assert Section.objects.count() == sections


def test_restore_asks_first_and_a_no_changes_nothing(seed_articles, tmp_path, monkeypatch):
    path = tmp_path / "archive.backup"
    backup(path)
    import_brief(12, NEW, "备份之后。")
    questions = []
    monkeypatch.setattr("builtins.input", lambda question: questions.append(question) or "n")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(path), stdout=io.StringIO())
    assert "replaces everything" in questions[0]
    assert Article.objects.filter(title=NEW).exists()


def test_without_an_indexer_restore_says_to_rebuild_the_index(seed_articles, tmp_path):
    path = tmp_path / "archive.backup"
    backup(path)
    ChangeLogReader.objects.update(seen_at=timezone.now() - datetime.timedelta(hours=1))
    out = restore(path)
    assert "No indexer is running" in out
    assert "rebuild_index" in out


def test_the_postgresql_password_is_never_on_a_command_line_or_in_a_message(
    seed_articles, tmp_path, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no password")
    password = connection.settings_dict["PASSWORD"]
    assert password
    commands = []

    class Spy(subprocess.Popen):  # subprocess.run starts its processes through Popen too
        def __init__(self, command, *args, **options):
            commands.append(command)
            super().__init__(command, *args, **options)

    monkeypatch.setattr(subprocess, "Popen", Spy)
    path = tmp_path / "archive.backup"
    out = backup(path) + restore(path)
    assert {Path(command[0]).name for command in commands} == {"pg_dump", "pg_restore", "psql"}
    assert not any(password in " ".join(command) for command in commands)
    assert password not in out
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "wrong-" + password)
    with pytest.raises(CommandError, match="password authentication failed") as refused:
        backup(tmp_path / "refused.backup")
    assert password not in str(refused.value)
