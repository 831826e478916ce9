from __future__ import annotations

import pytest
from django.core.management import call_command

from alerts.models import FlagRule, Intervention, OutreachTemplate
from alerts.services.catalogue import catalogue_data, catalogue_load
from dhs.models import DataSharingAgreement

pytestmark = pytest.mark.django_db

EXPECTED = {"rental_assistance", "utility_assistance", "eviction_legal_aid", "school_liaison",
            "recert_help", "child_care_assistance", "employment_services"}


def test_load_is_idempotent_and_keeps_admin_edits(capsys):
    call_command("load_catalogue")
    assert set(Intervention.objects.values_list("code", flat=True)) == EXPECTED
    counts = (FlagRule.objects.count(), Intervention.objects.count(),
              OutreachTemplate.objects.count(), DataSharingAgreement.objects.count())
    rule = FlagRule.objects.get(code="eviction_hearing")
    rule.params = {"days": 5, "unscheduled_days": 0}
    rule.save()
    catalogue_load()
    assert counts == (FlagRule.objects.count(), Intervention.objects.count(),
                      OutreachTemplate.objects.count(), DataSharingAgreement.objects.count())
    assert FlagRule.objects.get(code="eviction_hearing").params["days"] == 5
    assert "7 interventions" in capsys.readouterr().out


def test_every_provider_can_receive_referrals():
    catalogue_load()
    for item in Intervention.objects.select_related("provider"):
        agreement = DataSharingAgreement.objects.active_on().get(partner=item.provider)
        assert agreement.receives_referrals and "household_ref" in agreement.referral_fields
    codes = {r["code"] for r in catalogue_data()["flag_rules"]}
    assert codes == {"eviction_hearing", "utility_shutoff", "parent_jailed", "absence_rise",
                     "recert_overdue", "score_jump"}


def test_supervisor_tunes_a_threshold_in_the_admin(client, root_admin):
    catalogue_load()
    root_admin.is_superuser = True
    root_admin.save()
    client.force_login(root_admin)
    rule = FlagRule.objects.get(code="utility_shutoff")
    assert client.get("/admin/alerts/flagrule/").status_code == 200
    page = client.get(f"/admin/alerts/flagrule/{rule.pk}/change/")
    assert page.status_code == 200 and b"Thresholds" in page.content
    response = client.post(f"/admin/alerts/flagrule/{rule.pk}/change/", {
        "name": rule.name, "description": rule.description, "severity": "critical",
        "enabled": "on", "params": '{"days": 7}', "expiry_days": "10", "sla_hours": "12"})
    assert response.status_code == 302, response.content[:2000]
    rule.refresh_from_db()
    assert (rule.params, rule.severity, rule.sla_hours) == ({"days": 7}, "critical", 12)
    for path in ("intervention", "workitem", "flag", "referral", "outreachmessage",
                 "outreachtemplate"):
        assert client.get(f"/admin/alerts/{path}/").status_code == 200, path
