"""Project-wide rules: settings, the translation catalog, where outside libraries may be used."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from articles.models import Article
from tests.conftest import REPO

CATALOG = REPO / "locale" / "zh_Hans" / "LC_MESSAGES"
SEARCH_ONLY = {
    "haystack",
    "tantivy",
    "jieba",
    "rjieba",
    "opensearchpy",
    "django_haystack_opensearch",
}
# OpenCC, in one place: the archive's converter between the scripts (search takes it from there).
OPENCC_HOME = REPO / "articles" / "script.py"


def test_every_message_is_translated():
    catalog = polib.pofile(CATALOG / "django.po")
    assert catalog.percent_translated() == 100
    assert not catalog.fuzzy_entries()


def test_the_compiled_catalog_matches_the_source():
    source = {
        entry.msgid: entry for entry in polib.pofile(CATALOG / "django.po") if not entry.obsolete
    }
    compiled = {entry.msgid: entry for entry in polib.mofile(CATALOG / "django.mo")}
    assert set(compiled) - {""} == set(source) - {""}
    for msgid, entry in source.items():
        if msgid:
            assert (compiled[msgid].msgstr, compiled[msgid].msgstr_plural) == (
                entry.msgstr,
                entry.msgstr_plural,
            ), "run `make messages` to compile the catalog"


def test_the_interface_speaks_chinese(client, db):
    html = client.get("/search/").content.decode()
    assert "检索" in html
    assert 'lang="zh-Hans"' in html


def _imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("package", ["articles", "newsarchive"])
def test_only_the_search_app_imports_search_engines_and_tokenisers(package):
    offenders = [
        f"{path.relative_to(REPO)} imports {module}"
        for path in (REPO / package).rglob("*.py")
        for module in _imported_modules(path)
        if module in SEARCH_ONLY
    ]
    assert offenders == []


def test_one_module_holds_opencc():
    users = {
        path
        for package in ("articles", "search", "newsarchive")
        for path in (REPO / package).rglob("*.py")
        if "opencc" in set(_imported_modules(path))
    }
    assert users == {OPENCC_HOME}


def test_articles_never_imports_search():
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "articles").rglob("*.py")
        if "search" in set(_imported_modules(path))
    ]
    assert offenders == []


def _check(settings_module, **env):
    """`manage.py check` under ``settings_module``; SECRET_KEY and DATABASE_URL only if given."""
    base = {
        key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DATABASE_URL")
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env={**base, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_secret():
    result = _check("newsarchive.settings.prod")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_secret_from_the_environment():
    result = _check("newsarchive.settings.prod", SECRET_KEY="x" * 64)
    assert result.returncode == 0, result.stderr


def test_development_needs_no_environment(tmp_path):
    result = _check("newsarchive.settings.dev", NEWSARCHIVE_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_health_check_answers_for_any_host_and_reports_the_index_lag(client, seeded_index):
    response = client.get("/healthz", HTTP_HOST="unknown.example")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["index"]["lag_changes"] == 0
    assert report["index"]["epoch_matches"] is True
    Article.objects.update(title="改过的标题")  # the indexer has not run since
    index = client.get("/healthz").json()["index"]
    assert index["lag_changes"] == 2
    assert index["latest_change"] > index["checkpoint"]
    assert index["lag_seconds"] >= 0


def test_secrets_are_not_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout
    assert "secret_key" not in tracked
    assert ".sqlite3" not in tracked
    assert not Path(REPO / "var").exists() or "var/" not in tracked


def test_the_master_warms_every_template_and_language_before_it_forks(db, monkeypatch):
    from django.template import engines
    from django.utils import translation
    from haystack import connections

    from newsarchive import warming
    from search.backends.tantivy.backend import TantivySearchBackend

    def refuse(self, name):
        raise AssertionError("an index was opened before the fork")

    monkeypatch.setattr(TantivySearchBackend, "_open", refuse)  # its reader holds threads
    names = warming.project_templates()
    assert {"base.html", "search/kwic.html", "articles/article_detail.html"} <= set(names)
    warming.warm_up()
    for alias in connections.connections_info:  # the search indexes, built
        assert connections[alias].get_unified_index()._built
    loader = engines["django"].engine.template_loaders[0]  # the cached loader
    cached = {key.split(":")[0] for key in loader.get_template_cache}
    assert set(names) <= cached
    assert {"zh-hans", "zh-hant"} <= set(translation.trans_real._translations)


def test_the_master_loads_rjieba_with_the_editors_words_before_it_forks(db, monkeypatch):
    """Article pages cut their whole text in bulk (related articles): rjieba, loaded in the
    master, is shared by the workers instead of loaded by each (search.words.warm_up)."""
    from newsarchive import warming
    from search import tokenize, words
    from search.models import DictionaryWord

    loaded = []

    def load(additions):
        loaded.append(additions)
        return None  # as if rjieba were missing: the segmenter then cuts with jieba

    monkeypatch.setattr(tokenize, "_rjieba", load)
    monkeypatch.setattr(words, "_loaded", None)
    DictionaryWord.objects.create(word="渝新欧班列")
    try:
        warming.warm_up()
        assert tokenize._segmenter()._fast is None  # loaded (and found missing), not pending
        assert "渝新欧班列" in tokenize.user_words()
        assert any(word == "渝新欧班列" for word, _frequency in loaded[-1])
    finally:
        tokenize.set_user_words([])
        words._loaded = None
