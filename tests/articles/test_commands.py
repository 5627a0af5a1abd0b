"""Management commands: import_articles, load_seed and create_editor."""

import datetime
import getpass
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext

from articles.models import Article, Author, Change, Publication
from articles.permissions import EDITOR_GROUP
from tests.articles.factories import make_article
from tests.conftest import SEED_PATH, YUAN, ZHONGXIN, run_in_process

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# import_articles ------------------------------------------------------------------------------


def test_import_lists_what_it_created_then_updated(tmp_path):
    out, err = run("import_articles", str(SEED_PATH), "--date", "2025-11-11", "-v", "2")
    assert err == ""  # no progress bar where no one watches
    urls = {article.title: article.get_absolute_url() for article in Article.objects.all()}
    assert out.splitlines()[:2] == [
        f"{gettext('created')}: {YUAN} ({urls[YUAN]})",
        f"{gettext('created')}: {ZHONGXIN} ({urls[ZHONGXIN]})",
    ]

    edited = tmp_path / "edited.txt"
    edited.write_text(SEED_PATH.read_text(encoding="utf-8").replace("347个", "348个"))
    out, _err = run("import_articles", str(edited), "--date", "2025-11-11", "-v", "2")
    assert out.splitlines()[:2] == [
        f"{gettext('updated')}: {ZHONGXIN} ({urls[ZHONGXIN]})",
        f"{gettext('unchanged')}: {YUAN} ({urls[YUAN]})",
    ]
    assert Article.objects.count() == 2


def test_import_several_files(tmp_path):
    out, _err = run(
        "import_articles", str(SEED_PATH), str(DATA / "another_day.txt"), "--date", "2025-11-12"
    )
    assert Article.objects.filter(published_on=datetime.date(2025, 11, 12)).count() == 3
    assert out.splitlines()[-1] == gettext(
        "%(files)d files: %(created)d articles created, %(updated)d updated, "
        "%(unchanged)d unchanged; %(skipped)d files imported before and skipped, "
        "%(failed)d failed."
    ) % {"files": 2, "created": 3, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 0}


def test_import_as_drafts_for_another_publication():
    run(
        "import_articles",
        str(DATA / "another_day.txt"),
        "--date",
        "2025-11-12",
        "--status",
        "draft",
        "--publication",
        "新重庆",
    )
    article = Article.objects.get()
    assert (article.status, article.publication.name) == ("draft", "新重庆")


def test_a_broken_file_fails_and_saves_nothing(tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_text("# 第一篇\n\n正文。\n\n#### 小标题\n\n##### 太深的标题\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_articles",
            str(SEED_PATH),
            str(broken),
            "--date",
            "2025-11-11",
            stdout=StringIO(),
            stderr=err,
        )
    assert str(caught.value) == gettext(
        "%(failures)d of %(total)d files could not be imported."
    ) % {
        "failures": 1,
        "total": 2,
    }
    message = err.getvalue()
    assert f"{broken}, {gettext('line %(line)d') % {'line': 7}}: " in message
    assert gettext("%(error)s Nothing from this file was saved.") % {"error": ""} in message
    # The good file was saved; the broken one left nothing.
    assert set(Article.objects.values_list("title", flat=True)) == {YUAN, ZHONGXIN}


@pytest.mark.slow
def test_the_exit_status_is_not_zero_for_a_broken_file(tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"# title\n\x00binary")
    argv = ["manage.py", "import_articles", str(broken), "--date", "2025-11-11"]
    status, stderr = run_in_process(
        f"from django.core.management import execute_from_command_line\n"
        f"execute_from_command_line({argv!r})\n"
    )
    assert status == 1
    assert f"{broken}, " in stderr
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--date", "11/11/2025"],
        ["--date", "2025-02-30"],
        ["--date", "1899-12-31"],
        ["--date", (timezone.localdate() + datetime.timedelta(days=2)).isoformat()],
    ],
)
def test_the_date_is_required_and_validated(args):
    with pytest.raises(CommandError):
        call_command("import_articles", str(SEED_PATH), *args, stdout=StringIO())
    assert not Article.objects.exists()


def test_the_date_error_names_the_limits():
    with pytest.raises(CommandError) as caught:
        call_command("import_articles", str(SEED_PATH), "--date", "1899-12-31")
    assert "1900-01-01" in str(caught.value)


def test_an_unknown_status_is_refused():
    with pytest.raises(CommandError):
        call_command(
            "import_articles", str(SEED_PATH), "--date", "2025-11-11", "--status", "archived"
        )


# load_seed ------------------------------------------------------------------------------------


def test_load_seed_fills_an_empty_archive():
    run("load_seed")
    assert set(Article.objects.values_list("title", flat=True)) == {YUAN, ZHONGXIN}
    assert Author.objects.count() == 3
    # Loading writes the change log, so the search index catches up with the seed.
    logged = Change.objects.filter(topic=Change.Topic.ARTICLE).values_list("key", flat=True)
    assert set(logged) == {str(pk) for pk in Article.objects.values_list("pk", flat=True)}


@pytest.mark.parametrize(
    "existing",
    [
        lambda: make_article("编辑写的文章"),
        lambda: Author.objects.create(name="编辑加的作者"),
        lambda: Publication.objects.create(name="另一家报纸", slug="ling-yi-jia-bao-zhi"),
    ],
)
def test_load_seed_never_loads_over_existing_rows(existing):
    existing()
    before = (Article.objects.count(), Author.objects.count(), Publication.objects.count())
    out, _err = run("load_seed")
    assert out
    assert (Article.objects.count(), Author.objects.count(), Publication.objects.count()) == before
    assert not Article.objects.filter(title=YUAN).exists()


# create_editor --------------------------------------------------------------------------------


@pytest.fixture
def typed(monkeypatch):
    """Answers for getpass, in order."""

    def answer(*passwords):
        answers = iter(passwords)
        monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))

    return answer


def test_create_editor(typed):
    typed("青山绿水-2025", "青山绿水-2025")
    out, _err = run("create_editor", "zhangsan", "--email", "zhangsan@example.com")
    user = User.objects.get(username="zhangsan")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [EDITOR_GROUP]
    assert user.check_password("青山绿水-2025")
    assert user.email == "zhangsan@example.com"
    assert user.has_perm("articles.change_article")
    assert "zhangsan" in out


def test_create_editor_asks_again_after_a_mismatch(typed):
    typed("青山绿水-2025", "青山绿水-2026", "青山绿水-2025", "青山绿水-2025")
    _out, err = run("create_editor", "zhangsan")
    assert err.strip()
    assert User.objects.get(username="zhangsan").check_password("青山绿水-2025")


@pytest.mark.parametrize(
    "attempt",
    [
        ("123", "123"),  # too short and numeric
        ("password", "password"),  # common
        ("zhangsan1", "zhangsan1"),  # like the user name
        ("青山绿水-2025", "青山绿水-2026"),  # mismatched
    ],
)
def test_create_editor_refuses_weak_or_mismatched_passwords(typed, attempt):
    typed(*(attempt * 3))
    with pytest.raises(CommandError):
        call_command("create_editor", "zhangsan", stdout=StringIO(), stderr=StringIO())
    assert not User.objects.filter(username="zhangsan").exists()


def test_create_editor_refuses_an_existing_user(typed):
    User.objects.create_user("zhangsan")
    typed("青山绿水-2025", "青山绿水-2025")
    with pytest.raises(CommandError):
        call_command("create_editor", "zhangsan", stdout=StringIO())
