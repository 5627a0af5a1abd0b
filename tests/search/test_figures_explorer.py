"""The figures explorer (/figures/), its chart, its API, and figures kept in step with edits."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db.models import Q

from articles import units
from articles.models import Article, Figure
from search import figures
from tests.conftest import YUAN, ZHONGXIN


def explore(client, **params):
    return client.get("/figures/", params)


def visible_figures(**filters):
    """The database's answer: visible figures of published articles."""
    return Figure.objects.filter(
        is_hidden=False, article__status=Article.Status.PUBLISHED, **filters
    )


def database_count(term="", unit="", low=None, high=None, since=None):
    """How many figures a filter should find, counted in the database and in Python."""
    found = visible_figures().select_related("article")
    if term:
        found = found.filter(Q(sentence__contains=term) | Q(label__contains=term))
    if since:
        found = found.filter(article__published_on__gte=since)
    count = 0
    for figure in found:
        measure = units.normalize(figure.value, figure.unit)
        if unit and measure.family != units.family_of(unit):
            continue
        if low is not None and measure.value < low:
            continue
        if high is not None and measure.value > high:
            continue
        count += 1
    return count


def test_a_figure_is_found_by_its_words_and_unit(client, seeded_index):
    response = explore(client, q="中新互联互通", unit="亿美元")
    assert response.status_code == 200
    html = response.content.decode()
    assert "260亿美元" in html
    assert "<mark>260亿美元</mark>" in html  # the number is marked in its sentence
    hit = next(hit for hit in response.context["outcome"].hits if hit.printed == "260亿美元")
    assert hit.family == "美元"
    assert hit.title == ZHONGXIN
    assert hit.url.startswith(seeded_index[ZHONGXIN].get_absolute_url() + "#")


@pytest.mark.parametrize(
    "params",
    [
        {"q": "航班"},
        {"q": "重庆"},
        {"q": "", "unit": "%"},
        {"q": "", "unit": "元"},
        {"q": "项目", "unit": "个"},
        {"q": "", "unit": "美元", "min": "100亿"},
        {"q": "", "unit": "%", "min": "10", "max": "50"},
        {"q": "项目", "from": "2025-11-01"},
    ],
)
def test_counts_equal_the_database(client, seeded_index, params):
    low = figures.NumberField().clean(params.get("min", "")) if params.get("min") else None
    high = figures.NumberField().clean(params.get("max", "")) if params.get("max") else None
    expected = database_count(
        params.get("q", ""), params.get("unit", ""), low, high, params.get("from")
    )
    outcome = explore(client, **params).context["outcome"]
    assert outcome.count == expected
    assert expected > 0
    if params.get("unit"):
        chart = client.get("/figures/chart/", {**params, "format": "json"}).json()
        assert sum(series["count"] for series in chart["series"]) == expected


def test_facets_count_units_and_years(client, seeded_index):
    outcome = explore(client, q="重庆").context["outcome"]
    by_family = {family: count for family, _name, count in outcome.facets["unit"]}
    assert sum(by_family.values()) == outcome.count
    assert by_family["%"] == database_count("重庆", "%")
    assert outcome.facets["year"] == [("2025", outcome.count)]


def test_sorting_by_value(client, seeded_index):
    hits = explore(client, unit="%", sort="largest").context["outcome"].hits
    amounts = [hit.amount for hit in hits]
    assert amounts == sorted(amounts, reverse=True)
    smallest = explore(client, unit="%", sort="smallest").context["outcome"].hits
    assert smallest[0].amount == min(amounts)


def test_bad_input_gets_a_message_not_an_error(client, seeded_index):
    response = explore(client, q="重庆", min="很多")
    assert response.status_code == 200
    assert response.context["form"].errors["min"]
    assert response.context["outcome"].count  # the other parameters still apply
    upside_down = explore(client, q="重庆", min="10", max="1")
    assert upside_down.status_code == 200
    assert upside_down.context["form"].errors["max"]
    assert explore(client, q="重庆", unit="光年").context["outcome"].count == 0
    assert explore(client, q='"未闭合').status_code == 200
    assert explore(client, q="重庆", page="999").status_code == 404


def test_a_corrected_figure_shows_corrected_everywhere(client, seeded_index, figure_indexer):
    figure = visible_figures(text="260亿美元").get()
    figure.value, figure.label, figure.is_edited = Decimal("270") * 10**8, "签约总额", True
    figure.save()
    figure_indexer.catch_up()
    hit = next(
        hit
        for hit in explore(client, q="签约总额", unit="美元").context["outcome"].hits
        if hit.url.endswith(f"fig-{figure.pk}") or hit.label == "签约总额"
    )
    assert hit.value == Decimal("27000000000")
    chart = client.get("/figures/chart/", {"q": "签约总额", "unit": "美元", "format": "json"})
    (point,) = chart.json()["series"][0]["points"]
    assert point["value"] == "27000000000"
    page = client.get(seeded_index[ZHONGXIN].get_absolute_url()).content.decode()
    assert "签约总额" in page


