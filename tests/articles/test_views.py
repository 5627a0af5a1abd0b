"""Reader pages: what each shows, in a number of queries that does not grow with the archive."""

import datetime
import re

import pytest
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from articles import reading, services
from articles.models import Article, Author
from tests.articles.factories import make_article
from tests.articles.html import page
from tests.conftest import YUAN, ZHONGXIN

YUAN_URL = "/2025/11/11/yuan-jia-jun-fu-chong-qing-gao-xin-qu-xuan-jiang/"
ZHONGXIN_URL = "/2025/11/11/zhong-xin-hu-lian-hu-tong-xiang-mu-10-nian-he/"

# Every reader page, with the number of queries it makes: two for the change-log id (the page
# cache's version, read before and after the page: see articles.caching), then the page's own.
PAGES = {
    "/": 4,
    "/archive/": 3,
    "/2025/": 3,
    "/2025/11/": 7,  # with its calendar
    "/2025/11/11/": 6,  # with the issues before and after
    YUAN_URL: 6,  # one section, no figures, one author
    ZHONGXIN_URL: 6,  # four sections, 31 figures, two authors
    "/authors/yang-jun/": 6,
}


def more_articles(count=12):
    """Articles on the seed's day and month, each with sections, figures and two authors."""
    for number in range(count):
        make_article(
            f"另一篇报道第{number}篇",
            published_on=datetime.date(2025, 11, 11 + number % 3),
            sections=[
                ("", [f"导语{number}:累计签约项目{number + 1}个。", "第二段。"]),
                ("小标题一", ["金额260亿美元。", "增长20.2%。"]),
                ("小标题二", ["服务企业45家。"]),
            ],
            authors=[("杨骏", "首席记者"), (f"作者{number}", "记者")],
        )


@pytest.mark.parametrize(("url", "queries"), PAGES.items())
def test_page_query_count_is_fixed(client, seed_articles, django_assert_num_queries, url, queries):
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    more_articles()  # which also makes the cached copy stale
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_every_page_is_accessible(client, seed_articles, url):
    html = page(client.get(url))
    root = html.one("html")
    assert root.attrs["lang"] == "zh-Hans"
    html.one("h1")
    for landmark in ("header", "main", "footer"):
        assert html.find_all(landmark), landmark
    assert html.find_all("nav")
    skip = html.find_all("a")[0]
    assert skip.attrs["href"] == "#main" and "skip-link" in skip.attrs["class"]
    assert html.by_id("main").tag == "main"
    assert len(html.ids) == len(set(html.ids)), "ids must be unique"


@pytest.mark.parametrize("url", ["/", "/2025/11/", "/2025/11/11/", ZHONGXIN_URL])
def test_dates_are_machine_readable(client, seed_articles, url):
    times = page(client.get(url)).find_all("time")
    assert times
    assert {time.attrs["datetime"] for time in times} == {"2025-11-11"}


# Each page's content -----------------------------------------------------------------------


def test_front_page_lists_the_latest_articles(client, seed_articles):
    make_article("草稿不上首页", status=Article.Status.DRAFT)
    html = page(client.get("/"))
    titles = [heading.text for heading in html.find_all("h2")]
    assert titles == [ZHONGXIN, YUAN]
    assert ZHONGXIN_URL in html.hrefs and YUAN_URL in html.hrefs
    assert "/authors/yang-jun/" in html.hrefs


