"""Linkage precision and recall on generated feeds, through the real path, against the truth.

A small world (1,500 households) is generated, its caseload imported with the import service,
and each feed ingested with `ingest_file` (parse -> link -> store). Every stored row's link is
then compared with truth/links.csv. Definition (docs/linkage.md): among non-malformed,
non-duplicate rows, precision = correct links / all links; recall = correct links / rows whose
true person_ref is non-empty; a row in the review band counts as not linked.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from cases.services.imports import household_import, world_load_reference
from cases.synthetic import generate_world
from risk.models import RawRecord
from risk.services.ingestion import ingest_file
from tests.factories import AgreementFactory, PartnerFactory

HOUSEHOLDS = 1500
SEED = 20261201
SOURCES = ("eviction_filings", "jail_bookings", "school_attendance", "utility_shutoffs")
PRECISION, RECALL = 0.99, 0.97

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _truth(world: Path) -> dict[tuple[str, int], dict[str, str]]:
    with (world / "truth" / "links.csv").open(newline="", encoding="utf-8") as fh:
        return {(row["source"], int(row["line"])): row for row in csv.DictReader(fh)}


def measure(world: Path) -> dict[str, dict[str, float | int]]:
    """Per source: rows, in caseload, links, correct links, review, precision, recall."""
    truth = _truth(world)
    report = {}
    for source in SOURCES:
        stored = {r["line"]: r for r in RawRecord.objects.filter(source=source).values(
            "line", "status", "person__ref")}
        rows = links = correct = expected = review = 0
        for (src, line), t in truth.items():
            if src != source or t["malformed"] == "1" or t["duplicate_of_line"]:
                continue
            rows += 1
            got = stored[line]
            expected += bool(t["person_ref"])
            review += got["status"] == RawRecord.REVIEW
            if got["status"] == RawRecord.LINKED:
                links += 1
                correct += got["person__ref"] == t["person_ref"]
        report[source] = {"rows": rows, "in_caseload": expected, "linked": links,
                          "correct": correct, "review": review,
                          "precision": correct / links if links else 1.0,
                          "recall": correct / expected if expected else 1.0}
    return report


def test_linkage_precision_and_recall_per_source(tmp_path: Path):
    world = tmp_path / "world"
    generate_world(out_dir=world, households=HOUSEHOLDS, seed=SEED, end=dt.date(2026, 6, 30))
    world_load_reference(world_dir=world, parts=("offices",))
    imported = household_import(path=world / "households.csv", progress=False)
    assert not imported.rejected, imported.errors[:3]
    partner = PartnerFactory(code="synthetic-feeds")
    AgreementFactory(partner=partner, sources=list(SOURCES))
    for source in SOURCES:
        ingest_file(source=source, path=world / "feeds" / f"{source}.csv", partner=partner)

    report = measure(world)
    print(f"\nlinkage accuracy, world of {HOUSEHOLDS} households, seed {SEED}:")
    for source, r in report.items():
        print(f"  {source:18} rows={r['rows']:5} in_caseload={r['in_caseload']:5} "
              f"linked={r['linked']:5} correct={r['correct']:5} review={r['review']:3} "
              f"precision={r['precision']:.4f} recall={r['recall']:.4f}")
    for source, r in report.items():
        assert r["in_caseload"] > 50, f"{source}: too few caseload rows to measure"
        assert r["precision"] >= PRECISION, (source, r)
        assert r["recall"] >= RECALL, (source, r)