def test_hidden_figures_never_show(client, seeded_index, figure_indexer):
    figure = visible_figures(text="260亿美元").get()
    figure.is_hidden = figure.is_edited = True
    figure.save()
    figure_indexer.catch_up()
    hits = explore(client, q="中新互联互通").context["outcome"].hits
    assert hits
    assert all(hit.printed != "260亿美元" for hit in hits)
    assert not [
        hit
        for hit in client.get("/api/figures/", {"q": "中新"}).json()["results"]
        if hit["printed"] == "260亿美元"
    ]
    chart = client.get("/figures/chart/", {"q": "中新", "unit": "美元", "format": "json"}).json()
    assert all(point["printed"] != "260亿美元" for point in chart["series"][0]["points"])


def test_an_unpublished_or_deleted_article_takes_its_figures_along(
    client, seeded_index, figure_indexer
):
    before = explore(client, unit="元").context["outcome"].count
    assert before
    article = seeded_index[YUAN]
    article.status = Article.Status.DRAFT
    article.save()
    figure_indexer.catch_up()
    assert explore(client, q="", unit="元").context["outcome"].count == database_count(unit="元")
    Article.objects.filter(pk=seeded_index[ZHONGXIN].pk).delete()
    figure_indexer.catch_up()
    assert explore(client, q="重庆").context["outcome"].count == 0


def test_the_chart_draws_one_series_per_query(client, seeded_index):
    response = client.get("/figures/chart/?q=航班&q=项目&unit=%25")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="img"' in html
    assert html.count('class="chart__series"') == 2
    assert "<table>" in html  # the table fallback
    hit = response.context["series"][0][0].points[0]
    assert f'href="{hit.url}"' in html  # each point links to its sentence
    assert f"<title>航班 · {hit.published_on.isoformat()} {hit.printed}" in html


def test_a_chart_of_queries_that_find_nothing(client, seeded_index):
    # Found by the API fuzz (tests/test_api_fuzz.py): two series, no figure, was a 500.
    response = client.get("/figures/chart/", {"q": ["没有这个词", "也没有"], "unit": "%"})
    assert response.status_code == 200
    assert "没有匹配的数字" in response.content.decode()


def test_a_chart_needs_a_unit(client, seeded_index):
    response = client.get("/figures/chart/", {"q": "航班"})
    assert response.status_code == 200
    assert "chart__svg" not in response.content.decode()
    assert response.context["family"] == ""


def test_the_chart_as_csv_and_json(client, seeded_index):
    response = client.get("/figures/chart/", {"q": "项目", "unit": "个", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    data = client.get("/figures/chart/", {"q": "项目", "unit": "个", "format": "json"}).json()
    assert len(rows) - 1 == len(data["series"][0]["points"]) > 0
    assert data["unit"] == "个"
    assert rows[1][0] == "项目"


def test_the_api_and_its_description(client, seeded_index):
    data = client.get("/api/figures/", {"q": "中新互联互通", "unit": "美元"}).json()
    assert data["count"] == len(data["results"]) > 0
    assert {"printed", "value", "unit", "family", "label", "sentence", "article"} <= set(
        data["results"][0]
    )
    assert data["facets"]["unit"][0]["value"] == "美元"
    description = json.loads(client.get("/api/openapi.json").content)
    assert description["openapi"].startswith("3.")
    assert {"/api/search/", "/api/figures/", "/api/articles/{id}/", "/figures/chart/"} <= set(
        description["paths"]
    )


def test_each_panel_tile_leads_to_the_explorer(client, seeded_index):
    page = client.get(seeded_index[ZHONGXIN].get_absolute_url())
    html = page.content.decode()
    assert 'class="key-figures__explore" href="/figures/?q=' in html
    view = page.context["panel"][0]
    found = client.get("/figures/?" + view.explore_query).context["outcome"]
    assert any(hit.url.endswith(view.href) for hit in found.hits)


def test_check_index_compares_the_figures_and_repair_mends_them(seeded_index, figure_indexer):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from search import capabilities

    figure = visible_figures(text="260亿美元").get()
    with capabilities.backend("figures").writer() as writer:
        writer.remove([f"articles.figure.{figure.pk}"])
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 articles"):
        call_command("check_index", using="figures", stdout=out, verbosity=0)
    assert "missing: 1  extra: 0  stale: 0" in out.getvalue()
    call_command("check_index", using="figures", repair=True, verbosity=0, stdout=io.StringIO())
    figure_indexer.catch_up()
    call_command("check_index", using="figures", stdout=io.StringIO(), verbosity=0)


def test_healthz_reports_both_indexes(client, seeded_index):
    health = client.get("/healthz").json()
    assert set(health["indexes"]) == {"default", "figures"}
    assert health["indexes"]["figures"]["status"] == "ok"
    # Each index counts its own indexer, not every live reader of the log.
    assert [health["indexes"][name]["indexers"] for name in ("default", "figures")] == [1, 1]
    assert health["index"] == health["indexes"]["default"]


def test_the_api_page_lists_every_described_endpoint(client, db):
    from search.openapi import description

    html = client.get("/api/").content.decode()
    for path in description("http://testserver/")["paths"]:
        assert f"<code>{path}</code>" in html
