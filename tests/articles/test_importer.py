"""The importer: the seed and another day's text read exactly, broken files refused whole."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import changes
from articles.importer import Importer
from articles.models import Article, Author, Change, Figure, Section
from articles.text import ends_sentence
from articles.textformat import MalformedSource, parse, read_source
from tests.conftest import SEED_DATE, SEED_PATH, YUAN, ZHONGXIN

DATA = Path(__file__).parent / "data"
ANOTHER_DAY = datetime.date(2025, 11, 12)

YUAN_DECK = "推动科技创新和产业创新深度融合 不断厚植高质量发展新动能"
ZHONGXIN_DECK = (
    "成功构建中国(重庆)与新加坡“点对点”对接,带动中国西部地区与东盟国家“面对面”合作全新格局"
)
ZHONGXIN_HEADINGS = [
    "互联互通 带动西部 制度创新 中新互联互通项目呈现三大特点",
    "航线加密至每周24班 渝新往来人次10年增长5倍",
    "未来聚焦数字经济和绿色发展 打造国际合作新示范",
]


def paragraphs_of(article):
    return [section.paragraphs for section in article.sections.all()]


def all_paragraphs(article):
    return [paragraph for section in paragraphs_of(article) for paragraph in section]


def credits_of(article):
    return [(byline.author.name, byline.role) for byline in article.bylines.all()]


def import_text(text, date=SEED_DATE):
    return Importer(date).import_text(text)


# The seed --------------------------------------------------------------------------------


def test_seed_titles_and_decks(seed_articles):
    assert list(seed_articles) == [YUAN, ZHONGXIN]
    assert seed_articles[YUAN].deck == YUAN_DECK
    assert seed_articles[ZHONGXIN].deck == ZHONGXIN_DECK
    for article in seed_articles.values():
        assert article.published_on == SEED_DATE
        assert article.publication.name == "重庆日报"
        assert article.status == Article.Status.PUBLISHED


def test_seed_bylines_as_printed(seed_articles):
    # The first article has no byline line: its credit is the dateline's.
    assert seed_articles[YUAN].byline == "记者 王天翊"
    assert seed_articles[ZHONGXIN].byline == "新重庆-重庆日报首席记者 杨骏 实习生 李俊晓"


def test_seed_authors_and_roles_in_order(seed_articles):
    assert credits_of(seed_articles[YUAN]) == [("王天翊", "记者")]
    assert credits_of(seed_articles[ZHONGXIN]) == [("杨骏", "首席记者"), ("李俊晓", "实习生")]
    assert set(Author.objects.values_list("name", flat=True)) == {"王天翊", "杨骏", "李俊晓"}


def test_dateline_stays_in_the_lead(seed_articles):
    lead = all_paragraphs(seed_articles[YUAN])[0]
    assert lead.startswith("重庆日报讯(记者 王天翊)11月10日上午,市委书记袁家军")


def test_seed_sections_and_paragraph_counts(seed_articles):
    yuan = seed_articles[YUAN]
    assert [len(section) for section in paragraphs_of(yuan)] == [6]
    assert [section.heading for section in yuan.sections.all()] == [""]

    zhongxin = seed_articles[ZHONGXIN]
    assert [len(section) for section in paragraphs_of(zhongxin)] == [2, 5, 8, 6]
    assert [section.heading for section in zhongxin.sections.all()] == ["", *ZHONGXIN_HEADINGS]
    assert [section.anchor for section in zhongxin.sections.all()] == ["s1", "s2", "s3", "s4"]


@pytest.mark.parametrize(
    ("title", "words"),
    [
        (YUAN, "二十届四中全会要求"),
        (YUAN, "宣讲党的二十届四中全会精神,就推动"),
        (YUAN, "全市各级各部门要深入"),
        (ZHONGXIN, "“一单两报”“保税航材分拨”等模式"),
        (ZHONGXIN, "出入境人数占重庆出入境人数的20%"),
    ],
)
def test_page_breaks_are_repaired_inside_one_paragraph(seed_articles, title, words):
    assert sum(words in paragraph for paragraph in all_paragraphs(seed_articles[title])) == 1


def test_no_paragraph_ends_mid_sentence(seed_articles):
    for article in seed_articles.values():
        for paragraph in all_paragraphs(article):
            assert ends_sentence(paragraph), paragraph


def test_blocks_that_end_a_sentence_stay_separate(seed_articles):
    # Line 23 is a paragraph of its own; so are lines 53 and 55 of the second article.
    assert all_paragraphs(seed_articles[YUAN])[-1] == "有关区,市有关部门负责人参加。"
    third = paragraphs_of(seed_articles[ZHONGXIN])[2]
    assert third[0].startswith("中新互联互通项目聚焦“现代互联互通和现代服务经济”主题")
    assert third[1].startswith("物流领域孕育的陆海新通道")


def test_source_line_is_the_source_not_body(seed_articles):
    zhongxin = seed_articles[ZHONGXIN]
    assert zhongxin.source == "据《重庆日报》"
    body = "\n".join(all_paragraphs(zhongxin))
    assert "据《重庆日报》" not in body
    assert body.endswith("为多边合作提供新支撑。")
    assert seed_articles[YUAN].source == ""


def test_text_is_kept_as_printed(seed_articles):
    lead = all_paragraphs(seed_articles[ZHONGXIN])[0]
    # Half-width brackets and commas, exactly as the paper printed them.
    assert lead.startswith("11月10日,记者从中新(重庆)战略性互联互通示范项目(以下简称")
    assert "（" not in lead and "，" not in lead
    assert "ODLP(合格境内有限合伙人)" in all_paragraphs(seed_articles[ZHONGXIN])[5]


def test_seed_figures(seed_articles):
    zhongxin = seed_articles[ZHONGXIN]
    figure = zhongxin.figures.get(text="260亿美元")
    assert (figure.value, figure.unit, figure.label) == (
        Decimal(26000000000),
        "美元",
        "签约政府和商业合作项目金额",
    )
    assert (figure.section.anchor, figure.paragraph) == ("s1", 1)
    assert figure.sentence in all_paragraphs(zhongxin)[0]
    assert zhongxin.figures.get(text="1900架次").qualifier == "超"
    share = zhongxin.figures.get(text="20%")
    assert (share.section.anchor, share.paragraph, share.value) == ("s3", 8, Decimal(20))
    assert not seed_articles[YUAN].figures.exists()


def test_seed_slugs(seed_articles):
    assert seed_articles[YUAN].slug == "yuan-jia-jun-fu-chong-qing-gao-xin-qu-xuan-jiang"
    assert seed_articles[ZHONGXIN].slug == "zhong-xin-hu-lian-hu-tong-xiang-mu-10-nian-he"


# Another day, in the seed's format ---------------------------------------------------------


@pytest.fixture
def another_day(db):
    report = Importer(ANOTHER_DAY).import_file(DATA / "another_day.txt")
    assert len(report.created) == 1
    return report.created[0]


def test_another_day_heads(another_day):
    article = Article.objects.get(pk=another_day.pk)
    assert article.title == "果园港前10月集装箱吞吐量同比增长18% 铁水联运量创同期新高"
    assert article.deck == "港口、铁路、航运企业协同发力 陆海新通道班列开行持续加密"
    assert article.byline == "新重庆-重庆日报记者 张三 通讯员 李四"
    assert credits_of(article) == [("张三", "记者"), ("李四", "通讯员")]
    assert article.source == ""
    assert article.published_on == ANOTHER_DAY
    assert article.get_absolute_url() == (
        "/2025/11/12/guo-yuan-gang-qian-10-yue-ji-zhuang-xiang-tun-tu/"
    )


def test_another_day_sections(another_day):
    sections = list(another_day.sections.all())
    assert [section.heading for section in sections] == [
        "",
        "班列加密 货源加快向通道集聚",
        "智慧码头 作业效率提升三成",
        "下一步 打造内陆国际物流枢纽",
    ]
    assert [section.anchor for section in sections] == ["s1", "s2", "s3", "s4"]
    assert [len(section.paragraphs) for section in sections] == [1, 2, 1, 1]
    assert sections[0].paragraphs[0].startswith("11月11日,记者从重庆港务物流集团获悉")
    assert sections[3].paragraphs[0].endswith("更好服务西部地区开放发展。")


def test_another_day_page_break_is_joined(another_day):
    cut = another_day.sections.get(anchor="s2").paragraphs[1]
    assert "选择从果园港出海,前10月经果园港发往东盟的货物达28万标箱。" in cut
    assert cut.startswith("“以前一批货从重庆运到东南亚要20天左右")


def test_another_day_figures(another_day):
    figures = {figure.text: figure for figure in another_day.figures.all()}
    assert figures["120万标箱"].value == Decimal(1200000)
    assert figures["120万标箱"].unit == "标箱"
    assert figures["28万标箱"].section.anchor == "s2"
    assert figures["28万标箱"].paragraph == 2
    assert figures["由40列增至55列"].value_from == Decimal(40)
    assert figures["1.5天"].value == Decimal("1.5")


# Errors: each names its line and saves nothing ----------------------------------------------


def parse_error(text):
    with pytest.raises(MalformedSource) as caught:
        parse(text)
    return caught.value


BROKEN_TEXTS = [
    # (text, line, code): every way a text can break the format.
    pytest.param("", 1, "empty", id="empty"),
    pytest.param("  \n\n\t\n\u3000\n", 1, "empty", id="whitespace-only"),
    pytest.param("\n#### 小标题\n\n正文。\n", 2, "heading_before_title", id="section-first"),
    pytest.param("\n\n正文在标题之前。\n# 标题\n", 3, "text_before_title", id="text-first"),
    pytest.param("# 标题\n\n正文" + "很" * 10_001 + "。\n", 3, "line_too_long", id="long"),
    pytest.param("# 标题\n\n正文\x07。\n", 3, "control_character", id="control"),
    pytest.param("# 标题\n## 副题\n## 又一副题\n\n正文。", 3, "second_deck", id="two-decks"),
    pytest.param("# 标题\n\n正文。\n\n##### 小小标题\n\n正文。", 5, "heading_level", id="level-5"),
    pytest.param("# 标题\n记者 张三\n## 副题\n\n正文。", 3, "deck_after_byline", id="late-deck"),
    pytest.param("# 标题\n\n## 副题\n\n", 1, "no_text", id="no-text"),
    pytest.param("# 甲\n\n正文。\n\n# 乙\n#### 小标题\n", 5, "no_text", id="second-no-text"),
    pytest.param("# 标题\n\n#   \n\n正文。", 3, "empty_heading", id="empty-heading"),
]

BROKEN_BYTES = [
    pytest.param(b"# \xe6\xa0\x87\xe9\xa2\x98\n\n\x00\x01\x02", 3, "binary", id="binary"),
    pytest.param("# 标题\n\n正文。".encode("gb18030"), 1, "encoding", id="gb18030"),
    pytest.param("# 标题\n\n正文。".encode() + b"\n\xff\xfe", 4, "encoding", id="bad-bytes"),
]


@pytest.mark.parametrize(("text", "line", "code"), BROKEN_TEXTS)
def test_malformed_text_names_the_line(text, line, code):
    error = parse_error(text)
    assert (error.line, error.code) == (line, code)
    assert error.message
    assert str(error).endswith(error.message)
    assert str(line) in str(error).removesuffix(error.message)


def test_the_message_names_what_is_wrong():
    assert "乙" in parse_error("# 甲\n\n正文。\n\n# 乙\n").message
    assert "U+0007" in parse_error("# 标题\n\n正文\x07。\n").message
    assert "10003" in parse_error("# 标题\n\n正文" + "很" * 10_001).message


@pytest.mark.parametrize(("data", "line", "code"), BROKEN_BYTES)
def test_unreadable_files_name_the_line(tmp_path, data, line, code):
    path = tmp_path / "broken.txt"
    path.write_bytes(data)
    with pytest.raises(MalformedSource) as caught:
        read_source(path)
    assert (caught.value.line, caught.value.path, caught.value.code) == (line, path, code)


def test_a_missing_file_cannot_be_read(tmp_path):
    with pytest.raises(MalformedSource) as caught:
        read_source(tmp_path / "missing.txt")
    assert caught.value.code == "unreadable"


def test_a_byte_order_mark_is_not_text(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff# 标题\n\n正文。".encode())
    assert [article.title for article in parse(read_source(path))] == ["标题"]


def as_file(case):
    """A BROKEN_TEXTS case as the bytes of a file."""
    text, line, code = case.values
    return pytest.param(text.encode(), line, code, id=case.id)


@pytest.mark.parametrize(("content", "line", "code"), [*map(as_file, BROKEN_TEXTS), *BROKEN_BYTES])
def test_a_broken_file_saves_nothing(seed_articles, tmp_path, content, line, code):
    before = (Article.objects.count(), Author.objects.count(), changes.latest_id())
    path = tmp_path / "broken.txt"
    path.write_bytes(content)
    with pytest.raises(MalformedSource) as caught:
        Importer(SEED_DATE).import_file(path)
    assert (caught.value.path, caught.value.line, caught.value.code) == (path, line, code)
    assert str(path) in str(caught.value)
    assert (Article.objects.count(), Author.objects.count(), changes.latest_id()) == before


def test_a_file_whose_second_article_is_broken_saves_neither(db, tmp_path):
    good = "# 第一篇\n\n新重庆-重庆日报记者 张三\n\n第一篇的正文。\n\n"
    path = tmp_path / "half.txt"
    path.write_text(good + "# 第二篇\n\n## 副题\n\n## 第二个副题\n\n正文。\n", encoding="utf-8")
    with pytest.raises(MalformedSource) as caught:
        Importer(SEED_DATE).import_file(path)
    assert (caught.value.line, caught.value.code) == (11, "second_deck")
    assert not Article.objects.exists()
    assert not Author.objects.filter(name="张三").exists()


@pytest.mark.parametrize("date", [datetime.date(1899, 12, 31), datetime.date(2999, 1, 1)])
def test_an_out_of_range_date_is_refused(date):
    with pytest.raises(ValidationError) as caught:
        Importer(date)
    assert caught.value.code == "date_out_of_range"


# Importing again ----------------------------------------------------------------------------


def test_importing_twice_changes_nothing(seed_articles):
    changes_before = changes.latest_id()
    sections_before = list(Section.objects.order_by("pk").values_list("pk", "anchor", "body"))
    figures_before = list(Figure.objects.order_by("pk").values_list("pk", "key"))

    report = Importer(SEED_DATE).import_file(SEED_PATH)

    assert report.created == report.updated == []
    assert [article.title for article in report.unchanged] == [YUAN, ZHONGXIN]
    assert changes.latest_id() == changes_before  # nothing was written
    assert list(Section.objects.order_by("pk").values_list("pk", "anchor", "body")) == (
        sections_before
    )
    assert list(Figure.objects.order_by("pk").values_list("pk", "key")) == figures_before
    assert Article.objects.count() == 2


def test_changing_one_paragraph_updates_in_place(seed_articles, tmp_path):
    text = SEED_PATH.read_text(encoding="utf-8")
    edited = tmp_path / "edited.txt"
    edited.write_text(text.replace("累计跨境融资金额217亿美元", "累计跨境融资金额218亿美元"))
    zhongxin = seed_articles[ZHONGXIN]
    anchors = {section.pk: section.anchor for section in zhongxin.sections.all()}
    last_change = changes.latest_id()

    report = Importer(SEED_DATE).import_file(edited)

    assert [article.pk for article in report.updated] == [zhongxin.pk]
    assert [article.title for article in report.unchanged] == [YUAN]
    assert Article.objects.count() == 2
    assert {section.pk: section.anchor for section in zhongxin.sections.all()} == anchors
    assert "218亿美元" in all_paragraphs(zhongxin)[0]
    assert zhongxin.figures.filter(text="218亿美元").count() == 1
    assert not zhongxin.figures.filter(text="217亿美元").exists()
    logged = Change.objects.filter(pk__gt=last_change).values_list("topic", "key")
    assert set(logged) == {(Change.Topic.ARTICLE, str(zhongxin.pk))}


def test_a_section_added_on_reimport_gets_the_next_anchor(seed_articles, tmp_path):
    text = SEED_PATH.read_text(encoding="utf-8").replace(
        "#### 未来聚焦", "#### 新增的一节\n\n这是新增的一节。\n\n#### 未来聚焦"
    )
    path = tmp_path / "more.txt"
    path.write_text(text, encoding="utf-8")

    Importer(SEED_DATE).import_file(path)

    zhongxin = seed_articles[ZHONGXIN]
    sections = list(zhongxin.sections.all())
    assert [section.heading for section in sections][3:] == ["新增的一节", ZHONGXIN_HEADINGS[2]]
    # Sections are matched by position: the fourth keeps s4, the fifth is new.
    assert [section.anchor for section in sections] == ["s1", "s2", "s3", "s4", "s5"]


def test_a_removed_byline_credit_is_updated(seed_articles, tmp_path):
    text = SEED_PATH.read_text(encoding="utf-8").replace(" 实习生 李俊晓", "")
    path = tmp_path / "byline.txt"
    path.write_text(text, encoding="utf-8")

    report = Importer(SEED_DATE).import_file(path)

    zhongxin = seed_articles[ZHONGXIN]
    assert [article.pk for article in report.updated] == [zhongxin.pk]
    assert credits_of(zhongxin) == [("杨骏", "首席记者")]
    assert Article.objects.get(pk=zhongxin.pk).byline == "新重庆-重庆日报首席记者 杨骏"


BRIEFS = """# 简讯

