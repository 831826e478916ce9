"""create_staff: roles as groups, office, password from the environment, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from dhs.roles import user_office_id, user_role

PASSWORD = "a-long-synthetic-passphrase"


def can_log_in(username: str, password: str) -> bool:
    return get_user_model().objects.get(username=username).check_password(password)


def create_staff(*args: str) -> str:
    out = StringIO()
    call_command("create_staff", *args, stdout=out)
    return out.getvalue()


def test_creates_then_updates(office_a, office_b, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("DHS_STAFF_PASSWORD", PASSWORD)
    assert "created dora: caseworker at NORTH" in create_staff(
        "dora", "--role", "caseworker", "--office", "NORTH")
    user = get_user_model().objects.get(username="dora")
    assert (user_role(user), user_office_id(user), user.is_staff) == (
        "caseworker", office_a.pk, False)
    assert user.has_perm("dhs.work_queue")
    assert can_log_in("dora", PASSWORD)

    monkeypatch.setenv("DHS_STAFF_PASSWORD", PASSWORD + "-2")
    assert "updated dora: supervisor at SOUTH" in create_staff(
        "dora", "--role", "supervisor", "--office", "south")
    user = get_user_model().objects.get(username="dora")
    assert [g.name for g in user.groups.all()] == ["supervisor"]
    assert user_office_id(user) == office_b.pk
    assert not can_log_in("dora", PASSWORD)
    assert can_log_in("dora", PASSWORD + "-2")
    assert get_user_model().objects.filter(username="dora").count() == 1


def test_admin_role_gets_django_admin_access(db, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("DHS_STAFF_PASSWORD", PASSWORD)
    create_staff("ada", "--role", "admin")
    user = get_user_model().objects.get(username="ada")
    assert user.is_staff
    assert user.has_perm("dhs.view_all_offices")


def test_password_prompt(office_a, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("DHS_STAFF_PASSWORD", raising=False)
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    create_staff("eve", "--role", "caseworker", "--office", "NORTH")
    assert can_log_in("eve", PASSWORD)


@pytest.mark.parametrize("args, message", [
    (["--role", "boss", "--office", "NORTH"], "unknown role 'boss'"),
    (["--role", "caseworker", "--office", "MOON"], "unknown office 'MOON'"),
    (["--role", "caseworker"], "a caseworker needs --office"),
])
def test_refuses_unknown_role_or_office(args, message, office_a, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("DHS_STAFF_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match=message):
        create_staff("zed", *args)
    assert not get_user_model().objects.filter(username="zed").exists()


def test_refuses_weak_password(office_a, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("DHS_STAFF_PASSWORD", "short")
    with pytest.raises(CommandError, match="password refused"):
        create_staff("zed", "--role", "caseworker", "--office", "NORTH")
    assert not get_user_model().objects.filter(username="zed").exists()
