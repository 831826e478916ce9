"""Django admin: every dhs and cases model registered, searchable, and usable by the admin role."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin

from dhs.models import AuditEvent
from tests.factories import AgreementFactory, PartnerFactory

MODELS = [m for app in ("dhs", "cases") for m in apps.get_app_config(app).get_models()]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_is_registered_and_searchable(model) -> None:  # noqa: ANN001
    assert admin.site.is_registered(model)
    assert admin.site._registry[model].search_fields


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_role_can_search_every_changelist(client, root_admin, household_a,
                                                model) -> None:  # noqa: ANN001
    client.force_login(root_admin)
    meta = model._meta
    response = client.get(f"/admin/{meta.app_label}/{meta.model_name}/", {"q": "H"})
    assert response.status_code == 200


def test_household_search_by_ref_and_read_is_audited(client, root_admin,
                                                     household_a) -> None:  # noqa: ANN001
    client.force_login(root_admin)
    response = client.get("/admin/cases/household/", {"q": household_a.ref})
    assert household_a.ref in response.content.decode()
    response = client.get(f"/admin/cases/household/{household_a.pk}/change/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="admin_view")
    assert (event.username, event.household_ref) == ("root", household_a.ref)


def test_agreements_list_status_and_expiry(client, root_admin) -> None:  # noqa: ANN001
    agreement = AgreementFactory(partner=PartnerFactory(code="court"), status="suspended")
    client.force_login(root_admin)
    body = client.get("/admin/dhs/datasharingagreement/").content.decode()
    assert agreement.reference in body
    assert "Suspended" in body
    assert "Expiry date" in body
