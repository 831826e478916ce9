"""Who may call what: partners by token and agreement, staff by session and role."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import permissions

from dhs.models import DataSharingAgreement, PartnerAgency


def request_partner(request: Any) -> PartnerAgency | None:
    """The partner behind a token-authenticated request, or None."""
    return getattr(getattr(request, "user", None), "partner", None)


def partner_agreements(partner: PartnerAgency) -> QuerySet[DataSharingAgreement]:
    """The partner's agreements that are in force today."""
    return DataSharingAgreement.objects.active_on().filter(partner=partner)


def referral_agreements(partner: PartnerAgency) -> QuerySet[DataSharingAgreement]:
    return partner_agreements(partner).filter(receives_referrals=True)


def agreement_for_source(partner: PartnerAgency, source: str) -> DataSharingAgreement | None:
    """The active agreement that lets this partner deliver `source`, if any."""
    return next((a for a in partner_agreements(partner) if a.covers(source)), None)


class IsPartner(permissions.BasePermission):
    """A partner agency authenticated with `Authorization: Token …`."""

    message = "This endpoint is for partner agencies: send Authorization: Token <token>."

    def has_permission(self, request: Any, view: Any) -> bool:
        return request_partner(request) is not None


class IsStaff(permissions.BasePermission):
    """A signed-in staff member (session) who works the queue (permission dhs.work_queue)."""

    message = "This endpoint is for agency staff who work the queue."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if request_partner(request) is not None or not user.is_authenticated:
            return False
        return user.has_perm("dhs.work_queue")


class ReceivesReferrals(permissions.BasePermission):
    """The partner has an agreement in force under which it receives referrals."""

    message = "No active data-sharing agreement lets this partner receive referrals."
    code = "no_agreement"

    def has_permission(self, request: Any, view: Any) -> bool:
        partner = request_partner(request)
        return partner is not None and referral_agreements(partner).exists()
