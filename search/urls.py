from django.urls import path

from . import views

app_name = "search"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/kwic/", views.keyword_in_context, name="kwic"),
    path("search/export.csv", views.export, name="export"),
    path("api/search/", views.api, name="api"),
    path("opensearch.xml", views.opensearch, name="opensearch"),
]
