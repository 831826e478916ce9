"""The agency's own records: households, people, cases, enrollments, visits, crisis events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Substr, Upper
from django.utils import timezone

from dhs.models import Office

HOUSING = [("rent", "Rent"), ("own", "Own"), ("homeless", "Homeless"), ("other", "Other")]
PROGRAMS = [("snap", "SNAP"), ("tanf", "TANF"), ("child_care", "Child care"),
            ("liheap", "LIHEAP"), ("medicaid", "Medicaid")]
RELATIONSHIPS = [("head", "Head"), ("spouse", "Spouse"), ("child", "Child"), ("other", "Other")]
EVENT_TYPES = [("eviction_executed", "Eviction executed"), ("shelter_entry", "Shelter entry"),
               ("child_removal", "Child removal"),
               ("utility_disconnected", "Utility disconnected"),
               ("emergency_assistance", "Emergency assistance")]


class Household(models.Model):
    """A household on the caseload; the unit that is scored, flagged and worked."""

    ref = models.CharField(max_length=32, unique=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="households")
    street = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    city = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip = models.CharField(max_length=10, blank=True, db_index=True)
    address_key = models.CharField(
        max_length=240, blank=True, db_index=True,
        help_text="Normalised address (cases.addresses.normalize_address) used for matching.",
    )
    housing = models.CharField(max_length=16, choices=HOUSING, default="other")
    monthly_income = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    phone = models.CharField(max_length=32, blank=True)
    sms_consent = models.BooleanField(default=False)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    sms_consent_source = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ref"]

    def __str__(self) -> str:
        return self.ref

    @property
    def address_line(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.street}{unit}, {self.city}, {self.state} {self.zip}".strip(", ")


class Person(models.Model):
    """A member of a household. race_ethnicity is read only by fairness audits and aggregates."""

    ref = models.CharField(max_length=32, unique=True)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    first_name = models.CharField(max_length=80)
    middle_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    relationship = models.CharField(max_length=8, choices=RELATIONSHIPS, default="other")
    race_ethnicity = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["household_id", "id"]
        indexes = [models.Index(fields=["date_of_birth"], name="person_dob"),
                   # record linkage looks people up by surname and given name, and by birth
                   # date and first initial (risk.linkage.candidates)
                   models.Index(fields=["last_name", "first_name"], name="person_last_first"),
                   models.Index(F("date_of_birth"), Upper(Substr("first_name", 1, 1)),
                                name="person_dob_initial")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.ref})"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


class Case(models.Model):
    """A program case of a household, assigned to a caseworker."""

    STATUSES = [("pending", "Pending"), ("open", "Open"), ("closed", "Closed")]
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="cases")
    program = models.CharField(max_length=16, choices=PROGRAMS)
    status = models.CharField(max_length=8, choices=STATUSES, default="open")
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="cases")

    def __str__(self) -> str:
        return f"{self.household.ref} {self.program} ({self.status})"


class CaseNote(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="notes")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.household_id}"


class ProgramEnrollment(models.Model):
    """A benefit enrollment; a passed recertification date without renewal is a lapse signal."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="enrollments")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL)
    program = models.CharField(max_length=16, choices=PROGRAMS)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    recert_due_date = models.DateField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["household_id", "program"]
        constraints = [models.UniqueConstraint(fields=["household", "program", "start_date"],
                                               name="enrollment_unique_start")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.program} from {self.start_date}"


class OfficeVisit(models.Model):
    """One person's visit to an office: the foot traffic of the office dashboard."""

    SERVICE_TYPES = [("application", "Application"), ("recertification", "Recertification"),
                     ("emergency_assistance", "Emergency assistance"),
                     ("document_drop_off", "Document drop-off"), ("interview", "Interview"),
                     ("general_inquiry", "General inquiry")]
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="visits")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL)
    arrived_at = models.DateTimeField()
    served_at = models.DateTimeField(null=True, blank=True)
    service_type = models.CharField(max_length=32, choices=SERVICE_TYPES)

    class Meta:
        indexes = [models.Index(fields=["office", "arrived_at"], name="visit_office_arrived")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.arrived_at:%Y-%m-%d %H:%M} {self.service_type}"


class CrisisEvent(models.Model):
    """An outcome the model learns from; recorded by import, caseworkers or partners."""

    SOURCES = [("import", "Import"), ("caseworker", "Caseworker"), ("partner", "Partner")]
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="crisis_events")
    event_type = models.CharField(max_length=32, choices=EVENT_TYPES)
    event_date = models.DateField(db_index=True)
    source = models.CharField(max_length=16, choices=SOURCES, default="import")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-event_date"]
        constraints = [models.UniqueConstraint(fields=["household", "event_type", "event_date"],
                                               name="crisis_event_unique")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.event_type} {self.event_date}"
