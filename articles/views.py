"""Reader pages: the front page, date archives, articles and authors."""

import calendar
import datetime

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from . import citations, reading
from .caching import cache_page_by_content_version
from .metadata import stable_url
from .models import Article, Author, month_bounds

FRONT_PAGE_SIZE = 20
# Column heads of the month calendar, Monday first: 一 二 三 四 五 六 日.
WEEKDAYS = [
    pgettext_lazy("calendar column", "Mon"),
    pgettext_lazy("calendar column", "Tue"),
    pgettext_lazy("calendar column", "Wed"),
    pgettext_lazy("calendar column", "Thu"),
    pgettext_lazy("calendar column", "Fri"),
    pgettext_lazy("calendar column", "Sat"),
    pgettext_lazy("calendar column", "Sun"),
]
LIST_PAGE_SIZE = 50


def paginate(request, queryset, per_page=LIST_PAGE_SIZE, count=None):
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # the caller has counted already: spare a COUNT query
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error


def make_date(year, month=1, day=1):
    try:
        return datetime.date(year, month, day)
    except ValueError as error:
        raise Http404(_("There is no such date.")) from error


@cache_page_by_content_version
def front_page(request):
    articles = Article.objects.published().for_listing()[:FRONT_PAGE_SIZE]
    return render(request, "articles/front_page.html", {"articles": articles})


@cache_page_by_content_version
def archive_index(request):
    years = (
        Article.objects.published()
        .annotate(year=ExtractYear("published_on"))
        .values("year")
        .annotate(count=Count("id"))
        .order_by("-year")
    )
    return render(request, "articles/archive_index.html", {"years": years})


@cache_page_by_content_version
def year_archive(request, year):
    make_date(year)
    months = Article.objects.published().filter(published_on__year=year).month_counts()
    months = [{"date": row["month"], "count": row["count"]} for row in months]
    if not months:
        raise Http404(_("Nothing was published in %(year)d.") % {"year": year})
    return render(request, "articles/year_archive.html", {"year": year, "months": months})


@cache_page_by_content_version
def month_archive(request, year, month):
    make_date(year, month)  # a 404 for a month that does not exist
    first, last = month_bounds(year, month)
    published = Article.objects.published()
    counts = {row["day"].day: row["count"] for row in published.in_month(year, month).day_counts()}
    if not counts:
        raise Http404(_("Nothing was published in this month."))
    weeks = [
        [
            {"date": day, "count": counts.get(day.day, 0) if day.month == month else None}
            for day in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    total = sum(counts.values())
    page = paginate(request, published.in_month(year, month).for_listing(), count=total)
    context = {
        "month": first,
        "weeks": weeks,
        "weekdays": WEEKDAYS,
        "page": page,
        "total": total,
        "previous_month": published.filter(published_on__lt=first)
        .values_list("published_on", flat=True)
        .first(),
        "next_month": published.filter(published_on__gt=last)
        .order_by("published_on")
        .values_list("published_on", flat=True)
        .first(),
    }
    return render(request, "articles/month_archive.html", context)


@cache_page_by_content_version
def day_archive(request, year, month, day):
    date = make_date(year, month, day)
    published = Article.objects.published()
    articles = list(published.on_date(date).for_listing().order_by("id"))
    # The issues before and after this day; a day with none shows them instead of a 404.
    days = published.values_list("published_on", flat=True)
    context = {
        "date": date,
        "articles": articles,
        "previous_day": days.filter(published_on__lt=date).order_by("-published_on").first(),
        "next_day": days.filter(published_on__gt=date).order_by("published_on").first(),
    }
    return render(request, "articles/day_archive.html", context)


@cache_page_by_content_version
def article_detail(request, year, month, day, slug):
    date = make_date(year, month, day)
    article = get_object_or_404(
        Article.objects.published().with_sections(), published_on=date, slug=slug
    )
    return render_article(request, article, article_context(article))


def render_article(request, article, context):
    """The article page, its interface in the article's own script (traditional or not)."""
    with translation.override(article.script):
        return render(request, "articles/article_detail.html", context)


def article_context(article):
    sections, figures = reading.read(article)
    return {
        "article": article,
        "citation": citations.gb_t_7714(article),
        "stable_url": stable_url(article),
        "sections": sections,
        "figures": figures,
        "panel": reading.curate(figures),
    }


def permalink(request, pk):
    """/a/<id>/: the stable address citations use; it forwards to the article's dated page,
    whatever its slug is now."""
    published = Article.objects.published().only("pk", "slug", "published_on")
    article = get_object_or_404(published, pk=pk)
    return redirect(article)


def cite(request, pk, output):
    """/a/<id>/cite.bib|ris|json: the article's citation, to download."""
    article = get_object_or_404(Article.objects.published().for_listing(), pk=pk)
    content_type, suffix = citations.FORMATS[output]
    response = HttpResponse(citations.export([article], output), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="article-{article.pk}.{suffix}"'
    return response


@staff_member_required
def preview(request, pk):
    if not request.user.has_perm("articles.view_article"):
        raise PermissionDenied
    article = get_object_or_404(Article.objects.with_sections(), pk=pk)
    context = article_context(article) | {"is_preview": True}
    response = render_article(request, article, context)
    response["X-Robots-Tag"] = "noindex"
    return response


@cache_page_by_content_version
def author_detail(request, slug):
    author = get_object_or_404(Author, slug=slug)
    page = paginate(request, author.articles.published().for_listing())
    return render(request, "articles/author_detail.html", {"author": author, "page": page})
