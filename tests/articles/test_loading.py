"""Importing an archive: directories of dated files, in parallel, resumable after a crash."""

import datetime
import signal
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext

from articles.loading import Loader, days_in, source_files
from articles.models import Article, Figure, ImportedFile, Section
from tests.conftest import REPO, process_environment

D = datetime.date


def brief(title, text="今天有一篇稿件，涉及企业120家。"):
    return f"# {title}\n\n{text}\n"


def summary(files, created=0, updated=0, unchanged=0, skipped=0, failed=0):
    """The last line import_articles prints, in the language it prints it."""
    return gettext(
        "%(files)d files: %(created)d articles created, %(updated)d updated, "
        "%(unchanged)d unchanged; %(skipped)d files imported before and skipped, "
        "%(failed)d failed."
    ) % {
        "files": files,
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "skipped": skipped,
        "failed": failed,
    }


def write(root, relative, text):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_articles", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# -- days from names


@pytest.mark.parametrize(
    ("relative", "days"),
    [
        ("2025-11-11.txt", {D(2025, 11, 11)}),
        ("20251111.txt", {D(2025, 11, 11)}),
        ("2025/11/11/第一版.txt", {D(2025, 11, 11)}),
        ("重庆日报-2025-11-11-第3版.txt", {D(2025, 11, 11)}),
        ("2025/11/11/2025-11-12.txt", {D(2025, 11, 11), D(2025, 11, 12)}),
        ("第一版.txt", set()),
        ("2025-13-40.txt", set()),
        ("123456789.txt", set()),
    ],
)
def test_days_in_names(tmp_path, relative, days):
    assert days_in(tmp_path / relative, tmp_path) == days


def test_ambiguous_or_missing_days_are_refused_with_the_reason(tmp_path):
    write(tmp_path, "2025/11/11/2025-11-12.txt", brief("两天"))
    write(tmp_path, "无日期.txt", brief("无日期"))
    write(tmp_path, "2025-11-10.txt", brief("好的"))
    files, refused = source_files([tmp_path])
    assert [source.path.name for source in files] == ["2025-11-10.txt"]
    reasons = {refusal.path.name: refusal.reason for refusal in refused}
    assert "2025-11-11" in reasons["2025-11-12.txt"] and "2025-11-12" in reasons["2025-11-12.txt"]
    assert "--date" in reasons["无日期.txt"]
    _files, refused = source_files([tmp_path / "2025-11-10.txt"], date=D(2025, 11, 9))
    assert "2025-11-10" in refused[0].reason and "2025-11-09" in refused[0].reason


@pytest.mark.django_db
def test_a_refused_file_stops_the_import_before_anything_is_saved(tmp_path):
    write(tmp_path, "2025-11-10.txt", brief("好的"))
    write(tmp_path, "无日期.txt", brief("无日期"))
    with pytest.raises(CommandError):
        run(tmp_path)
    assert not Article.objects.exists()


# -- a directory of dated files


@pytest.mark.django_db
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_directory_of_dated_files_in_one_command(tmp_path, jobs, monkeypatch):
    monkeypatch.setattr("articles.loading.PARALLEL_ABOVE_BYTES", 0)  # workers even for a few
    write(tmp_path, "2025/11/10/一版.txt", brief("十日一版") + "\n" + brief("十日一版之二"))
    write(tmp_path, "2025/11/11/一版.txt", brief("十一日一版"))
    write(tmp_path, "20251112.txt", brief("十二日"))
    write(tmp_path, "README.md", "not an article")
    out, _err = run(tmp_path, "--jobs", jobs)
    assert out.splitlines()[-1] == summary(3, created=4)
    days = dict(Article.objects.values_list("title", "published_on"))
    assert days == {
        "十日一版": D(2025, 11, 10),
        "十日一版之二": D(2025, 11, 10),
        "十一日一版": D(2025, 11, 11),
        "十二日": D(2025, 11, 12),
    }
    assert Figure.objects.filter(text="120家").count() == 4
    assert ImportedFile.objects.count() == 3


