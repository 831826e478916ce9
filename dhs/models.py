"""Platform records every app uses: offices, staff, partners, agreements, tokens, audit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

ROLES = ("caseworker", "supervisor", "analyst", "admin")


class Office(models.Model):
    """A local service centre; caseworkers belong to one and see only its households."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=120)
    county = models.CharField(max_length=80, blank=True)
    address = models.CharField(max_length=200, blank=True)
    opening_hours = models.CharField(max_length=120, default="Mon-Fri 08:00-17:00")
    sustainable_caseload = models.PositiveIntegerField(
        default=40, help_text="Open items per caseworker above which supervisors are warned."
    )
    weekly_capacity = models.PositiveIntegerField(
        default=100, help_text="Work items the office can act on per week (top-k of the model)."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class StaffProfile(models.Model):
    """Links a Django user to an office; the role itself is the user's auth group."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="staff")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="staff",
                               null=True, blank=True)
    max_caseload = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        permissions = [
            ("work_queue", "Can work the caseworker queue and open households of own office"),
            ("review_team", "Can review team queues, reassign and review dismissals"),
            ("view_all_offices", "Can see households of every office"),
            ("view_aggregates", "Can see aggregate and fairness reports"),
            ("view_audit", "Can search the audit log"),
            ("review_links", "Can confirm or reject candidate record links"),
            ("manage_models", "Can train and promote risk models"),
        ]

    def __str__(self) -> str:
        return f"{self.user.username} @ {self.office.code if self.office else '-'}"


class PartnerAgency(models.Model):
    """An outside agency that sends signals or receives referrals under an agreement."""

    KINDS = [
        ("court", "Court"),
        ("sheriff", "Sheriff / jail"),
        ("school_district", "School district"),
        ("utility", "Utility"),
        ("legal_aid", "Legal aid"),
        ("housing_authority", "Housing authority"),
        ("service_provider", "Service provider"),
        ("agency", "The agency itself"),
    ]
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=KINDS, default="service_provider")
    contact_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    website = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "partner agencies"

    def __str__(self) -> str:
        return self.name


class AgreementQuerySet(models.QuerySet):
    def active_on(self, day: dt.date | None = None) -> AgreementQuerySet:
        day = day or timezone.localdate()
        return self.filter(status=DataSharingAgreement.ACTIVE, effective_date__lte=day,
                           expiry_date__gte=day, partner__active=True)


class DataSharingAgreement(models.Model):
    """The legal basis for any data flow; no signal enters and no referral leaves without one."""

    DRAFT, ACTIVE, SUSPENDED, TERMINATED = "draft", "active", "suspended", "terminated"
    STATUSES = [(s, s.title()) for s in (DRAFT, ACTIVE, SUSPENDED, TERMINATED)]

    partner = models.ForeignKey(PartnerAgency, on_delete=models.PROTECT, related_name="agreements")
    reference = models.CharField(max_length=64, unique=True)
    sources = models.JSONField(default=list, blank=True,
                               help_text="Signal sources the partner may deliver.")
    purpose = models.CharField(max_length=200)
    legal_basis = models.TextField(blank=True)
    fields_allowed = models.JSONField(
        default=list, blank=True,
        help_text="Feed fields that may be stored; empty means every field of the feed.",
    )
    referral_fields = models.JSONField(
        default=list, blank=True, help_text="Household fields a partner may read on referrals."
    )
    receives_referrals = models.BooleanField(default=False)
    effective_date = models.DateField()
    expiry_date = models.DateField()
    retention_days = models.PositiveIntegerField(default=1095)
    status = models.CharField(max_length=16, choices=STATUSES, default=ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["partner__code", "reference"]

    def __str__(self) -> str:
        return f"{self.reference} ({self.partner.code})"

    def is_active(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return (self.status == self.ACTIVE and self.effective_date <= day <= self.expiry_date
                and self.partner.active)

    def covers(self, source: str) -> bool:
        return source in (self.sources or [])


class PartnerTokenQuerySet(models.QuerySet):
    def usable(self) -> PartnerTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class PartnerToken(models.Model):
    """An API token, stored only as a SHA-256 hash; the plain token is shown once."""

    partner = models.ForeignKey(PartnerAgency, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = PartnerTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.partner.code}:{self.prefix}…"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, *, partner: PartnerAgency, days: int = 365) -> tuple[PartnerToken, str]:
        """Create a token and return it with its plain text, which is never stored."""
        raw = f"{partner.code.lower()}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(partner=partner, prefix=raw[:12], key_hash=cls.hash(raw),
                                   expires_at=timezone.now() + dt.timedelta(days=days))
        return token, raw


class AuditQuerySet(models.QuerySet):
    """The audit log is append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


@pgtrigger.register(
    pgtrigger.Protect(name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
)
class AuditEvent(models.Model):
    """Who read or changed what, when, from where and why. Never edited, never deleted."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name="+")
    username = models.CharField(max_length=150, blank=True)
    partner = models.ForeignKey(PartnerAgency, null=True, blank=True, on_delete=models.DO_NOTHING,
                                db_constraint=False, related_name="+")
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    household_ref = models.CharField(max_length=32, blank=True, db_index=True)
    person_ref = models.CharField(max_length=32, blank=True)
    purpose = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household_ref", "-at"], name="audit_household_at")]

    def __str__(self) -> str:
        who = self.username or (self.partner.code if self.partner_id else "system")
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
