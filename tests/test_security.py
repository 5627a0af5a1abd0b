"""Hardening: exports that cannot run formulas, limits, lockouts, headers, compression, faults."""

import csv
import gzip
import io
import json
import subprocess
import sys
import time

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings

from articles.textformat import MalformedSource, read_source
from tests.articles.factories import make_article
from tests.conftest import REPO, process_environment

pytestmark = pytest.mark.django_db

FORMULAS = ("=", "+", "-", "@", "\t", "\r")
NASTY_TITLE = '=HYPERLINK("http://evil.example","点这里")'
NASTY_LINES = [
    "+SUM(1,2)重庆市场",
    "-2+3重庆交易额",
    "@SUM(A1)重庆数据",
    "<script>alert('x')</script> & \"引号\" 重庆",
]


@pytest.fixture
def nasty(indexer):
    article = make_article(NASTY_TITLE, sections=[("", NASTY_LINES)])
    indexer.catch_up()
    return article


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# -- exports


@pytest.mark.parametrize(
    "path", ["/search/export.csv?q=重庆", "/search/kwic/?q=重庆&format=csv"], ids=["export", "kwic"]
)
def test_no_csv_cell_can_start_a_formula(client, nasty, path):
    rows = csv_rows(client.get(path))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) > 1
    assert not [cell for cell in cells if cell.startswith(FORMULAS)]
    # The content is all there, behind an apostrophe that spreadsheets do not show.
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert any("'+SUM(1,2)" in cell or cell.startswith("'+SUM") for cell in cells)


def test_text_fields_carry_characters_not_entities(client, nasty):
    data = client.get("/api/search/", {"q": "引号"}).json()
    texts = [snippet["text"] for hit in data["results"] for snippet in hit["snippets"]]
    assert any("<script>alert('x')</script> & \"引号\"" in text for text in texts), texts
    assert not any(entity in text for text in texts for entity in ("&lt;", "&amp;", "&#x27;"))
    htmls = [snippet["html"] for hit in data["results"] for snippet in hit["snippets"]]
    assert all("<script>" not in html for html in htmls)  # the HTML stays escaped
    rows = csv_rows(client.get("/search/export.csv", {"q": "引号"}))
    assert "<script>alert('x')</script> & \"<" not in rows[1][-1]
    assert "<script>alert('x')</script> & \"引号\"" in rows[1][-1]


# -- limits


