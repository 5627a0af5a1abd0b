"""Debian's Chromium, driven by Playwright, against a live server: what readers and editors do."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, YUAN, ZHONGXIN

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = REPO / "test-output"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # Outside CI a machine without Chromium skips these; in CI (CI=true) that is a failure.
    pytest.mark.skipif(
        not CHROMIUM.exists() and os.environ.get("CI") != "true",
        reason="Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)",
    ),
]

# Playwright's sync API runs an event loop in this thread; Django would refuse
# database access from it, although the calls here are ordinary and sequential.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    OUTPUT.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_read_an_article_and_jump_to_a_section(page, live_server, seeded_index):
    page.goto(live_server.url + "/")
    assert page.locator("h1").count() == 1
    page.get_by_role("link", name=ZHONGXIN).first.click()
    page.wait_for_url("**/2025/11/11/**")
    assert page.locator("h1").inner_text() == ZHONGXIN
    toc = page.get_by_role("navigation", name="目录").or_(page.locator("nav.toc"))
    toc.get_by_role("link", name="航线加密至每周24班 渝新往来人次10年增长5倍").click()
    assert page.url.endswith("#s3")
    assert page.locator("#s3 h2").is_visible()
    page.screenshot(path=str(OUTPUT / "article-section.png"), full_page=True)


def test_a_key_figure_leads_to_its_sentence(page, live_server, seeded_index):
    page.goto(live_server.url + seeded_index[ZHONGXIN].get_absolute_url())
    page.locator(".key-figures > ul a", has_text="260亿美元").click()
    target = page.locator(":target")
    assert "260亿美元" in target.inner_text()


def test_search_and_open_a_result(page, live_server, seeded_index):
    page.goto(live_server.url + "/")
    page.locator("#site-search").fill("陸海新通道")
    page.locator("#site-search").press("Enter")
    page.wait_for_url("**/search/**")
    assert page.locator("mark", has_text="陆海新通道").first.is_visible()
    assert page.locator(".facet a").first.is_visible()  # beside the results, open
    assert not page.locator(".facets summary").is_visible()
    page.screenshot(path=str(OUTPUT / "search.png"), full_page=True)
    page.locator(".hit__snippet a").first.click()
    page.wait_for_url("**/2025/11/11/**#s*-p*")
    assert page.locator("h1").inner_text() == ZHONGXIN


def test_phone_layout_has_no_horizontal_scroll(browser, live_server, seeded_index):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    paths = (
        "/",
        seeded_index[YUAN].get_absolute_url(),
        "/search/?q=重庆",
        "/2025/11/",
        "/search/trends/?q=重庆&q=航班",
        "/figures/?q=重庆",
    )
    for path in paths:
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    page.goto(live_server.url + "/search/?q=重庆")
    assert page.locator("input[type=search]:visible").count() == 1  # one search box
    hits = page.locator(".hits").bounding_box()
    facets = page.locator(".facets").bounding_box()
    assert hits["y"] < facets["y"]  # results before the facets
    assert not page.locator(".facet a").first.is_visible()  # folded away...
    page.locator(".facets summary").click()
    assert page.locator(".facet a").first.is_visible()  # ...and open with a tap
    page.goto(live_server.url + seeded_index[ZHONGXIN].get_absolute_url())
    page.screenshot(path=str(OUTPUT / "article-phone.png"), full_page=False)
    context.close()


def test_keyboard_focus_is_visible(page, live_server, seeded_index):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_an_editor_adds_an_article_in_the_admin(page, live_server, seeded_index, running_indexer):
    from django.contrib.auth.models import User

    User.objects.create_superuser("chief", "chief@example.com", "a-long-test-password")
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", "a-long-test-password")
    page.locator("input[type=submit]").click()
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.fill("#id_title", "浏览器里新增的稿件")
    page.select_option("#id_publication", label="重庆日报")
    page.fill("#id_published_on", "2025-11-12")
    page.select_option("#id_status", "published")
    page.fill("#id_sections-0-body", "编辑在浏览器中写下这段文字,提到了蓝鲸。")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/articles/article/")
    # The save waited for the indexer: no word of search being behind.
    assert page.locator(".messagelist .warning").count() == 0
    page.goto(live_server.url + "/search/?q=蓝鲸")
    assert page.get_by_role("link", name="浏览器里新增的稿件").is_visible()
    page.screenshot(path=str(OUTPUT / "admin-then-search.png"), full_page=True)


def teardown_module():
    # Keep screenshots out of the way of the next run's comparison.
    shutil.rmtree(OUTPUT / "tmp", ignore_errors=True)


def test_no_page_breaks_the_content_security_policy(page, live_server, seeded_index):
    """Readers' pages and the editors' admin, under the strict CSP: not one violation."""
    from django.contrib.auth.models import User

    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', event =>"
        " console.error('Content Security Policy violation: ' + event.violatedDirective"
        " + ' ' + event.blockedURI));"
    )
    article = seeded_index[ZHONGXIN]
    paths = [
        "/",
        "/archive/",
        "/2025/11/",
        "/2025/11/11/",
        article.get_absolute_url(),
        "/search/?q=重庆",
        "/search/kwic/?q=重庆",
        "/no-such-page/",
        "/admin/login/",
    ]
    for path in paths:
        page.goto(live_server.url + path)
    User.objects.create_superuser("chief", "chief@example.com", "a-long-test-password")
    page.fill("#id_username", "chief")
    page.fill("#id_password", "a-long-test-password")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    for path in (
        "/admin/",
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/articles/article/add/",
        f"/admin/articles/article/{article.pk}/history/",
        "/admin/search/dictionaryword/add/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    # The collapsed 数说 table opens, and inlines add rows, through the admin's own scripts.
    page.goto(live_server.url + f"/admin/articles/article/{article.pk}/change/")
    page.locator("fieldset.collapse summary, .collapse-toggle").first.click()
    page.locator(".add-row a").first.click()
    assert violations == []


def test_the_key_figures_editor_fits_a_laptop_screen(page, live_server, seeded_index):
    """The admin's article form at 1,280 px, 数说 open: nothing wider than the window."""
    from django.contrib.auth.models import User

    User.objects.create_superuser("chief", "chief@example.com", "a-long-test-password")
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", "a-long-test-password")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    article = seeded_index[ZHONGXIN]
    page.goto(live_server.url + f"/admin/articles/article/{article.pk}/change/")
    figures = page.locator("#figures-group")
    figures.locator("summary").first.click()
    assert figures.locator("tr.form-row.has_original").count() == article.figures.count()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=str(OUTPUT / "admin-key-figures.png"), full_page=True)
    assert overflow <= 0
    headers = figures.locator("th").all_inner_texts()
    assert all("\n" not in header.strip() for header in headers)  # no header wraps
    assert figures.locator("input[value='26000000000']").count() == 1  # not 26000000000.0000


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 740}], ids=str
)
def test_from_a_tile_to_the_explorer_to_the_chart_and_back(
    browser, live_server, seeded_index, viewport
):
    context = browser.new_context(
        locale="zh-CN", viewport=viewport, is_mobile=viewport["width"] < 600
    )
    page = context.new_page()
    name = "phone" if viewport["width"] < 600 else "desktop"
    page.goto(live_server.url + seeded_index[ZHONGXIN].get_absolute_url())
    tile = page.locator(".key-figures > ul li", has_text="260亿美元")
    tile.locator("a.key-figures__explore").click()
    page.wait_for_url("**/figures/?**")
    hit = page.locator(".figure-hit", has_text="260亿美元")
    assert hit.locator("mark").inner_text() == "260亿美元"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=str(OUTPUT / f"figures-explorer-{name}.png"), full_page=True)

    page.get_by_role("link", name="按时间绘图").click()
    page.wait_for_url("**/figures/chart/**")
    chart = page.get_by_role("img", name="按发表日期排列的数字（美元）")
    assert chart.is_visible()
    assert page.locator("table tbody tr").count() >= 1  # the table fallback
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=str(OUTPUT / f"figures-chart-{name}.png"), full_page=True)

    point = page.locator("svg.chart__svg a", has_text="260亿美元")
    point.locator(".chart__marker").click()
    page.wait_for_url("**/2025/11/11/**#fig-*")
    assert "260亿美元" in page.locator(":target").inner_text()
    context.close()


