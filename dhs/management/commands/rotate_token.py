"""`rotate_token CODE [--grace-hours H]`: issue a new partner token and retire the old ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from dhs.models import PartnerAgency, PartnerToken


class Command(BaseCommand):
    help = ("Issue a new API token for a partner (printed once) and revoke its old tokens, "
            "at once or after a grace period so the partner can switch without downtime.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("--days", type=int, default=365, help="New token lifetime in days.")
        parser.add_argument("--grace-hours", type=float, default=0,
                            help="Old tokens keep working this many hours (default: 0, revoked "
                                 "now).")

    def handle(self, *args: Any, **opts: Any) -> None:
        partner = PartnerAgency.objects.filter(code=opts["code"]).first()
        if partner is None:
            raise CommandError(f"No partner with code {opts['code']!r}.")
        if opts["days"] < 1 or opts["grace_hours"] < 0:
            raise CommandError("--days must be at least 1 and --grace-hours not negative.")
        now = timezone.now()
        with transaction.atomic():
            old = list(PartnerToken.objects.select_for_update()
                       .filter(partner=partner).usable())
            _, raw = PartnerToken.issue(partner=partner, days=opts["days"])
            if opts["grace_hours"] > 0:
                # A grace period shortens the old tokens' life instead of revoking them now.
                until = now + dt.timedelta(hours=opts["grace_hours"])
                for token in old:
                    if token.expires_at > until:
                        token.expires_at = until
                        token.save(update_fields=["expires_at"])
                note = f"{len(old)} old token(s) stop working at {until:%Y-%m-%d %H:%M %Z}"
            else:
                for token in old:
                    token.revoked_at = now
                    token.save(update_fields=["revoked_at"])
                note = f"{len(old)} old token(s) revoked"
        self.stdout.write(f"partner {partner.code}: {note}")
        self.stdout.write("Store this token now; it is shown only once:")
        self.stdout.write(f"token {raw}")
