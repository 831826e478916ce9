"""Outreach by text message: consent, quiet hours, templates, STOP, delivery status."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerts.models import Intervention, OutreachMessage, OutreachTemplate
from alerts.outreach.backends import get_backend
from cases.models import Household
from dhs.audit import audit_record
from dhs.exceptions import ApplicationError

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
# Twilio's words, mapped to ours; unknown words are kept as they come.
STATUS_WORDS = {"accepted": "queued", "queued": "queued", "sending": "sending", "sent": "sent",
                "delivered": "delivered", "undelivered": "undelivered", "failed": "failed",
                "receiving": "received", "received": "received", "read": "delivered"}


def digits(phone: str) -> str:
    """The last 10 digits of a phone number: how numbers are compared."""
    return re.sub(r"\D", "", phone or "")[-10:]


def in_quiet_hours(now: dt.datetime | None = None) -> bool:
    """True between OUTREACH_QUIET_START and OUTREACH_QUIET_END in the agency's time zone.

    The window may wrap midnight (20 -> 8 means 20:00-07:59 is quiet).
    """
    now = now or timezone.now()
    local = now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    start, end = settings.OUTREACH_QUIET_START, settings.OUTREACH_QUIET_END
    if start == end:
        return False
    if start < end:
        return start <= local.hour < end
    return local.hour >= start or local.hour < end


def template_render(*, template: OutreachTemplate, household: Household,
                    intervention: Intervention | None = None) -> str:
    """Fill {intervention}, {phone}, {office}; unknown placeholders are left as written."""
    intervention = intervention or template.intervention
    values = {"intervention": intervention.name if intervention else "services",
              "phone": (intervention.phone if intervention and intervention.phone else "")
              or getattr(settings, "AGENCY_PHONE", "") or "your local office",
              "office": household.office.name}

    class _Keep(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return template.body.format_map(_Keep(values))


def outreach_send(*, household: Household, user: Any, body: str,
                  now: dt.datetime | None = None) -> OutreachMessage:
    """Send one text; refuses without consent, without a phone, or in quiet hours."""
    body = (body or "").strip()
    if not body:
        raise ApplicationError("The message is empty.", code="empty_message",
                               extra={"fields": {"body": ["Write a message."]}})
    household = Household.objects.select_related("office").get(pk=household.pk)
    if not household.sms_consent:
        raise ApplicationError("This household has not agreed to text messages.",
                               code="no_consent", status=409)
    if not digits(household.phone):
        raise ApplicationError("This household has no phone number.", code="no_phone",
                               status=409)
    if in_quiet_hours(now):
        raise ApplicationError(
            f"No texts between {settings.OUTREACH_QUIET_START}:00 and "
            f"{settings.OUTREACH_QUIET_END}:00 ({settings.TIME_ZONE}); try again later.",
            code="quiet_hours", status=409)
    message = OutreachMessage.objects.create(household=household, to=household.phone, body=body,
                                             direction="out", status="queued",
                                             sent_by=user if getattr(user, "pk", None) else None)
    try:
        result = get_backend().send(to=household.phone, body=body, message_id=message.pk)
        status, provider_id, error = result.status, result.provider_id, result.error
    except Exception as exc:  # a provider failure must not lose the record
        status, provider_id, error = "failed", "", f"{type(exc).__name__}: {exc}"
    message.status = STATUS_WORDS.get(status, status)[:16]
    message.provider_id, message.error = provider_id[:80], error
    message.save(update_fields=["status", "provider_id", "error", "updated_at"])
    audit_record(action="outreach.send", user=user, object_type="outreach_message",
                 object_id=message.pk, household_ref=household.ref, purpose="outreach",
                 details={"status": message.status})
    return message


def outreach_inbound(*, from_number: str, body: str) -> dict[str, Any]:
    """A reply from a household; STOP and its synonyms revoke consent at once."""
    key = digits(from_number)
    text = (body or "").strip()
    is_stop = text.upper() in STOP_WORDS
    households = []
    if key:
        tail = key[-4:]
        households = [h for h in Household.objects.filter(phone__contains=tail).only(
            "id", "ref", "phone", "sms_consent") if digits(h.phone) == key]
    now = timezone.now()
    with transaction.atomic():
        for h in households:
            OutreachMessage.objects.create(household=h, to=from_number, body=text[:1600],
                                           direction="in", status="received")
        revoked = 0
        if is_stop and households:
            revoked = Household.objects.filter(pk__in=[h.pk for h in households]).update(
                sms_consent=False, sms_consent_at=now, sms_consent_source=f"SMS reply {text}"[:80])
            for h in households:
                audit_record(action="outreach.consent_revoked", object_type="household",
                             object_id=h.pk, household_ref=h.ref, purpose="outreach",
                             details={"via": "sms", "word": text.upper()})
    return {"households": len(households), "stop": is_stop, "revoked": revoked}


def outreach_status_update(*, provider_id: str, status: str, error: str = "") -> int:
    """The provider's delivery report; returns the number of messages updated."""
    if not provider_id:
        return 0
    word = STATUS_WORDS.get((status or "").lower(), (status or "").lower())[:16]
    fields: dict[str, Any] = {"status": word, "updated_at": timezone.now()}
    if error:
        fields["error"] = error
    return OutreachMessage.objects.filter(provider_id=provider_id, direction="out").update(
        **fields)