def test_front_page_of_an_empty_archive(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert escape(gettext("The archive has no published articles yet.")) in response.text


def test_archive_index_counts_years(client, seed_articles):
    make_article("去年的", published_on=datetime.date(2024, 3, 5))
    make_article("草稿", published_on=datetime.date(2023, 3, 5), status=Article.Status.DRAFT)
    html = page(client.get("/archive/"))
    main = html.one("main")
    assert [link for link in main.hrefs if link.startswith("/20")] == ["/2025/", "/2024/"]
    counts = [item.find_all("span")[0].text for item in main.find_all("li")]
    assert [re.match(r"\d+", count)[0] for count in counts] == ["2", "1"]


def test_year_lists_months_with_counts(client, seed_articles):
    make_article("十月的", published_on=datetime.date(2025, 10, 5))
    main = page(client.get("/2025/")).one("main")
    assert [link for link in main.hrefs if link.startswith("/2025/")] == ["/2025/11/", "/2025/10/"]
    counts = [item.find_all("span")[0].text for item in main.find_all("li")]
    assert [re.match(r"\d+", count)[0] for count in counts] == ["2", "1"]


def test_month_has_a_calendar_and_the_articles(client, seed_articles):
    make_article("十月的", published_on=datetime.date(2025, 10, 5))
    make_article("十二月的", published_on=datetime.date(2025, 12, 1))
    html = page(client.get("/2025/11/"))
    calendar = html.one("table")
    days = [cell.text.strip() for cell in calendar.find_all("td") if cell.text.strip()]
    assert days[:1] == ["1"] and len(days) == 30
    linked = calendar.find_all("a")
    assert [link.attrs["href"] for link in linked] == ["/2025/11/11/"]
    assert linked[0].text.strip() == "112"  # the day and its count
    assert len(calendar.find_all("tr")[1].find_all("td")) == 7
    titles = [heading.text for heading in html.find_all("h3")]
    assert titles == [ZHONGXIN, YUAN]
    assert "/2025/10/" in html.hrefs and "/2025/12/" in html.hrefs


def test_month_paginates(client, seed_articles):
    for number in range(50):
        make_article(f"十一月的报道{number}", published_on=datetime.date(2025, 11, 1 + number % 20))
    html = page(client.get("/2025/11/", {"page": 2}))
    assert [heading.text for heading in html.find_all("h3")] == ["十一月的报道20", "十一月的报道0"]
    assert "?page=1" in html.hrefs
    assert client.get("/2025/11/", {"page": 3}).status_code == 404


def test_day_lists_its_articles_in_printed_order(client, seed_articles):
    make_article("另一天的", published_on=datetime.date(2025, 11, 12))
    html = page(client.get("/2025/11/11/"))
    assert [heading.text for heading in html.find_all("h2")] == [YUAN, ZHONGXIN]
    assert html.one("h1").text == "2025年11月11日"


def test_author_page(client, seed_articles):
    make_article("杨骏的另一篇", authors=[("杨骏", "记者")], status=Article.Status.DRAFT)
    html = page(client.get("/authors/yang-jun/"))
    assert html.one("h1").text.startswith("杨骏")
    assert [heading.text for heading in html.find_all("h2")] == [ZHONGXIN]


def test_author_page_paginates(client, seed_articles):
    author = Author.objects.get(name="杨骏")
    for number in range(51):
        make_article(f"杨骏的报道{number}", authors=[("杨骏", "记者")])
    second = page(client.get(f"/authors/{author.slug}/", {"page": 2}))
    assert len(second.find_all("article")) == 2
    assert "?page=1" in second.hrefs


# The article page --------------------------------------------------------------------------


@pytest.fixture
def zhongxin_page(client, seed_articles):
    response = client.get(ZHONGXIN_URL)
    assert response.status_code == 200
    return seed_articles[ZHONGXIN], page(response)


def test_article_heads(zhongxin_page):
    _article, html = zhongxin_page
    assert html.one("h1").text == ZHONGXIN
    header = html.find_all("article")[0].find_all("header")[0]
    assert "成功构建中国(重庆)与新加坡“点对点”对接" in header.text
    assert "新重庆-重庆日报首席记者 杨骏 实习生 李俊晓" in " ".join(header.text.split())
    assert "重庆日报" in header.text
    assert header.find_all("time")[0].attrs["datetime"] == "2025-11-11"
    assert "2025年11月11日" in header.text
    assert "/2025/11/11/" in header.hrefs


def test_article_byline_links_each_author(zhongxin_page):
    _article, html = zhongxin_page
    byline = next(p for p in html.find_all("p") if "byline" in p.attrs.get("class", ""))
    assert [(link.text, link.attrs["href"]) for link in byline.find_all("a")] == [
        ("杨骏", "/authors/yang-jun/"),
        ("李俊晓", "/authors/li-jun-xiao/"),
    ]


def test_article_table_of_contents_and_sections(zhongxin_page):
    article, html = zhongxin_page
    toc = next(nav for nav in html.find_all("nav") if "toc" in nav.attrs.get("class", ""))
    assert toc.hrefs == ["#s1", "#s2", "#s3", "#s4"]
    for section in article.sections.all():
        element = html.by_id(section.anchor)
        assert element.tag == "section"
        if section.heading:
            assert element.find_all("h2")[0].text == section.heading
        paragraphs = element.find_all("p")
        assert [p.attrs["id"] for p in paragraphs] == [
            anchor for anchor, _text in section.numbered_paragraphs()
        ]


def test_every_paragraph_has_a_permalink(zhongxin_page):
    article, html = zhongxin_page
    for section in article.sections.all():
        for anchor, text in section.numbered_paragraphs():
            paragraph = html.by_id(anchor)
            assert f"#{anchor}" in paragraph.hrefs
            assert text in paragraph.text
    assert html.by_id("s3-p8").text.startswith("文化旅游合作方面")


def test_key_figures_link_to_their_sentence(zhongxin_page):
    article, html = zhongxin_page
    panel = html.find_all("aside")[0]
    assert panel.find_all("h2")[0].text == gettext("Key figures")
    everything = panel.find_all("details")[0]
    links = [a for a in everything.find_all("a") if a.attrs["class"] == "key-figures__tile"]
    assert len(links) == article.figures.count() == 31
    for link, figure in zip(links, article.figures.order_by("position", "id"), strict=True):
        assert reading.FigureView(figure, "").value in link.text
        sentence = html.by_id(link.attrs["href"].removeprefix("#"))
        assert figure.sentence == sentence.text
    # Figures printed in one sentence share its anchor: the id of the first of them.
    first, second = article.figures.filter(text__in=["347个", "260亿美元"]).order_by("position")
    sentence = html.by_id(f"fig-{first.pk}")
    assert (sentence.tag, sentence.attrs["class"]) == ("span", "figure-sentence")
    assert everything.hrefs.count(f"#fig-{first.pk}") == 4
    assert f"#fig-{second.pk}" not in everything.hrefs
    assert "超1900架次" in panel.text  # the qualifier where it was printed
    values = {data.text: data.attrs["value"] for data in panel.find_all("data")}
    assert values["260亿美元"] == "26000000000"
    assert values["20.2%"] == "20.2"


def test_reading_an_article_gives_each_figure_its_section_without_a_query(
    seed_articles, django_assert_num_queries
):
    article = Article.objects.with_sections().get(title=ZHONGXIN)
    with django_assert_num_queries(0):
        _sections, figures = reading.read(article)
        anchors = {view.figure.anchor for view in figures}
    assert len(figures) == 31
    assert anchors <= {
        f"{section.anchor}-p{number}"
        for section in article.sections.all()
        for number in range(1, len(section.paragraphs) + 1)
    }


def test_the_panel_shows_eight_telling_figures_and_all_of_them_behind_a_summary(zhongxin_page):
    _article, html = zhongxin_page
    panel = html.find_all("aside")[0]
    tiles = panel.find_all("ul")[0].find_all("li")
    assert len(tiles) == reading.PANEL_SIZE == 8
    values = [tile.find_all("data")[0].text for tile in tiles]
    assert "260亿美元" in values  # money first
    assert "347个" in values  # the article's first figure
    assert len(values) == len(set(values))
    # In reading order, as in the full list.
    everything = [data.text for data in panel.find_all("details")[0].find_all("data")]
    assert values == [value for value in everything if value in values]
    summary = panel.find_all("details")[0].find_all("summary")[0]
    label = ngettext("All %(counter)s figure", "All %(counter)s figures", 31)
    assert summary.text == label % {"counter": 31}


@pytest.mark.django_db
def test_no_summary_when_the_panel_holds_every_figure(client):
    article = make_article("数字不多", sections=[("", ["今年接待游客120万人次，同比增长8%。"])])
    html = page(client.get(article.get_absolute_url()))
    panel = html.find_all("aside")[0]
    assert [data.text for data in panel.find_all("data")] == ["120万人次", "8%"]
    assert panel.find_all("details") == []


def test_hidden_figures_are_not_shown(client, seed_articles):
    figure = seed_articles[ZHONGXIN].figures.get(text="260亿美元")
    figure.is_hidden = True
    figure.save()
    html = page(client.get(ZHONGXIN_URL))
    assert f"#fig-{figure.pk}" not in html.hrefs
    assert "260亿美元" not in html.find_all("aside")[0].text


def test_a_correction_outlives_its_paragraph(client, db):
    article = make_article(
        "更正后删去一段",
        sections=[("", ["导语。"]), ("甲", ["签约项目347个。", "金额260亿美元。"])],
    )
    figure = article.figures.get(text="260亿美元")
    figure.label = "签约金额"
    figure.is_edited = True
    figure.save()
    section = article.sections.get(anchor="s2")
    section.body = "签约项目347个。"
    section.save()
    services.refresh_figures(article)

    panel = page(client.get(article.get_absolute_url())).one("aside")
    links = {
        link.find_all("data")[0].text: link.attrs["href"]
        for link in panel.find_all("a")
        if link.attrs["class"] == "key-figures__tile"
    }
    # Its paragraph is gone: it links to its section.
    assert links == {"347个": f"#fig-{article.figures.get(text='347个').pk}", "260亿美元": "#s2"}


def test_article_source_line(zhongxin_page):
    _article, html = zhongxin_page
    source = [p for p in html.find_all("p") if "article__source" in p.attrs.get("class", "")]
    assert [p.text for p in source] == ["据《重庆日报》"]


def test_article_with_one_section_has_no_table_of_contents(client, seed_articles):
    html = page(client.get(YUAN_URL))
    assert not [nav for nav in html.find_all("nav") if "toc" in nav.attrs.get("class", "")]
    assert html.by_id("s1-p6").hrefs == ["#s1-p6"]
    assert not html.find_all("aside")  # no figures, no panel


# Escaping -----------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def hostile(db):
    article = make_article(
        f"标题{SCRIPT}",
        deck=f"副题{SCRIPT}",
        byline=f"记者 张三{SCRIPT} 记者 <b>李四</b>",
        source=f"据《{SCRIPT}》",
        sections=[(f"小标题{SCRIPT}", [f"正文{SCRIPT}累计签约项目347个。"])],
        authors=[("张三", "记者"), ("<b>李四</b>", "记者")],
    )
    return article


@pytest.mark.parametrize(
    "url",
    ["/", "/2025/11/", "/2025/11/11/", "article", "/authors/zhang-san/", "/authors/b-li-si-b/"],
)
def test_markup_in_text_is_escaped_everywhere(client, hostile, url):
    if url == "article":
        url = hostile.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    assert "<script>" not in response.text
    assert "<b>" not in response.text
    assert escape(SCRIPT) in response.text


def test_byline_links_are_escaped(client, hostile):
    html = page(client.get(hostile.get_absolute_url()))
    byline = next(p for p in html.find_all("p") if "byline" in p.attrs.get("class", ""))
    assert [(link.text, link.attrs["href"]) for link in byline.find_all("a")] == [
        ("张三", "/authors/zhang-san/"),
        ("<b>李四</b>", "/authors/b-li-si-b/"),
    ]
    assert byline.text == f"记者 张三{SCRIPT} 记者 <b>李四</b>"


def test_byline_without_printed_text_is_built_from_authors(client, db):
    article = make_article("无印刷署名", authors=[("<i>王五</i>", "记者")])
    html = page(client.get(article.get_absolute_url()))
    byline = next(p for p in html.find_all("p") if "byline" in p.attrs.get("class", ""))
    assert " ".join(byline.text.split()) == "记者 <i>王五</i>"
    assert "<i>" not in client.get(article.get_absolute_url()).text


def test_a_day_links_to_the_issues_before_and_after(client, db):
    for day in (3, 10, 20):
        make_article(f"第{day}日", published_on=datetime.date(2025, 11, day))
    html = client.get("/2025/11/10/").content.decode()
    assert 'rel="prev" href="/2025/11/03/"' in html and 'rel="next" href="/2025/11/20/"' in html
    empty = client.get("/2025/11/15/")
    assert empty.status_code == 200  # a friendly page, not a 404
    body = empty.content.decode()
    assert 'href="/2025/11/10/"' in body and 'href="/2025/11/20/"' in body
    assert '<meta name="robots" content="noindex">' in body
    assert client.get("/2025/02/30/").status_code == 404  # no such date at all
