"""The audit log is append-only: not through the models, the admin, nor raw SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from dhs.audit import audit_record
from dhs.models import AuditEvent


@pytest.fixture
def event(alice, household_a):  # noqa: ANN001, ANN201
    return audit_record(action="household_view", user=alice, object_type="Household",
                        object_id=household_a.pk, household_ref=household_a.ref,
                        purpose="casework")


def test_model_save_and_delete_refused(event) -> None:  # noqa: ANN001
    event.action = "nothing_happened"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "household_view"


def test_queryset_update_and_delete_refused(event) -> None:  # noqa: ANN001
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(action="household_view").count() == 1


def test_user_deletion_keeps_the_trail(event, alice) -> None:  # noqa: ANN001
    alice.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert kept.username == "alice"


@pytest.mark.postgres
def test_raw_sql_update_and_delete_refused(event) -> None:  # noqa: ANN001
    for sql in ("UPDATE dhs_auditevent SET action = 'x'", "DELETE FROM dhs_auditevent"):
        with pytest.raises(DatabaseError, match="Cannot update or delete"), \
                transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.filter(pk=event.pk, action="household_view").exists()


# --- the admin ------------------------------------------------------------------------------
def test_admin_is_read_only_and_searching_is_audited(client, root_admin, event) -> None:  # noqa: ANN001
    client.force_login(root_admin)
    before = AuditEvent.objects.count()
    response = client.get("/admin/dhs/auditevent/", {"q": event.household_ref})
    assert response.status_code == 200
    assert event.household_ref in response.content.decode()
    search = AuditEvent.objects.filter(action="audit_search").get()
    assert search.username == "root"
    assert search.details["query"] == {"q": event.household_ref}
    assert AuditEvent.objects.count() == before + 1

    change_url = f"/admin/dhs/auditevent/{event.pk}/change/"
    assert client.get(change_url).status_code == 200  # a read-only view
    assert client.post(change_url, {"action": "x"}).status_code == 403
    assert client.get("/admin/dhs/auditevent/add/").status_code == 403
    assert client.post(f"/admin/dhs/auditevent/{event.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    bulk = client.post("/admin/dhs/auditevent/", {"action": "delete_selected",
                                                  "_selected_action": [event.pk]})
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.get(pk=event.pk).action == "household_view"


def test_admin_audit_log_denied_to_non_admin_staff(client, alice, event) -> None:  # noqa: ANN001
    client.force_login(alice)  # not is_staff: the admin site sends her to its login page
    response = client.get("/admin/dhs/auditevent/")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="audit_search").exists()
