"""Pluggable SMS backends, chosen by settings.SMS_BACKEND (a dotted path)."""

from __future__ import annotations

import base64
import contextlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass
class SendResult:
    status: str  # sent / queued / failed (the provider's word when it has one)
    provider_id: str = ""
    error: str = ""


class BaseBackend:
    def send(self, *, to: str, body: str, message_id: int | None = None) -> SendResult:
        raise NotImplementedError


class FileBackend(BaseBackend):
    """Appends each message as one JSON line to SMS_OUTBOX_DIR/outbox-YYYY-MM-DD.jsonl."""

    def send(self, *, to: str, body: str, message_id: int | None = None) -> SendResult:
        outbox = Path(settings.SMS_OUTBOX_DIR)
        outbox.mkdir(parents=True, exist_ok=True)
        provider_id = f"file-{uuid.uuid4().hex[:16]}"
        line = {"id": provider_id, "message_id": message_id, "to": to, "body": body,
                "at": timezone.now().isoformat()}
        with (outbox / f"outbox-{timezone.localdate():%Y-%m-%d}.jsonl").open("a") as fh:
            fh.write(json.dumps(line) + "\n")
        return SendResult(status="sent", provider_id=provider_id)


class ConsoleBackend(BaseBackend):
    """Prints the message (development)."""

    def send(self, *, to: str, body: str, message_id: int | None = None) -> SendResult:
        sys.stdout.write(f"SMS to {to}: {body}\n")
        return SendResult(status="sent", provider_id=f"console-{uuid.uuid4().hex[:16]}")


class TwilioBackend(BaseBackend):
    """Twilio's Messages REST API over plain HTTPS (no SDK): one POST per message."""

    api_base = "https://api.twilio.com/2010-04-01"
    timeout = 15

    def send(self, *, to: str, body: str, message_id: int | None = None) -> SendResult:
        sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
        sender = settings.TWILIO_FROM_NUMBER
        if not (sid and token and sender):
            return SendResult(status="failed", error="Twilio is not configured "
                              "(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER).")
        form = {"To": to, "From": sender, "Body": body}
        callback = getattr(settings, "TWILIO_STATUS_CALLBACK_URL", "")
        if callback:
            form["StatusCallback"] = callback
        request = urllib.request.Request(  # noqa: S310 (fixed https URL)
            f"{self.api_base}/Accounts/{urllib.parse.quote(sid)}/Messages.json",
            data=urllib.parse.urlencode(form).encode(), method="POST",
            headers={"Authorization": "Basic " + base64.b64encode(
                f"{sid}:{token}".encode()).decode(),
                "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
                data = json.loads(response.read().decode() or "{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            with contextlib.suppress(ValueError, AttributeError):
                detail = json.loads(detail).get("message", detail)
            return SendResult(status="failed", error=f"Twilio HTTP {exc.code}: {detail}")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            return SendResult(status="failed", error=f"Twilio unreachable: {exc}")
        if data.get("error_code"):
            return SendResult(status="failed", provider_id=data.get("sid", ""),
                              error=str(data.get("error_message") or data["error_code"]))
        return SendResult(status=data.get("status") or "queued", provider_id=data.get("sid", ""))


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()
