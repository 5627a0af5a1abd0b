from django.urls import path

from . import feeds, figure_views, views

# Feeds are rate-limited and answer 503 while the index is rebuilt, as searches do.
search_feed = views.rate_limited("search")(views.search_unavailable(feeds.SearchFeed()))

app_name = "search"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/kwic/", views.keyword_in_context, name="kwic"),
    path("search/trends/", views.trends_page, name="trends"),
    path("search/advanced/", views.advanced, name="advanced"),
    path("search/feed/", search_feed, name="feed"),
    path("search/export.csv", views.export, name="export"),
    path("search/full-text.jsonl", views.full_text, {"output": "jsonl"}, name="full_text_jsonl"),
    path("search/full-text.csv", views.full_text, {"output": "csv"}, name="full_text_csv"),
    path("api/search/", views.api, name="api"),
    path("api/articles/<int:pk>/", views.article_api, name="article_api"),
    path("opensearch.xml", views.opensearch, name="opensearch"),
    path("figures/", figure_views.explorer, name="figures"),
    path("figures/chart/", figure_views.figure_chart, name="figure_chart"),
    path("api/figures/", figure_views.api, name="figure_api"),
    path("api/openapi.json", figure_views.openapi, name="openapi"),
    path("api/", figure_views.api_index, name="api_index"),
]