@override_settings(RATE_LIMITS={"search": "3/s", "api": "3/s", "kwic": "3/s", "export": "3/s"})
@pytest.mark.parametrize(
    "path", ["/search/", "/api/search/", "/search/kwic/", "/search/export.csv"]
)
def test_a_client_over_its_rate_gets_429_and_then_recovers(client, seeded_index, path):
    cache.clear()
    # Start at the beginning of a second, so that the four requests share one window.
    time.sleep(1 - time.time() % 1)
    statuses = [client.get(path, {"q": f"重庆{n}"}).status_code for n in range(4)]
    assert statuses[:3] == [200, 200, 200]
    refused = client.get(path, {"q": "重庆"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "请求过于频繁" in refused.content.decode()
    other = client.get(path, {"q": "重庆"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200  # another client is not held back
    time.sleep(1.05)
    assert client.get(path, {"q": "重庆"}).status_code == 200


@override_settings(SEARCH_BUDGETS={"kwic": {"documents": 1, "bytes": 10**6, "seconds": 60}})
def test_keyword_in_context_stops_at_its_budget_and_says_so(client, seeded_index):
    html = client.get("/search/kwic/", {"q": "重庆"}).content.decode()
    assert "只收录了前 1 篇" in html
    response = client.get("/search/kwic/", {"q": "重庆", "format": "csv"})
    assert response["X-Cut-Short"] == "documents"
    assert "只收录了前 1 篇" in csv_rows(response)[-1][0]


@override_settings(SEARCH_BUDGETS={"export": {"documents": 1000, "bytes": 10, "seconds": 60}})
def test_an_export_stops_at_its_byte_budget(client, seeded_index):
    response = client.get("/search/export.csv", {"q": "重庆"})
    rows = csv_rows(response)
    assert response["X-Cut-Short"] == "bytes"
    assert len(rows) == 3  # the header, one hit, and the note
    assert "截断" in rows[-1][0]


def test_an_import_from_a_pipe_or_device_gets_the_size_error():
    with pytest.raises(MalformedSource) as caught:
        read_source("/dev/zero")
    assert caught.value.code == "too_large"
    finished = subprocess.run(
        [sys.executable, "manage.py", "import_articles", "/dev/zero", "--date", "2025-11-12"],
        env=process_environment(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert "50000000" in finished.stderr


# -- the admin's login


def test_thirty_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    User.objects.create_superuser("chief", "chief@example.com", "the-right-password-1")
    for _attempt in range(30):
        response = client.post(
            "/admin/login/", {"username": "chief", "password": "wrong"}, REMOTE_ADDR="10.1.1.1"
        )
    assert response.status_code == 429
    right = {"username": "chief", "password": "the-right-password-1"}
    locked = client.post("/admin/login/", right, REMOTE_ADDR="10.1.1.1")
    assert locked.status_code == 429
    assert "登录已被锁定" in locked.content.decode()
    # Locked by user name too, from any address.
    assert client.post("/admin/login/", right, REMOTE_ADDR="10.2.2.2").status_code == 429
    call_command("axes_reset", verbosity=0)
    assert client.post("/admin/login/", right, REMOTE_ADDR="10.1.1.1").status_code == 302


# -- headers


def test_a_strict_content_security_policy_and_a_permissions_policy(client, seeded_index):
    for path in ("/", "/search/?q=重庆", "/admin/login/", "/no-such-page/"):
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "camera=()" in response["Permissions-Policy"]


def test_forwarded_proto_is_trusted_only_behind_a_declared_proxy():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='newsarchive.settings.prod'; "
        "django.setup(); from django.conf import settings; "
        "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    env = {**process_environment(), "SECRET_KEY": "x" * 60}
    env.pop("DJANGO_SETTINGS_MODULE")
    alone = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert alone.stdout.strip() == "None", alone.stderr
    behind = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "TRUSTED_PROXIES": "1"},
        capture_output=True,
        text=True,
    )
    assert behind.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", behind.stderr


# -- compression (BREACH)


def test_public_pages_are_compressed_and_pages_with_a_secret_never(client, seeded_index):
    gzip_header = {"HTTP_ACCEPT_ENCODING": "gzip"}
    for path in ("/search/?q=重庆", "/api/search/?q=重庆", "/search/kwic/?q=重庆", "/"):
        response = client.get(path, **gzip_header)
        assert response["Content-Encoding"] == "gzip", path
        assert gzip.decompress(response.content)
    # The login form carries a CSRF token; the admin reads the session.
    login = client.get("/admin/login/", **gzip_header)
    assert "csrfmiddlewaretoken" in login.content.decode()
    assert not login.has_header("Content-Encoding")
    User.objects.create_superuser("chief", "chief@example.com", "the-right-password-1")
    client.force_login(User.objects.get(username="chief"))
    for path in ("/admin/", "/admin/articles/article/"):
        response = client.get(path, **gzip_header)
        assert response.status_code == 200
        assert not response.has_header("Content-Encoding"), path


# -- the database away


def test_the_database_away_is_a_503_with_retry_after_never_a_500(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def away(self):
        raise OperationalError("could not connect to server: Connection refused")

    client.raise_request_exception = False
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", away)
    for path in ("/", "/search/?q=重庆", "/2025/11/11/"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response["Retry-After"] == "10"
        assert "数据库暂时无法连接" in response.content.decode()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert json.loads(health.content)["database"] == "unavailable"
