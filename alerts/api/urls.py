"""Partner and staff API URLs under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from . import views


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Unknown API paths answer in the API's error shape, not the portal's HTML page."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise exceptions.NotFound("No such API endpoint; see /api/docs/.")

    get = post = put = patch = delete = http_method_not_allowed


router = SimpleRouter()
router.register("referrals", views.ReferralViewSet, basename="referral")

app_name = "api"
urlpatterns = [
    path("signals/<str:source>/", views.SignalBatchView.as_view(), name="signals"),
    path("services/", views.ServiceListView.as_view(), name="services"),
    path("services/<str:service_id>/", views.ServiceDetailView.as_view(), name="service"),
    path("staff/queue/", views.StaffQueueView.as_view(), name="staff-queue"),
    path("staff/households/<str:ref>/", views.StaffHouseholdView.as_view(),
         name="staff-household"),
    path("staff/households/<str:ref>/flags/", views.StaffHouseholdFlagsView.as_view(),
         name="staff-household-flags"),
    re_path(r"^staff/work-items/(?P<item_id>[0-9]{1,18})/actions/$",
            views.StaffWorkItemActionView.as_view(), name="staff-work-item-actions"),
    *router.urls,
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="not-found"),
]
