"""Signal sources, raw feed rows, linked signals, linkage review, model registry and scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models import Household, Person
from dhs.models import DataSharingAgreement, PartnerAgency

SOURCES = [
    ("eviction_filings", "Eviction filings"),
    ("jail_bookings", "Jail bookings"),
    ("school_attendance", "School attendance"),
    ("utility_shutoffs", "Utility shut-offs"),
    ("benefit_lapses", "Benefit lapses"),
]


class SignalSource(models.Model):
    """Where a feed comes from and how often it is pulled; the watermark makes pulls incremental."""

    FOLDER, HTTPS, PUSH, INTERNAL = "folder", "https", "push", "internal"
    KINDS = [(FOLDER, "Drop folder"), (HTTPS, "HTTPS endpoint"), (PUSH, "Partner API push"),
             (INTERNAL, "Agency records")]
    name = models.CharField(max_length=32, choices=SOURCES, unique=True)
    partner = models.ForeignKey(PartnerAgency, null=True, blank=True, on_delete=models.SET_NULL)
    purpose = models.CharField(max_length=200, default="early warning of household crisis")
    location_kind = models.CharField(max_length=16, choices=KINDS, default=FOLDER)
    location = models.CharField(max_length=500, blank=True,
                                help_text="Folder path or HTTPS URL, by location kind.")
    schedule_minutes = models.PositiveIntegerField(default=60)
    enabled = models.BooleanField(default=True)
    watermark = models.CharField(max_length=200, blank=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class FeedBatch(models.Model):
    """One delivery: a file read from a location or command line, or one API request."""

    FILE, API, INTERNAL = "file", "api", "internal"
    source = models.CharField(max_length=32, choices=SOURCES, db_index=True)
    origin = models.CharField(max_length=16, default=FILE)
    file_name = models.CharField(max_length=500, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=200, blank=True)
    partner = models.ForeignKey(PartnerAgency, null=True, blank=True, on_delete=models.SET_NULL)
    agreement = models.ForeignKey(DataSharingAgreement, null=True, blank=True,
                                  on_delete=models.PROTECT)
    received_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, default="processing")
    rows_read = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    duplicate = models.PositiveIntegerField(default=0)
    linked = models.PositiveIntegerField(default=0)
    review = models.PositiveIntegerField(default=0)
    unlinked = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    response = models.JSONField(default=dict, blank=True,
                                help_text="The API answer, replayed for a retried key.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "idempotency_key"],
                                    condition=~models.Q(idempotency_key=""),
                                    name="batch_idempotency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.file_name or self.idempotency_key} ({self.status})"


class RawRecord(models.Model):
    """Every row ever read, with provenance, parsed fields and what became of it."""

    LINKED, REVIEW, UNLINKED, REJECTED, DUPLICATE = (
        "linked", "review", "unlinked", "rejected", "duplicate")
    STATUSES = [(s, s) for s in (LINKED, REVIEW, UNLINKED, REJECTED, DUPLICATE)]
    batch = models.ForeignKey(FeedBatch, on_delete=models.CASCADE, related_name="records")
    source = models.CharField(max_length=32, choices=SOURCES)
    line = models.PositiveIntegerField(null=True, blank=True)
    record_id = models.CharField(max_length=120, blank=True)
    content_hash = models.CharField(max_length=64)
    raw = models.JSONField(default=dict, blank=True)
    parsed = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=STATUSES)
    reason = models.TextField(blank=True)
    agreement = models.ForeignKey(DataSharingAgreement, null=True, blank=True,
                                  on_delete=models.PROTECT)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL)
    match_probability = models.FloatField(null=True, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        # (source, status) is not indexed on purpose: nothing reads by it, and with stale
        # statistics PostgreSQL chose it for the content-hash lookup (docs/benchmarks.md).
        indexes = [
            models.Index(fields=["source", "content_hash"], name="raw_source_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id or self.line} {self.status}"


class Signal(models.Model):
    """A linked, parsed event about a household: the input of features and flags."""

    KINDS = [
        ("eviction_filing", "Eviction filing"),
        ("jail_booking", "Jail booking"),
        ("school_attendance", "School attendance"),
        ("utility_shutoff", "Utility shut-off notice"),
        ("benefit_lapse", "Benefit lapse"),
    ]
    # Indexed by signal_household_on (household, occurred_on); a second index would only
    # slow ingestion down.
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="signals",
                                  db_index=False)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=32, choices=SOURCES)
    kind = models.CharField(max_length=32, choices=KINDS)
    occurred_on = models.DateField(help_text="When it happened (filing, booking, notice date).")
    deadline = models.DateField(null=True, blank=True,
                                help_text="Hearing or shut-off date, when there is one.")
    known_at = models.DateTimeField(default=timezone.now,
                                    help_text="When the agency learned it (point in time).")
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    value = models.FloatField(null=True, blank=True, help_text="e.g. absence rate for a term.")
    details = models.JSONField(default=dict, blank=True)
    raw_record = models.OneToOneField(RawRecord, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="signal")
    agreement = models.ForeignKey(DataSharingAgreement, null=True, blank=True,
                                  on_delete=models.PROTECT)

    class Meta:
        ordering = ["-occurred_on"]
        indexes = [models.Index(fields=["household", "occurred_on"], name="signal_household_on"),
                   models.Index(fields=["kind", "occurred_on"], name="signal_kind_on")]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_on} ({self.household_id})"


class LinkReview(models.Model):
    """A candidate match in the middle band, waiting for a person to confirm or reject it."""

    PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
    raw_record = models.ForeignKey(RawRecord, on_delete=models.CASCADE, related_name="reviews")
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    match_probability = models.FloatField()
    comparison = models.JSONField(default=dict, blank=True)
    decision = models.CharField(max_length=16, default=PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"review {self.raw_record_id}->{self.person_id} {self.decision}"


class KnownIdentifier(models.Model):
    """An outside key confirmed to mean a person (a student id, a utility account)."""

    source = models.CharField(max_length=32, choices=SOURCES)
    external_id = models.CharField(max_length=120)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="known_ids")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"],
                                               name="known_identifier_unique")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} -> {self.person_id}"


class ModelVersion(models.Model):
    """A trained model in the registry: file with checksum, metrics, fairness report."""

    TRAINED, PROMOTED, RETIRED, REFUSED = "trained", "promoted", "retired", "refused"
    version = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    algorithm = models.CharField(max_length=60)
    file_path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    as_of = models.DateField()
    train_start = models.DateField(null=True, blank=True)
    train_end = models.DateField(null=True, blank=True)
    validation_start = models.DateField(null=True, blank=True)
    validation_end = models.DateField(null=True, blank=True)
    features = models.JSONField(default=list)
    metrics = models.JSONField(default=dict)
    calibration = models.JSONField(default=list)
    band_cutoffs = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)
    comparison = models.JSONField(default=dict, blank=True)
    fairness = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, default=TRAINED, db_index=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.CharField(max_length=150, blank=True)
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.version} ({self.status})"


class ScoreRun(models.Model):
    """One rescore of many households; drift against the previous run is kept here."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="runs")
    as_of = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, default="running")
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)
    psi = models.FloatField(null=True, blank=True)
    drift_flagged = models.BooleanField(default=False)
    band_counts = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"run {self.pk} {self.model_version.version} {self.as_of:%Y-%m-%d}"


class HouseholdScore(models.Model):
    """A household's score history; one row per (household, run)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="scores")
    run = models.ForeignKey(ScoreRun, null=True, blank=True, on_delete=models.CASCADE)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT)
    as_of = models.DateTimeField()
    score = models.FloatField()
    band = models.CharField(max_length=16)
    factors = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["household", "-as_of"], name="score_household_asof")]
        constraints = [models.UniqueConstraint(fields=["household", "run"],
                                               name="score_once_per_run")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.score:.3f} {self.band}"


class CurrentScore(models.Model):
    """The latest score per household, kept beside the history so the queue reads one row."""

    household = models.OneToOneField(Household, on_delete=models.CASCADE, primary_key=True,
                                     related_name="current_score")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT)
    as_of = models.DateTimeField()
    score = models.FloatField(db_index=True)
    band = models.CharField(max_length=16, db_index=True)
    factors = models.JSONField(default=list)
    previous_score = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.household_id} {self.score:.3f}"
