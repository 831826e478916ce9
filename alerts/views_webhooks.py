"""The SMS provider's webhook: inbound replies (STOP) and delivery status callbacks.

Authentication, when configured: settings.SMS_WEBHOOK_SECRET (header X-Webhook-Secret or
?secret=), else the X-Twilio-Signature made with TWILIO_AUTH_TOKEN. With neither configured
(development), requests are accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alerts.services.outreach import outreach_inbound, outreach_status_update

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twilio_signature(*, auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's scheme: HMAC-SHA1 over the URL followed by each POST key and value, sorted."""
    payload = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _authorised(request: HttpRequest) -> bool:
    secret = getattr(settings, "SMS_WEBHOOK_SECRET", "")
    if secret:
        given = request.headers.get("X-Webhook-Secret") or request.GET.get("secret", "")
        return hmac.compare_digest(given.encode(), secret.encode())
    token = settings.TWILIO_AUTH_TOKEN
    if token:
        expected = twilio_signature(auth_token=token, url=request.build_absolute_uri(),
                                    params={k: request.POST.get(k, "") for k in request.POST})
        return hmac.compare_digest(request.headers.get("X-Twilio-Signature", "").encode(),
                                   expected.encode())
    return True


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """Twilio posts form fields: From/Body for replies, MessageSid/MessageStatus for status."""
    if not _authorised(request):
        return HttpResponse("Forbidden", status=403, content_type="text/plain")
    data = request.POST
    if data.get("MessageStatus") and not data.get("Body"):
        outreach_status_update(provider_id=data.get("MessageSid", ""),
                               status=data.get("MessageStatus", ""),
                               error=data.get("ErrorMessage", "") or data.get("ErrorCode", ""))
    elif data.get("From"):
        outreach_inbound(from_number=data.get("From", ""), body=data.get("Body", ""))
    else:
        return HttpResponse("Missing From or MessageStatus", status=400,
                            content_type="text/plain")
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


# Mounted by one line in alerts/urls.py (PORTAL owns the rest of that file).
urlpatterns = [path("sms/inbound/", sms_inbound, name="sms_inbound")]
