"""Trends over time (/search/trends/): counts per period, as the search counts them."""

import csv
import datetime
import io

import pytest

from search import searching
from tests.articles.factories import make_article


@pytest.fixture
def spread(db, indexer):
    """Articles over three months: 航班 in five, 航线 in three, both in one."""
    texts = [
        ("2025-01-03", "重庆新开航班。"),
        ("2025-01-20", "航班和航线同时增加。"),
        ("2025-01-25", "今天没有新闻。"),
        ("2025-03-02", "航线调整。"),
        ("2025-03-09", "航班延误。"),
        ("2025-03-30", "航班恢复。"),
        ("2025-03-31", "航线与航班。"),
        ("2025-03-31", "天气晴。"),
    ]
    for day, text in texts:
        make_article(sections=[("", [text])], published_on=datetime.date.fromisoformat(day))
    indexer.catch_up()


def trends(client, *queries, **params):
    return client.get("/search/trends/", {"q": list(queries), **params})


def test_counts_per_month_equal_the_search_in_that_month(client, spread):
    data = trends(client, "航班", "航线", format="json").json()
    assert data["period"] == "month"
    for series in data["series"]:
        counts = {point["period"]: point["count"] for point in series["points"]}
        assert list(counts) == ["2025-01", "2025-02", "2025-03"]  # an empty month counts 0
        for month, count in counts.items():
            params = searching.SearchForm({"q": series["query"], "month": month})
            params.is_valid()
            assert searching.run(params.params()).count == count
    assert [point["count"] for point in data["series"][0]["points"]] == [2, 0, 3]
    assert [point["articles"] for point in data["series"][0]["points"]] == [3, 0, 5]


def test_per_thousand_articles_of_the_period(client, spread):
    data = trends(client, "航班", per="thousand", format="json").json()
    assert [point["value"] for point in data["series"][0]["points"]] == [666.67, 0.0, 600.0]


def test_long_spans_are_counted_per_year(client, db, indexer):
    for year in (2010, 2013, 2019):
        make_article(sections=[("", ["航班。"])], published_on=datetime.date(year, 5, 1))
    indexer.catch_up()
    data = trends(client, "航班", format="json").json()
    assert data["period"] == "year"
    points = data["series"][0]["points"]
    assert [point["period"] for point in points] == [str(year) for year in range(2010, 2020)]
    assert sum(point["count"] for point in points) == 3


def test_the_page_draws_an_accessible_chart_with_a_table(client, spread):
    response = trends(client, "航班", "航线")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="img"' in html and "<table>" in html
    assert html.count('class="chart__series"') == 2
    point = response.context["series"][0][0].points[2]
    assert point.url in html.replace("&amp;", "&")
    assert f"<title>航班 · {point.period.key}: {point.value}</title>" in html
    followed = client.get(point.url)
    assert followed.context["outcome"].count == point.count == 3


def test_the_csv_and_filters(client, spread):
    response = trends(client, "航班", format="csv", **{"from": "2025-03-01"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1:4] for row in rows[1:]] == [["2025-03", "3", "5"]]


def test_no_query_and_bad_input(client, spread):
    assert trends(client).status_code == 200
    response = trends(client, "*", per="every")
    assert response.status_code == 200
    assert response.context["form"].errors["per"]
