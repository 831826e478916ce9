"""Random payloads at POST /api/v1/signals/<source>/: never a 5xx; an accepted batch answers one
result per record, and its counts add up (rows read = new + duplicate + rejected)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from risk.models import FeedBatch
from risk.sources import get_adapter
from tests.factories import HouseholdFactory, PersonFactory
from tests.property.strategies import GARBAGE, feed_rows

PROFILE = settings(max_examples=50, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow, HealthCheck.data_too_large])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)


@pytest.fixture
def api(court_partner, monkeypatch):
    """The court may push eviction filings; throttling is off so examples are not rate-limited."""
    from alerts.api.throttling import PartnerRateThrottle

    monkeypatch.setattr(PartnerRateThrottle, "allow_request", lambda self, request, view: True)
    household = HouseholdFactory()
    PersonFactory(household=household, first_name="Jane", last_name="Doe")
    _, token = court_partner
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def post(client: Client, source: str, body: bytes | str, key: str = ""):  # noqa: ANN201
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/signals/{source}/", data=body,
                       content_type="application/json", **headers)


def check_batch(response, records: list) -> None:  # noqa: ANN001
    assert response.status_code < 500, response.content[:500]
    if response.status_code != 200:
        body = response.json()
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
        return
    body = response.json()
    assert len(body["results"]) == len(records)
    assert body["accepted"] + body["duplicate"] + body["rejected"] == len(records)
    batch = FeedBatch.objects.get(pk=body["batch_id"])
    if not body["replayed"]:
        assert batch.rows_read == len(records)
    assert batch.rows_read == batch.new + batch.duplicate + batch.rejected, (
        batch.rows_read, batch.new, batch.duplicate, batch.rejected)
    for result in body["results"]:
        assert result["status"] in ("accepted", "duplicate", "rejected")
        if result["status"] == "rejected":
            assert result["reason"]


def test_random_feed_rows_never_5xx_and_counts_add_up(api, db):
    rows = feed_rows(get_adapter("eviction_filings").fields)

    @PROFILE
    @given(records=st.lists(rows, min_size=1, max_size=8),
           repeat=st.booleans(), key=st.one_of(st.just(""), st.uuids().map(str)))
    def run(records: list[dict], repeat: bool, key: str) -> None:
        body = json.dumps({"records": records})
        check_batch(post(api, "eviction_filings", body, key), records)
        if repeat:  # the same batch again: duplicates (or the stored answer with the key)
            again = post(api, "eviction_filings", body, key)
            check_batch(again, records)
            if key:
                assert again.json()["replayed"] is True

    run()


def test_random_json_bodies_never_5xx(api, db):
    @PROFILE
    @given(body=st.one_of(
        JSON.map(json.dumps),
        st.lists(JSON, max_size=3).map(lambda r: json.dumps({"records": r})),
        st.lists(st.dictionaries(st.text(max_size=12), GARBAGE, max_size=6), min_size=1,
                 max_size=4).map(lambda r: json.dumps({"records": r})),
        st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
        st.sampled_from(["", "{", "[]", "null", '{"records": []}', '{"records": {}}',
                         '{"records": [null]}', '{"records": [[]]}', '{"records": "x"}']),
    ), source=st.sampled_from(["eviction_filings", "utility_shutoffs", "no_such_feed",
                               "..", "%00"]))
    def run(body: str, source: str) -> None:
        response = post(api, source, body)
        assert response.status_code < 500, (response.status_code, response.content[:500])
        if response.status_code == 200:
            check_batch(response, json.loads(body)["records"])

    run()
