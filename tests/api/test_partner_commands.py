"""create_partner and rotate_token: onboarding a partner and rotating its token."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dhs.models import DataSharingAgreement, PartnerAgency, PartnerToken
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _token(output: str) -> str:
    return next(line.split()[1] for line in output.splitlines() if line.startswith("token "))


def test_create_partner_makes_partner_agreement_and_a_working_token() -> None:
    out = _run("create_partner", "county_court", "--name", "County Court", "--sources",
               "eviction_filings", "--purpose", "early warning of household crisis",
               "--days", "90", "--kind", "court")
    partner = PartnerAgency.objects.get(code="county_court")
    agreement = DataSharingAgreement.objects.get(partner=partner)
    assert agreement.sources == ["eviction_filings"] and agreement.is_active()
    assert agreement.expiry_date == timezone.localdate() + dt.timedelta(days=90)
    raw = _token(out)
    # Stored hashed only: the plain token is nowhere in the database.
    token = PartnerToken.objects.get(partner=partner)
    assert token.key_hash == PartnerToken.hash(raw) and raw not in token.key_hash
    response = token_client(raw).get("/api/v1/referrals/")
    assert response.status_code == 403  # authenticated, but no referral agreement
    assert response.json()["error"]["code"] == "no_agreement"


def test_create_partner_with_referrals_and_fields() -> None:
    _run("create_partner", "legal", "--name", "Legal Aid", "--purpose", "referrals",
         "--days", "30", "--receives-referrals", "--referral-fields", "household_ref, phone")
    agreement = DataSharingAgreement.objects.get(partner__code="legal")
    assert agreement.receives_referrals and agreement.referral_fields == ["household_ref",
                                                                          "phone"]


def test_create_partner_refuses_unknown_source() -> None:
    with pytest.raises(CommandError, match="Unknown source"):
        _run("create_partner", "x", "--name", "X", "--sources", "tax_returns", "--purpose",
             "p", "--days", "10")
    assert not PartnerAgency.objects.filter(code="x").exists()


def test_rotate_token_revokes_old_token_at_once() -> None:
    raw_old = _token(_run("create_partner", "court2", "--name", "C", "--sources",
                          "eviction_filings", "--purpose", "p", "--days", "30"))
    raw_new = _token(_run("rotate_token", "court2"))
    assert raw_new != raw_old
    old = token_client(raw_old).get("/api/v1/signals/eviction_filings/")
    assert old.status_code == 401 and old.json()["error"]["message"] == "Token revoked."
    assert token_client(raw_new).get("/api/v1/signals/eviction_filings/").status_code != 401


def test_rotate_token_with_grace_keeps_old_token_for_a_while() -> None:
    raw_old = _token(_run("create_partner", "court3", "--name", "C", "--sources",
                          "eviction_filings", "--purpose", "p", "--days", "30"))
    _run("rotate_token", "court3", "--grace-hours", "2")
    old = PartnerToken.objects.get(key_hash=PartnerToken.hash(raw_old))
    assert old.revoked_at is None
    assert old.expires_at <= timezone.now() + dt.timedelta(hours=2, seconds=5)
    assert token_client(raw_old).get("/api/v1/signals/eviction_filings/").status_code != 401


def test_onboarded_partner_can_push_at_once() -> None:
    """The quick start of docs/api.md: create_partner, then push a batch with the token."""
    raw = _token(_run("create_partner", "court4", "--name", "C", "--sources",
                      "eviction_filings", "--purpose", "early warning of household crisis",
                      "--days", "30", "--kind", "court"))
    record = {"case_number": "2026-EV-9", "filing_date": "2026-11-20", "court": "D3",
              "plaintiff": "Oak LLC", "defendant_name": "DOE, JANE",
              "defendant_address": "1 Elm St, Springfield, IL 62701", "hearing_date": "",
              "amount_claimed": ""}
    response = token_client(raw).post("/api/v1/signals/eviction_filings/",
                                      {"records": [record]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["status"] == "accepted"


def test_create_partner_warns_when_purpose_does_not_cover_the_source() -> None:
    err = StringIO()
    call_command("create_partner", "court5", "--name", "C", "--sources", "eviction_filings",
                 "--purpose", "statistics", "--days", "30", stdout=StringIO(), stderr=err)
    assert "ingestion will refuse" in err.getvalue()
