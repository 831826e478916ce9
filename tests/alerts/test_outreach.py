from __future__ import annotations

import datetime as dt
import io
import json
import urllib.error
import zoneinfo
from unittest import mock

import pytest
from django.test import override_settings

from alerts.models import OutreachMessage, OutreachTemplate
from alerts.outreach.backends import TwilioBackend
from alerts.services.catalogue import catalogue_load
from alerts.services.outreach import (
    in_quiet_hours,
    outreach_inbound,
    outreach_send,
    template_render,
)
from alerts.views_webhooks import twilio_signature
from dhs.exceptions import ApplicationError
from tests.alerts.helpers import household

pytestmark = pytest.mark.django_db
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=CHICAGO)


@pytest.fixture
def consenting(office_a):
    return household(office=office_a, phone="+1 (217) 555-0123", sms_consent=True)


def outbox_lines(settings):
    files = list(settings.SMS_OUTBOX_DIR.glob("*.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


def test_template_is_filled_and_sent_through_the_file_backend(consenting, alice, settings):
    catalogue_load()
    body = template_render(template=OutreachTemplate.objects.get(code="rental_assistance"),
                           household=consenting)
    assert body.startswith("Hello from Northside Service Center. You may be eligible for "
                           "Emergency rental assistance. Please call +1 217 555 0140")
    message = outreach_send(household=consenting, user=alice, body=body, now=NOON)
    assert message.status == "sent" and message.provider_id.startswith("file-")
    (line,) = outbox_lines(settings)
    assert line["to"] == "+1 (217) 555-0123" and line["body"] == body
    assert consenting.messages.get() == message


def test_no_message_without_consent(office_a, alice, settings):
    h = household(office=office_a, sms_consent=False)
    with pytest.raises(ApplicationError) as err:
        outreach_send(household=h, user=alice, body="Hello", now=NOON)
    assert err.value.code == "no_consent"
    assert not OutreachMessage.objects.exists() and outbox_lines(settings) == []


@pytest.mark.parametrize(("hour", "minute", "quiet"), [
    (7, 59, True), (8, 0, False), (19, 59, False), (20, 0, True), (23, 30, True), (2, 0, True)])
def test_quiet_hours_in_the_agency_time_zone(consenting, alice, hour, minute, quiet):
    now = dt.datetime(2026, 12, 1, hour, minute, tzinfo=CHICAGO).astimezone(dt.UTC)
    assert in_quiet_hours(now) is quiet
    if quiet:
        with pytest.raises(ApplicationError) as err:
            outreach_send(household=consenting, user=alice, body="Hi", now=now)
        assert err.value.code == "quiet_hours"
    else:
        assert outreach_send(household=consenting, user=alice, body="Hi", now=now).status \
            == "sent"


@pytest.mark.parametrize("word", ["STOP", " stop ", "Unsubscribe", "cancel", "END", "quit\n"])
def test_stop_words_revoke_consent_at_once(consenting, alice, word):
    result = outreach_inbound(from_number="+12175550123", body=word)
    assert result == {"households": 1, "stop": True, "revoked": 1}
    consenting.refresh_from_db()
    assert consenting.sms_consent is False and consenting.sms_consent_at is not None
    with pytest.raises(ApplicationError):
        outreach_send(household=consenting, user=alice, body="Hi", now=NOON)
    assert consenting.messages.filter(direction="in").count() == 1


def test_an_ordinary_reply_keeps_consent(consenting):
    assert outreach_inbound(from_number="2175550123", body="stop by tomorrow?")["stop"] is False
    consenting.refresh_from_db()
    assert consenting.sms_consent


def test_webhook_with_shared_secret_and_status_callback(consenting, alice, client, settings):
    settings.SMS_WEBHOOK_SECRET = "s3cret"
    message = outreach_send(household=consenting, user=alice, body="Hi", now=NOON)
    url = "/sms/inbound/"
    assert client.post(url, {"From": "+12175550123", "Body": "STOP"}).status_code == 403
    response = client.post(url, {"MessageSid": message.provider_id,
                                 "MessageStatus": "delivered"},
                           headers={"X-Webhook-Secret": "s3cret"})
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == "delivered"
    response = client.post(url, {"From": "+12175550123", "Body": "Stop"},
                           headers={"X-Webhook-Secret": "s3cret"})
    assert response.status_code == 200 and b"<Response>" in response.content
    consenting.refresh_from_db()
    assert not consenting.sms_consent


@override_settings(TWILIO_AUTH_TOKEN="tok", SMS_WEBHOOK_SECRET="")
def test_webhook_verifies_the_twilio_signature(consenting, client):
    params = {"From": "+12175550123", "Body": "STOP"}
    url = "http://testserver/sms/inbound/"
    good = twilio_signature(auth_token="tok", url=url, params=params)
    assert client.post("/sms/inbound/", params,
                       headers={"X-Twilio-Signature": "bad"}).status_code == 403
    consenting.refresh_from_db()
    assert consenting.sms_consent
    assert client.post("/sms/inbound/", params,
                       headers={"X-Twilio-Signature": good}).status_code == 200
    consenting.refresh_from_db()
    assert not consenting.sms_consent


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@override_settings(SMS_BACKEND="alerts.outreach.backends.TwilioBackend",
                   TWILIO_ACCOUNT_SID="AC123", TWILIO_AUTH_TOKEN="tok",
                   TWILIO_FROM_NUMBER="+12175550000")
def test_twilio_backend_posts_to_the_messages_api(consenting, alice):
    answer = FakeResponse(json.dumps({"sid": "SM1", "status": "queued"}).encode())
    with mock.patch("urllib.request.urlopen", return_value=answer) as urlopen:
        message = outreach_send(household=consenting, user=alice, body="Hello", now=NOON)
    request = urlopen.call_args.args[0]
    assert request.full_url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
    assert request.get_method() == "POST"
    assert b"Body=Hello" in request.data and b"From=%2B12175550000" in request.data
    assert request.headers["Authorization"].startswith("Basic ")
    assert (message.status, message.provider_id) == ("queued", "SM1")


@override_settings(TWILIO_ACCOUNT_SID="AC123", TWILIO_AUTH_TOKEN="tok",
                   TWILIO_FROM_NUMBER="+12175550000")
def test_twilio_error_is_kept_on_the_message():
    error = urllib.error.HTTPError("u", 400, "Bad Request", {},
                                   io.BytesIO(b'{"message": "The To number is invalid"}'))
    with mock.patch("urllib.request.urlopen", side_effect=error):
        result = TwilioBackend().send(to="+1", body="x")
    assert result.status == "failed" and "The To number is invalid" in result.error
