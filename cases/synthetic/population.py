"""The agency's caseload for one chunk of households: people, addresses, incomes, housing.

Built with a per-chunk random.Random (fast for per-person string work); all draws happen in a
fixed order, so a chunk is a pure function of (seed, chunk index, world frame).
"""

from __future__ import annotations

import bisect
import itertools
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field

from cases.synthetic import names
from cases.synthetic.world import STATE, Calendar, Neighbourhood, Office

# 2024 HHS poverty guideline, 48 contiguous states (the same figures as cases/data).
FPL_BASE, FPL_STEP = 15060, 5380
HOUSING = ("rent", "own", "homeless", "other")
RENT, OWN, HOMELESS, OTHER = range(4)
SIZE_P = (0.22, 0.24, 0.22, 0.16, 0.09, 0.05, 0.02)
MEMBER_SLOTS = 8  # person_ref = household index * 8 + member + 1


def fpl(size: int) -> int:
    return FPL_BASE + FPL_STEP * (size - 1)


def _zipf_cum(n: int, power: float = 0.55, shift: int = 15) -> list[float]:
    return list(itertools.accumulate((1.0 / (k + shift)) ** power for k in range(n)))


_FEMALE_CUM = _zipf_cum(len(names.FEMALE_FIRST))
_MALE_CUM = _zipf_cum(len(names.MALE_FIRST))
_SURNAME_CUM = _zipf_cum(len(names.SURNAMES), power=0.7, shift=8)
_INITIALS = string.ascii_uppercase
_INITIAL_CUM = list(itertools.accumulate(
    [9, 4, 6, 5, 7, 3, 3, 3, 2, 8, 2, 6, 9, 3, 2, 4, 1, 7, 5, 4, 1, 2, 2, 1, 1, 1]))
_SIZE_CUM = list(itertools.accumulate(SIZE_P))


@dataclass(frozen=True)
class Address:
    number: int
    direction: str
    street: str
    suffix: str
    unit: str
    city: str
    zip: str

    def line(self) -> str:
        """The caseload's own canonical street line, e.g. '1234 North Oak Street Apt 4B'."""
        parts = [str(self.number), self.direction, self.street, self.suffix]
        text = " ".join(p for p in parts if p)
        return f"{text} Apt {self.unit}" if self.unit else text


@dataclass
class Chunk:
    """Column lists for one chunk; household and person indices are chunk-local."""

    index: int
    first: int
    ref_width: int
    person_width: int
    hh_ref: list[str] = field(default_factory=list)
    office: list[int] = field(default_factory=list)
    hood: list[Neighbourhood] = field(default_factory=list)
    housing: list[int] = field(default_factory=list)
    income: list[int] = field(default_factory=list)  # monthly, whole dollars
    ratio: list[float] = field(default_factory=list)  # annual income / poverty line
    single_parent: list[bool] = field(default_factory=list)
    n_children: list[int] = field(default_factory=list)
    address: list[Address | None] = field(default_factory=list)
    phone: list[str] = field(default_factory=list)
    race: list[str] = field(default_factory=list)
    landlord: list[str] = field(default_factory=list)
    rent: list[int] = field(default_factory=list)
    members: list[list[int]] = field(default_factory=list)
    head: list[int] = field(default_factory=list)
    spouse: list[int] = field(default_factory=list)  # -1 if none
    p_hh: list[int] = field(default_factory=list)
    p_ref: list[str] = field(default_factory=list)
    p_first: list[str] = field(default_factory=list)
    p_middle: list[str] = field(default_factory=list)
    p_last: list[str] = field(default_factory=list)
    p_dob: list[int] = field(default_factory=list)  # date ordinal
    p_sex: list[str] = field(default_factory=list)
    p_rel: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.hh_ref)


class NameMaker:
    """Draws given names, surnames and middle initials with a mild popularity skew."""

    def __init__(self, rnd: random.Random) -> None:
        self.r = rnd.random

    def _pick(self, items: Sequence[str], cum: list[float]) -> str:
        return items[bisect.bisect(cum, self.r() * cum[-1])]

    def first(self, sex: str) -> str:
        if sex == "X":
            sex = "F" if self.r() < 0.5 else "M"
        if sex == "F":
            return self._pick(names.FEMALE_FIRST, _FEMALE_CUM)
        return self._pick(names.MALE_FIRST, _MALE_CUM)

    def surname(self) -> str:
        if self.r() < names.HYPHENATED_SHARE:
            a, b = self._pick(names.SURNAMES, _SURNAME_CUM), self._pick(names.SURNAMES,
                                                                         _SURNAME_CUM)
            if a != b and "-" not in a and "-" not in b:
                return f"{a}-{b}"
        return self._pick(names.SURNAMES, _SURNAME_CUM)

    def middle(self) -> str:
        if self.r() < 0.15:
            return ""
        return _INITIALS[bisect.bisect(_INITIAL_CUM, self.r() * _INITIAL_CUM[-1])]


