"""Cursor pagination: stable pages while new rows arrive, opaque `next`/`previous` links."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class _Cursor(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def decode_cursor(self, request: Any) -> Any:
        """A cursor the client altered is a bad request (400), not a missing page (404)."""
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use the next/previous links as "
                                           "given."]}) from None


class NewestFirstCursorPagination(_Cursor):
    ordering = ("-created_at", "-id")


class QueueCursorPagination(_Cursor):
    """The queue keeps the selector's priority order; ties break on id."""

    ordering = ("-priority", "id")
