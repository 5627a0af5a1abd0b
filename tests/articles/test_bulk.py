"""articles.bulk.insert_rows: plain rows into a table, defaults filled, triggers still fire."""

from decimal import Decimal

import pytest

from articles.bulk import insert_rows
from articles.models import Change, Figure
from tests.articles.factories import make_article

pytestmark = pytest.mark.django_db


def test_rows_are_saved_with_the_defaults_of_fields_left_out():
    article = make_article()
    section = article.sections.get()
    inserted = insert_rows(
        Figure,
        ("article", "section", "text", "value", "value_from", "label", "key"),
        [
            (article.pk, section.pk, "260亿美元", Decimal("26000000000"), None, "金额", "a"),
            (article.pk, section.pk, "20.2%", Decimal("20.2"), Decimal("12.5"), "增长", "b"),
        ],
    )
    assert inserted == 2
    figures = list(Figure.objects.filter(key__in=["a", "b"]).order_by("key"))
    assert [(f.text, f.value, f.value_from) for f in figures] == [
        ("260亿美元", Decimal("26000000000"), None),
        ("20.2%", Decimal("20.2"), Decimal("12.5")),
    ]
    assert all(not f.is_edited and not f.is_hidden and f.unit == "" for f in figures)


def test_the_change_log_sees_the_rows():
    article = make_article()
    section = article.sections.get()
    Change.objects.all().delete()
    insert_rows(
        Figure,
        ("article", "section", "text", "value", "label", "key"),
        [(article.pk, section.pk, "5个", Decimal(5), "项目", "k")],
    )
    assert Change.objects.filter(topic="article", key=str(article.pk)).exists()


def test_a_field_with_neither_value_nor_default_is_refused():
    with pytest.raises(ValueError, match="value"):
        insert_rows(Figure, ("article", "section", "text", "label", "key"), [(1, 1, "x", "x", "k")])


def test_no_rows_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_rows(Figure, ("article", "section", "text", "value", "label", "key"), []) == 0


def test_text_arrives_as_it_was_given():
    """Tabs, newlines, backslashes and quotes: what COPY and parameters must carry untouched."""
    article = make_article()
    section = article.sections.get()
    sentence = "第一行\t制表\n第二行 \\N 反斜杠\\ \"引号\" '单引号' \\."
    insert_rows(
        Figure,
        ("article", "section", "text", "value", "label", "sentence", "key"),
        [(article.pk, section.pk, "5个", Decimal(5), "项目", sentence, "s")],
    )
    assert Figure.objects.get(key="s").sentence == sentence
