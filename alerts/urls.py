"""Portal URLs (caseworker, supervisor, office dashboard, transparency)."""

from __future__ import annotations

urlpatterns: list = []
