"""Partner and staff API views: parse, check scope, call one service or selector, render.

Partners authenticate with a token and see only what their active data-sharing agreements
allow; staff use their portal session and see only their office (cases.selectors decides).
Every read of personal data is written to the audit log with the caller and the purpose.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.models import Referral
from alerts.selectors import flags_open_for_household, queue_for_user, work_item_for_household
from alerts.services.hsds import services_as_hsds, services_hsds_page
from alerts.services.referrals import referral_record_outcome, referrals_for_partner
from alerts.services.work_items import work_item_act
from cases.selectors import household_get_for_user
from dhs.api_auth import PartnerTokenAuthentication
from dhs.audit import audit_bulk, audit_record
from dhs.exceptions import AgreementError
from risk.models import SOURCES
from risk.services.ingestion import ingest_records

from . import schema as docs
from .filters import ReferralFilter
from .pagination import NewestFirstCursorPagination, QueueCursorPagination
from .permissions import (
    IsPartner,
    IsStaff,
    ReceivesReferrals,
    agreement_for_source,
    referral_agreements,
    request_partner,
)
from .serializers import (
    MAX_BATCH,
    FlagSerializer,
    HouseholdSummarySerializer,
    HSDSPageSerializer,
    HSDSServiceSerializer,
    ReferralOutcomeSerializer,
    ReferralSerializer,
    SignalBatchResultSerializer,
    SignalBatchSerializer,
    WorkItemActionRequestSerializer,
    WorkItemActionSerializer,
    WorkItemSerializer,
)
from .throttling import AnonymousRateThrottle, PartnerRateThrottle, StaffRateThrottle

SOURCE_NAMES = [name for name, _ in SOURCES]
MAX_BODY_BYTES = 10 * 1024 * 1024
STAFF_PURPOSE = "casework"


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request is too large."


# --- audit --------------------------------------------------------------------------------------
def _audit_rows(request: Request, *, action: str, object_type: str,
                rows: list[tuple[Any, str, str]]) -> None:
    """One audit event per (object id, household ref, purpose) read in this request, written
    in one query: a list page reads many households."""
    if not rows:
        return
    user = request.user if request_partner(request) is None else None
    now = timezone.now()
    common = {
        "at": now, "action": action, "object_type": object_type,
        "user": user if getattr(user, "pk", None) else None,
        "username": getattr(user, "username", "") or "",
        "partner": request_partner(request),
        "ip_address": request.META.get("REMOTE_ADDR") or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        "details": {"path": request.path[:200]},
    }
    audit_bulk([{**common, "object_id": str(obj_id), "household_ref": ref or "",
                 "purpose": purpose[:200]} for obj_id, ref, purpose in rows])


def _referral_purpose(referral: Referral) -> str:
    return f"referral: {referral.agreement.purpose}" if referral.agreement_id else "referral"


# --- base classes -------------------------------------------------------------------------------
class PartnerView:
    authentication_classes = [PartnerTokenAuthentication]
    permission_classes = [IsPartner]
    throttle_classes = [PartnerRateThrottle]


class StaffView:
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsStaff]
    throttle_classes = [StaffRateThrottle]


# --- signals ------------------------------------------------------------------------------------
class SignalBatchView(PartnerView, APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="signals_push", tags=["signals"],
        summary="Push a batch of feed records",
        description=(
            f"Up to {MAX_BATCH} records of one source, each an object of the source's feed "
            "fields (see docs/api.md). The answer has one result per record, in order: "
            "accepted, duplicate (already received) or rejected with a reason. Bad records never "
            "stop good ones. Send an `Idempotency-Key` header to make retries safe: a repeated "
            "key returns the stored answer and stores nothing new. The partner's active "
            "data-sharing agreement must cover the source (otherwise 403, nothing stored)."),
        parameters=[
            OpenApiParameter("source", OpenApiTypes.STR, OpenApiParameter.PATH,
                             enum=SOURCE_NAMES, description="The feed."),
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
                             required=False,
                             description="Up to 200 characters, unique per batch, e.g. a UUID."),
        ],
        request=SignalBatchSerializer,
        responses={200: SignalBatchResultSerializer, 400: docs.E400, 404: docs.E404,
                   409: docs.E409_KEY, 413: docs.E413, **docs.PARTNER_ERRORS},
        examples=[docs.SIGNAL_BATCH_EXAMPLE, docs.SIGNAL_RESULT_EXAMPLE],
    )
    def post(self, request: Request, source: str) -> Response:
        if source not in SOURCE_NAMES:
            raise exceptions.NotFound(f"Unknown source {source!r}; use one of "
                                      f"{', '.join(SOURCE_NAMES)}.")
        partner = request_partner(request)
        # Early, cheap refusal before the body is read; ingestion checks source AND purpose
        # again and is the authority (it raises AgreementError -> 403, nothing stored).
        if agreement_for_source(partner, source) is None:
            raise AgreementError(f"No active data-sharing agreement lets {partner.code} "
                                 f"deliver {source}.")
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 200:
            raise exceptions.ValidationError(
                {"Idempotency-Key": ["Use at most 200 characters."]})
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            raise TooLarge(f"The body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB.")
        data = request.data
        if isinstance(data, dict) and isinstance(data.get("records"), list) \
                and len(data["records"]) > MAX_BATCH:
            raise TooLarge(f"A batch holds at most {MAX_BATCH} records; this one has "
                           f"{len(data['records'])}. Split it.")
        serializer = SignalBatchSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        started = timezone.now()
        batch, results = ingest_records(source=source,
                                        records=serializer.validated_data["records"],
                                        partner=partner, idempotency_key=key)
        counts = {s: sum(1 for r in results if r.get("status") == s)
                  for s in ("accepted", "duplicate", "rejected")}
        body = {"batch_id": batch.pk, "source": batch.source,
                "replayed": bool(key) and batch.received_at < started, **counts,
                "results": [{"status": r.get("status"), "reason": r.get("reason"),
                             "record_id": r.get("record_id") or ""} for r in results]}
        return Response(body, status=status.HTTP_200_OK)


# --- referrals ----------------------------------------------------------------------------------
REFERRAL_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH,
                               description="The referral's id.")


@extend_schema_view(
    list=extend_schema(
        operation_id="referrals_list", tags=["referrals"],
        summary="Referrals sent to this partner",
        description="Newest first, cursor-paginated; only the fields the agreement allows.",
        responses={200: ReferralSerializer(many=True), 400: docs.E400, **docs.PARTNER_ERRORS},
        examples=[docs.REFERRAL_EXAMPLE]),
    retrieve=extend_schema(
        operation_id="referrals_retrieve", tags=["referrals"], summary="One referral",
        parameters=[REFERRAL_ID],
        responses={200: ReferralSerializer, 404: docs.E404, **docs.PARTNER_ERRORS},
        examples=[docs.REFERRAL_EXAMPLE]),
    partial_update=extend_schema(
        operation_id="referrals_record_outcome", tags=["referrals"],
        summary="Record the outcome of a referral", parameters=[REFERRAL_ID],
        description="enrolled, served, declined or unreachable, with an optional note. The "
                    "outcome flows into the household's case and the outcome loop.",
        request=ReferralOutcomeSerializer,
        responses={200: ReferralSerializer, 400: docs.E400, 404: docs.E404,
                   **docs.PARTNER_ERRORS},
        examples=[docs.OUTCOME_EXAMPLE, docs.REFERRAL_EXAMPLE]),
)
class ReferralViewSet(PartnerView, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    permission_classes = [IsPartner, ReceivesReferrals]
    serializer_class = ReferralSerializer
    pagination_class = NewestFirstCursorPagination
    filterset_class = ReferralFilter
    parser_classes = [JSONParser]
    http_method_names = ["get", "patch", "head", "options"]
    lookup_value_regex = r"[0-9]{1,18}"  # larger ids cannot exist: 404
    queryset = Referral.objects.none()  # for the schema; get_queryset decides

    def get_queryset(self):
        partner = request_partner(self.request)
        if partner is None:
            return Referral.objects.none()
        return (referrals_for_partner(partner=partner)
                .filter(agreement__in=referral_agreements(partner))
                .select_related("intervention", "household", "agreement"))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        _audit_rows(request, action="api_read", object_type="referral",
                    rows=[(r.pk, r.household.ref, _referral_purpose(r)) for r in page])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.get_object()
        _audit_rows(request, action="api_read", object_type="referral",
                    rows=[(referral.pk, referral.household.ref, _referral_purpose(referral))])
        return Response(self.get_serializer(referral).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.get_object()
        payload = ReferralOutcomeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        referral = referral_record_outcome(referral=referral, partner=request_partner(request),
                                           outcome=payload.validated_data["outcome"],
                                           note=payload.validated_data["note"])
        _audit_rows(request, action="api_update", object_type="referral",
                    rows=[(referral.pk, referral.household.ref, _referral_purpose(referral))])
        return Response(self.get_serializer(referral).data)


# --- services (HSDS 3.0) ------------------------------------------------------------------------
def _positive_int(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or value > maximum:
        raise exceptions.ValidationError({name: [f"Use a whole number from 1 to {maximum}."]})
    return value


class ServiceCatalogueView:
    """The catalogue is public information: open to anyone, a partner token is optional."""

    authentication_classes = [PartnerTokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [PartnerRateThrottle, AnonymousRateThrottle]


class ServiceListView(ServiceCatalogueView, APIView):
    @extend_schema(
        operation_id="services_list", tags=["services"], auth=[{"partnerToken": []}, {}],
        summary="The intervention catalogue as HSDS 3.0 services",
        description="An Open Referral HSDS 3.0 page (`total_items`, …, `contents`). Public; "
                    "paginated with `page` and `per_page` as in the HSDS API.",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
            OpenApiParameter("per_page", OpenApiTypes.INT,
                             description="Services per page (1-100, default 50)."),
        ],
        responses={200: HSDSPageSerializer, 400: docs.E400, 401: docs.E401, 429: docs.E429},
        examples=[docs.SERVICE_PAGE_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        page = _positive_int(request, "page", 1, 100000)
        per_page = _positive_int(request, "per_page", 50, 100)
        return Response(services_hsds_page(page=page, per_page=per_page))


class ServiceDetailView(ServiceCatalogueView, APIView):
    @extend_schema(
        operation_id="services_retrieve", tags=["services"], auth=[{"partnerToken": []}, {}],
        summary="One HSDS 3.0 service, fully nested",
        responses={200: HSDSServiceSerializer, 401: docs.E401, 404: docs.E404,
                   429: docs.E429},
        examples=[docs.SERVICE_EXAMPLE],
    )
    def get(self, request: Request, service_id: str) -> Response:
        for service in services_as_hsds():
            if str(service.get("id")) == service_id:
                return Response(service)
        raise exceptions.NotFound("No service with this id.")


# --- staff --------------------------------------------------------------------------------------
QUEUE_CHOICES = {"severity": ("low", "medium", "high", "critical"),
                 "status": ("open", "claimed", "closed", "all"),
                 "assigned": ("me", "unassigned", "any")}


def _queue_filters(request: Request) -> dict[str, Any]:
    """Query parameters to queue_for_user filters; a value outside the choices is a 400."""
    filters: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, choices in QUEUE_CHOICES.items():
        value = request.query_params.get(name)
        if value:
            if value not in choices:
                errors[name] = [f"One of {', '.join(choices)}."]
            filters[name] = value
    overdue = request.query_params.get("overdue")
    if overdue:
        if overdue.lower() not in ("true", "false", "1", "0"):
            errors["overdue"] = ["true or false."]
        filters["overdue"] = overdue.lower() in ("true", "1")
    if errors:
        raise exceptions.ValidationError(errors)
    return filters


class StaffQueueView(StaffView, generics.ListAPIView):
    serializer_class = WorkItemSerializer
    pagination_class = QueueCursorPagination
    filter_backends: list = []

    @extend_schema(
        operation_id="staff_queue", tags=["staff"],
        summary="My office's queue, highest priority first",
        parameters=[
            OpenApiParameter("severity", OpenApiTypes.STR, enum=["low", "medium", "high",
                                                                 "critical"]),
            OpenApiParameter("status", OpenApiTypes.STR,
                             enum=["open", "claimed", "closed", "all"],
                             description="Default: open and claimed items."),
            OpenApiParameter("assigned", OpenApiTypes.STR, enum=["me", "unassigned", "any"]),
            OpenApiParameter("overdue", OpenApiTypes.BOOL,
                             description="true: only items past their SLA without a response."),
        ],
        responses={200: WorkItemSerializer(many=True), 400: docs.E400, **docs.STAFF_ERRORS},
        examples=[docs.QUEUE_EXAMPLE],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    def get_queryset(self):
        return queue_for_user(user=self.request.user, filters=_queue_filters(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        _audit_rows(request, action="api_read", object_type="work_item",
                    rows=[(i.pk, i.household.ref, STAFF_PURPOSE) for i in page])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _household_summary(household: Any) -> dict[str, Any]:
    score = getattr(household, "current_score", None)
    item = work_item_for_household(household=household)
    return {
        "ref": household.ref, "office": household.office.code,
        "address": household.address_line, "housing": household.housing,
        "monthly_income": household.monthly_income, "phone": household.phone,
        "sms_consent": household.sms_consent,
        "members": [{"ref": p.ref, "first_name": p.first_name, "last_name": p.last_name,
                     "date_of_birth": p.date_of_birth, "relationship": p.relationship}
                    for p in household.members.all()],
        "score": ({"score": score.score, "band": score.band, "as_of": score.as_of,
                   "factors": score.factors or []} if score else None),
        "open_flags": flags_open_for_household(household=household).count(),
        "open_work_item": item.pk if item else None,
    }


class StaffHouseholdView(StaffView, APIView):
    @extend_schema(
        operation_id="staff_household", tags=["staff"],
        summary="A household's summary (own office only)",
        responses={200: HouseholdSummarySerializer, 404: docs.E404, **docs.STAFF_ERRORS},
        examples=[docs.HOUSEHOLD_EXAMPLE],
    )
    def get(self, request: Request, ref: str) -> Response:
        household = household_get_for_user(user=request.user, ref=ref)
        audit_record(action="api_read", request=request._request, user=request.user,
                     object_type="household", object_id=household.pk,
                     household_ref=household.ref, purpose=STAFF_PURPOSE)
        return Response(HouseholdSummarySerializer(_household_summary(household)).data)


class StaffHouseholdFlagsView(StaffView, APIView):
    @extend_schema(
        operation_id="staff_household_flags", tags=["staff"],
        summary="A household's open flags, with the evidence that raised them",
        responses={200: FlagSerializer(many=True), 404: docs.E404, **docs.STAFF_ERRORS},
        examples=[docs.FLAGS_EXAMPLE],
    )
    def get(self, request: Request, ref: str) -> Response:
        household = household_get_for_user(user=request.user, ref=ref)
        flags = list(flags_open_for_household(household=household).select_related("rule"))
        audit_record(action="api_read", request=request._request, user=request.user,
                     object_type="flags", object_id=household.pk,
                     household_ref=household.ref, purpose=STAFF_PURPOSE,
                     details={"flags": [f.pk for f in flags]})
        return Response(FlagSerializer(flags, many=True).data)


class StaffWorkItemActionView(StaffView, APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="staff_work_item_act", tags=["staff"],
        summary="Record an action on a work item (own office only)",
        parameters=[OpenApiParameter("item_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=WorkItemActionRequestSerializer,
        responses={201: WorkItemActionSerializer, 400: docs.E400, 404: docs.E404,
                   409: docs.E409, **docs.STAFF_ERRORS},
        examples=[docs.ACTION_EXAMPLE, docs.ACTION_RESULT_EXAMPLE],
    )
    def post(self, request: Request, item_id: str) -> Response:
        payload = WorkItemActionRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        action = work_item_act(item_id=int(item_id), user=request.user,
                               **payload.validated_data)
        return Response(WorkItemActionSerializer(action).data, status=status.HTTP_201_CREATED)


# --- docs ---------------------------------------------------------------------------------------
class SwaggerDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from self-hosted assets, its start script served as a file (CSP: no inline)."""

    template_name = "api/swagger_ui.html"
    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes: list = []

