from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("search.urls")),
    path("", include("articles.urls")),
]

handler500 = "newsarchive.views.server_error"
