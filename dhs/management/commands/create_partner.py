"""`create_partner CODE --name NAME --sources S1,S2 --purpose TEXT --days N`: onboard a partner."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from dhs.models import DataSharingAgreement, PartnerAgency, PartnerToken


def known_sources() -> set[str]:
    """Signal source names, read through the app registry (dhs never imports risk)."""
    try:
        field = apps.get_model("risk", "FeedBatch")._meta.get_field("source")
    except LookupError:  # pragma: no cover - risk is always installed
        return set()
    return {value for value, _ in field.choices}


def source_purposes(sources: list[str]) -> dict[str, str]:
    """The purpose each source is collected for (risk.SignalSource.purpose, or its default)."""
    try:
        model = apps.get_model("risk", "SignalSource")
    except LookupError:  # pragma: no cover
        return {}
    default = model._meta.get_field("purpose").default
    configured = dict(model.objects.filter(name__in=sources).values_list("name", "purpose"))
    return {s: configured.get(s) or default for s in sources}


def _norm(text: str) -> str:
    return " ".join((text or "").lower().split())


def _split(raw: str) -> list[str]:
    return [s.strip() for s in (raw or "").split(",") if s.strip()]


class Command(BaseCommand):
    help = ("Create (or update) a partner agency with a data-sharing agreement for N days and "
            "print a new API token once.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="Short partner code, e.g. county_court.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--sources", default="",
                            help="Comma-separated signal sources the partner may push.")
        parser.add_argument("--purpose", required=True, help="Purpose of the agreement.")
        parser.add_argument("--days", type=int, required=True,
                            help="Days the agreement (and the token) are valid.")
        parser.add_argument("--kind", default="service_provider",
                            choices=[k for k, _ in PartnerAgency.KINDS])
        parser.add_argument("--receives-referrals", action="store_true",
                            help="The partner receives referrals through the API.")
        parser.add_argument("--referral-fields", default="",
                            help="Comma-separated household fields the partner may read on "
                                 "referrals (e.g. household_ref,head_name,phone,address).")
        parser.add_argument("--reference", default="",
                            help="Agreement reference (default DSA-<CODE>-<date>-<n>).")
        parser.add_argument("--legal-basis", default="")
        parser.add_argument("--token-days", type=int, default=None,
                            help="Token lifetime in days (default: --days).")

    def handle(self, *args: Any, **opts: Any) -> None:
        code = opts["code"].strip()
        days = opts["days"]
        if not code:
            raise CommandError("CODE must not be empty.")
        if days < 1:
            raise CommandError("--days must be at least 1.")
        sources = _split(opts["sources"])
        unknown = sorted(set(sources) - known_sources())
        if unknown:
            raise CommandError(f"Unknown source(s): {', '.join(unknown)}; known: "
                               f"{', '.join(sorted(known_sources()))}.")
        if not sources and not opts["receives_referrals"]:
            raise CommandError("Give --sources and/or --receives-referrals: an agreement "
                               "must allow some data flow.")
        today = timezone.localdate()
        with transaction.atomic():
            partner, created = PartnerAgency.objects.get_or_create(
                code=code, defaults={"name": opts["name"], "kind": opts["kind"]})
            if not created:
                partner.name, partner.kind, partner.active = opts["name"], opts["kind"], True
                partner.save(update_fields=["name", "kind", "active"])
            reference = opts["reference"] or self._reference(code, today)
            if DataSharingAgreement.objects.filter(reference=reference).exists():
                raise CommandError(f"Agreement {reference} already exists.")
            agreement = DataSharingAgreement.objects.create(
                partner=partner, reference=reference, sources=sources,
                purpose=opts["purpose"], legal_basis=opts["legal_basis"],
                receives_referrals=opts["receives_referrals"],
                referral_fields=_split(opts["referral_fields"]),
                effective_date=today, expiry_date=today + dt.timedelta(days=days),
                status=DataSharingAgreement.ACTIVE)
            _, raw = PartnerToken.issue(partner=partner, days=opts["token_days"] or days)
        self.stdout.write(f"partner {partner.code} ({partner.name}) "
                          f"{'created' if created else 'updated'}")
        self.stdout.write(f"agreement {agreement.reference}: sources "
                          f"{','.join(sources) or '-'}; referrals "
                          f"{'yes' if agreement.receives_referrals else 'no'}; "
                          f"{agreement.effective_date} to {agreement.expiry_date}")
        for source, purpose in source_purposes(sources).items():
            if _norm(purpose) not in _norm(agreement.purpose):
                self.stderr.write(
                    f"warning: {source} is collected for '{purpose}', which the agreement's "
                    "purpose does not name; ingestion will refuse its records until it does.")
        self.stdout.write("Store this token now; it is shown only once:")
        self.stdout.write(f"token {raw}")

    @staticmethod
    def _reference(code: str, today: dt.date) -> str:
        base = f"DSA-{code.upper()}-{today:%Y%m%d}"
        n = DataSharingAgreement.objects.filter(reference__startswith=base).count() + 1
        while DataSharingAgreement.objects.filter(reference=f"{base}-{n}").exists():
            n += 1
        return f"{base}-{n}"
