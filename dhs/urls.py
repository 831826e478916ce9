"""URL map: portal, partner API, admin, public pages."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("alerts.api.urls")),
    path("", include("alerts.urls")),
]
