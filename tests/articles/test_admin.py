"""The editors' admin: articles with their inlines, the rules, the list, history and previews."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse
from reversion.models import Version

from articles.models import Article, Author, Figure
from articles.permissions import EDITOR_GROUP, EDITOR_PERMISSIONS
from tests.articles.factories import make_article, make_publication
from tests.articles.html import page
from tests.conftest import ZHONGXIN

ADD_URL = reverse("admin:articles_article_add")
LIST_URL = reverse("admin:articles_article_changelist")

LEAD = "11月11日,记者从重庆港务物流集团获悉,果园港今年已新增班列线路6条。"
SECOND = "10年来,中新互联互通项目累计签约政府和商业合作项目347个、金额260亿美元。"
# What a browser sends for two paragraphs typed in a textarea.
TYPED = SECOND + "\r\n\r\n累计跨境融资金额217亿美元。"


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture
def editor(db):
    user = User.objects.create_user("bianji", password="x-Secret-2025", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR_GROUP))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def article_form(publication, **fields):
    return {
        "title": "果园港新增班列线路",
        "deck": "陆海新通道班列开行持续加密",
        "publication": str(publication.pk),
        "published_on": "2025-11-12",
        "status": Article.Status.PUBLISHED,
        "byline": "新重庆-重庆日报记者 张三",
        "source": "",
        "slug": "",
        **fields,
    }


def add_form(publication, author, sections=(("", LEAD), ("小标题", TYPED)), **fields):
    data = article_form(publication, **fields)
    data |= management("bylines", 1)
    data |= {"bylines-0-position": "0", "bylines-0-role": "记者", "bylines-0-author": author.pk}
    data |= management("sections", len(sections))
    for index, (heading, body) in enumerate(sections):
        data |= {
            f"sections-{index}-position": str(index + 1),
            f"sections-{index}-heading": heading,
            f"sections-{index}-body": body,
        }
    return data


def change_form(article, **fields):
    """The change form as the admin renders it for ``article``, with ``fields`` changed."""
    data = article_form(
        article.publication,
        title=article.title,
        deck=article.deck,
        published_on=article.published_on.isoformat(),
        status=article.status,
        byline=article.byline,
        source=article.source,
        slug=article.slug,
    )
    bylines = list(article.bylines.all())
    data |= management("bylines", len(bylines), len(bylines))
    for index, byline in enumerate(bylines):
        data |= {
            f"bylines-{index}-id": byline.pk,
            f"bylines-{index}-article": article.pk,
            f"bylines-{index}-position": byline.position,
            f"bylines-{index}-role": byline.role,
            f"bylines-{index}-author": byline.author_id,
        }
    sections = list(article.sections.all())
    data |= management("sections", len(sections), len(sections))
    for index, section in enumerate(sections):
        data |= {
            f"sections-{index}-id": section.pk,
            f"sections-{index}-article": article.pk,
            f"sections-{index}-position": section.position,
            f"sections-{index}-heading": section.heading,
            f"sections-{index}-body": section.body,
        }
    figures = list(Figure.objects.filter(article=article).order_by("position", "id"))
    data |= management("figures", len(figures), len(figures))
    for index, figure in enumerate(figures):
        data |= {
            f"figures-{index}-id": figure.pk,
            f"figures-{index}-article": article.pk,
            f"figures-{index}-section": figure.section_id,
            f"figures-{index}-paragraph": figure.paragraph,
            f"figures-{index}-text": figure.text,
            f"figures-{index}-value": str(figure.value),
            f"figures-{index}-value_from": "" if figure.value_from is None else figure.value_from,
            f"figures-{index}-unit": figure.unit,
            f"figures-{index}-qualifier": figure.qualifier,
            f"figures-{index}-label": figure.label,
        }
        if figure.is_hidden:
            data[f"figures-{index}-is_hidden"] = "on"
    return data | fields


def form_index(data, prefix, instance):
    """The index of the form that edits ``instance`` in posted formset ``data``."""
    pattern = re.compile(rf"{prefix}-(\d+)-id")
    return next(
        match[1]
        for key, value in data.items()
        if (match := pattern.fullmatch(key)) and value == instance.pk
    )


def errors_of(response):
    """Error codes by field of the article form, and of each inline formset."""
    assert response.status_code == 200, "the form was accepted"
    form = response.context["adminform"].form
    codes = {
        field: [error.code for error in errors] for field, errors in form.errors.as_data().items()
    }
    for formset in response.context["inline_admin_formsets"]:
        codes |= {
            formset.formset.prefix: [
                error.code for error in formset.formset.non_form_errors().as_data()
            ]
        }
    return codes


# Access ---------------------------------------------------------------------------------------


def test_the_admin_is_behind_login(client, db):
    for url in (LIST_URL, ADD_URL, reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_editor_can_log_in(client, editor):
    response = client.post(
        reverse("admin:login"),
        {"username": "bianji", "password": "x-Secret-2025", "next": LIST_URL},
    )
    assert response.status_code == 302 and response["Location"] == LIST_URL
    assert client.get(LIST_URL).status_code == 200


def test_staff_without_the_group_cannot_change_articles(client, db):
    outsider = User.objects.create_user("waibu", password="x", is_staff=True)
    client.force_login(outsider)
    article = make_article()
    assert client.get(change_url(article)).status_code == 403
    assert client.get(ADD_URL).status_code == 403
    response = client.post(change_url(article), change_form(article, title="篡改"))
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).title != "篡改"


def test_the_editor_group_has_exactly_its_permissions(db):
    group = Group.objects.get(name=EDITOR_GROUP)
    granted = {
        (permission.content_type.app_label, permission.codename)
        for permission in group.permissions.select_related("content_type")
    }
    expected = {
        (app_label, f"{action}_{model}")
        for (app_label, model), actions in EDITOR_PERMISSIONS.items()
        for action in actions
    }
    assert granted == expected
    assert ("articles", "delete_author") not in granted
    assert ("articles", "change_publication") not in granted
    assert Permission.objects.filter(codename="change_change").exists()
    assert ("articles", "change_change") not in granted


# Adding and editing ---------------------------------------------------------------------------


def test_the_add_form_has_bylines_and_sections(editor_client):
    response = editor_client.get(ADD_URL)
    assert response.status_code == 200
    prefixes = [formset.formset.prefix for formset in response.context["inline_admin_formsets"]]
    assert prefixes == ["bylines", "sections"]
    assert "admin-autocomplete" in response.text  # the byline's author field


def test_author_autocomplete(editor_client):
    Author.objects.create(name="张三")
    Author.objects.create(name="李四")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "byline", "field_name": "author", "term": "张"},
    )
    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["张三"]


def test_an_editor_adds_and_edits_an_article(editor_client):
    publication = make_publication()
    author = Author.objects.create(name="张三")

    response = editor_client.post(ADD_URL, add_form(publication, author))

    assert response.status_code == 302, errors_of(response)
    article = Article.objects.get(title="果园港新增班列线路")
    assert article.slug == "guo-yuan-gang-xin-zeng-ban-lie-xian-lu"
    assert article.published_on == datetime.date(2025, 11, 12)
    assert [(b.author.name, b.role) for b in article.bylines.all()] == [("张三", "记者")]
    assert [(s.anchor, s.heading, len(s.paragraphs)) for s in article.sections.all()] == [
        ("s1", "", 1),
        ("s2", "小标题", 2),
    ]
    # The figures printed in the text are extracted on save.
    figure = article.figures.get(text="260亿美元")
    assert (figure.value, figure.unit, figure.section.anchor) == (
        Decimal(26000000000),
        "美元",
        "s2",
    )
    assert not figure.is_edited

    # Editing: a figure the extractor missed, a correction, a new paragraph.
    data = change_form(article)
    total = int(data["figures-TOTAL_FORMS"])
    index = form_index(data, "figures", figure)
    data[f"figures-{index}-label"] = "累计签约金额"
    data |= {
        "figures-TOTAL_FORMS": str(total + 1),
        f"figures-{total}-section": article.sections.get(anchor="s1").pk,
        f"figures-{total}-paragraph": "1",
        f"figures-{total}-text": "11月11日",
        f"figures-{total}-value": "11",
        f"figures-{total}-unit": "日",
        f"figures-{total}-label": "发布日期",
    }
    data["sections-1-body"] = TYPED + "\r\n\r\n金额同比增长20.2%。"

    response = editor_client.post(change_url(article), data)

    assert response.status_code == 302, errors_of(response)
    corrected = Figure.objects.get(pk=figure.pk)
    assert (corrected.label, corrected.is_edited) == ("累计签约金额", True)
    assert article.figures.filter(text="260亿美元").count() == 1
    added = article.figures.get(text="11月11日")
    assert added.is_edited and added.key.startswith("editor|")
    new = article.figures.get(text="20.2%")  # extracted from the new paragraph
    assert (new.section.anchor, new.paragraph) == ("s2", 3)
    assert [figure.text for figure in article.figures.order_by("position")][:2] == [
        "6条",
        "11月11日",
    ]


def test_the_change_page_shows_view_on_site_and_history(editor_client):
    article = make_article(ZHONGXIN)
    response = editor_client.get(change_url(article))
    assert response.status_code == 200
    assert f'href="{article.get_absolute_url()}" class="viewsitelink"' in response.text

    response = editor_client.post(change_url(article), change_form(article, deck="新副题"))
    assert response.status_code == 302, errors_of(response)
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 1
    history = editor_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert history.status_code == 200
    revision_url = reverse(
        "admin:articles_article_revision", args=[article.pk, versions.first().pk]
    )
    assert revision_url in history.text
    assert editor_client.get(revision_url).status_code == 200


def test_a_draft_links_to_its_preview(editor_client):
    draft = make_article("草稿", status=Article.Status.DRAFT)
    response = editor_client.get(change_url(draft))
    preview = reverse("articles:preview", args=[draft.pk])
    assert f'href="{preview}" class="viewsitelink"' in response.text
    assert f'href="{preview}"' in editor_client.get(LIST_URL).text


# Validation -----------------------------------------------------------------------------------


@pytest.fixture
def parts(db):
    return make_publication(), Author.objects.create(name="张三")


def test_a_title_is_required(editor_client, parts):
    response = editor_client.post(ADD_URL, add_form(*parts, title="  "))
    assert errors_of(response)["title"] == ["required"]
    assert not Article.objects.exists()


def test_a_published_article_needs_a_section_with_text(editor_client, parts):
    response = editor_client.post(ADD_URL, add_form(*parts, sections=[("小标题", "  ")]))
    assert errors_of(response)["sections"] == ["no_sections"]
    response = editor_client.post(ADD_URL, add_form(*parts, sections=[]))
    assert errors_of(response)["sections"] == ["no_sections"]
    assert not Article.objects.exists()


def test_a_draft_may_have_no_text_yet(editor_client, parts):
    data = add_form(*parts, sections=[], status=Article.Status.DRAFT)
    assert editor_client.post(ADD_URL, data).status_code == 302
    assert Article.objects.get().status == Article.Status.DRAFT


@pytest.mark.parametrize(
    ("date", "code"),
    [
        ("2025-02-30", "invalid"),
        ("1899-12-31", "date_out_of_range"),
        ("3025-01-01", "date_out_of_range"),
    ],
)
def test_an_impossible_date_is_refused(editor_client, parts, date, code):
    response = editor_client.post(ADD_URL, add_form(*parts, published_on=date))
    assert errors_of(response)["published_on"] == [code]


def test_a_slug_taken_that_day_is_refused(editor_client, parts):
    make_article("已有的文章", published_on=datetime.date(2025, 11, 12))
    response = editor_client.post(ADD_URL, add_form(*parts, slug="yi-you-de-wen-zhang"))
    assert errors_of(response)["slug"] == ["slug_taken"]


# The list -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({"status__exact": "published"}, 2),
        ({"status__exact": "draft"}, 1),
        ({"publication__id__exact": "{publication}"}, 2),
        ({"published_on__gte": "2025-11-11", "published_on__lt": "2025-11-12"}, 2),
        ({"published_on__year": "2025", "published_on__month": "10"}, 1),
        ({"authors__id__exact": "{author}"}, 1),
        ({"q": "杨骏"}, 1),
        ({"q": "硕果"}, 1),
        ({"q": "重庆"}, 2),
    ],
)
def test_list_filters_and_search(editor_client, seed_articles, query, count):
    make_article(
        "十月的草稿",
        published_on=datetime.date(2025, 10, 1),
        status="draft",
        publication=make_publication("另一家报纸", "ling-yi-jia"),
    )
    ids = {
        "publication": seed_articles[ZHONGXIN].publication_id,
        "author": Author.objects.get(name="杨骏").pk,
    }
    response = editor_client.get(
        LIST_URL, {key: value.format(**ids) for key, value in query.items()}
    )
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count


# Figures --------------------------------------------------------------------------------------


def test_deleting_an_extracted_figure_hides_it(editor_client, seed_articles):
    article = seed_articles[ZHONGXIN]
    figure = article.figures.get(text="260亿美元")
    data = change_form(article)
    index = form_index(data, "figures", figure)
    data[f"figures-{index}-DELETE"] = "on"

    assert editor_client.post(change_url(article), data).status_code == 302

    hidden = Figure.objects.get(pk=figure.pk)
    assert hidden.is_hidden and hidden.is_edited
    # Saving again does not bring it back.
    assert editor_client.post(change_url(article), change_form(article)).status_code == 302
    assert article.figures.filter(text="260亿美元").count() == 1
    panel = page(editor_client.get(article.get_absolute_url())).one("aside").text
    assert "260亿美元" not in panel and "217亿美元" in panel


def test_deleting_an_editors_figure_deletes_it(editor_client, seed_articles):
    article = seed_articles[ZHONGXIN]
    data = change_form(article)
    total = int(data["figures-TOTAL_FORMS"])
    data |= {
        "figures-TOTAL_FORMS": str(total + 1),
        f"figures-{total}-section": article.sections.get(anchor="s2").pk,
        f"figures-{total}-paragraph": "1",
        f"figures-{total}-text": "第三个",
        f"figures-{total}-value": "3",
        f"figures-{total}-label": "政府间合作项目",
    }
    assert editor_client.post(change_url(article), data).status_code == 302
    added = article.figures.get(text="第三个")
    data = change_form(article)
    index = form_index(data, "figures", added)
    data[f"figures-{index}-DELETE"] = "on"
    assert editor_client.post(change_url(article), data).status_code == 302
    assert not Figure.objects.filter(pk=added.pk).exists()


def test_deleting_a_section_with_figures_being_edited(editor_client, seed_articles):
    """Figures of a section deleted in the same save go with it, whatever their forms say."""
    article = seed_articles[ZHONGXIN]
    section = article.sections.get(anchor="s3")
    hidden, corrected = article.figures.filter(section=section).order_by("position")[:2]
    data = change_form(article)
    data[f"sections-{form_index(data, 'sections', section)}-DELETE"] = "on"
    data[f"figures-{form_index(data, 'figures', hidden)}-DELETE"] = "on"
    data[f"figures-{form_index(data, 'figures', corrected)}-label"] = "更正"

    response = editor_client.post(change_url(article), data)

    assert response.status_code == 302, errors_of(response)
    assert [s.anchor for s in article.sections.all()] == ["s1", "s2", "s4"]
    assert not Figure.objects.filter(pk__in=[hidden.pk, corrected.pk]).exists()
    assert not article.figures.filter(section__anchor="s3").exists()


def test_a_figure_can_only_point_into_its_own_article(editor_client, seed_articles):
    article = seed_articles[ZHONGXIN]
    other = seed_articles[next(title for title in seed_articles if title != ZHONGXIN)]
    data = change_form(article)
    data["figures-0-section"] = other.sections.get().pk
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert not response.context["inline_admin_formsets"][2].formset.is_valid()


# Preview --------------------------------------------------------------------------------------


def test_preview_of_a_draft(client, editor, db):
    draft = make_article("未发表的草稿", status=Article.Status.DRAFT)
    url = reverse("articles:preview", args=[draft.pk])

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))

    outsider = User.objects.create_user("waibu", password="x", is_staff=True)
    client.force_login(outsider)
    assert client.get(url).status_code == 403

    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    assert "未发表的草稿" in response.text
    assert response["X-Robots-Tag"] == "noindex"
    assert client.get(draft.get_absolute_url()).status_code == 404
