"""OpenAPI pieces: the partner token scheme, the shared error responses, request examples."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from .serializers import ErrorSerializer


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    """Documents `Authorization: Token <token>` so clients (and Swagger UI) can send it."""

    target_class = "dhs.api_auth.PartnerTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "A partner token from `create_partner`, sent as "
                               "`Authorization: Token <token>`."}


def _error(description: str, code: str, message: str,
           fields: dict[str, list[str]] | None = None) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer, description=description,
        examples=[OpenApiExample(code, value={"error": {"code": code, "message": message,
                                                         "fields": fields or {}}},
                                 response_only=True)])


E400 = _error("The request is invalid.", "invalid", "The request has invalid fields.",
              {"outcome": ['"done" is not a valid choice.']})
E401 = _error("No token, or an invalid, expired or revoked token.", "authentication_failed",
              "Token expired.")
E403 = _error("The caller may not do this (agreement or role).", "no_agreement",
              "No active data-sharing agreement lets this partner deliver eviction_filings.")
E404 = _error("Not found, or not this caller's to see.", "not_found", "Not found.")
E413 = _error("The batch is too large.", "too_large",
              "A batch holds at most 1000 records; this one has 1500.")
E409 = _error("The item's state does not allow this now.", "closed", "This item is closed.")
E409_KEY = _error("A request with this Idempotency-Key is still being processed.",
                  "in_progress", "A request with this Idempotency-Key is still being "
                  "processed; retry later.")
E429 = _error("Too many requests; retry after the Retry-After header's seconds.", "throttled",
              "Request was throttled. Expected available in 12 seconds.")
E_STAFF_AUTH = _error("Not signed in, or not a staff member who works the queue.",
                      "not_authenticated", "Authentication credentials were not provided.")

PARTNER_ERRORS = {401: E401, 403: E403, 429: E429}
STAFF_ERRORS = {403: E_STAFF_AUTH, 429: E429}

SIGNAL_BATCH_EXAMPLE = OpenApiExample(
    "eviction_filings batch", request_only=True,
    value={"records": [
        {"case_number": "2026-EV-001234", "filing_date": "2026-11-20", "court": "District 3",
         "plaintiff": "Oak Street Apartments LLC", "defendant_name": "RIVERA, ANA M",
         "defendant_address": "412 Elm St Apt 3, Springfield, IL 62701",
         "hearing_date": "2026-12-08", "amount_claimed": "2450.00"},
        {"case_number": "2026-EV-001235", "filing_date": "2026-13-45", "court": "District 3",
         "plaintiff": "Oak Street Apartments LLC", "defendant_name": "",
         "defendant_address": "", "hearing_date": "", "amount_claimed": ""},
    ]})
SIGNAL_RESULT_EXAMPLE = OpenApiExample(
    "per-record results", response_only=True,
    value={"batch_id": 81, "source": "eviction_filings", "replayed": False, "accepted": 1,
           "duplicate": 0, "rejected": 1,
           "results": [
               {"status": "accepted", "reason": None, "record_id": "2026-EV-001234"},
               {"status": "rejected", "record_id": "2026-EV-001235",
                "reason": "filing_date '2026-13-45' is not a date (use YYYY-MM-DD)"}]})
REFERRAL_EXAMPLE = OpenApiExample(
    "a referral", response_only=True,
    value={"id": 17, "intervention": {"code": "rental_assistance",
                                      "name": "Emergency rental assistance"},
           "status": "sent", "outcome": "", "outcome_note": "", "outcome_at": None,
           "created_at": "2026-11-28T15:02:11-06:00", "updated_at": "2026-11-28T15:02:11-06:00",
           "household": {"household_ref": "H000123", "head_name": "Ana Rivera",
                         "phone": "+12175550123"}})
OUTCOME_EXAMPLE = OpenApiExample(
    "record an outcome", request_only=True,
    value={"outcome": "enrolled", "note": "Enrolled on 2026-11-30; first payment issued."})
SERVICE_EXAMPLE_VALUE = {
    "id": "5b0c3f4e-8a63-5d51-9a7e-1f0d3c2b4a11", "name": "Emergency rental assistance",
    "description": "One-time help with back rent for a household facing eviction.",
    "status": "active", "url": "https://example.org/rent-help", "email": "help@example.org",
    "organization": {"id": "0a6f1c52-3e2f-5b0e-8f0d-2c4b1a9e7d33",
                     "name": "County Legal Aid", "description": "Legal aid society."}}
SERVICE_EXAMPLE = OpenApiExample("a service", response_only=True, value=SERVICE_EXAMPLE_VALUE)
SERVICE_PAGE_EXAMPLE = OpenApiExample(
    "a page of services", response_only=True,
    value={"total_items": 1, "total_pages": 1, "page_number": 1, "size": 1,
           "first_page": True, "last_page": True, "empty": False,
           "contents": [SERVICE_EXAMPLE_VALUE]})
QUEUE_EXAMPLE = OpenApiExample(
    "a queue row", response_only=True,  # drf-spectacular wraps it in the cursor page
    value={"id": 301, "household_ref": "H000123", "office": "NORTH", "status": "open",
           "priority": 0.91, "severity": "critical", "top_reason": "Eviction hearing in 7 days",
           "deadline": "2026-12-08", "sla_due_at": "2026-12-02T09:00:00-06:00",
           "assigned_to": None, "claimed_at": None, "created_at": "2026-11-30T06:00:00-06:00",
           "needs_review": False})
ACTION_EXAMPLE = OpenApiExample(
    "offer an intervention", request_only=True,
    value={"action": "intervention_offered", "note": "Called; tenant wants rent help.",
           "intervention_code": "rental_assistance"})
HOUSEHOLD_EXAMPLE = OpenApiExample(
    "a household summary", response_only=True,
    value={"ref": "H000123", "office": "NORTH",
           "address": "412 Elm St Apt 3, Springfield, IL 62701", "housing": "rent",
           "monthly_income": "1450.00", "phone": "+12175550123", "sms_consent": True,
           "members": [{"ref": "P000311", "first_name": "Ana", "last_name": "Rivera",
                        "date_of_birth": "1988-04-17", "relationship": "head"}],
           "score": {"score": 0.71, "band": "critical", "as_of": "2026-12-01T06:00:00-06:00",
                     "factors": [{"feature": "eviction_days_since",
                                  "label": "eviction filed 11 days ago",
                                  "contribution": 1.42}]},
           "open_flags": 2, "open_work_item": 301})
FLAGS_EXAMPLE = OpenApiExample(
    "an open flag", response_only=True,  # drf-spectacular wraps it in the list
    value={"id": 88, "rule": "eviction_filed", "rule_name": "Eviction filed",
            "severity": "critical", "reason": "Eviction hearing on 2026-12-08",
            "evidence": [{"source": "eviction_filings", "date": "2026-11-20",
                          "record_id": "2026-EV-001234"}],
            "deadline": "2026-12-08", "opened_at": "2026-11-21T06:00:00-06:00",
            "expires_at": "2026-12-21T06:00:00-06:00"})
ACTION_RESULT_EXAMPLE = OpenApiExample(
    "the recorded action", response_only=True, status_codes=["201"],
    value={"id": 5012, "item": 301, "action": "intervention_offered", "by": "alice",
           "at": "2026-12-01T10:15:00-06:00", "note": "Called; tenant wants rent help.",
           "intervention": "rental_assistance", "review_status": ""})
