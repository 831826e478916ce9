"""The four outside feeds for one chunk, dirty the way real partner files are.

Caseload signals become rows with a few percent of nicknames, typos, swapped names, swapped
day/month, address spellings and missing parts; ~30% of eviction, jail and utility rows are
about people outside the caseload (some deliberately look-alike), ~3% of rows are re-delivered
verbatim, and `malformed_rate` of rows are broken on purpose. Every row carries its truth.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

from cases.synthetic import names
from cases.synthetic.dirt import P_SWAP_NAMES, Dirt
from cases.synthetic.hazard import UTILITIES, RiskState
from cases.synthetic.population import HOMELESS, Address, Chunk, NameMaker, make_address
from cases.synthetic.world import Calendar, Office

FEED_COLUMNS: dict[str, tuple[str, ...]] = {
    "eviction_filings": ("case_number", "filing_date", "court", "plaintiff", "defendant_name",
                         "defendant_address", "hearing_date", "amount_claimed"),
    "jail_bookings": ("booking_id", "booking_date", "full_name", "date_of_birth", "address",
                      "charge_code", "charge_description", "release_date"),
    "school_attendance": ("district_student_id", "first_name", "last_name", "date_of_birth",
                          "school_code", "period_start", "period_end", "days_enrolled",
                          "days_absent"),
    "utility_shutoffs": ("account_id", "notice_date", "utility", "customer_name",
                         "service_address", "amount_past_due", "scheduled_shutoff_date"),
}
FEEDS = tuple(FEED_COLUMNS)

OUTSIDER_SHARE = 0.30  # eviction, jail and utility rows about people not in the caseload
SCHOOL_OUTSIDER_SHARE = 0.05
DUPLICATE_SHARE = 0.03
LOOKALIKE_SHARE = 0.2  # of outsiders: half same surname and street, half same name

BAD_DATES = ("2024-13-45", "yesterday", "31/02/2023", "2023-02-30", "N/A", "0000-00-00")
MALFORMED_KINDS = {
    "eviction_filings": ("bad_date", "empty_name", "too_few", "too_many", "negative",
                         "non_utf8", "empty_key"),
    "jail_bookings": ("bad_date", "empty_name", "too_few", "too_many", "non_utf8",
                      "empty_key"),
    "school_attendance": ("bad_date", "empty_name", "too_few", "too_many", "negative",
                          "non_utf8", "empty_key"),
    "utility_shutoffs": ("bad_date", "empty_name", "too_few", "too_many", "negative",
                         "non_utf8", "empty_key"),
}
# Column positions used by the corruptions: (key columns, date column, name columns, amount).
_LAYOUT = {
    "eviction_filings": ((0,), 1, (4,), 7),
    "jail_bookings": ((0,), 1, (2,), -1),
    "school_attendance": ((0, 5), 3, (1, 2), 8),
    "utility_shutoffs": ((0, 1), 1, (3,), 5),
}
_ACCOUNT_MOD = 10**10


def scramble(raw: int) -> int:
    """A bijection on 0..1e10-1 so account and student numbers look arbitrary but never clash."""
    return (raw * 3_141_592_653 + 2_718_281_828) % _ACCOUNT_MOD


@dataclass(slots=True)
class Row:
    day: int  # the row's delivery date (sort key)
    tie: float
    fields: list[str]
    record_id: str | None  # None: no usable key, truth says line:<n>
    person_ref: str
    hh_ref: str
    malformed: int = 0
    raw: bytes | None = None  # a non-UTF-8 line, written as is
    dup_of: Row | None = None


@dataclass
class FeedPart:
    """One chunk's slice of a feed file plus its truth rows (line numbers chunk-local)."""

    data: bytes
    lines: int
    truth: list[tuple[int, str | None, str, str, int, int]]


