"""Flag rules and flags, the intervention catalogue, work items, outreach and referrals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models import Household
from dhs.models import DataSharingAgreement, Office, PartnerAgency
from risk.models import Signal

SEVERITIES = [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")]
SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


class FlagRule(models.Model):
    """A tunable early-warning rule; thresholds live in `params` and are edited in the admin."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=16, choices=SEVERITIES)
    params = models.JSONField(default=dict, blank=True)
    expiry_days = models.PositiveIntegerField(default=30)
    sla_hours = models.PositiveIntegerField(null=True, blank=True,
                                            help_text="Overrides the SLA of the severity.")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Flag(models.Model):
    """An early warning about a household, with the evidence that raised it."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="flags")
    rule = models.ForeignKey(FlagRule, on_delete=models.PROTECT)
    severity = models.CharField(max_length=16, choices=SEVERITIES)
    reason = models.CharField(max_length=300)
    evidence = models.JSONField(default=list, blank=True)
    evidence_key = models.CharField(max_length=200)
    signal = models.ForeignKey(Signal, null=True, blank=True, on_delete=models.SET_NULL)
    deadline = models.DateField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["household", "resolved_at"], name="flag_household_open")]
        constraints = [models.UniqueConstraint(
            fields=["household", "rule", "evidence_key"], condition=models.Q(resolved_at=None),
            name="flag_open_evidence_unique")]

    def __str__(self) -> str:
        return f"{self.rule.code} on {self.household_id}"


class Intervention(models.Model):
    """A service the agency can offer, with its provider and eligibility rules as data."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    provider = models.ForeignKey(PartnerAgency, null=True, blank=True, on_delete=models.SET_NULL)
    answers_flags = models.JSONField(default=list, blank=True,
                                     help_text="Flag rule codes this intervention answers.")
    eligibility = models.JSONField(default=list, blank=True,
                                   help_text="Rules; see docs/queue.md for the rule language.")
    phone = models.CharField(max_length=32, blank=True)
    url = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    application_process = models.TextField(blank=True)
    fees_description = models.CharField(max_length=200, default="Free")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class WorkItem(models.Model):
    """A household in an office's queue; at most one open item per household."""

    OPEN, CLAIMED, CLOSED = "open", "claimed", "closed"
    STATUSES = [(OPEN, "Open"), (CLAIMED, "Claimed"), (CLOSED, "Closed")]
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="work_items")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="work_items")
    status = models.CharField(max_length=16, choices=STATUSES, default=OPEN)
    priority = models.FloatField(default=0)
    priority_explanation = models.JSONField(default=dict, blank=True)
    severity = models.CharField(max_length=16, choices=SEVERITIES, default="low")
    top_reason = models.CharField(max_length=300, blank=True)
    deadline = models.DateField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="work_items")
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, blank=True)
    needs_review = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["office", "status", "-priority"], name="item_queue"),
            models.Index(fields=["assigned_to", "status"], name="item_assignee"),
            # The queue page: an office's open items in priority order, read top-down (LIMIT 50)
            # instead of joining and sorting every open item of the office (bench/explain.py).
            models.Index(fields=["office", "-priority", "id"], name="item_queue_open",
                         condition=~models.Q(status="closed")),
        ]
        constraints = [models.UniqueConstraint(
            fields=["household"], condition=~models.Q(status="closed"),
            name="one_open_item_per_household")]

    def __str__(self) -> str:
        return f"item {self.pk} {self.household_id} {self.status}"


class WorkItemAction(models.Model):
    """What a caseworker did on an item; dismissals of high items wait for a supervisor."""

    ACTIONS = [("claimed", "Claimed"), ("assigned", "Assigned"), ("contacted", "Contacted"),
               ("intervention_offered", "Intervention offered"), ("referred", "Referred"),
               ("accepted", "Accepted"), ("declined", "Declined"),
               ("unreachable", "Unreachable"), ("dismissed", "Dismissed"),
               ("released", "Released"), ("review_upheld", "Dismissal upheld"),
               ("review_reopened", "Dismissal reversed")]
    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=32, choices=ACTIONS)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    intervention = models.ForeignKey(Intervention, null=True, blank=True,
                                     on_delete=models.SET_NULL)
    review_status = models.CharField(max_length=16, blank=True,
                                     help_text="pending / upheld / reversed for dismissals.")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.action} on item {self.item_id}"


class OutreachTemplate(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    body = models.TextField(help_text="Placeholders: {intervention}, {phone}, {office}.")
    intervention = models.ForeignKey(Intervention, null=True, blank=True,
                                     on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.name


class OutreachMessage(models.Model):
    """A text message to a household and its delivery status."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="messages")
    to = models.CharField(max_length=32)
    body = models.TextField()
    direction = models.CharField(max_length=8, default="out")
    status = models.CharField(max_length=16, default="queued")
    provider_id = models.CharField(max_length=80, blank=True)
    error = models.TextField(blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"sms {self.pk} {self.status}"


class Referral(models.Model):
    """A household referred to a partner's intervention; carries only the agreed fields."""

    OUTCOMES = [("", "Pending"), ("enrolled", "Enrolled"), ("served", "Served"),
                ("declined", "Declined"), ("unreachable", "Unreachable")]
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="referrals")
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT)
    partner = models.ForeignKey(PartnerAgency, on_delete=models.PROTECT, related_name="referrals")
    agreement = models.ForeignKey(DataSharingAgreement, on_delete=models.PROTECT)
    work_item = models.ForeignKey(WorkItem, null=True, blank=True, on_delete=models.SET_NULL)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, default="sent")
    outcome = models.CharField(max_length=16, choices=OUTCOMES, blank=True)
    outcome_note = models.TextField(blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="referral_partner")]

    def __str__(self) -> str:
        return f"referral {self.pk} {self.intervention.code}"
