"""Office visits for the last 56 days before `end` and `end` itself, up to the snapshot time.

Arrivals follow each office's opening hours with a morning peak and a lunch dip, Mondays are
busiest, volume scales with the households an office serves, and waits grow with the crowd.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random

from cases.synthetic.population import Chunk
from cases.synthetic.world import Calendar, Office

VISIT_DAYS = 56
VISITS_PER_HOUSEHOLD_DAY = 0.006  # on an average weekday
WALK_IN_SHARE = 0.2
WEEKDAY_FACTOR = (1.35, 1.05, 1.0, 0.95, 0.8, 0.55, 0.0)
HOUR_WEIGHT = {7: 0.5, 8: 1.2, 9: 1.6, 10: 1.5, 11: 1.2, 12: 0.7, 13: 0.9, 14: 1.1, 15: 1.0,
               16: 0.7, 17: 0.4}
SERVICE_TYPES = ("application", "recertification", "emergency_assistance", "document_drop_off",
                 "interview", "general_inquiry")
_LINKED_CUM = list(itertools.accumulate((0.12, 0.22, 0.12, 0.25, 0.14, 0.15)))
_WALK_IN_CUM = list(itertools.accumulate((0.30, 0.05, 0.20, 0.10, 0.0, 0.35)))
# The export is taken at 14:00 on `end`: later arrivals do not exist yet, and anyone not yet
# served by then is still waiting (served_at blank).
SNAPSHOT_MINUTE = 14 * 60
VISIT_COLUMNS = ("office_code", "household_ref", "arrived_at", "served_at", "service_type")


def _poisson(r: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(r.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= r.random()
        if p <= limit:
            return k
        k += 1


class OfficeClock:
    """Day and minute samplers for one office's schedule over the visit window."""

    def __init__(self, office: Office, cal: Calendar) -> None:
        self.days = []
        weights = []
        for o in range(cal.end - VISIT_DAYS, cal.end + 1):
            wd = dt.date.fromordinal(o).weekday()
            if wd in office.schedule and WEEKDAY_FACTOR[wd] > 0:
                self.days.append(o)
                weights.append(WEEKDAY_FACTOR[wd])
        self.day_cum = list(itertools.accumulate(weights))
        self.total = self.day_cum[-1] if self.day_cum else 0.0
        self.minutes: dict[int, tuple[list[int], list[float]]] = {}
        for wd, (open_m, close_m) in office.schedule.items():
            mins = list(range(open_m, close_m - 5))
            self.minutes[wd] = (mins, list(itertools.accumulate(
                HOUR_WEIGHT.get(m // 60, 0.3) for m in mins)))

    def sample(self, r: random.Random) -> tuple[int, int]:
        day = self.days[bisect.bisect(self.day_cum, r.random() * self.total)]
        mins, cum = self.minutes[dt.date.fromordinal(day).weekday()]
        return day, mins[bisect.bisect(cum, r.random() * cum[-1])]


def _stamp(day: int, minute: int, second: int) -> str:
    d = dt.date.fromordinal(day)
    return f"{d.isoformat()}T{minute // 60:02d}:{minute % 60:02d}:{second:02d}"


def chunk_visits(*, ch: Chunk, offices: tuple[Office, ...], cal: Calendar,
                 rnd: random.Random) -> list[tuple[str, str]]:
    """(sort key, CSV line) for every visit by this chunk's households and walk-ins."""
    r = rnd.random
    clocks = {o.index: OfficeClock(o, cal) for o in offices}
    plan: list[tuple[int, str]] = []  # (office, household_ref or "" for a walk-in)
    per_office = [0.0] * len(offices)
    for j in range(ch.n):
        clock = clocks[ch.office[j]]
        lam = VISITS_PER_HOUSEHOLD_DAY * clock.total
        per_office[ch.office[j]] += lam
        plan += [(ch.office[j], ch.hh_ref[j])] * _poisson(rnd, lam)
    for k, lam in enumerate(per_office):
        plan += [(k, "")] * _poisson(rnd, lam * WALK_IN_SHARE / (1 - WALK_IN_SHARE))
    out = []
    for k, hh in plan:
        office, clock = offices[k], clocks[k]
        if not clock.days:
            continue
        day, minute = clock.sample(rnd)
        if day == cal.end and minute >= SNAPSHOT_MINUTE:
            continue
        wd = dt.date.fromordinal(day).weekday()
        load = WEEKDAY_FACTOR[wd] * HOUR_WEIGHT.get(minute // 60, 0.3) / 1.1
        mean_wait = 8.0 + 24.0 * load
        wait = -mean_wait / 2 * math.log((1 - r()) * (1 - r()))  # gamma(2, mean/2)
        arrived_s = int(r() * 60)
        served = minute * 60 + arrived_s + int(wait * 60)
        close = office.schedule[wd][1] * 60
        served_at = ""
        left = r() < 0.04 + (0.3 if wait > 60 else 0.0)
        still_waiting = day == cal.end and served >= SNAPSHOT_MINUTE * 60
        if not left and not still_waiting and served <= close + 15 * 60:
            served_at = _stamp(day, served // 60, served % 60)
        cum = _LINKED_CUM if hh else _WALK_IN_CUM
        service = SERVICE_TYPES[min(bisect.bisect(cum, r() * cum[-1]), len(SERVICE_TYPES) - 1)]
        arrived = _stamp(day, minute, arrived_s)
        out.append((f"{arrived}|{office.code}|{hh}|{served_at}|{service}",
                    f"{office.code},{hh},{arrived},{served_at},{service}\n"))
    return out
