"""Streaming the score export: iterator() over current scores, bulk lookups per batch.

Flags and eligibility are fetched once per batch of BATCH households (a handful of queries),
never per household, so a million rows stream in bounded memory.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone

from alerts.models import Flag
from alerts.services.bulk import ids_q
from alerts.services.eligibility import eligibility_for_households, interventions_active
from risk.models import CurrentScore

HEADER = ["household_ref", "score", "risk_band", "top_factors", "flags", "interventions"]
BATCH = 2000
TOP_FACTORS = 3


def _factors(factors: Any) -> str:
    labels = []
    for f in (factors or [])[:TOP_FACTORS]:
        if isinstance(f, dict):
            labels.append(str(f.get("label") or f.get("feature") or ""))
        else:
            labels.append(str(f))
    return ";".join(x.replace(";", ",") for x in labels if x)


def scores_export(*, writer: Any) -> int:
    """Write the header and one row per household with a current score; returns the rows."""
    writer.writerow(HEADER)
    interventions = interventions_active()
    today = timezone.localdate()
    rows = (CurrentScore.objects.order_by("household_id")
            .values_list("household_id", "household__ref", "score", "band", "factors")
            .iterator(chunk_size=BATCH))
    batch: list[tuple[Any, ...]] = []
    count = 0

    def flush() -> None:
        ids = [r[0] for r in batch]
        flags: dict[int, list[str]] = defaultdict(list)
        for hid, code in Flag.objects.filter(ids_q(ids), resolved_at__isnull=True) \
                .order_by("household_id", "rule__code").values_list("household_id",
                                                                    "rule__code"):
            if code not in flags[hid]:
                flags[hid].append(code)
        eligible = eligibility_for_households(household_ids=ids, interventions=interventions,
                                              today=today, explain=False)
        for hid, ref, score, band, factors in batch:
            writer.writerow([ref, f"{score:.4f}", band, _factors(factors),
                             ";".join(flags.get(hid, [])),
                             ";".join(r.intervention.code for r in eligible.get(hid, [])
                                      if r.eligible)])
        batch.clear()

    for row in rows:
        batch.append(row)
        count += 1
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return count
