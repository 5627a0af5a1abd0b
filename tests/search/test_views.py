"""The search page, the JSON API, keyword in context, exports and OpenSearch."""

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import YUAN, ZHONGXIN


def get(client, path, **params):
    return client.get(path, params)


def test_the_search_page_lists_ranked_highlighted_hits(client, seeded_index):
    response = get(client, "/search/", q="陆海新通道")
    assert response.status_code == 200
    html = response.content.decode()
    assert ZHONGXIN in html
    assert YUAN not in html
    assert "<mark>陆海新通道</mark>" in html
    assert 'href="/2025/11/11/' in html
    assert "#s" in html  # snippets link to their paragraph


def test_the_page_shows_count_time_and_how_the_query_was_understood(client, seeded_index):
    outcome = get(client, "/search/", q="互聯互通").context["outcome"]
    html = get(client, "/search/", q="互聯互通").content.decode()
    assert outcome.count == 1
    assert outcome.took_ms >= 0
    assert "互联互通" in html  # the normalised form is shown
    assert "<q>互聯互通</q> → <q>互联互通</q>" in html


def test_facets_link_to_narrowed_searches(client, seeded_index):
    response = get(client, "/search/", q="重庆")
    links = response.context["facet_links"]
    (yang,) = [link for value, _count, link, _active in links["author"] if value == "杨骏"]
    narrowed = client.get("/search/" + yang)
    assert [hit.title for hit in narrowed.context["outcome"].hits] == [ZHONGXIN]
    assert narrowed.context["active_filters"]


def test_the_page_says_when_authors_were_not_counted_and_counts_them_on_request(
    client, seeded_index, settings
):
    settings.SEARCH_AUTHOR_FACET_MAX_MATCHES = 1
    response = get(client, "/search/", q="重庆", page="1")
    html = response.content.decode()
    assert response.context["facet_links"]["author"] == []
    assert "匹配文章超过 1 篇，未统计作者分布。" in html
    (link,) = [
        line.split('href="')[1].split('"')[0].replace("&amp;", "&")
        for line in html.splitlines()
        if "统计作者</a>" in line
    ]
    assert parse_qs(urlsplit(link).query) == {"q": ["重庆"], "page": ["1"], "facets": ["all"]}
    counted = client.get("/search/" + link)
    assert len(counted.context["facet_links"]["author"]) == 3
    assert "未统计作者分布" not in counted.content.decode()
    data = get(client, "/api/search/", q="重庆").json()
    assert data["uncounted_facets"] == {"author": 1}
    assert data["facets"]["author"] == []
    data = get(client, "/api/search/", q="重庆", facets="all").json()
    assert data["uncounted_facets"] == {}
    assert len(data["facets"]["author"]) == 3


def test_the_empty_state_and_the_intro(client, seeded_index):
    intro = get(client, "/search/")
    assert intro.status_code == 200
    assert "陆海新通道" in intro.content.decode()  # examples
    empty = get(client, "/search/", q="上海")
    assert empty.status_code == 200
    assert empty.context["outcome"].count == 0


def test_a_question_says_it_shows_partial_matches(client, seeded_index):
    response = get(client, "/search/", q="重庆和新加坡的航班每周有多少班")
    assert response.context["outcome"].fallback
    assert response.context["outcome"].hits[0].title == ZHONGXIN


def test_pagination_and_an_unknown_page(client, seeded_index):
    assert get(client, "/search/", q="重庆", page="1").status_code == 200
    assert get(client, "/search/", q="重庆", page="9").status_code == 404
    assert get(client, "/search/", q="重庆", page="x").status_code == 200


@pytest.mark.parametrize(
    "q",
    [
        '"未闭合的引号',
        "“二十届",
        "OR",
        "NOT",
        "-",
        "+",
        ":",
        "()",
        "(((",
        "标题:",
        "a" * 5000,
        "重庆" * 2500,
        "\x00\x01\x1f",
        "🚄🚄 重庆 😀",
        "中国（重庆） OR ) ( NOT",
    ],
)
def test_bad_input_gets_results_or_a_message_never_an_error(client, seeded_index, q):
    response = get(client, "/search/", q=q)
    assert response.status_code == 200
    api = get(client, "/api/search/", q=q)
    assert api.status_code == 200
    json.loads(api.content)