def test_from_a_search_to_its_trend_and_back(page, live_server, seeded_index):
    page.goto(live_server.url + "/search/?q=重庆")
    page.get_by_role("link", name="时间趋势").click()
    page.wait_for_url("**/search/trends/**")
    chart = page.get_by_role("img", name="命中文章数，按月")
    assert chart.is_visible()
    page.screenshot(path=str(OUTPUT / "trends.png"), full_page=True)
    page.locator("svg.chart__svg a .chart__marker").first.click()
    page.wait_for_url("**/search/?**month=2025-11")
    assert page.locator(".hit").count() == 2


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 740}], ids=str
)
def test_advanced_form_to_a_hit_through_its_matches_and_back(
    browser, live_server, seeded_index, viewport
):
    context = browser.new_context(
        locale="zh-CN", viewport=viewport, is_mobile=viewport["width"] < 600
    )
    page = context.new_page()
    name = "phone" if viewport["width"] < 600 else "desktop"
    page.goto(live_server.url + "/search/advanced/")
    page.locator("#t1").fill("新加坡")
    page.locator("#o2").select_option("not")
    page.locator("#t2").fill("陆海新通道")
    page.locator(".advanced-form").get_by_role("button", name="检索").click()
    page.wait_for_url("**/search/?q=*")
    assert page.locator("#q").input_value() == "新加坡 -陆海新通道"
    assert page.locator(".understood__tree").inner_text() == "「新加坡」 不含 「陆海新通道」"
    page.screenshot(path=str(OUTPUT / f"advanced-results-{name}.png"), full_page=True)
    page.goto(live_server.url + "/search/?q=陆海新通道")
    page.locator(".hit__title a").first.click()
    page.wait_for_url("**/2025/11/11/**?q=*")
    bar = page.locator("#matches")
    assert "次" in bar.inner_text()
    bar.get_by_role("link", name="第一处").click()
    page.wait_for_function("location.hash === '#m1'")
    page.locator("#m1").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#m2'")
    page.screenshot(path=str(OUTPUT / f"article-matches-{name}.png"), full_page=False)
    bar.get_by_role("link", name="返回检索结果").click()
    page.wait_for_url("**/search/?q=*")
    assert page.locator(".hit").count() >= 1
    context.close()
