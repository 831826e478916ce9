"""The intervention catalogue as Open Referral HSDS 3.0 services (GET /api/v1/services/).

Identifiers are stable UUIDs derived from our codes (uuid5), so a republished catalogue keeps
its ids. Validated in tests against /work/shared/hsds-3.0/service.json and service_list.json.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from django.utils import timezone

from alerts.models import Intervention
from dhs.models import PartnerAgency

NAMESPACE = uuid.UUID("6f1c2a7e-4b7e-4d52-9a55-3c1f0d7e2b10")  # this project's HSDS namespace


def hsds_id(kind: str, code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{code}"))


def eligibility_description(rules: list[dict[str, Any]]) -> str:
    """The eligibility rules in words, for people reading the catalogue."""
    parts = []
    for r in rules or []:
        name = r.get("rule")
        if name == "income_below_poverty_share":
            parts.append(f"household income at or below {r.get('max')} x the federal poverty "
                         "line for the household size")
        elif name == "income_below_ami_share":
            parts.append(f"household income at or below {float(r.get('max', 0)):.0%} of area "
                         "median income for the household size")
        elif name == "housing_in":
            parts.append("housing: " + " or ".join(r.get("values", [])))
        elif name == "children_present":
            parts.append("children in the household")
        elif name == "enrolled_in":
            parts.append("enrolled in " + " or ".join(p.upper() for p in r.get("programs", [])))
        else:
            parts.append(str(name))
    return ("Eligible with " + "; ".join(parts) + ".") if parts else "Open to all households."


def organization_as_hsds(partner: PartnerAgency) -> dict[str, Any]:
    org: dict[str, Any] = {"id": hsds_id("organization", partner.code), "name": partner.name,
                           "description": f"{partner.get_kind_display()}: {partner.name}"}
    if partner.website:
        org["website"] = partner.website
    if partner.contact_email:
        org["email"] = partner.contact_email
    return org


def _one_to_one(intervention: Intervention) -> dict[str, Any]:
    service: dict[str, Any] = {
        "id": hsds_id("service", intervention.code),
        "name": intervention.name,
        "alternate_name": intervention.code,
        "description": intervention.description or intervention.name,
        "status": "active" if intervention.active else "inactive",
        "application_process": intervention.application_process,
        "fees_description": intervention.fees_description,
        "eligibility_description": eligibility_description(intervention.eligibility),
        "assured_date": timezone.localtime(intervention.updated_at).date().isoformat(),
        "last_modified": intervention.updated_at.isoformat(),
    }
    if intervention.url:
        service["url"] = intervention.url
    if intervention.email:
        service["email"] = intervention.email
    if intervention.provider_id:
        org = organization_as_hsds(intervention.provider)
        service["organization_id"] = org["id"]
        service["organization"] = org
    return service


def service_as_hsds(*, intervention: Intervention) -> dict[str, Any]:
    """One HSDS 3.0 service with its organization, phone and language inlined."""
    service = _one_to_one(intervention)
    sid = service["id"]
    service["phones"] = ([{"id": hsds_id("phone", intervention.code), "service_id": sid,
                           "number": intervention.phone, "type": "voice"}]
                         if intervention.phone else [])
    service["languages"] = [{"id": hsds_id("language", f"{intervention.code}:en"),
                             "service_id": sid, "name": "English", "code": "en"}]
    service["attributes"] = [
        {"id": hsds_id("attribute", f"{intervention.code}:{flag}"), "link_id": sid,
         "link_type": "answers_flag", "link_entity": "service", "value": flag}
        for flag in intervention.answers_flags or []]
    return service


def _catalogue() -> list[Intervention]:
    return list(Intervention.objects.select_related("provider").order_by("code"))


def services_as_hsds() -> list[dict[str, Any]]:
    """Every intervention of the catalogue (active and not; status says which)."""
    return [service_as_hsds(intervention=i) for i in _catalogue()]


def services_hsds_page(*, page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """The HSDS API's paginated list shape (Page + contents of one-to-one service fields)."""
    items = _catalogue()
    per_page = max(1, min(int(per_page), 500))
    total_pages = max(1, math.ceil(len(items) / per_page))
    page = max(1, int(page))
    contents = [_one_to_one(i) for i in items[(page - 1) * per_page: page * per_page]]
    return {"total_items": len(items), "total_pages": total_pages, "page_number": page,
            "size": len(contents), "first_page": page == 1, "last_page": page >= total_pages,
            "empty": not contents, "contents": contents}
