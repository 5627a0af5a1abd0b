"""Shared fixtures: seed articles, a fresh search index, a second process on the test database."""

import datetime
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from articles.importer import Importer

REPO = Path(__file__).resolve().parent.parent
SEED_PATH = REPO / "fixtures" / "source" / "000_3fa01ea9ce329daf.txt"
SEED_DATE = datetime.date(2025, 11, 11)
YUAN = "袁家军赴重庆高新区宣讲党的二十届四中全会精神并调研推动新质生产力发展工作"
ZHONGXIN = "中新互联互通项目10年合作硕果累累"


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Pages are cached by change-log id, which repeats after a test's rollback."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _empty_search_index(request):
    """Every test that touches the database starts with an empty index that follows it.

    Database rows roll back between tests and their ids are reused, so an index left over
    from another test would describe articles that no longer exist. The index is rebuilt
    from the (empty) database: a new generation, at the change log's current end.
    """
    if not {"db", "transactional_db"} & set(
        request.fixturenames
    ) and not request.node.get_closest_marker("django_db"):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    from search.indexer import Indexer

    for using in settings.SEARCH_INDEXES:
        Indexer(using).rebuild()
    yield


@pytest.fixture(scope="session")
def opensearch_node():
    """A real OpenSearch node for the session (OPENSEARCH_URL, or one started on port 9250).

    Outside CI a node that cannot start skips the test loudly; with CI=true it fails it.
    This run's indexes are deleted at the end.
    """
    from haystack import connections

    from tests import opensearch_node

    url = opensearch_node.node_url()
    yield url
    for alias in ("opensearch", "opensearch_figures"):
        backend = connections[alias].get_backend()
        backend.conn.indices.delete(index=f"{backend.alias}--g*", ignore_unavailable=True)


@pytest.fixture
def indexer(db):
    """The indexer, in this process and on this test's database connection."""
    from search.indexer import Indexer

    indexer = Indexer()
    yield indexer
    indexer.close()


@pytest.fixture
def running_indexer(transactional_db):
    """`run_indexer` for each index, in threads of this process, each with its own database
    connection; the articles' indexer.

    For tests that commit (transactional_db): the indexers see what they committed.
    """
    from django.db import connections as databases

    from search import tokenize
    from search.indexer import Indexer

    stop = threading.Event()
    indexers, threads = {}, []

    def run(using, started):
        try:
            indexers[using] = Indexer(using)
            tokenize.warm_up()  # as run() does first, before the test's edits wait for it
            started.set()
            indexers[using].run(stop)
        finally:
            databases.close_all()

    for using in settings.SEARCH_INDEXES:
        started = threading.Event()
        thread = threading.Thread(
            target=run, args=(using, started), name=f"indexer-{using}", daemon=True
        )
        thread.start()
        started.wait(30)
        threads.append(thread)
    yield indexers["default"]
    stop.set()
    for thread in threads:
        thread.join(30)


@pytest.fixture
def seed_articles(db):
    """The two seed articles, imported from the seed text; a dict by title."""
    report = Importer(SEED_DATE).import_file(SEED_PATH)
    return {article.title: article for article in report.created}


@pytest.fixture
def figure_indexer(db):
    """The figures' indexer (the "figures" index), in this process."""
    from search.indexer import Indexer

    indexer = Indexer("figures")
    yield indexer
    indexer.close()


@pytest.fixture
def search_index(indexer, figure_indexer):
    """The search indexes, caught up with what the database holds now (empty by default);
    the articles' engine."""
    indexer.catch_up()
    figure_indexer.catch_up()
    return indexer.engine


@pytest.fixture
def seeded_index(seed_articles, indexer, figure_indexer):
    """The seed articles, indexed (articles and figures)."""
    indexer.catch_up()
    figure_indexer.catch_up()
    return seed_articles


def process_environment():
    """The environment for a process that works on this test's database and index."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsarchive.settings.test",
        "NEWSARCHIVE_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "PYTHONPATH": str(REPO),
    }


def start_process(code, **options):
    """Start ``code`` in a new Python process with Django set up on this test's database."""
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    return subprocess.Popen(
        [sys.executable, "-c", script],
        env=process_environment(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def run_in_process(code, timeout=120):
    """Run ``code`` in a new process (see start_process); return (exit status, stderr)."""
    process = start_process(code)
    _stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stderr


@pytest.fixture
def index_path():
    return Path(settings.HAYSTACK_CONNECTIONS["default"]["PATH"])
