"""Loading the default catalogue (flag rules, interventions, providers, templates) from data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from alerts.models import FlagRule, Intervention, OutreachTemplate
from dhs.models import DataSharingAgreement, PartnerAgency

CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "data" / "catalogue.json"
AGREEMENT_YEARS = 3


def catalogue_data(*, path: Path | None = None) -> dict[str, Any]:
    """The catalogue file as a dict (tests and docs read it too)."""
    return json.loads((path or CATALOGUE_PATH).read_text())


@transaction.atomic
def catalogue_load(*, path: Path | None = None) -> None:
    """Create what is missing; never overwrite rows a supervisor may have edited in the admin.

    Running it twice changes nothing; a new rule or intervention in the file is added.
    """
    data = catalogue_data(path=path)
    for rule in data["flag_rules"]:
        FlagRule.objects.get_or_create(code=rule["code"], defaults={
            "name": rule["name"], "severity": rule["severity"],
            "description": rule.get("description", ""), "params": rule.get("params", {}),
            "expiry_days": rule.get("expiry_days", 30), "sla_hours": rule.get("sla_hours")})
    today = timezone.localdate()
    partners: dict[str, PartnerAgency] = {}
    for spec in data["partners"]:
        partner, _ = PartnerAgency.objects.get_or_create(code=spec["code"], defaults={
            "name": spec["name"], "kind": spec.get("kind", "service_provider"),
            "phone": spec.get("phone", ""), "website": spec.get("website", ""),
            "contact_email": spec.get("email", "")})
        partners[spec["code"]] = partner
        agreement = spec.get("agreement")
        if agreement:
            DataSharingAgreement.objects.get_or_create(reference=agreement["reference"], defaults={
                "partner": partner, "sources": [], "purpose": agreement["purpose"],
                "legal_basis": agreement.get("legal_basis",
                                             "Client consent to referral (synthetic agreement)"),
                "referral_fields": agreement["referral_fields"], "receives_referrals": True,
                "effective_date": today - dt.timedelta(days=1),
                "expiry_date": today + dt.timedelta(days=365 * AGREEMENT_YEARS),
                "status": DataSharingAgreement.ACTIVE})
    interventions: dict[str, Intervention] = {}
    for spec in data["interventions"]:
        provider = partners.get(spec.get("provider") or "")
        if provider is None and spec.get("provider"):
            provider = PartnerAgency.objects.filter(code=spec["provider"]).first()
        item, _ = Intervention.objects.get_or_create(code=spec["code"], defaults={
            "name": spec["name"], "description": spec.get("description", ""),
            "provider": provider, "answers_flags": spec.get("answers_flags", []),
            "eligibility": spec.get("eligibility", []), "phone": spec.get("phone", ""),
            "url": spec.get("url", ""), "email": spec.get("email", ""),
            "application_process": spec.get("application_process", ""),
            "fees_description": spec.get("fees_description", "Free")})
        interventions[spec["code"]] = item
    for spec in data.get("templates", []):
        OutreachTemplate.objects.get_or_create(code=spec["code"], defaults={
            "name": spec["name"], "body": spec["body"],
            "intervention": interventions.get(spec.get("intervention") or "")})
