"""API personas: partners with tokens, an API client per caller, a referral world."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from dhs.models import PartnerToken
from tests.factories import AgreementFactory, PartnerFactory


def token_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture(autouse=True)
def _fresh_throttles(settings) -> None:  # noqa: ANN001
    """Throttle buckets live in the cache; start every test with empty ones."""
    from django.core.cache import cache
    cache.clear()


@pytest.fixture
def court_client(court_partner) -> APIClient:  # noqa: ANN001
    return token_client(court_partner[1])


@pytest.fixture
def utility_client(utility_partner) -> APIClient:  # noqa: ANN001
    return token_client(utility_partner[1])


@pytest.fixture
def legal_aid(db):  # noqa: ANN001, ANN201
    """A legal-aid society that receives referrals and may read two household fields."""
    partner = PartnerFactory(code="legal_aid", name="County Legal Aid", kind="legal_aid")
    agreement = AgreementFactory(partner=partner, sources=[], receives_referrals=True,
                                 purpose="eviction defence referrals",
                                 referral_fields=["household_ref", "phone"])
    _, raw = PartnerToken.issue(partner=partner, days=30)
    return partner, agreement, raw


@pytest.fixture
def housing_authority(db):  # noqa: ANN001, ANN201
    """A second referral partner: must never see legal aid's referrals."""
    partner = PartnerFactory(code="housing", name="Housing Authority",
                             kind="housing_authority")
    agreement = AgreementFactory(partner=partner, sources=[], receives_referrals=True,
                                 purpose="rental assistance referrals",
                                 referral_fields=["household_ref"])
    _, raw = PartnerToken.issue(partner=partner, days=30)
    return partner, agreement, raw


@pytest.fixture
def expired_token(court_partner) -> str:  # noqa: ANN001
    token, raw = PartnerToken.issue(partner=court_partner[0], days=1)
    PartnerToken.objects.filter(pk=token.pk).update(
        expires_at=token.created_at - dt.timedelta(minutes=1))
    return raw