def test_invalid_utf8_in_the_address_is_no_error(client, seeded_index):
    assert client.get("/search/?q=%ED%A0%80%FF%FE").status_code == 200
    assert client.get("/api/search/?q=%ED%A0%80&from=%FF").status_code == 200


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.text(max_size=300),
    sort=st.text(max_size=10),
    start=st.dates().map(str) | st.text(max_size=12),
    page=st.text(max_size=6),
    month=st.from_regex(r"[0-9]{4}-[0-9]{2}", fullmatch=True) | st.text(max_size=8),
    year=st.from_regex(r"[0-9]{4}", fullmatch=True) | st.text(max_size=5),
)
def test_any_parameters_answer_without_a_server_error(
    client, seeded_index, q, sort, start, page, month, year
):
    params = {"q": q, "sort": sort, "from": start, "page": page, "month": month, "year": year}
    response = client.get("/api/search/", params)
    assert response.status_code == 200


def test_the_api_answers_in_rank_order_with_snippets_and_facets(client, seeded_index):
    data = get(client, "/api/search/", q="重庆").json()
    assert data["query"] == "重庆"
    assert data["count"] == 2
    assert [result["title"] for result in data["results"]] == [YUAN, ZHONGXIN]
    first = data["results"][0]
    assert set(first) >= {"title", "url", "published_on", "score", "snippets"}
    assert first["url"].startswith("http://127.0.0.1:8000/2025/11/11/")  # settings.SITE_URL
    assert first["published_on"] == "2025-11-11"
    assert first["score"] >= data["results"][1]["score"]
    assert "<mark>重庆</mark>" in first["snippets"][0]["html"]
    assert "<mark>" not in first["snippets"][0]["text"]
    assert {"year", "month", "author", "publication"} <= set(data["facets"])
    assert {"value": "2025", "count": 2} in data["facets"]["year"]


def test_the_api_reports_invalid_parameters(client, seeded_index):
    data = get(client, "/api/search/", q="重庆", sort="sideways", **{"from": "2025-13-01"}).json()
    assert set(data["errors"]) == {"sort", "from_"}
    assert data["count"] == 2


def test_keyword_in_context_lists_every_occurrence(client, seeded_index):
    response = get(client, "/search/kwic/", q="新加坡")
    lines = response.context["concordance"].lines
    assert len(lines) > 10
    assert all(line.match == "新加坡" for line in lines)
    assert all(line.href.startswith("/2025/11/11/") for line in lines)
    assert response.status_code == 200


def test_keyword_in_context_sorts_by_either_context(client, seeded_index):
    by_article = get(client, "/search/kwic/", q="新加坡").context["concordance"].lines
    left = get(client, "/search/kwic/", q="新加坡", order="left").context["concordance"].lines
    right = get(client, "/search/kwic/", q="新加坡", order="right").context["concordance"].lines
    assert len(left) == len(right) == len(by_article)
    assert [line.left[::-1] for line in left] == sorted(line.left[::-1] for line in by_article)
    assert [line.right for line in right] == sorted(line.right for line in by_article)
    html = get(client, "/search/kwic/", q="新加坡").content.decode()
    assert "次，分布在" in html  # no stray space between the two counts


def test_keyword_in_context_leaves_bylines_out_unless_asked(client, seeded_index):
    without = get(client, "/search/kwic/", q="杨骏").context["concordance"].lines
    with_bylines = get(client, "/search/kwic/", q="杨骏", bylines="1").context["concordance"]
    assert len(with_bylines.lines) > len(without)


