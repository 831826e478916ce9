"""Data minimisation: race/ethnicity never leaves the database through a page, an export or an
API response, and the model never reads it. Every person of the world carries a marker value
that no page would print by accident; the tests search the rendered bytes for it."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from tests.security.access_matrix import PERSONAS, ROWS
from tests.security.world import RACE_MARKER, build_world, client_for, fill


@pytest.fixture
def world(alice, bob, charlie, sam, ann, root_admin, court_partner, utility_partner):
    return build_world(alice=alice, bob=bob, charlie=charlie, sam=sam, ann=ann,
                       root_admin=root_admin, court_partner=court_partner,
                       utility_partner=utility_partner)


def assert_clean(content: bytes, where: str) -> None:
    assert RACE_MARKER.encode() not in content, f"race/ethnicity leaked in {where}"
    assert RACE_MARKER.lower().encode() not in content.lower(), where


def test_no_page_or_api_response_shows_race_ethnicity(world):
    """Every GET row of the access matrix, as every persona, plus the admin's person pages."""
    checked = 0
    for persona in PERSONAS:
        client = client_for(persona, world)
        paths = [fill(r.path, world.values) for r in ROWS if r.method == "GET"]
        if persona == "admin":
            paths += [f"/admin/cases/person/{world.person.pk}/change/",
                      f"/admin/cases/household/{world.household.pk}/change/",
                      "/admin/cases/person/", f"/admin/cases/person/?q={world.person.ref}"]
        if persona in ("supervisor", "admin"):
            paths.append(f"/supervisor/?ref={world.household.ref}")
        for path in paths:
            response = client.get(path)
            content = b"".join(response.streaming_content) if response.streaming \
                else response.content
            assert_clean(content, f"GET {path} as {persona}")
            checked += 1
    assert checked > 150


def test_api_write_answers_do_not_echo_race_ethnicity(world):
    client = client_for("caseworker", world)
    response = client.post(f"/api/v1/staff/work-items/{world.item.pk}/actions/",
                           data=json.dumps({"action": "contacted", "note": "voicemail"}),
                           content_type="application/json")
    assert response.status_code == 201
    assert_clean(response.content, "staff action answer")
    partner = client_for("partner", world)
    response = partner.patch(f"/api/v1/referrals/{world.referral.pk}/",
                             data=json.dumps({"outcome": "served", "note": ""}),
                             content_type="application/json")
    assert response.status_code == 200
    assert_clean(response.content, "referral outcome answer")


def test_referral_payload_carries_only_the_agreed_fields(world):
    from alerts.services.referrals import referral_payload_for_partner

    payload = referral_payload_for_partner(referral=world.referral)
    allowed = set(world.referral.agreement.referral_fields)
    assert set(payload["household"]) <= allowed
    world.referral.agreement.referral_fields = ["household_ref"]
    world.referral.agreement.save()
    world.referral.refresh_from_db()
    narrowed = referral_payload_for_partner(referral=world.referral)["household"]
    assert set(narrowed) == {"household_ref"}, "a narrowed agreement must narrow the payload"
    assert_clean(json.dumps(payload, default=str).encode(), "referral payload")


def test_exports_do_not_carry_race_ethnicity(world, tmp_path):
    call_command("export_scores", str(tmp_path / "scores.csv"))
    call_command("export_links", "eviction_filings", str(tmp_path / "links.csv"))
    for name in ("scores.csv", "links.csv"):
        content = (tmp_path / name).read_bytes()
        assert content, name
        assert_clean(content, name)
    assert b"race" not in (tmp_path / "scores.csv").read_bytes().splitlines()[0].lower()


def test_model_features_exclude_race_ethnicity(world):
    from django.utils import timezone

    from risk.services.features import household_features
    from risk.services.training import feature_columns

    feats = household_features(as_of=timezone.now())
    assert not [c for c in feats.columns if "race" in c.lower() or "ethnic" in c.lower()]
    assert RACE_MARKER not in feats.astype(str).to_numpy().ravel().tolist()
    columns = feature_columns(feats.reset_index(), [])
    assert not [c for c in columns if "race" in c.lower() or "ethnic" in c.lower()]
