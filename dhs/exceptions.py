"""One domain error and one JSON error shape for every API error."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A failure a person can act on; `code` is stable for clients, `extra` carries detail."""

    def __init__(self, message: str, *, code: str = "invalid", status: int = 400,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.extra = extra or {}


class AgreementError(ApplicationError):
    """No active data-sharing agreement covers this flow."""

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message, code="no_agreement", status=403, extra=extra)


def _field_errors(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(k): [str(x) for x in (v if isinstance(v, list) else [v])]
                for k, v in detail.items()}
    return {}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map every error to {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, ApplicationError):
        return Response({"error": {"code": exc.code, "message": exc.message,
                                   "fields": exc.extra.get("fields", {})}}, status=exc.status)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, drf_exceptions.ValidationError):
        message = "The request has invalid fields."
        fields = _field_errors(exc.detail)
        if not fields:
            message = "; ".join(str(x) for x in (exc.detail if isinstance(exc.detail, list)
                                                 else [exc.detail]))
        response.data = {"error": {"code": "invalid", "message": message, "fields": fields}}
    else:
        detail = exc.detail if isinstance(exc, drf_exceptions.APIException) else str(exc)
        response.data = {"error": {"code": str(getattr(detail, "code", code)),
                                   "message": str(detail), "fields": {}}}
    return response
