"""POST /api/v1/signals/{source}/: agreement scope, per-record results, idempotency, limits."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from risk.models import FeedBatch, RawRecord, Signal

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/eviction_filings/"


def filing(n: int, **overrides: str) -> dict[str, str]:
    row = {"case_number": f"2026-EV-{n:06d}", "filing_date": "2026-11-20",
           "court": "District 3", "plaintiff": "Oak Street Apartments LLC",
           "defendant_name": f"TESTPERSON{n}, MARIA", "defendant_address":
           f"{100 + n} Maple Street, Springfield, IL 62701", "hearing_date": "2026-12-08",
           "amount_claimed": "2450.00"}
    row.update(overrides)
    return row


def test_push_answers_one_result_per_record_in_order(court_client: APIClient) -> None:
    records = [filing(1), filing(2, filing_date="not a date"), filing(3), {"case_number": ""}]
    response = court_client.post(URL, {"records": records}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["accepted", "rejected", "accepted", "rejected"]
    assert "filing_date" in body["results"][1]["reason"]
    assert body["results"][0]["record_id"] == "2026-EV-000001"
    assert (body["accepted"], body["rejected"], body["replayed"]) == (2, 2, False)
    # The good records are kept; the bad ones are kept for review with their reason.
    stored = RawRecord.objects.filter(batch_id=body["batch_id"])
    assert stored.exclude(status="rejected").count() == 2
    assert stored.filter(status="rejected").count() == 2


def test_json_numbers_are_read_like_csv_text(court_client: APIClient) -> None:
    response = court_client.post(URL, {"records": [filing(7, amount_claimed=2450.5)]},
                                 format="json")
    assert response.json()["results"][0]["status"] == "accepted"


def test_same_idempotency_key_stores_nothing_new(court_client: APIClient) -> None:
    payload = {"records": [filing(1), filing(2)]}
    first = court_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="batch-0001")
    counts = (FeedBatch.objects.count(), RawRecord.objects.count(), Signal.objects.count())
    again = court_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="batch-0001")
    assert again.status_code == 200
    assert again.json()["results"] == first.json()["results"]
    assert again.json()["replayed"] is True and again.json()["batch_id"] == first.json()[
        "batch_id"]
    assert (FeedBatch.objects.count(), RawRecord.objects.count(),
            Signal.objects.count()) == counts


def test_resending_without_key_marks_duplicates(court_client: APIClient) -> None:
    payload = {"records": [filing(1)]}
    court_client.post(URL, payload, format="json")
    again = court_client.post(URL, payload, format="json")
    assert again.json()["results"][0]["status"] == "duplicate"


def test_source_outside_the_agreement_is_403_and_stores_nothing(
        utility_client: APIClient) -> None:
    response = utility_client.post(URL, {"records": [filing(1)]}, format="json",
                                   HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_agreement"
    assert not FeedBatch.objects.exists() and not RawRecord.objects.exists()


def test_expired_agreement_is_403(court_partner, court_client: APIClient) -> None:  # noqa: ANN001
    court_partner[0].agreements.update(status="terminated")
    response = court_client.post(URL, {"records": [filing(1)]}, format="json")
    assert response.status_code == 403
    assert not RawRecord.objects.exists()


def test_more_than_1000_records_is_413(court_client: APIClient) -> None:
    response = court_client.post(URL, {"records": [filing(1)] * 1001}, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not FeedBatch.objects.exists()


@pytest.mark.parametrize("payload", [{}, {"records": []}, {"records": "x"}, [1, 2]])
def test_malformed_body_is_400(court_client: APIClient, payload: object) -> None:
    response = court_client.post(URL, payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"]


def test_invalid_json_is_400(court_client: APIClient) -> None:
    response = court_client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_idempotency_key_too_long_is_400(court_client: APIClient) -> None:
    response = court_client.post(URL, {"records": [filing(1)]}, format="json",
                                 HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
