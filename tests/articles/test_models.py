"""Models: slugs, validation, anchors, and figures that keep an editor's corrections."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from articles import services
from articles.models import Article, Author, Change, Figure, Section
from articles.slugs import pinyin_slug, unique_slug
from tests.articles.factories import make_article, make_publication
from tests.conftest import YUAN

pytestmark = pytest.mark.django_db


# Slugs -------------------------------------------------------------------------------------


def test_slug_is_readable_pinyin():
    article = make_article(YUAN)
    assert article.slug == "yuan-jia-jun-fu-chong-qing-gao-xin-qu-xuan-jiang"
    assert article.get_absolute_url() == (
        "/2025/11/11/yuan-jia-jun-fu-chong-qing-gao-xin-qu-xuan-jiang/"
    )


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("中新互联互通项目10年合作硕果累累", "zhong-xin-hu-lian-hu-tong-xiang-mu-10-nian-he"),
        ("ODLP试点扩围", "odlp-shi-dian-kuo-wei"),
        ("“人工智能+”行动", "ren-gong-zhi-neng-xing-dong"),
        ("《》!?", "article"),
    ],
)
def test_pinyin_slug(text, slug):
    assert pinyin_slug(text) == slug
    assert len(slug) <= 48


@given(
    st.lists(
        st.one_of(
            st.sampled_from(["重庆", "银行", "长安", "重新", "行长", "朝阳", "音乐", "了解"]),
            st.text(alphabet="重庆长行乐了中新互联ODLP 10，“”《》-·", min_size=1, max_size=6),
            st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF).map(str),
        ),
        max_size=12,
    ).map("".join)
)
def test_slug_syllables_are_pypinyins_reading_of_the_whole_title(text):
    """The slug reads each of pypinyin's words on its own (cached): the same as reading the
    whole title, polyphones (重庆, 银行, 长安) included."""
    from pypinyin import Style, lazy_pinyin
    from pypinyin.seg.simpleseg import seg

    from articles.slugs import _syllables

    whole = lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: chars)
    assert [syllable for word in seg(text) for syllable in _syllables(word)] == whole


def test_slug_is_cut_at_a_syllable():
    slug = pinyin_slug("江" * 60)
    assert slug == "-".join(["jiang"] * 8)  # a ninth syllable would pass 48 characters


def test_unique_slug():
    assert unique_slug("jian-xun", set()) == "jian-xun"
    assert unique_slug("jian-xun", {"jian-xun", "jian-xun-2"}) == "jian-xun-3"


def test_editing_the_title_keeps_the_slug():
    article = make_article("重庆高新区调研")
    article.title = "重庆高新区调研(更正)"
    article.save()
    article.refresh_from_db()
    assert article.slug == "chong-qing-gao-xin-qu-diao-yan"


def test_slugs_never_collide_on_the_same_day():
    first = make_article("简讯")
    second = make_article("简讯")
    other_day = make_article("简讯", published_on=datetime.date(2025, 11, 12))
    assert (first.slug, second.slug, other_day.slug) == ("jian-xun", "jian-xun-2", "jian-xun")


def test_author_slugs_are_pinyin_and_unique():
    assert Author.objects.create(name="杨骏").slug == "yang-jun"
    assert Author.objects.create(name="杨俊").slug == "yang-jun-2"
    assert Author.objects.create(name="李俊晓").get_absolute_url() == "/authors/li-jun-xiao/"


# Validation ---------------------------------------------------------------------------------


def unsaved(**fields):
    values = {
        "title": "标题",
        "published_on": datetime.date(2025, 11, 11),
        "publication": make_publication(),
    }
    return Article(**values | fields)


def error_codes(article):
    with pytest.raises(ValidationError) as caught:
        article.full_clean()
    return {
        field: [error.code for error in errors] for field, errors in caught.value.error_dict.items()
    }


def test_a_valid_article_passes():
    unsaved().full_clean()


@pytest.mark.parametrize("title", ["", "   ", "\u3000"])
def test_a_title_is_required(title):
    assert error_codes(unsaved(title=title)) == {"title": ["blank"]}


def test_the_title_is_stripped():
    article = unsaved(title="  标题\u3000")
    article.full_clean()
    assert article.title == "标题"


@pytest.mark.parametrize(
    "date",
    [
        datetime.date(1899, 12, 31),
        datetime.date(1, 1, 1),
        timezone.localdate() + datetime.timedelta(days=2),
        datetime.date(9999, 12, 31),
    ],
)
def test_impossible_dates_are_refused(date):
    assert error_codes(unsaved(published_on=date)) == {"published_on": ["date_out_of_range"]}


@pytest.mark.parametrize(
    "date",
    [
        datetime.date(1900, 1, 1),
        timezone.localdate(),
        timezone.localdate() + datetime.timedelta(days=1),
    ],
)
def test_dates_at_the_limits_are_accepted(date):
    unsaved(published_on=date).full_clean()


# Anchors -----------------------------------------------------------------------------------


def sections(article):
    return [(section.heading, section.anchor) for section in article.sections.all()]


def test_section_anchors_are_numbered_in_order():
    article = make_article(sections=[("", ["导语。"]), ("甲", ["甲。"]), ("乙", ["乙。"])])
    assert sections(article) == [("", "s1"), ("甲", "s2"), ("乙", "s3")]


def test_section_anchors_survive_reordering_and_additions():
    article = make_article(sections=[("甲", ["甲。"]), ("乙", ["乙。"])])
    first, second = article.sections.all()
    first.position, second.position = 2, 1
    first.save()
    second.save()
    Section.objects.create(article=article, position=3, heading="丙", body="丙。")
    assert sections(article) == [("乙", "s2"), ("甲", "s1"), ("丙", "s3")]


def test_a_new_section_never_takes_an_anchor_in_use():
    article = make_article(sections=[("甲", ["甲。"]), ("乙", ["乙。"]), ("丙", ["丙。"])])
    article.sections.get(anchor="s1").delete()
    added = Section.objects.create(article=article, position=4, heading="丁", body="丁。")
    assert added.anchor == "s4"


def test_paragraph_anchors():
    article = make_article(sections=[("", ["导语。"]), ("甲", ["一。", "二。", "三。"])])
    second = article.sections.get(anchor="s2")
    assert second.numbered_paragraphs() == [("s2-p1", "一。"), ("s2-p2", "二。"), ("s2-p3", "三。")]
    assert second.paragraph_anchor(3) == "s2-p3"


def test_figure_anchor_is_its_paragraph():
    article = make_article(sections=[("", ["导语。"]), ("甲", ["一。", "累计签约项目347个。"])])
    assert article.figures.get().anchor == "s2-p2"


# Figures: refreshing keeps editors' decisions ----------------------------------------------------

LEAD = "10年来,项目累计签约347个、金额260亿美元。"


def test_refresh_follows_the_text():
    article = make_article(sections=[("", [LEAD])])
    section = article.sections.get()
    section.body = LEAD.replace("347个", "348个")
    section.save()
    assert services.refresh_figures(article)
    assert sorted(article.figures.values_list("text", flat=True)) == ["260亿美元", "348个"]
    assert not services.refresh_figures(article)


def test_refresh_keeps_a_correction_and_does_not_add_its_duplicate():
    article = make_article(sections=[("", [LEAD])])
    figure = article.figures.get(text="260亿美元")
    figure.label = "累计签约金额"
    figure.is_edited = True
    figure.save()

    services.refresh_figures(article)

    assert article.figures.filter(text="260亿美元").count() == 1
    kept = article.figures.get(text="260亿美元")
    assert (kept.pk, kept.label, kept.is_edited) == (figure.pk, "累计签约金额", True)


def test_a_hidden_figure_stays_hidden():
    article = make_article(sections=[("", [LEAD])])
    figure = article.figures.get(text="347个")
    figure.is_hidden = True
    figure.save()
    section = article.sections.get()
    section.body = LEAD + "\n\n新的一段。"
    section.save()

    services.refresh_figures(article)

    assert article.figures.filter(text="347个").count() == 1
    assert article.figures.get(text="347个").is_hidden


def test_figures_of_a_deleted_section_go_with_it():
    article = make_article(sections=[("", ["导语。"]), ("甲", [LEAD])])
    article.sections.get(anchor="s2").delete()
    assert not Figure.objects.filter(article=article).exists()


# The change log -----------------------------------------------------------------------------


def test_every_write_is_logged_by_the_database():
    article = make_article()
    created = Change.objects.get(topic=Change.Topic.ARTICLE, key=str(article.pk))
    pk = article.pk
    article.delete()
    deleted = Change.objects.get(topic=Change.Topic.ARTICLE, key=str(pk))
    assert deleted.id > created.id  # the newer change replaced the older row


def test_queryset_methods():
    make_article("草稿", status=Article.Status.DRAFT)
    published = make_article("见报", published_on=datetime.date(2025, 10, 31))
    make_article("又一篇", published_on=datetime.date(2025, 11, 1))
    assert list(Article.objects.published().on_date(datetime.date(2025, 10, 31))) == [published]
    assert Article.objects.published().in_month(2025, 11).count() == 1
    assert [(row["month"], row["count"]) for row in Article.objects.published().month_counts()] == [
        (datetime.date(2025, 11, 1), 1),
        (datetime.date(2025, 10, 1), 1),
    ]