def _pick_weighted(r: random.Random, weights: tuple[float, ...] | list[float]) -> int:
    x, acc = r.random() * sum(weights), 0.0
    for i, w in enumerate(weights):
        acc += w
        if x < acc:
            return i
    return len(weights) - 1


def _unit(r: random.Random) -> str:
    floor = 1 + int(r.random() * (4 if r.random() < 0.8 else 14))
    style = r.random()
    if style < 0.55:
        return f"{floor}{'ABCDEFGH'[int(r.random() * 8)]}"
    if style < 0.9:
        return f"{floor}{int(r.random() * 20) + 1:02d}"
    return str(int(r.random() * 40) + 1)


def make_address(r: random.Random, hood: Neighbourhood, renter: bool) -> Address:
    direction, street, suffix = hood.streets[int(r.random() * len(hood.streets))]
    if renter and r.random() < 0.75:
        number = 100 + 10 * int(r.random() * 400)  # apartment buildings: round numbers
        unit = _unit(r)
    else:
        number = 1 + int(r.random() * 9899)
        unit = ""
    return Address(number, direction, street, suffix, unit, hood.city, hood.zip)


def make_phone(r: random.Random, office: Office) -> str:
    return f"{office.area_code}-555-{int(r.random() * 10000):04d}"


def _age_days(r: random.Random, years_lo: float, years_hi: float) -> int:
    return int((years_lo + r.random() * (years_hi - years_lo)) * 365.25)