def csv_line(fields: list[str]) -> str:
    """One CSV record with minimal quoting and a bare newline, as every file here uses."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()


def csv_text(rows: Iterable[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


class FeedBuilder:
    """Builds all four feeds of a chunk from its caseload and its drawn signals."""

    def __init__(self, *, ch: Chunk, st: RiskState, cal: Calendar, offices: tuple[Office, ...],
                 rnd: random.Random, malformed_rate: float) -> None:
        self.ch, self.st, self.cal, self.offices = ch, st, cal, offices
        self.rnd, self.r = rnd, rnd.random
        self.dirt = Dirt(rnd)
        self.names = NameMaker(rnd)
        self.malformed_rate = malformed_rate
        self.seq = dict.fromkeys(FEEDS, 0)
        self.window = cal.end - cal.start + 1
        self.with_address = [j for j in range(ch.n) if ch.address[j] is not None]
        self.adults = [p for p in range(len(ch.p_ref)) if ch.p_rel[p] != "child"]
        self.kids = [p for p in range(len(ch.p_ref)) if ch.p_rel[p] == "child"]

    # --- ids -------------------------------------------------------------------------------
    def _next(self, feed: str) -> int:
        self.seq[feed] += 1
        return self.seq[feed]

    def case_number(self, day: int) -> str:
        year = dt.date.fromordinal(day).year
        raw = self.ch.index * 10**5 + self._next("eviction_filings")
        return f"CV-{year}-{scramble(raw):010d}"

    def booking_id(self) -> str:
        return f"BK{scramble(self.ch.index * 10**5 + self._next('jail_bookings')):010d}"

    def account(self, raw: int, utility: int) -> str:
        return f"{'EGW'[utility]}{scramble(raw):010d}"

    def student_id(self, raw: int, district: int) -> str:
        return f"S{district + 1:02d}{scramble(raw):010d}"

    def outsider_raw(self, feed: str) -> int:
        return 9 * 10**9 + self.ch.index * 10**5 + self._next(feed)

    # --- people outside the caseload ---------------------------------------------------------
    def outsider(self, *, child: bool = False) -> tuple[str, str, str, int, Address | None, int]:
        """(first, middle, last, dob, address, office index) of someone not in the caseload."""
        r, ch, nm = self.r, self.ch, self.names
        sex = "F" if r() < 0.5 else "M"
        ages = (5.2, 17.5) if child else (18.5, 70.0)
        dob = self.cal.end - int((ages[0] + r() * (ages[1] - ages[0])) * 365.25)
        x = r()
        if x < LOOKALIKE_SHARE / 2 and self.with_address:
            # Same surname and street as a caseload household: a neighbour or a relative.
            j = self.with_address[int(r() * len(self.with_address))]
            a = ch.address[j]
            last = ch.p_last[ch.head[j]]
            if a.unit:
                unit = a.unit
                while unit == a.unit:
                    unit = f"{1 + int(r() * 6)}{'ABCDEFGH'[int(r() * 8)]}"
                a = Address(a.number, a.direction, a.street, a.suffix, unit, a.city, a.zip)
            else:
                step = 2 * (1 + int(r() * 20))  # a different house on the same side
                number = a.number + step if r() < 0.5 or a.number <= step else a.number - step
                a = Address(number, a.direction, a.street, a.suffix, "", a.city, a.zip)
            return nm.first(sex), nm.middle(), last, dob, a, ch.office[j]
        if x < LOOKALIKE_SHARE:
            # Same first and last name as a caseload person, different birth date and address.
            pool = self.kids if child and self.kids else self.adults
            p = pool[int(r() * len(pool))]
            j = ch.p_hh[p]
            hood = ch.hood[j]
            dob = ch.p_dob[p] + (1 if r() < 0.5 else -1) * int(30 + r() * 2000)
            if child:
                dob = min(max(dob, self.cal.end - int(17.5 * 365.25)),
                          self.cal.end - int(5.2 * 365.25))
            return (ch.p_first[p], nm.middle(), ch.p_last[p], dob,
                    make_address(self.rnd, hood, r() < 0.6), ch.office[j])
        j = int(r() * ch.n)
        office = self.offices[ch.office[j]]
        hood = office.neighbourhoods[int(r() * len(office.neighbourhoods))]
        return nm.first(sex), nm.middle(), nm.surname(), dob, make_address(
            self.rnd, hood, r() < 0.7), office.index

    # --- name formats ------------------------------------------------------------------------
    def comma_name(self, first: str, middle: str, last: str, *, upper_p: float,
                   with_middle: bool = True) -> str:
        if self.r() < P_SWAP_NAMES:
            first, last = last, first
        text = f"{last}, {first}" + (f" {middle}" if middle and with_middle else "")
        return text.upper() if self.r() < upper_p else text

    def plain_name(self, first: str, middle: str, last: str, *, upper_p: float,
                   with_middle: bool) -> str:
        if self.r() < P_SWAP_NAMES:
            first, last = last, first
        text = " ".join(p for p in (first, middle if with_middle else "", last) if p)
        return text.upper() if self.r() < upper_p else text

    # --- the feeds -----------------------------------------------------------------------------
    def eviction_rows(self) -> list[Row]:
        ch, st, cal, r = self.ch, self.st, self.cal, self.r
        rows: list[Row] = []
        sig = st.signals["eviction"]
        for j, day in zip(sig.hh.tolist(), sig.day.tolist(), strict=True):
            if day < cal.start:
                continue
            p = ch.spouse[j] if ch.spouse[j] >= 0 and r() < 0.2 else ch.head[j]
            first, middle, last = self.dirt.name(ch.p_first[p], ch.p_middle[p], ch.p_last[p])
            office = self.offices[ch.office[j]]
            rows.append(self._eviction(day, office, ch.landlord[j], first, middle, last,
                                       ch.address[j], ch.rent[j], ch.p_ref[p], ch.hh_ref[j]))
        for _ in range(self._outsider_count(len(rows), OUTSIDER_SHARE)):
            first, middle, last, _dob, addr, oi = self.outsider()
            first, middle, last = self.dirt.name(first, middle, last)
            hood = self.offices[oi].neighbourhoods[0]
            landlord = hood.landlords[int(r() * len(hood.landlords))]
            day = cal.start + int(r() * self.window)
            rows.append(self._eviction(day, self.offices[oi], landlord, first, middle, last,
                                       addr, int(hood.rent), "", ""))
        return rows

    def _eviction(self, day: int, office: Office, plaintiff: str, first: str, middle: str,
                  last: str, addr: Address | None, rent: int, person: str, hh: str) -> Row:
        r, cal = self.r, self.cal
        case = self.case_number(day)
        fields = [case, cal.iso(day), office.court, plaintiff,
                  self.comma_name(first, middle, last, upper_p=0.85),
                  self.dirt.address(addr, city_p=0.85), cal.iso(day + 14 + int(r() * 22)),
                  f"{rent * (1.0 + r() * 2.5):.2f}"]
        return Row(day, r(), fields, case, person, hh)

    def jail_rows(self) -> list[Row]:
        ch, st, cal, r = self.ch, self.st, self.cal, self.r
        rows: list[Row] = []
        sig = st.signals["jail"]
        for j, day, p in zip(sig.hh.tolist(), sig.day.tolist(), sig.person.tolist(),
                             strict=True):
            if day < cal.start:
                continue
            first, middle, last = self.dirt.name(ch.p_first[p], ch.p_middle[p], ch.p_last[p])
            rows.append(self._jail(day, first, middle, last, ch.p_dob[p], ch.address[j],
                                   ch.housing[j] == HOMELESS, ch.p_ref[p], ch.hh_ref[j]))
        for _ in range(self._outsider_count(len(rows), OUTSIDER_SHARE)):
            first, middle, last, dob, addr, _oi = self.outsider()
            first, middle, last = self.dirt.name(first, middle, last)
            day = cal.start + int(r() * self.window)
            homeless = r() < 0.06
            rows.append(self._jail(day, first, middle, last, dob, None if homeless else addr,
                                   homeless, "", ""))
        return rows

    def _jail(self, day: int, first: str, middle: str, last: str, dob: int,
              addr: Address | None, homeless: bool, person: str, hh: str) -> Row:
        r, cal = self.r, self.cal
        booking = self.booking_id()
        if r() < 0.6:
            name = self.plain_name(first, middle, last, upper_p=0.15, with_middle=True)
        else:
            name = self.comma_name(first, middle, last, upper_p=1.0, with_middle=False)
        if homeless:
            address = ("TRANSIENT", "HOMELESS", "NO FIXED ADDRESS", "")[int(r() * 4)]
        else:
            address = self.dirt.address(addr, city_p=0.7)
        code, description = names.JAIL_CHARGES[int(r() * len(names.JAIL_CHARGES))]
        release = day + int(-math.log(1.0 - r()) * 4.0)
        release_s = "" if release > cal.end or r() < 0.08 else cal.iso(release)
        fields = [booking, cal.iso(day), name, self.dirt.dob(dob, cal), address, code,
                  description, release_s]
        return Row(day, r(), fields, booking, person, hh)

    def utility_rows(self) -> list[Row]:
        ch, st, cal, r = self.ch, self.st, self.cal, self.r
        rows: list[Row] = []
        sig = st.signals["utility"]
        taken: set[tuple[int, int, int]] = set()
        for j, day, u in zip(sig.hh.tolist(), sig.day.tolist(), sig.extra.tolist(),
                             strict=True):
            if day < cal.start:
                continue
            for step in range(3):  # two notices the same day: the other utility sent one
                if (j, (u + step) % 3, day) not in taken:
                    u = (u + step) % 3
                    break
            else:
                continue
            taken.add((j, u, day))
            p = ch.spouse[j] if ch.spouse[j] >= 0 and r() < 0.15 else ch.head[j]
            first, middle, last = self.dirt.name(ch.p_first[p], ch.p_middle[p], ch.p_last[p])
            account = self.account((ch.first + j) * 3 + u, u)
            rows.append(self._utility(day, account, u, first, middle, last, ch.address[j],
                                      ch.p_ref[p], ch.hh_ref[j]))
        for _ in range(self._outsider_count(len(rows), OUTSIDER_SHARE)):
            first, middle, last, _dob, addr, _oi = self.outsider()
            first, middle, last = self.dirt.name(first, middle, last)
            day = cal.start + int(r() * self.window)
            u = int(r() * 3)
            account = self.account(self.outsider_raw("utility_shutoffs"), u)
            rows.append(self._utility(day, account, u, first, middle, last, addr, "", ""))
        return rows

    def _utility(self, day: int, account: str, u: int, first: str, middle: str, last: str,
                 addr: Address | None, person: str, hh: str) -> Row:
        r, cal = self.r, self.cal
        x = r()
        if x < 0.75:
            name = self.plain_name(first, middle, last, upper_p=0.1, with_middle=False)
        elif x < 0.85:
            name = self.plain_name(first, middle, last, upper_p=0.1, with_middle=True)
        else:
            name = self.comma_name(first, middle, last, upper_p=0.6, with_middle=False)
        notice = cal.iso(day)
        fields = [account, notice, UTILITIES[u], name, self.dirt.address(addr, city_p=0.6),
                  f"{60 + r() * 840:.2f}", cal.iso(day + 10 + int(r() * 5))]
        return Row(day, r(), fields, f"{account}:{notice}", person, hh)

    def school_rows(self) -> list[Row]:
        ch, st, cal = self.ch, self.st, self.cal
        rows: list[Row] = []
        ab = st.absences
        in_feed = (ab.term_end >= cal.start) & (ab.term_end <= cal.end)
        n_kids = 0
        last_person, sid = -1, ""
        for p, k, chronic in zip(ab.person[in_feed].tolist(), ab.term[in_feed].tolist(),
                                 ab.chronic[in_feed].tolist(), strict=True):
            j = ch.p_hh[p]
            office = ch.office[j]
            if p != last_person:
                n_kids += 1
                last_person = p
                sid = self.student_id(int(ch.p_ref[p][1:]) - 1, office)
            first, _middle, last = self.dirt.name(ch.p_first[p], "", ch.p_last[p])
            rows.append(self._school(sid, first, last, ch.p_dob[p], ch.hood[j].schools, k,
                                     chronic, office, ch.p_ref[p], ch.hh_ref[j]))
        # Students the district reports who are not in the caseload, every term they attend.
        n_out = self._outsider_count(n_kids, SCHOOL_OUTSIDER_SHARE)
        for _ in range(n_out):
            first, _middle, last, dob, _addr, oi = self.outsider(child=True)
            sid = self.student_id(self.outsider_raw("school_attendance"), oi)
            office = self.offices[oi]
            hood = office.neighbourhoods[int(self.r() * len(office.neighbourhoods))]
            for k, term in enumerate(cal.terms):
                if not cal.start <= term.end <= cal.end:
                    continue
                if not 5 <= (term.start - dob) / 365.25 < 18:
                    continue
                f2, _m, l2 = self.dirt.name(first, "", last)
                rows.append(self._school(sid, f2, l2, dob, hood.schools, k, self.r() < 0.15,
                                         oi, "", ""))
        return rows

    def _school(self, sid: str, first: str, last: str, dob: int, schools: tuple[str, str, str],
                k: int, chronic: bool, office: int, person: str, hh: str) -> Row:
        r, cal = self.r, self.cal
        term = cal.terms[k]
        age = (term.start - dob) / 365.25
        school = schools[0] if age < 11 else schools[1] if age < 14 else schools[2]
        full = 85 + (office * 7 + k * 3) % 6
        enrolled = full if r() > 0.03 else 30 + int(r() * (full - 31))
        limit = math.ceil(0.1 * enrolled)  # chronic absence: at least 10% of enrolled days
        if chronic:
            absent = max(limit, int(enrolled * (0.1 + r() * 0.25)))
        else:
            absent = min(limit - 1, int(-math.log(1.0 - r()) * 2.5))
        if r() < P_SWAP_NAMES:
            first, last = last, first
        if r() < 0.08:
            first, last = first.upper(), last.upper()
        start = cal.iso(term.start)
        fields = [sid, first, last, self.dirt.dob(dob, cal, missing=False), school, start,
                  cal.iso(term.end), str(enrolled), str(absent)]
        return Row(term.end, r(), fields, f"{sid}:{start}", person, hh)

    def _outsider_count(self, inside: int, share: float) -> int:
        expected = inside * share / (1.0 - share)
        base = int(expected)
        return base + (1 if self.r() < expected - base else 0)

    # --- re-deliveries, malformed rows, assembly ------------------------------------------------
    def finish(self, feed: str, rows: list[Row]) -> FeedPart:
        r = self.r
        n_dup = round(len(rows) * DUPLICATE_SHARE)
        if rows and n_dup:
            for i in self.rnd.sample(range(len(rows)), n_dup):
                src = rows[i]
                rows.append(Row(src.day + 1 + int(r() * 30), r(), src.fields, src.record_id,
                                src.person_ref, src.hh_ref, dup_of=src))
        if self.malformed_rate > 0 and rows:
            expected = len(rows) * self.malformed_rate / (1.0 - self.malformed_rate)
            n_bad = int(expected) + (1 if r() < expected - int(expected) else 0)
            good = [row for row in rows if row.dup_of is None]
            kinds = MALFORMED_KINDS[feed]
            for i in range(n_bad):
                rows.append(self._malformed(feed, good[int(r() * len(good))],
                                            kinds[(i + int(r() * len(kinds))) % len(kinds)]))
        rows.sort(key=attrgetter("day", "tie"))
        position = {id(row): i for i, row in enumerate(rows)}
        out: list[bytes] = []
        truth = []
        pending: list[list[str]] = []
        for i, row in enumerate(rows):
            if row.raw is not None:
                out.append(csv_text(pending).encode("utf-8"))
                pending = []
                out.append(row.raw)
            else:
                pending.append(row.fields)
            truth.append((i, row.record_id, row.person_ref, row.hh_ref, row.malformed,
                          position[id(row.dup_of)] if row.dup_of is not None else -1))
        out.append(csv_text(pending).encode("utf-8"))
        return FeedPart(b"".join(out), len(rows), truth)

    def _fresh_key(self, feed: str, fields: list[str], day: int) -> str:
        if feed == "eviction_filings":
            fields[0] = self.case_number(day)
            return fields[0]
        if feed == "jail_bookings":
            fields[0] = self.booking_id()
            return fields[0]
        if feed == "school_attendance":
            district = int(fields[0][1:3]) - 1 if fields[0][1:3].isdigit() else 0
            fields[0] = self.student_id(self.outsider_raw(feed), district)
            return f"{fields[0]}:{fields[5]}"
        fields[0] = self.account(self.outsider_raw(feed), "EGW".index(fields[0][0]))
        return f"{fields[0]}:{fields[1]}"

    def _malformed(self, feed: str, src: Row, kind: str) -> Row:
        r = self.r
        fields = list(src.fields)
        day = src.day  # sorted in among the rows of its day
        record_id: str | None = self._fresh_key(feed, fields, day)
        keys, date_col, name_cols, amount_col = _LAYOUT[feed]
        raw = None
        if kind == "bad_date":
            fields[date_col] = BAD_DATES[int(r() * len(BAD_DATES))]
        elif kind == "empty_name":
            for c in name_cols:
                fields[c] = ""
        elif kind == "too_few":
            fields = fields[: len(fields) - 2 - int(r() * 2)]
        elif kind == "too_many":
            fields = fields + ["", "EXTRA"][: 1 + int(r() * 2)] + ["x"]
        elif kind == "negative":
            value = fields[amount_col]
            fields[amount_col] = "-" + (value if value not in ("", "0") else "3")
        elif kind == "non_utf8":
            line = csv_line(fields)
            if r() < 0.5:
                col = name_cols[0]
                name = fields[col] or "Pena"
                vowel = next((i for i, c in enumerate(name) if c in "aeiouAEIOU" and i), 1)
                fields[col] = name[:vowel] + ("ñ" if r() < 0.5 else "é") + name[vowel + 1:]
                raw = csv_line(fields).encode("latin-1")
            else:
                cut = line.index(",") + 1
                raw = (line[:cut].encode("ascii", "replace") + b"\xff\xfe"
                       + line[cut:].encode("utf-8"))
        elif kind == "empty_key":
            for c in keys:
                fields[c] = ""
            record_id = None
        if kind in ("bad_date",) and date_col in keys and record_id is not None:
            record_id = f"{fields[keys[0]]}:{fields[date_col]}"
        return Row(day, r(), fields, record_id, src.person_ref, src.hh_ref, malformed=1,
                   raw=raw)

    def build(self) -> dict[str, FeedPart]:
        return {
            "eviction_filings": self.finish("eviction_filings", self.eviction_rows()),
            "jail_bookings": self.finish("jail_bookings", self.jail_rows()),
            "school_attendance": self.finish("school_attendance", self.school_rows()),
            "utility_shutoffs": self.finish("utility_shutoffs", self.utility_rows()),
        }
