"""link_records: a batch of feed people -> caseload person, household and match probability.

Order of work for a batch (see docs/linkage.md):
1. confirmed feed ids (KnownIdentifier) link with probability 1.0;
2. blocking pass 1 — households at the record's street address; score; records settled;
3. pass 2 — same birth date (or day/month swap) with a shared initial, for the rest;
4. pass 3 — same surname (any part, or the given name when swapped) and first initial;
5. decide: the best candidate's probability against LINK_THRESHOLD / REVIEW_THRESHOLD, with an
   ambiguity guard (a near-equal candidate in another household sends the record to review) and
   a household rule (within one household, the closer relative to the head wins a near tie).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from risk.linkage import candidates as cand
from risk.linkage.config import (
    AMBIGUITY_BITS,
    LINK_THRESHOLD,
    MAX_REVIEW_CANDIDATES,
    REVIEW_THRESHOLD,
)
from risk.linkage.scorer import Model, load_model, probability, weight_of
from risk.linkage.standardise import keys_table, raw_table, standardise_sql

RELATIONSHIP_RANK = {"head": 0, "spouse": 1, "other": 2, "child": 3}
P_COLS = {name: i for i, name in enumerate(cand.PERSON_COLUMNS)}
N_RANK = 9


@dataclass
class LinkOutcome:
    """What linkage decided for one record (contracts.md)."""

    status: str  # "linked" | "review" | "unlinked"
    person_id: int | None = None
    household_id: int | None = None
    probability: float | None = None
    reason: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)


def _title_variants(word: str) -> set[str]:
    """How a surname may be stored: 'Mcdonald', 'McDonald', "O'Brien"."""
    base = "-".join(p.capitalize() for p in word.split("-"))
    out = {base}
    if base.startswith("Mc") and len(base) > 2:
        out.add("Mc" + base[2:].capitalize())
    if base.startswith("O") and len(base) > 2 and base[1] != "'":
        out.add("O'" + base[1:].capitalize())
    return out


class _Batch:
    """One call of link_records: DuckDB tables l (records), r (candidates), s (scored pairs)."""

    def __init__(self, source: str, people: list[Any], model: Model,
                 excluded: set[tuple[int, int]]) -> None:
        self.source, self.people, self.model, self.excluded = source, people, model, excluded
        self.con = model.connection()
        self.n_g = len(model.comparisons)
        self.con.register("raw_l", keys_table(people))
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE l AS {standardise_sql('raw_l')}")
        self.con.unregister("raw_l")
        cols = self.con.execute(
            "SELECT unique_id, first_name, last_name, first_formal, last_parts, dob, dob_swap, "
            "street, zip FROM l ORDER BY unique_id").fetchall()
        self.records = [dict(zip(("first_name", "last_name", "first_formal", "last_parts",
                                  "dob", "dob_swap", "street", "zip"), row[1:])) for row in cols]
        self.found = cand.Candidates()
        self.loaded: set[int] = set()
        self.done_pairs: set[tuple[int, int]] = set()
        self.best = np.full(len(people), -np.inf)
        self.has_external = any(getattr(p, "external_id", None) if not isinstance(p, dict)
                                else p.get("external_id") for p in people)
        self.created = False
        self.known: dict[int, str] = {}  # candidate -> id already confirmed in this source

    # --- passes ----------------------------------------------------------------------------
    def pass_street(self, todo: list[int]) -> None:
        keys: dict[str, list[int]] = defaultdict(list)
        for i in todo:
            if self.records[i]["street"]:
                keys[self.records[i]["street"]].append(i)
        if keys:
            cand.by_street(keys, self.found)

    def pass_dob(self, todo: list[int]) -> None:
        """Same birth date (or its day/month swap) and the same initials, either way round
        (a nickname's formal name and each part of a double-barrelled surname count)."""
        keys: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for i in todo:
            rec = self.records[i]
            if not rec["first_name"] or not rec["last_name"]:
                continue
            given = {n[0].upper() for n in (rec["first_name"], *(rec["first_formal"] or ()))}
            family = {n[0].upper() for n in (rec["last_name"], *(rec["last_parts"] or ()))}
            pairs = {(f, s) for f in given for s in family} | {
                (s, rec["first_name"][0].upper()) for s in family}  # names swapped
            for dob in (rec["dob"], rec["dob_swap"]):
                if dob:
                    for fi, li in pairs:
                        keys[(dob, fi, li)].append(i)
        if keys:
            cand.by_dob(keys, self.found)

    def pass_name(self, todo: list[int]) -> None:
        """Same surname (or part) and given name (or its formal name), either way round:
        born within a year (records with a birth date) or at the same house number."""
        keys: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
        by_number: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
        for i in todo:
            rec = self.records[i]
            first, last = rec["first_name"], rec["last_name"]
            if not first or not last:
                continue
            if not rec["dob"]:
                self._name_and_number(rec, i, by_number)
                continue
            year = int(rec["dob"][:4])
            lo, hi = f"{year - 1:04d}-01-01", f"{year + 1:04d}-12-31"
            firsts = {first, *(rec["first_formal"] or ())}
            for surname in {last, *(rec["last_parts"] or [])}:
                for stored_last in _title_variants(surname):
                    for given in firsts:
                        keys[(stored_last, given.capitalize(), lo, hi)].append(i)
            for stored_last in _title_variants(first):  # given name and surname swapped
                keys[(stored_last, last.capitalize(), lo, hi)].append(i)
        if keys:
            cand.by_name(keys, self.found)
        if by_number:
            cand.by_name_and_number(by_number, self.found)

    @staticmethod
    def _name_and_number(rec: dict[str, Any], i: int,
                         keys: dict[tuple[str, str, str, str], list[int]]) -> None:
        """No birth date: a name found elsewhere needs the house number (and zip) too."""
        street = rec["street"] or ""
        number = street.split(" ", 1)[0]
        if not number[:1].isdigit():
            return
        firsts = {rec["first_name"], *(rec["first_formal"] or ())}
        for last in {rec["last_name"], *(rec["last_parts"] or ())}:
            for stored_last in _title_variants(last):
                for first in firsts:
                    keys[(stored_last, first.capitalize(), number, rec["zip"] or "")].append(i)

    # --- scoring ---------------------------------------------------------------------------
    def score_new_pairs(self) -> None:
        pairs = [p for p in self.found.pairs - self.done_pairs if p not in self.excluded]
        self.done_pairs |= self.found.pairs
        if not pairs:
            return
        new_ids = [pid for pid in {pid for _, pid in pairs} if pid not in self.loaded]
        if new_ids:
            self._load_people(new_ids)
        arr = np.array(pairs, dtype=np.int64)
        self.con.register("pairs_new", pa.table({"lid": arr[:, 0], "rid": arr[:, 1]}))
        sql = self.model.score_sql(left="l", right="r", pairs="pairs_new")
        if self.created:
            self.con.execute(f"INSERT INTO s {sql}")
        else:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE s AS {sql}")
            self.created = True
        best = self.con.execute(
            "SELECT lid, max(w) FROM s WHERE lid IN (SELECT DISTINCT lid FROM pairs_new) "
            "GROUP BY lid").fetchnumpy()
        self.con.unregister("pairs_new")
        lids = best["lid"].astype(np.int64)
        self.best[lids] = best["max(w)"]

    def _load_people(self, ids: list[int]) -> None:
        rows = [self.found.people[pid] for pid in ids]
        known = (cand.known_ids_of_people(self.source, ids) if self.has_external else {})
        raw = raw_table(ids, [r[P_COLS["first_name"]] for r in rows],
                        [r[P_COLS["last_name"]] for r in rows],
                        [r[P_COLS["date_of_birth"]] for r in rows],
                        [r[P_COLS["address_key"]] for r in rows],
                        [known.get(pid) for pid in ids])
        info = pa.table({
            "rid": pa.array(ids, pa.int64()),
            "hh": pa.array([r[P_COLS["household_id"]] for r in rows], pa.int64()),
            "rank": pa.array([RELATIONSHIP_RANK.get(r[P_COLS["relationship"]], N_RANK)
                              for r in rows], pa.int64())})
        self.known.update(known)
        self.con.register("raw_r", raw)
        self.con.register("info_r", info)
        select = (f"SELECT std.*, i.hh, i.rank FROM ({standardise_sql('raw_r')}) std "  # noqa: S608  # nosec B608
                  f"JOIN info_r i ON i.rid = std.unique_id")
        if self.loaded:
            self.con.execute(f"INSERT INTO r {select}")
        else:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE r AS {select}")
        self.con.unregister("raw_r")
        self.con.unregister("info_r")
        self.loaded.update(ids)

    # --- decision --------------------------------------------------------------------------
    def decide(self) -> list[LinkOutcome]:
        n = len(self.people)
        outcomes = [LinkOutcome(status="unlinked", reason="no one in the caseload shares an "
                                "address, birth date or name with this record")
                    for _ in range(n)]
        if not self.created:
            return outcomes
        g = ", ".join(f"x.g{i}" for i in range(self.n_g))
        rows = self.con.execute(f"""
            WITH x AS (SELECT s.*, r.hh, r.rank FROM s JOIN r ON r.unique_id = s.rid),
            best AS (SELECT lid, max(w) AS max_w, arg_max(hh, w) AS best_hh FROM x GROUP BY lid),
            pick AS (SELECT x.lid, arg_min(x.rid, x.rank * 100000 - x.w) AS rid FROM x
                     JOIN best b ON b.lid = x.lid AND x.hh = b.best_hh AND x.w > b.max_w - 1
                     GROUP BY x.lid),
            rival AS (SELECT x.lid, max(x.w) AS rival_w FROM x
                      JOIN best b ON b.lid = x.lid AND x.hh <> b.best_hh GROUP BY x.lid)
            SELECT x.lid, x.rid, x.hh, x.w, rival.rival_w, {g} FROM pick p
            JOIN x ON x.lid = p.lid AND x.rid = p.rid LEFT JOIN rival ON rival.lid = p.lid
        """).fetchall()  # noqa: S608 - generated column names only  # nosec B608
        link_w, review_w = weight_of(LINK_THRESHOLD), weight_of(REVIEW_THRESHOLD)
        review: list[int] = []
        for lid, rid, hh, w, rival_w, *gammas in rows:
            p = probability(w)
            ambiguous = (rival_w is not None and w - rival_w < AMBIGUITY_BITS
                         and rival_w >= review_w)
            summary = self.model.summary(tuple(gammas))
            if w >= link_w and not ambiguous:
                outcomes[lid] = LinkOutcome(status="linked", person_id=rid, household_id=hh,
                                            probability=round(p, 6),
                                            reason=f"match probability {p:.3f}: {summary}")
            elif w >= review_w:
                why = (f"two people in different households match almost equally "
                       f"({p:.3f} and {probability(rival_w):.3f})" if ambiguous
                       else f"match probability {p:.3f} is below the link threshold "
                            f"{LINK_THRESHOLD}: {summary}")
                outcomes[lid] = LinkOutcome(status="review", probability=round(p, 6),
                                            reason=f"needs review: {why}")
                review.append(lid)
            else:
                outcomes[lid] = LinkOutcome(
                    status="unlinked", probability=round(p, 6),
                    reason=f"best candidate's match probability {p:.3f} is below the review "
                           f"threshold {REVIEW_THRESHOLD}")
        if review:
            self._review_candidates(review, outcomes, review_w)
        return outcomes

    def _review_candidates(self, lids: list[int], outcomes: list[LinkOutcome],
                           review_w: float) -> None:
        g = ", ".join(f"g{i}" for i in range(self.n_g))
        self.con.register("review_lids", pa.table({"lid": pa.array(lids, pa.int64())}))
        rows = self.con.execute(f"""
            SELECT lid, rid, w, {g} FROM (
                SELECT s.*, row_number() OVER (PARTITION BY s.lid ORDER BY s.w DESC) AS rn
                FROM s JOIN review_lids USING (lid) WHERE s.w >= {review_w!r})
            WHERE rn <= {MAX_REVIEW_CANDIDATES} ORDER BY lid, w DESC
        """).fetchall()  # noqa: S608 - generated column names and numbers only  # nosec B608
        self.con.unregister("review_lids")
        for lid, rid, w, *gammas in rows:
            outcomes[lid].candidates.append(self._candidate(lid, rid, w, tuple(gammas)))

    def _candidate(self, i: int, pid: int, weight: float, gammas: tuple[int, ...]
                   ) -> dict[str, Any]:
        person = self.found.people[pid]
        rec = self.people[i]
        get = rec.get if isinstance(rec, dict) else (lambda n, d="": getattr(rec, n, d))
        shown = {
            "first_name": (get("first_name", ""), person[P_COLS["first_name"]]),
            "last_name": (get("last_name", ""), person[P_COLS["last_name"]]),
            "dob": (_iso(get("date_of_birth", None)), _iso(person[P_COLS["date_of_birth"]])),
            "address": (" ".join(x for x in (get("street", ""), get("unit", ""),
                                             get("zip", "")) if x),
                        " ".join(x for x in (person[P_COLS["street"]], person[P_COLS["unit"]],
                                             person[P_COLS["zip"]]) if x)),
            "external_id": (get("external_id", ""), self.known.get(pid, "")),
        }
        comparison = {}
        for name, info in self.model.explain(gammas).items():
            record_value, candidate_value = shown.get(name, ("", ""))
            comparison[name] = {"record": record_value or "", "candidate": candidate_value or "",
                                "level": info["level"], "weight": info["weight"]}
        return {"person_id": pid, "household_id": person[P_COLS["household_id"]],
                "probability": round(probability(weight), 6),
                "match_weight": round(weight, 2), "comparison": comparison}


def _iso(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")


def link_records(*, source: str, people: list[Any], record_ids: list[str] | None = None,
                 exclude: Iterable[tuple[int, int]] | None = None) -> list[LinkOutcome]:
    """Link feed people (PersonKey) to caseload people; one LinkOutcome each, same order.

    `record_ids` (optional, same order) lets linkage skip people a reviewer rejected for that
    record before; `exclude` takes (index, person_id) pairs directly.
    """
    if not people:
        return []
    model = load_model()
    excluded = set(exclude or ())
    if record_ids:
        excluded |= _rejected(source, record_ids)
    cand.session_setup()
    batch = _Batch(source, people, model, excluded)
    known = cand.known_identifiers(source, [
        (p.get("external_id") if isinstance(p, dict) else getattr(p, "external_id", ""))
        or "" for p in people])
    fixed: dict[int, LinkOutcome] = {}
    for i, p in enumerate(people):
        ext = (p.get("external_id") if isinstance(p, dict)
               else getattr(p, "external_id", "")) or ""
        hit = known.get(ext.strip()) if ext else None
        if hit and (i, hit[0]) not in excluded:
            fixed[i] = LinkOutcome(status="linked", person_id=hit[0], household_id=hit[1],
                                   probability=1.0,
                                   reason=f"{source} id {ext.strip()} was confirmed for "
                                          "this person before")
    link_w = weight_of(LINK_THRESHOLD)
    todo = [i for i in range(len(people)) if i not in fixed]
    for step in (batch.pass_street, batch.pass_dob, batch.pass_name):
        if not todo:
            break
        step(todo)
        batch.score_new_pairs()
        todo = [i for i in todo if batch.best[i] < link_w]
    outcomes = batch.decide()
    for i, outcome in fixed.items():
        outcomes[i] = outcome
    return outcomes


def _rejected(source: str, record_ids: list[str]) -> set[tuple[int, int]]:
    from risk.models import LinkReview

    index: dict[str, list[int]] = defaultdict(list)
    for i, rid in enumerate(record_ids):
        if rid:
            index[rid].append(i)
    if not index:
        return set()
    out = set()
    ids = list(index)
    for start in range(0, len(ids), cand.CHUNK):
        rows = LinkReview.objects.filter(
            decision=LinkReview.REJECTED, raw_record__source=source,
            raw_record__record_id__in=ids[start:start + cand.CHUNK],
        ).values_list("raw_record__record_id", "person_id")
        for rid, pid in rows:
            out.update((i, pid) for i in index[rid])
    return out


def remember_identifier(*, source: str, external_id: str, person_id: int, user=None) -> None:
    """A confirmed link teaches the next match: this feed id means this person from now on."""
    from risk.models import KnownIdentifier

    external_id = (external_id or "").strip()
    if not external_id:
        return
    KnownIdentifier.objects.update_or_create(
        source=source, external_id=external_id,
        defaults={"person_id": person_id, "confirmed_by": user})
