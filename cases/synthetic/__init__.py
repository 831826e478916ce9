"""Synthetic early-warning world: caseload, feeds, outcomes and the hidden truth behind them.

Pure Python and numpy (no Django), so the demo, the benchmarks and the tests can all make the
same world. ``generate_world(out_dir=..., households=..., seed=..., end=...)`` writes:

    offices.csv            code, name, county, address, opening_hours, sustainable_caseload,
                           capacity (sustainable_caseload: open items per caseworker; capacity: work
                           items per week; opening_hours like "Mon-Fri 08:00-17:00[; Sat ...]")
    households.csv         the import_households format, one row per person
    enrollments.csv        household_ref, person_ref (head), program, start_date, end_date,
                           recert_due_date. Recertification is due every 365 days (tanf: 183)
                           from start_date; a lapse ends the spell on the missed due date
                           (end_date == recert_due_date). Active spells show the next due date.
    visits.csv             office_code, household_ref (blank: walk-in), arrived_at, served_at
                           (blank: left unserved, or still waiting at the 14:00 snapshot on end)
    outcomes.csv           household_ref, event_type, event_date: every crisis from one year
                           before the feeds start (the burn-in year) to end
    feeds/<source>.csv     the four DESIGN.md feeds, dirty; rows are dated from
                           end - years to end and sorted by date within each chunk of 10,000
                           households (not globally). A row is "known" from its date:
                           filing_date, booking_date, notice_date, or a term's period_end.
    truth/links.csv        source, line, record_id, person_ref, household_ref, malformed,
                           duplicate_of_line. line is the physical line in the feed file with
                           the header as line 1; record_id is the export_links key as written,
                           or line:<n> when the key columns are empty.
    truth/households.csv   household_ref, latent
    truth/risk.csv         household_ref, as_of, true_prob (only with truth_dates)

The risk process is in cases.synthetic.hazard; race/ethnicity never enters it.
"""

from __future__ import annotations

from cases.synthetic.generator import WorldSummary, generate_world

__all__ = ["WorldSummary", "generate_world"]