@pytest.mark.django_db
def test_importing_again_skips_what_was_imported_unchanged(tmp_path):
    write(tmp_path, "2025-11-10.txt", brief("第一篇"))
    changed = write(tmp_path, "2025-11-11.txt", brief("第二篇"))
    run(tmp_path)
    changed.write_text(brief("第二篇", "改过的正文，涉及企业130家。"), encoding="utf-8")
    out, _err = run(tmp_path, "--verbosity", "2")
    assert out.splitlines()[-1] == summary(2, updated=1, skipped=1)
    skipped = gettext("%(path)s: imported before, unchanged.")
    assert skipped % {"path": tmp_path / "2025-11-10.txt"} in out.splitlines()
    assert Article.objects.count() == 2
    assert "130家" in Section.objects.get(article__title="第二篇").body


@pytest.mark.django_db
def test_a_broken_file_is_reported_and_the_rest_imported(tmp_path):
    write(tmp_path, "2025-11-10.txt", brief("好的"))
    write(tmp_path, "2025-11-11.txt", "没有标题的正文。\n")
    with pytest.raises(CommandError) as refused:
        run(tmp_path)
    assert str(refused.value) == gettext(
        "%(failures)d of %(total)d files could not be imported."
    ) % {"failures": 1, "total": 2}
    assert list(Article.objects.values_list("title", flat=True)) == ["好的"]
    assert ImportedFile.objects.count() == 1


@pytest.mark.django_db
def test_the_loader_keeps_each_file_whole_inside_a_batch(tmp_path, monkeypatch):
    """Files share a transaction and their statements: one failing saves none of itself."""
    from articles import importer

    write(tmp_path, "2025-11-10.txt", brief("第一篇"))
    write(tmp_path, "2025-11-11.txt", brief("第二篇") + "\n" + brief("第三篇"))
    write(tmp_path, "2025-11-12.txt", brief("第四篇"))
    create = importer.Importer._create

    def failing(self, new):
        created = create(self, new)
        if any(parsed.title == "第三篇" for *_where, parsed in new):
            raise importer.MalformedSource("第三篇 cannot be saved")
        return created

    monkeypatch.setattr(importer.Importer, "_create", failing)
    files, _refused = source_files([tmp_path])
    summary = Loader("重庆日报", Article.Status.PUBLISHED).load(files)
    assert [refusal.path.name for refusal in summary.failed] == ["2025-11-11.txt"]
    assert sorted(Article.objects.values_list("title", flat=True)) == ["第一篇", "第四篇"]


@pytest.mark.django_db
def test_files_saved_together_end_as_files_saved_one_after_the_other(tmp_path):
    """Two pages of one day both print 简讯: the second names the article the first made, as
    it did when each file was saved on its own; the same content twice is recorded once."""
    write(tmp_path, "2025/11/11/第一版.txt", brief("简讯", "第一版的简讯。") + brief("头条"))
    write(tmp_path, "2025/11/11/第二版.txt", brief("简讯", "第二版的简讯。"))
    write(tmp_path, "2025/11/12/第一版.txt", brief("简讯", "第二天的简讯。"))
    write(tmp_path, "copy/2025-11-12.txt", brief("简讯", "第二天的简讯。"))
    files, _refused = source_files([tmp_path])
    summary = Loader("重庆日报", Article.Status.PUBLISHED).load(files)
    assert (summary.created, summary.updated, summary.unchanged) == (3, 1, 1)
    saved = Article.objects.order_by("published_on", "title")
    assert [(a.published_on.day, a.title, a.sections.get().body) for a in saved] == [
        (11, "头条", "今天有一篇稿件，涉及企业120家。"),
        (11, "简讯", "第二版的简讯。"),
        (12, "简讯", "第二天的简讯。"),
    ]
    assert ImportedFile.objects.count() == 3  # the copy is the same content for the same day


