"""`manage.py create_staff USERNAME --role ROLE --office CODE`: a staff login, idempotent."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dhs.models import ROLES, Office, StaffProfile
from dhs.roles import ensure_roles

PASSWORD_ENV = "DHS_STAFF_PASSWORD"  # noqa: S105 - the name of the variable, not a password


class Command(BaseCommand):
    help = ("Create or update a staff login with its role and office. The password comes from "
            f"${PASSWORD_ENV} or a prompt. Running it again updates role, office and password.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="|".join(ROLES))
        parser.add_argument("--office", default="",
                            help="Office code (required for caseworkers and supervisors).")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        username, role = options["username"].strip(), options["role"].strip().lower()
        if not username:
            raise CommandError("USERNAME must not be empty")
        if role not in ROLES:
            raise CommandError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        office = None
        if options["office"]:
            office = Office.objects.filter(code__iexact=options["office"].strip()).first()
            if office is None:
                known = ", ".join(Office.objects.values_list("code", flat=True)) or "none yet"
                raise CommandError(f"unknown office {options['office']!r} (known: {known})")
        elif role in ("caseworker", "supervisor"):
            raise CommandError(f"a {role} needs --office CODE")
        password = self._password(username)
        ensure_roles()
        user_model = get_user_model()
        with transaction.atomic():
            user, created = user_model.objects.get_or_create(username=username)
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("password refused: " + " ".join(exc.messages)) from exc
            user.set_password(password)
            user.is_staff = role == "admin"
            user.is_active = True
            if options["email"]:
                user.email = options["email"]
            user.save()
            user.groups.remove(*Group.objects.filter(name__in=ROLES))
            user.groups.add(Group.objects.get(name=role))
            StaffProfile.objects.update_or_create(user=user, defaults={"office": office})
        verb = "created" if created else "updated"
        where = office.code if office else "no office"
        self.stdout.write(f"{verb} {username}: {role} at {where}")

    def _password(self, username: str) -> str:
        password = os.environ.get(PASSWORD_ENV, "")
        if password:
            return password
        try:
            first = getpass.getpass(f"Password for {username}: ")
            second = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt) as exc:
            raise CommandError(f"no password: set ${PASSWORD_ENV} or answer the prompt") from exc
        if not first:
            raise CommandError("the password must not be empty")
        if first != second:
            raise CommandError("the passwords do not match")
        return first
