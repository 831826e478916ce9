"""The fixed frame of a synthetic world: offices, neighbourhoods, school terms, dates.

Everything here depends only on (seed, households, end, years), never on a chunk, so that every
chunk of households lands in the same offices and streets whichever process generates it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from cases.synthetic import names

STATE = "CO"
# One year of history before the feeds start: signals and crises in it set the hazard on the
# first feed day, and its crises are written to outcomes.csv so a model sees them too.
BURN_IN_DAYS = 365
SCHEDULES = (
    ("Mon-Fri 08:00-17:00", dict.fromkeys(range(5), (480, 1020))),
    ("Mon-Fri 08:30-16:30", dict.fromkeys(range(5), (510, 990))),
    ("Mon-Fri 07:30-16:00", dict.fromkeys(range(5), (450, 960))),
    ("Mon-Fri 08:00-17:00; Sat 09:00-12:00", {**dict.fromkeys(range(5), (480, 1020)),
                                              5: (540, 720)}),
)
AREA_CODES = ("303", "719", "720", "970", "983")


@dataclass(frozen=True)
class Neighbourhood:
    """A few streets sharing a city, a zip code, schools and a local income and ethnic mix."""

    city: str
    zip: str
    streets: tuple[tuple[str, str, str], ...]  # (direction or "", name, suffix)
    income_offset: float
    race_weights: tuple[float, ...]
    rent: float
    landlords: tuple[str, ...]
    schools: tuple[str, str, str]  # elementary, middle, high


@dataclass(frozen=True)
class Office:
    index: int
    code: str
    name: str
    county: str
    city: str
    address: str
    opening_hours: str
    schedule: dict[int, tuple[int, int]]  # weekday -> (open minute, close minute)
    weight: float
    expected_households: float
    sustainable_caseload: int
    capacity: int
    area_code: str
    neighbourhoods: tuple[Neighbourhood, ...] = field(default=())

    @property
    def court(self) -> str:
        return f"{self.county} District Court"


@dataclass(frozen=True)
class Term:
    start: int  # date ordinals
    end: int
    label: str


@dataclass(frozen=True)
class Calendar:
    """Day arithmetic on date ordinals; day index 0 is the first burn-in day."""

    end: int
    start: int  # first feed day
    sim_start: int
    terms: tuple[Term, ...]
    date_base: int
    date_strings: tuple[str, ...]

    @property
    def days(self) -> int:
        return self.end - self.sim_start + 1

    def iso(self, ordinal: int) -> str:
        return self.date_strings[ordinal - self.date_base]


def office_count(households: int) -> int:
    """One office per ~20,000 households, between 2 and 50."""
    return max(2, min(50, round(households / 20000)))


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _friday_on_or_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - 4) % 7)


def school_terms(first_year: int, last_year: int) -> tuple[Term, ...]:
    """Fall (late August to mid December) and spring (January to late May) terms."""
    terms = []
    for year in range(first_year, last_year + 1):
        spring = Term(_monday_on_or_after(dt.date(year, 1, 6)).toordinal(),
                      _friday_on_or_before(dt.date(year, 5, 24)).toordinal(), f"{year}S")
        fall = Term(_monday_on_or_after(dt.date(year, 8, 20)).toordinal(),
                    _friday_on_or_before(dt.date(year, 12, 19)).toordinal(), f"{year}F")
        terms += [spring, fall]
    return tuple(terms)


@lru_cache(maxsize=8)
def build_calendar(end: dt.date, years: int) -> Calendar:
    start = years_before(end, years)
    sim_start = start.toordinal() - BURN_IN_DAYS
    base = dt.date(1900, 1, 1).toordinal()
    last = end.toordinal() + 800
    strings = tuple(dt.date.fromordinal(o).isoformat() for o in range(base, last))
    terms = school_terms(dt.date.fromordinal(sim_start).year - 1, end.year + 1)
    return Calendar(end=end.toordinal(), start=start.toordinal(), sim_start=sim_start,
                    terms=terms, date_base=base, date_strings=strings)


def _neighbourhood(rng: np.random.Generator, office_index: int, j: int, city: str,
                   code: str) -> Neighbourhood:
    picks = rng.choice(len(names.STREET_NAMES), size=24, replace=False)
    suffixes = list(names.STREET_SUFFIXES)
    streets = []
    for k in picks:
        direction = ("", *names.DIRECTIONS)[int(rng.integers(0, 5))] if rng.random() < 0.3 else ""
        suffix = suffixes[int(rng.choice(len(suffixes), p=_SUFFIX_P))]
        streets.append((direction, names.STREET_NAMES[int(k)], suffix))
    base_mix = np.array([0.24, 0.36, 0.24, 0.06, 0.03, 0.05, 0.02])
    race = rng.dirichlet(base_mix * 6.0 + 0.05)
    landlords = tuple(
        names.PROPERTY_COMPANY_FORMS[int(rng.integers(0, len(names.PROPERTY_COMPANY_FORMS)))]
        .format(w=names.PROPERTY_COMPANY_WORDS[int(w)])
        for w in rng.choice(len(names.PROPERTY_COMPANY_WORDS), size=6, replace=False))
    short = code[:4]
    return Neighbourhood(
        city=city, zip=f"{80010 + office_index * 37 + j * 7:05d}", streets=tuple(streets),
        income_offset=float(rng.normal(0.0, 0.2)), race_weights=tuple(float(x) for x in race),
        rent=float(rng.uniform(750, 1650)), landlords=landlords,
        schools=(f"{short}-ES{j + 1}", f"{short}-MS{j // 2 + 1}", f"{short}-HS1"))


_SUFFIX_P = np.array([30, 22, 12, 10, 8, 5, 4, 3, 2, 2, 1, 3, 1], dtype=float)
_SUFFIX_P /= _SUFFIX_P.sum()


@lru_cache(maxsize=8)
def build_offices(seed: int, households: int) -> tuple[Office, ...]:
    """Offices with their neighbourhoods; sizes are skewed so offices 0 and 1 are the largest."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    n = office_count(households)
    raw = np.array([(1.0 / (k + 2)) ** 0.6 for k in range(n)]) * rng.uniform(0.85, 1.15, n)
    raw[:2] = raw.max() * np.array([1.1, 1.05])
    weights = raw / raw.sum()
    offices = []
    for k in range(n):
        code, county = names.OFFICES[k]
        cities = [county + names.CITY_SUFFIXES[0]] + [
            county + names.CITY_SUFFIXES[int(i)]
            for i in rng.choice(np.arange(1, len(names.CITY_SUFFIXES)), size=2, replace=False)]
        hoods = tuple(_neighbourhood(rng, k, j, cities[min(j, 2)] if j < 3 else cities[0], code)
                      for j in range(3 + int(rng.integers(0, 3))))
        hours, schedule = SCHEDULES[0 if k == 0 else 3 if k == 1 else
                                    int(rng.choice(4, p=[0.55, 0.2, 0.15, 0.1]))]
        expected = float(households * weights[k])
        street = hoods[0].streets[0]
        address = (f"{100 + 17 * k} {' '.join(p for p in street if p)}, {cities[0]}, "
                   f"{STATE} {hoods[0].zip}")
        offices.append(Office(
            index=k, code=code, name=f"{county} Human Services Office",
            county=f"{county} County", city=cities[0], address=address, opening_hours=hours,
            schedule=schedule, weight=float(weights[k]), expected_households=expected,
            # Open work items per caseworker above which supervisors are warned
            # (Office.sustainable_caseload); offices set it between 30 and 40.
            sustainable_caseload=30 + 5 * (k % 3),
            # Work items per week the office can act on: ~1.2% of its households.
            capacity=max(5, round(expected * 0.012)),
            area_code=AREA_CODES[k % len(AREA_CODES)], neighbourhoods=hoods))
    return tuple(offices)
