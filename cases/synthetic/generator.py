"""Writes a synthetic world to disk chunk by chunk, optionally on several processes.

Each chunk of CHUNK_SIZE households is a pure function of (seed, chunk index, world frame),
so chunks can be built in any process and in any order; the writer appends them in index
order, which makes the files byte-identical whatever the number of workers.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cases.synthetic import hazard
from cases.synthetic.feeds import (
    FEED_COLUMNS,
    FEEDS,
    FeedBuilder,
    FeedPart,
    csv_line,
    csv_text,
)
from cases.synthetic.population import HOUSEHOLD_COLUMNS, households_csv_rows, make_chunk
from cases.synthetic.visits import VISIT_COLUMNS, chunk_visits
from cases.synthetic.world import build_calendar, build_offices

CHUNK_SIZE = 10_000
PARALLEL_FROM = 40_000  # smaller worlds are built in-process (no start-up cost, no fork)
OFFICE_COLUMNS = ("code", "name", "county", "address", "opening_hours", "sustainable_caseload",
                  "capacity")
ENROLLMENT_COLUMNS = ("household_ref", "person_ref", "program", "start_date", "end_date",
                      "recert_due_date")
OUTCOME_COLUMNS = ("household_ref", "event_type", "event_date")
LINK_COLUMNS = ("source", "line", "record_id", "person_ref", "household_ref", "malformed",
                "duplicate_of_line")


@dataclass
class WorldSummary:
    """What was written: counts per file (data rows, header excluded) and the time it took."""

    households: int
    people: int
    offices: int
    rows: dict[str, int] = field(default_factory=dict)
    outcomes: int = 0
    visits: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Task:
    seed: int
    households: int
    end: dt.date
    years: int
    malformed_rate: float
    truth_dates: tuple[int, ...]
    index: int
    chunk_size: int


@dataclass
class _ChunkResult:
    index: int
    households: int
    people: int
    households_csv: bytes
    enrollments: bytes
    enrollment_rows: int
    outcomes: bytes
    outcome_rows: int
    latent: bytes
    risk: bytes
    risk_rows: int
    feeds: dict[str, FeedPart]
    visits: list[tuple[str, str]]


def _py_random(seq: np.random.SeedSequence) -> random.Random:
    return random.Random(int.from_bytes(seq.generate_state(4, np.uint32).tobytes(), "little"))


def _rngs(seed: int, index: int) -> tuple[random.Random, np.random.Generator, random.Random,
                                          random.Random]:
    """Independent streams per chunk and per purpose, so a change in one leaves the others."""
    pop, sig, feed, visit = np.random.SeedSequence([seed, 1, index]).spawn(4)
    return (_py_random(pop), np.random.default_rng(sig), _py_random(feed), _py_random(visit))


def build_chunk(task: _Task) -> _ChunkResult:
    """Generate one chunk completely (caseload, risk history, feeds, visits, truth)."""
    cal = build_calendar(task.end, task.years)
    offices = build_offices(task.seed, task.households)
    first = task.index * task.chunk_size
    n = min(task.chunk_size, task.households - first)
    pop_rnd, sig_rng, feed_rnd, visit_rnd = _rngs(task.seed, task.index)
    ch = make_chunk(rnd=pop_rnd, offices=offices, cal=cal, index=task.index, first=first, n=n,
                    total=task.households)
    st = hazard.simulate(ch, cal, sig_rng)
    feeds = FeedBuilder(ch=ch, st=st, cal=cal, offices=offices, rnd=feed_rnd,
                        malformed_rate=task.malformed_rate).build()
    households_csv = csv_text(households_csv_rows(ch, offices, cal))
    sp = st.spells
    enrollments = "".join(
        f"{ch.hh_ref[j]},{ch.p_ref[ch.head[j]]},{hazard.PROGRAMS[k]},{cal.iso(s)},"
        f"{cal.iso(lapse) if lapse >= 0 else ''},{cal.iso(due)}\n"
        for j, k, s, lapse, due in zip(sp.hh.tolist(), sp.program.tolist(), sp.start.tolist(),
                                       sp.lapse.tolist(), sp.recert_due.tolist(), strict=True))
    outcomes = "".join(
        f"{ch.hh_ref[j]},{hazard.EVENT_TYPES[t]},{cal.iso(d)}\n"
        for j, d, t in zip(st.event_hh.tolist(), st.event_day.tolist(), st.event_type.tolist(),
                           strict=True))
    latent = "".join(f"{ref},{x:.6f}\n" for ref, x in zip(ch.hh_ref, st.latent.tolist(),
                                                          strict=True))
    risk = []
    for as_of in task.truth_dates:
        day = cal.iso(as_of)
        prob = hazard.true_prob(st, as_of)
        risk += [f"{ref},{day},{p:.6f}\n" for ref, p in zip(ch.hh_ref, prob.tolist(),
                                                              strict=True)]
    return _ChunkResult(
        index=task.index, households=n, people=len(ch.p_ref),
        households_csv=households_csv.encode(), enrollments=enrollments.encode(),
        enrollment_rows=int(sp.hh.size), outcomes=outcomes.encode(),
        outcome_rows=int(st.event_hh.size), latent=latent.encode(),
        risk="".join(risk).encode(), risk_rows=len(risk), feeds=feeds,
        visits=chunk_visits(ch=ch, offices=offices, cal=cal, rnd=visit_rnd))


def _results(tasks: list[_Task], workers: int) -> Iterable[_ChunkResult]:
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield build_chunk(task)
        return
    # spawn, not fork: the caller may be a Django or Celery process with threads and sockets.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(min(workers, len(tasks))) as pool:
        yield from pool.imap(build_chunk, tasks, chunksize=1)


def _header(columns: Iterable[str]) -> bytes:
    return (",".join(columns) + "\n").encode()


def generate_world(*, out_dir: Path, households: int, seed: int, end: dt.date, years: int = 3,
                   malformed_rate: float = 0.0, truth_dates: list[dt.date] | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   workers: int | None = None) -> WorldSummary:
    """Write a complete synthetic world into out_dir; same arguments, byte-identical files.

    `workers` only changes speed (default: all CPUs for worlds of 40,000+ households).
    Line numbers in truth/links.csv are physical lines with the header as line 1.
    """
    started = time.monotonic()
    if households < 1:
        raise ValueError("households must be at least 1")
    if years < 1:
        raise ValueError("years must be at least 1")
    if not 0.0 <= malformed_rate < 0.5:
        raise ValueError("malformed_rate must be in [0, 0.5)")
    out_dir = Path(out_dir)
    cal = build_calendar(end, years)
    as_of = tuple(sorted({d.toordinal() for d in (truth_dates or [])}))
    for day in as_of:
        if not cal.sim_start <= day <= cal.end:
            raise ValueError(f"truth date {dt.date.fromordinal(day)} is outside the simulated "
                             f"history {dt.date.fromordinal(cal.sim_start)}..{end}")
    offices = build_offices(seed, households)
    if workers is None:
        workers = (os.cpu_count() or 1) if households >= PARALLEL_FROM else 1
    n_chunks = -(-households // CHUNK_SIZE)
    tasks = [_Task(seed, households, end, years, float(malformed_rate), as_of, k, CHUNK_SIZE)
             for k in range(n_chunks)]
    for sub in ("feeds", "truth"):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)

    rows: dict[str, int] = {}
    with (out_dir / "offices.csv").open("wb") as fh:
        fh.write(_header(OFFICE_COLUMNS))
        for o in offices:
            fh.write(csv_line([o.code, o.name, o.county, o.address, o.opening_hours,
                               str(o.sustainable_caseload), str(o.capacity)]).encode())
    rows["offices.csv"] = len(offices)

    names = ["households.csv", "enrollments.csv", "outcomes.csv", "truth/households.csv",
             *(f"feeds/{f}.csv" for f in FEEDS), *(f"truth/.links-{f}.part" for f in FEEDS)]
    if as_of:
        names.append("truth/risk.csv")
    files = {name: (out_dir / name).open("wb") for name in names}
    headers = {"households.csv": HOUSEHOLD_COLUMNS, "enrollments.csv": ENROLLMENT_COLUMNS,
               "outcomes.csv": OUTCOME_COLUMNS, "truth/households.csv": ("household_ref",
                                                                          "latent"),
               "truth/risk.csv": ("household_ref", "as_of", "true_prob"),
               **{f"feeds/{f}.csv": FEED_COLUMNS[f] for f in FEEDS}}
    for name, fh in files.items():
        if name in headers:
            fh.write(_header(headers[name]))
        rows[name] = 0
    visits: list[tuple[str, str]] = []
    people = outcomes = done = 0
    try:
        for res in _results(tasks, workers):
            files["households.csv"].write(res.households_csv)
            files["enrollments.csv"].write(res.enrollments)
            files["outcomes.csv"].write(res.outcomes)
            files["truth/households.csv"].write(res.latent)
            rows["households.csv"] += res.people
            rows["enrollments.csv"] += res.enrollment_rows
            rows["outcomes.csv"] += res.outcome_rows
            rows["truth/households.csv"] += res.households
            if as_of:
                files["truth/risk.csv"].write(res.risk)
                rows["truth/risk.csv"] += res.risk_rows
            for feed, part in res.feeds.items():
                name = f"feeds/{feed}.csv"
                offset = rows[name] + 2  # header is line 1, the first data row line 2
                files[name].write(part.data)
                files[f"truth/.links-{feed}.part"].write("".join(
                    f"{feed},{i + offset},{rec if rec is not None else f'line:{i + offset}'},"
                    f"{person},{hh},{bad},{dup + offset if dup >= 0 else ''}\n"
                    for i, rec, person, hh, bad, dup in part.truth).encode())
                rows[name] += part.lines
            visits += res.visits
            people += res.people
            outcomes += res.outcome_rows
            done += res.households
            if progress is not None:
                progress(done, households)
    finally:
        for fh in files.values():
            fh.close()

    visits.sort()
    with (out_dir / "visits.csv").open("wb") as fh:
        fh.write(_header(VISIT_COLUMNS))
        fh.write("".join(line for _key, line in visits).encode())
    rows["visits.csv"] = len(visits)
    with (out_dir / "truth" / "links.csv").open("wb") as out:
        out.write(_header(LINK_COLUMNS))
        for feed in FEEDS:
            part_path = out_dir / "truth" / f".links-{feed}.part"
            with part_path.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 22)
            part_path.unlink()
            del rows[f"truth/.links-{feed}.part"]
    rows["truth/links.csv"] = sum(rows[f"feeds/{f}.csv"] for f in FEEDS)
    return WorldSummary(households=households, people=people, offices=len(offices),
                        rows=rows, outcomes=outcomes, visits=len(visits),
                        seconds=round(time.monotonic() - started, 2))