def test_groups_part_where_a_file_names_an_article_of_the_group():
    from pathlib import Path

    from articles.loading import Prepared, SourceFile, _groups
    from articles.textformat import parse

    def prepared(name, day, text, sha256):
        return Prepared(SourceFile(Path(name), day, 1), sha256, parse(text))

    day, next_day = datetime.date(2025, 11, 11), datetime.date(2025, 11, 12)
    files = [
        prepared("a", day, brief("简讯") + brief("头条"), "1"),
        prepared("b", next_day, brief("简讯"), "2"),
        prepared("c", day, brief("简讯"), "3"),  # 简讯 of the 11th again: a new group
        prepared("d", day, brief("要闻"), "3"),  # c's content for the same day: a new group
    ]
    assert [[one.source.path.name for one in group] for group in _groups(files)] == [
        ["a", "b"],
        ["c"],
        ["d"],
    ]


def test_the_readers_run_at_most_the_read_ahead_in_front_of_the_saving():
    """Files come back in order, and no more than READ_AHEAD_BYTES (and one chunk) of them are
    ever read and not yet saved: memory stays bounded at any archive size."""
    from pathlib import Path

    from articles.loading import SourceFile, _chunks, _read_ahead

    files = [SourceFile(Path(f"{n}.txt"), D(2025, 11, 11), size=100 + n) for n in range(60)]
    submitted, given = [], []

    class Reading:
        def __init__(self, chunk):
            self.chunk = chunk

        def get(self):
            return self.chunk

    def submit(chunk):
        submitted.extend(chunk)
        return Reading(chunk)

    def ahead():
        return sum(source.size for source in submitted[len(given) :])

    limit, chunk_files = 1_000, 4
    biggest_chunk = 4 * max(source.size for source in files)
    for source in _read_ahead(_chunks(files, chunk_files), submit, limit):
        assert ahead() <= limit + biggest_chunk
        given.append(source)
    assert given == files


def test_reading_processes_yield_their_cores_to_the_saving_one(monkeypatch):
    """The saving process is the import's serial part: its readers run at a lower priority."""
    import django

    from articles import loading_worker

    niceness = []
    monkeypatch.setattr("os.nice", niceness.append)
    monkeypatch.setattr(django, "setup", lambda: None)
    monkeypatch.setattr(loading_worker, "_imported", frozenset())
    loading_worker.start(frozenset({("abc", D(2025, 11, 11))}))
    assert niceness == [loading_worker.NICENESS]
    assert loading_worker.NICENESS > 0
    assert loading_worker._imported == {("abc", D(2025, 11, 11))}


# -- crashes


def _snapshot():
    return sorted(
        Article.objects.values_list("title", "published_on", "slug", "script", "byline")
    ), sorted(Figure.objects.values_list("article__title", "text", "value", "key"))


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_and_run_again_ends_as_one_that_was_not(tmp_path):
    for day in range(1, 29):
        articles = "\n".join(
            brief(f"二月{day}日第{n}篇", f"第{n}篇正文，新增项目{day * n}个。") for n in range(30)
        )
        write(tmp_path, f"2025/02/{day:02d}/一版.txt", articles)
    command = [sys.executable, "manage.py", "import_articles", str(tmp_path), "--jobs", "2"]
    process = subprocess.Popen(
        command,
        env=process_environment(),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while ImportedFile.objects.count() < 5:
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert 0 < ImportedFile.objects.count() < 28
    finished = subprocess.run(command, env=process_environment(), cwd=REPO, capture_output=True)
    assert finished.returncode == 0, finished.stderr
    resumed = _snapshot()
    Article.objects.all().delete()
    ImportedFile.objects.all().delete()
    again = subprocess.run(command, env=process_environment(), cwd=REPO, capture_output=True)
    assert again.returncode == 0, again.stderr
    assert _snapshot() == resumed
    assert Article.objects.count() == 28 * 30
