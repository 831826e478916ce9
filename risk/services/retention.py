"""Retention: raw rows and signals are kept only as long as their agreement allows."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dhs.audit import audit_record
from dhs.models import DataSharingAgreement
from risk.models import RawRecord, Signal

BATCH = 5000


def _delete_in_batches(qs, *, batch: int = BATCH) -> int:
    """Delete by primary-key slices so one night's purge never holds one huge transaction."""
    total = 0
    while True:
        ids = list(qs.values_list("pk", flat=True)[:batch])
        if not ids:
            return total
        with transaction.atomic():
            # Signals learned later than their raw row (a confirmed review) outlive it.
            if qs.model is RawRecord:
                Signal.objects.filter(raw_record_id__in=ids).update(raw_record=None)
            qs.model.objects.filter(pk__in=ids).delete()
        total += len(ids)


def retention_apply(*, now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """Delete RawRecords (by received_at) and Signals (by known_at) past each agreement's
    retention_days; one audit event per agreement with the counts."""
    now = now or timezone.now()
    report: dict[str, dict[str, int]] = {}
    for agreement in DataSharingAgreement.objects.select_related("partner").order_by("id"):
        cutoff = now - dt.timedelta(days=agreement.retention_days)
        signals = _delete_in_batches(
            Signal.objects.filter(agreement=agreement, known_at__lt=cutoff).order_by("pk"))
        raws = _delete_in_batches(
            RawRecord.objects.filter(agreement=agreement, received_at__lt=cutoff).order_by("pk"))
        report[agreement.reference] = {"raw_records": raws, "signals": signals}
        audit_record(action="retention_delete", partner=agreement.partner,
                     object_type="data_sharing_agreement", object_id=agreement.pk,
                     purpose="retention under the data-sharing agreement",
                     details={"reference": agreement.reference, "cutoff": cutoff.isoformat(),
                              "retention_days": agreement.retention_days,
                              "raw_records_deleted": raws, "signals_deleted": signals})
    return report