def test_keyword_in_context_exports_csv(client, seeded_index):
    response = get(client, "/search/kwic/", q="陆海新通道", format="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) > 2
    assert all(row[3] == "陆海新通道" for row in rows[1:])


def test_results_export_as_csv(client, seeded_index):
    response = get(client, "/search/export.csv", q="重庆")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == [YUAN, ZHONGXIN]
    assert "attachment" in response["Content-Disposition"]


def test_opensearch_description(client, seeded_index):
    response = client.get("/opensearch.xml")
    assert response["Content-Type"] == "application/opensearchdescription+xml"
    assert "http://127.0.0.1:8000/search/?q={searchTerms}" in response.content.decode()


def test_every_page_has_a_search_box_and_the_opensearch_link(client, seeded_index):
    for path in ("/", "/archive/", "/search/?q=重庆"):
        html = client.get(path).content.decode()
        assert 'role="search"' in html
        assert 'type="application/opensearchdescription+xml"' in html


def test_the_article_page_lists_related_articles(client, seeded_index):
    html = client.get(seeded_index[YUAN].get_absolute_url()).content.decode()
    assert "related-title" in html
    assert seeded_index[ZHONGXIN].get_absolute_url() in html


def test_search_escapes_what_users_type(client, seeded_index):
    html = get(client, "/search/", q="<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


def test_the_search_page_makes_a_fixed_number_of_queries(
    client, seeded_index, django_assert_max_num_queries
):
    # The change log's newest id, twice: for the page cache and for the index's freshness.
    # Results come from the index, not the database.
    with django_assert_max_num_queries(2):
        client.get("/search/", {"q": "重庆"})
    with django_assert_max_num_queries(2):
        client.get("/api/search/", {"q": "重庆和新加坡的航班每周有多少班"})


def test_search_pages_are_cached_until_the_index_moves(
    client, seeded_index, indexer, django_assert_num_queries
):
    first = client.get("/search/", {"q": "重庆"}).content
    with django_assert_num_queries(1):  # the change log's newest id, and the page from the cache
        assert client.get("/search/", {"q": "重庆"}).content == first
    article = seeded_index[YUAN]
    article.title = "袁家军在重庆调研"
    article.save()
    indexer.catch_up()
    assert "袁家军在重庆调研" in client.get("/search/", {"q": "重庆"}).content.decode()


@pytest.mark.parametrize("path", ["/api/search/", "/search/export.csv", "/search/kwic/"])
def test_no_client_host_reaches_a_cached_or_exported_url(client, seeded_index, path):
    """A Host header of the client's choosing must not end up in what others are served."""
    poisoned = client.get(path, {"q": "重庆", "format": "csv"}, HTTP_HOST="localhost:6666")
    clean = client.get(path, {"q": "重庆", "format": "csv"})
    for response in (poisoned, clean):
        body = response.content.decode("utf-8-sig")
        assert "localhost:6666" not in body
        assert "http://127.0.0.1:8000/2025/11/11/" in body


@pytest.mark.parametrize(
    ("query", "shown", "warning"),
    [
        ("航班 OR 航线", "「航班」 或者 「航线」", None),
        ("新加坡 NOT 陆海新通道", "「新加坡」 不含 「陆海新通道」", None),
        ('"陆海 通道"~5', "「陆海」与「通道」相距不超过 5 字", None),
        ("陆海 NEAR/99 通道", "「陆海」与「通道」相距不超过 20 字", "最多相距 20 字"),
        ("陆海*", "「陆海」", "已省略 *"),
        ("版面:头版", "「版面:头版」", "不是可检索的字段"),
        ("航班 or 航线", "「航班」 或者 「航线」", "已被理解为运算符"),
    ],
)
def test_the_page_says_how_it_read_the_query(client, seeded_index, query, shown, warning):
    html = get(client, "/search/", q=query).content.decode()
    assert f'<span class="understood__tree">{shown}</span>' in html
    if warning:
        assert warning in html


@pytest.mark.parametrize(
    ("rows", "query"),
    [
        ({"t1": "重庆", "o2": "and", "t2": "新加坡"}, "重庆 新加坡"),
        ({"t1": "航班", "o2": "or", "t2": "航线"}, "航班 OR 航线"),
        (
            {"t1": "重庆", "o2": "and", "t2": "航班", "o3": "or", "t3": "航线"},
            "(重庆 航班) OR 航线",
        ),
        ({"t1": "新加坡", "o2": "not", "t2": "陆海新通道"}, "新加坡 -陆海新通道"),
        ({"f1": "title", "t1": "重庆", "f2": "author", "t2": "杨骏"}, "title:重庆 author:杨骏"),
        ({"t1": "首席记者 杨骏"}, '"首席记者 杨骏"'),
        ({"t1": "", "t2": "航班"}, "航班"),
    ],
)
def test_the_advanced_form_builds_the_query_string(client, db, rows, query):
    response = client.get("/search/advanced/", {"build": "1", **rows, "sort": "newest"})
    assert response.status_code == 302
    sent = parse_qs(urlsplit(response.url).query)
    assert response.url.startswith("/search/?")
    assert sent["q"] == [query]
    assert sent["sort"] == ["newest"]


def test_the_advanced_form_page(client, db):
    response = client.get("/search/advanced/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="t5"' in html and 'name="o2"' in html and 'name="f1"' in html
    bad = client.get("/search/advanced/", {"build": "1", "f1": "版面", "o2": "xor", "t1": "重庆"})
    assert parse_q(bad.url) == "重庆"


def parse_q(url):
    return parse_qs(urlsplit(url).query)["q"][0]


def streamed(response):
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_full_text_as_json_lines(client, seeded_index):
    response = client.get("/search/full-text.jsonl", {"q": "重庆"})
    assert response["Content-Type"].startswith("application/x-ndjson")
    first, *records = [json.loads(line) for line in streamed(response).splitlines()]
    assert first["query"] == "重庆" and first["matches"] == 2 and first["exported_at"]
    assert {record["title"] for record in records} == {ZHONGXIN, YUAN}
    zhongxin = next(record for record in records if record["title"] == ZHONGXIN)
    article = seeded_index[ZHONGXIN]
    for section in article.sections.all():
        for paragraph in section.paragraphs:
            assert paragraph.replace("\n", " ") in zhongxin["text"]


def test_the_full_text_as_csv(client, seeded_index):
    rows = list(
        csv.reader(io.StringIO(streamed(client.get("/search/full-text.csv", {"q": "陆海新通道"}))))
    )
    assert "陆海新通道" in rows[0][0]
    assert rows[1][0]  # the time of the export
    assert [row[1] for row in rows[3:]] == [ZHONGXIN]
    assert "陆海新通道" in rows[3][5]


def test_a_full_text_export_cut_short_says_so(client, seeded_index, settings):
    settings.SEARCH_BUDGETS = {
        **settings.SEARCH_BUDGETS,
        "full_text": {"documents": 1, "bytes": 10**9, "seconds": 60},
    }
    lines = streamed(client.get("/search/full-text.jsonl", {"q": "重庆"})).splitlines()
    assert len(lines) == 3
    assert "cut_short" in json.loads(lines[-1])
    assert streamed(client.get("/search/full-text.jsonl", {"q": ""})).count("\n") == 1


def test_hits_carry_the_query_and_the_article_marks_it(client, seeded_index):
    response = get(client, "/search/", q="陸海新通道")  # traditional: matched as search does
    hit = response.context["outcome"].hits[0]
    assert hit.link == f"{hit.url}?q=%E9%99%B8%E6%B5%B7%E6%96%B0%E9%80%9A%E9%81%93"
    assert all("?q=" in href for _html, href in hit.snippets)
    html = client.get(hit.link).content.decode()
    count = html.count('class="match"')
    assert count >= 2
    assert '<a class="match" id="m1" href="#m2"><mark>陆海新通道</mark></a>' in html
    assert f'id="m{count}" href="#matches"' in html  # the last one leads back to the bar
    assert f"在本文中出现 {count} 次" in html
    assert 'href="/search/?q=%E9%99%B8%E6%B5%B7%E6%96%B0%E9%80%9A%E9%81%93"' in html


def test_an_article_without_a_query_marks_nothing(client, seeded_index):
    html = client.get(seeded_index[ZHONGXIN].get_absolute_url()).content.decode()
    assert 'class="match"' not in html and 'id="matches"' not in html
    html = client.get(seeded_index[ZHONGXIN].get_absolute_url(), {"q": "<b>火星</b>"})
    body = html.content.decode()
    assert "<b>火星</b>" not in body and "&lt;b&gt;火星&lt;/b&gt;" in body
