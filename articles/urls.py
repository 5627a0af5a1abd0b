from django.contrib.sitemaps.views import sitemap
from django.urls import path, register_converter

from . import converters, feeds, sitemaps, views

register_converter(converters.FourDigitYear, "yyyy")
register_converter(converters.TwoDigits, "dd")

app_name = "articles"
urlpatterns = [
    path("", views.front_page, name="front_page"),
    path("archive/", views.archive_index, name="archive"),
    path("<yyyy:year>/", views.year_archive, name="year"),
    path("<yyyy:year>/<dd:month>/", views.month_archive, name="month"),
    path("<yyyy:year>/<dd:month>/<dd:day>/", views.day_archive, name="day"),
    path("<yyyy:year>/<dd:month>/<dd:day>/<slug:slug>/", views.article_detail, name="detail"),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    path("a/<int:pk>/", views.permalink, name="permalink"),
    path("a/<int:pk>/cite.bib", views.cite, {"output": "bib"}, name="cite_bib"),
    path("a/<int:pk>/cite.ris", views.cite, {"output": "ris"}, name="cite_ris"),
    path("a/<int:pk>/cite.json", views.cite, {"output": "csl"}, name="cite_csl"),
    path("feed/", feeds.LatestArticles(), name="feed"),
    path("authors/<slug:slug>/feed/", feeds.AuthorArticles(), name="author_feed"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap,
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", sitemaps.robots, name="robots"),
]
