"""Fuzzing every public page and parameter: whatever a client sends, never a server error.

At least 2,000 requests in CI (CI=true); 300 on a developer's machine.
"""

import os

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ZHONGXIN

pytestmark = pytest.mark.django_db

EXAMPLES = 2000 if os.environ.get("CI") == "true" else 300
SEARCH_PAGES = ["/search/", "/api/search/", "/search/kwic/", "/search/export.csv"]
PARAMETERS = ["q", "from", "to", "author", "publication", "year", "month", "sort", "page", "format"]

text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet='重庆新加坡陆海通道 "“”「」()-+:：|ORANDNOT标题作者title', max_size=60),
    st.sampled_from(["2025-11-11", "2025-02-30", "0000-00-00", "9999-99", "-1", "1e9", "csv"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.just("\x00\ud7ff\ufeff\u200b"),
    st.text(min_size=300, max_size=2000),
)
parameters = st.dictionaries(st.sampled_from(PARAMETERS), text, max_size=6)
segment = st.one_of(
    st.integers(min_value=-5, max_value=100_000).map(str),
    st.text(alphabet="abc-_0123456789%重庆", min_size=1, max_size=20),
)
paths = st.one_of(
    st.sampled_from(SEARCH_PAGES),
    st.sampled_from(["/", "/archive/", "/opensearch.xml", "/healthz"]),
    st.builds(lambda y: f"/{y}/", segment),
    st.builds(lambda y, m: f"/{y}/{m}/", segment, segment),
    st.builds(lambda y, m, d: f"/{y}/{m}/{d}/", segment, segment, segment),
    st.builds(lambda slug: f"/2025/11/11/{slug}/", segment),
    st.builds(lambda slug: f"/authors/{slug}/", segment),
)


@override_settings(RATE_LIMITS={name: "100000/s" for name in ("search", "api", "kwic", "export")})
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=paths, params=parameters)
def test_no_request_is_a_server_error(client, seeded_index, path, params):
    response = client.get(path, params)
    assert response.status_code < 500, (path, params)


def test_the_fuzzed_site_has_content(client, seeded_index):
    """The fuzz test ran against a real archive: the seed is there and searchable."""
    assert ZHONGXIN in client.get("/search/", {"q": "陆海新通道"}).content.decode()