新重庆-重庆日报记者 张三

第一条简讯。

# 简讯

第二条简讯{}。

# 另一篇

另一篇的正文。
"""


def test_a_title_printed_twice_is_two_articles(db):
    report = import_text(BRIEFS.format(""))
    assert [article.slug for article in report.created] == [
        "jian-xun",
        "jian-xun-2",
        "ling-yi-pian",
    ]

    again = import_text(BRIEFS.format(""))
    assert len(again.unchanged) == 3

    edited = import_text(BRIEFS.format(",有改动"))
    assert [article.slug for article in edited.updated] == ["jian-xun-2"]
    assert list(Article.objects.filter(title="简讯").values_list("slug", flat=True)) == [
        "jian-xun-2",
        "jian-xun",
    ]
    second = Article.objects.get(slug="jian-xun-2")
    assert second.sections.get().body == "第二条简讯,有改动。"
    assert Article.objects.get(slug="jian-xun").byline == "新重庆-重庆日报记者 张三"


def test_the_same_title_on_another_day_is_another_article(seed_articles):
    Importer(datetime.date(2025, 11, 12)).import_file(SEED_PATH)
    assert Article.objects.filter(title=ZHONGXIN).count() == 2


def test_an_article_without_byline_or_source_is_reported(db):
    report = import_text("# 无署名\n\n一段没有署名的正文。\n")
    assert len(report.warnings) == 1
    assert "无署名" in report.warnings[0]


def test_import_is_one_transaction_and_rolls_back_lookups(db, monkeypatch):
    """A failure while saving leaves nothing behind, not even cached rows in the importer."""
    importer = Importer(SEED_DATE)

    def fail(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr("articles.services.insert_figures", fail)
    with pytest.raises(RuntimeError):
        importer.import_text("# 标题\n\n新重庆-重庆日报记者 张三\n\n正文。\n")
    assert not Article.objects.exists()
    assert not Author.objects.exists()

    monkeypatch.undo()
    report = importer.import_text("# 标题\n\n新重庆-重庆日报记者 张三\n\n正文。\n")
    assert credits_of(report.created[0]) == [("张三", "记者")]


def test_importing_again_keeps_an_editors_correction_in_the_history(seed_articles):
    from reversion.models import Version

    article = seed_articles[ZHONGXIN]
    lead = article.sections.order_by("position").first()
    lead.body = lead.body.replace("硕果累累", "硕果累累(编辑订正)") + "\n\n编辑补充的一段。"
    lead.save()
    report = Importer(SEED_DATE).import_file(SEED_PATH)
    assert [updated.title for updated in report.updated] == [ZHONGXIN]
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 2
    kept = [
        version.field_dict
        for version in Version.objects.filter(revision__in=[v.revision for v in versions])
    ]
    assert any("编辑补充的一段" in str(fields.get("body", "")) for fields in kept)
    # Unchanged articles are versioned once, never again.
    Importer(SEED_DATE).import_file(SEED_PATH)
    assert Version.objects.get_for_object(article).count() == 2


def test_new_authors_of_a_file_get_distinct_slugs_beside_existing_ones(db):
    Author.objects.create(name="张伟")  # zhang-wei
    text = (
        "# 第一篇\n\n新重庆-重庆日报记者 章伟 张玮\n\n正文。\n\n"
        "# 第二篇\n\n新重庆-重庆日报记者 张炜\n\n正文。\n"
    )
    Importer(SEED_DATE).import_text(text)
    slugs = dict(Author.objects.values_list("name", "slug"))
    assert slugs["张伟"] == "zhang-wei"
    assert sorted(slugs[name] for name in ("章伟", "张玮", "张炜")) == [
        "zhang-wei-2",
        "zhang-wei-3",
        "zhang-wei-4",
    ]


def test_a_new_author_whose_numbered_slugs_are_all_taken_gets_the_next(db):
    Author.objects.bulk_create(
        Author(name=f"作者{number}", slug="zhang-wei" if number == 1 else f"zhang-wei-{number}")
        for number in range(1, 25)
    )
    Importer(SEED_DATE).import_text("# 一篇\n\n新重庆-重庆日报记者 张薇\n\n正文。\n")
    assert Author.objects.get(name="张薇").slug == "zhang-wei-25"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")
def test_saved_articles_are_matched_through_the_article_known_by_index(seed_articles):
    """SQLite without ANALYZE chose the publication's index for the lookup of several days'
    titles, and so read every article of the publication for each batch an import saved."""
    days = [SEED_DATE + datetime.timedelta(days=number) for number in range(1, 4)]
    entries = [(day, parse(read_source(SEED_PATH))) for day in days]
    with CaptureQueriesContext(connection) as captured:
        Importer(SEED_DATE).save_files(entries)
    lookup = next(
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "articles_article"."id"')
        and '"title" IN' in query["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {lookup}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX article_known_by" in plan
    assert "publication_id=?)" not in plan.replace("publication_id=? AND", "")