def make_chunk(*, rnd: random.Random, offices: tuple[Office, ...], cal: Calendar, index: int,
               first: int, n: int, total: int) -> Chunk:
    """Generate n households (global indices first..first+n-1) and their members."""
    ref_width = max(7, len(str(total)))
    ch = Chunk(index=index, first=first, ref_width=ref_width,
               person_width=max(7, len(str(total * MEMBER_SLOTS))))
    r = rnd.random
    nm = NameMaker(rnd)
    office_cum = list(itertools.accumulate(o.weight for o in offices))
    end = cal.end
    for j in range(n):
        g = first + j
        office = offices[min(bisect.bisect(office_cum, r() * office_cum[-1]), len(offices) - 1)]
        hood = office.neighbourhoods[int(r() * len(office.neighbourhoods))]
        size = 1 + bisect.bisect(_SIZE_CUM, r() * _SIZE_CUM[-1])
        size = min(size, 7)
        # (relationship, sex, age in days) for each member, head first.
        people: list[tuple[str, str, int]] = []
        u = r()
        if size == 1:
            band = r()
            lo, hi = (18, 30) if band < 0.3 else (30, 60) if band < 0.75 else (60, 88)
            people.append(("head", "F" if r() < 0.55 else "M", _age_days(rnd, lo, hi)))
            kind = "single"
        elif size == 2 and u < 0.2:
            kind = "adults"
        elif u < 0.45 + (0.2 if size == 2 else 0.0):
            kind = "single_parent"
        elif u < 0.87:
            kind = "couple"
        else:
            kind = "multi"
        if size > 1:
            head_sex = ("F" if r() < 0.85 else "M") if kind == "single_parent" else (
                "F" if r() < 0.55 else "M")
            if r() < 0.006:
                head_sex = "X"
            head_age = _age_days(rnd, 19, 56) if kind != "adults" else _age_days(rnd, 20, 80)
            people.append(("head", head_sex, head_age))
            n_kids = size - 1
            if kind in ("couple", "multi"):
                sp_sex = ("M" if head_sex == "F" else "F") if r() < 0.95 else head_sex
                sp_age = max(int(18 * 365.25) + 1, head_age + int((r() * 12 - 6) * 365.25))
                people.append(("spouse", sp_sex, sp_age))
                n_kids -= 1
            if kind == "multi" and n_kids > 1:
                other_age = min(int(90 * 365.25), head_age + _age_days(rnd, 18, 32))
                people.append(("other", "F" if r() < 0.7 else "M", other_age))
                n_kids -= 1
            if kind == "adults":
                people.append(("other", "F" if r() < 0.5 else "M",
                               max(int(18 * 365.25) + 1, head_age + int((r() * 30 - 15) * 365))))
                n_kids = 0
            youngest_parent = min(a for rel, _, a in people if rel in ("head", "spouse"))
            max_kid = youngest_parent - int(16.5 * 365.25)
            for _ in range(n_kids):
                if max_kid <= 0:
                    break
                cap = min(max_kid, int(18 * 365.25) - 1)
                if max_kid > int(37 * 365.25) and r() < 0.08:
                    cap = int(21 * 365.25)  # a grown child still at home
                people.append(("child", ("F" if r() < 0.49 else "M") if r() > 0.004 else "X",
                               int(r() * cap)))
        size = len(people)
        # Names: children mostly carry the head's surname; some the other parent's or both.
        head_last = nm.surname()
        last_names = []
        spouse_last = head_last
        for rel, _, _ in people:
            if rel == "head":
                last_names.append(head_last)
            elif rel == "spouse":
                x = r()
                spouse_last = head_last if x < 0.68 else nm.surname()
                last_names.append(spouse_last)
            elif rel == "child":
                x = r()
                if spouse_last != head_last and x < 0.15:
                    last_names.append(spouse_last)
                elif (spouse_last != head_last and x < 0.2 and "-" not in head_last
                      and "-" not in spouse_last):
                    last_names.append(f"{head_last}-{spouse_last}")
                elif kind == "single_parent" and x < 0.25:
                    last_names.append(nm.surname())  # the other parent's surname
                else:
                    last_names.append(head_last)
            else:
                last_names.append(head_last if r() < 0.5 else nm.surname())
        n_children = sum(1 for rel, _, _ in people if rel == "child")
        adults = sum(1 for rel, _, a in people if a >= 18 * 365.25)
        # Income around the poverty line; neighbourhoods differ, extra adults earn a little.
        if r() < 0.06:
            income = 0
        else:
            ratio = pow(2.718281828459045, rnd.gauss(-0.16 + hood.income_offset
                                                    + 0.12 * (adults - 1), 0.65))
            income = int(round(ratio * fpl(size) / 12.0, -1))
        ratio = income * 12.0 / fpl(size)
        p_own = 0.04 + 0.3 / (1.0 + pow(2.718281828459045, -3.0 * (ratio - 1.6)))
        if size == 1 and people[0][2] > 60 * 365.25:
            p_own += 0.15
        p_homeless = 0.07 if ratio < 0.4 else 0.025 if ratio < 1.0 else 0.008
        p_other = 0.14
        x = r()
        housing = (OWN if x < p_own else HOMELESS if x < p_own + p_homeless
                   else OTHER if x < p_own + p_homeless + p_other else RENT)
        address = None if housing == HOMELESS else make_address(rnd, hood, housing == RENT)
        phone = "" if r() < 0.04 else make_phone(rnd, office)
        race = names.RACE_ETHNICITY[_pick_weighted(rnd, hood.race_weights)]
        if housing == RENT:
            landlord = (hood.landlords[int(r() * len(hood.landlords))] if r() < 0.7
                        else f"{nm.first('M' if r() < 0.5 else 'F')} {nm.surname()}")
        else:
            landlord = ""
        rent = int(hood.rent * (0.7 + 0.6 * r()))
        # Append household
        ch.hh_ref.append(f"H{g + 1:0{ref_width}d}")
        ch.office.append(office.index)
        ch.hood.append(hood)
        ch.housing.append(housing)
        ch.income.append(income)
        ch.ratio.append(ratio)
        ch.single_parent.append(n_children > 0 and not any(p[0] == "spouse" for p in people))
        ch.n_children.append(n_children)
        ch.address.append(address)
        ch.phone.append(phone)
        ch.race.append(race)
        ch.landlord.append(landlord)
        ch.rent.append(rent)
        members = []
        for m, ((rel, sex, age), last) in enumerate(zip(people, last_names, strict=True)):
            pi = len(ch.p_ref)
            members.append(pi)
            ch.p_hh.append(j)
            ch.p_ref.append(f"P{g * MEMBER_SLOTS + m + 1:0{ch.person_width}d}")
            ch.p_first.append(nm.first(sex))
            ch.p_middle.append(nm.middle())
            ch.p_last.append(last)
            ch.p_dob.append(end - age)
            ch.p_sex.append(sex)
            ch.p_rel.append(rel)
        ch.members.append(members)
        ch.head.append(members[0])
        ch.spouse.append(next((p for p in members if ch.p_rel[p] == "spouse"), -1))
    return ch


def households_csv_rows(ch: Chunk, offices: tuple[Office, ...], cal: Calendar) -> list[list[str]]:
    """Rows of households.csv (one per person) in import_households column order."""
    rows = []
    for p, j in enumerate(ch.p_hh):
        addr = ch.address[j]
        phone = ch.phone[j]
        if ch.p_rel[p] in ("spouse", "other") and phone:
            phone = phone[:-4] + f"{(int(phone[-4:]) * 7 + 13) % 10000:04d}"
        rows.append([
            ch.hh_ref[j], ch.p_ref[p], ch.p_first[p], ch.p_last[p], cal.iso(ch.p_dob[p]),
            ch.p_sex[p], ch.p_rel[p], addr.line() if addr else "",
            addr.city if addr else ch.hood[j].city, STATE, addr.zip if addr else ch.hood[j].zip,
            phone, str(ch.income[j]), HOUSING[ch.housing[j]], offices[ch.office[j]].code,
            ch.race[j],
        ])
    return rows


HOUSEHOLD_COLUMNS = ("household_ref", "person_ref", "first_name", "last_name", "date_of_birth",
                     "sex", "relationship", "street", "city", "state", "zip", "phone",
                     "monthly_income", "housing", "office_code", "race_ethnicity")
