"""The hidden risk process: signals arrive, raise a household's daily crisis hazard, crises happen.

The model team relies on this exact form (all days are whole dates):

    b_i    = exp(ETA0 + lin_i + latent_i)                 per-day base hazard, latent ~ N(0, 0.3)
    lin_i  = -0.45 ln(max(r_i, 0.1))                      r = monthly_income * 12 / poverty line
             + {rent 0.35, own 0, homeless 0.9, other 0.25}
             + 0.35 single_parent + 0.10 min(children, 5)
    h_i(d) = b_i * (1 + sum_k BOOST[k] * N_ik(d))

N_ik(d) counts the household's signals of kind k dated in [d - DURATION[k], d - 1]:
eviction filings (x6 for 75 days), utility shut-off notices (x3, 45 d), jail bookings of an
adult (x2.5, 60 d), school terms with chronic absence of a child (>= 10% of enrolled days,
dated at period_end; x1.5, 120 d), benefit lapses (dated at the missed recertification; x1,
120 d) and the household's own earlier crises (x1, 365 d). The poverty line is the 2024 HHS
guideline; children counts members with relationship "child"; single parent is a household
with a child and no spouse. Signals arrive as Poisson processes (Bernoulli per term or per
recertification) whose rates depend on lin_i and latent_i only; race never enters.

Everything inside the bracket is additive, so P(no crisis in (a, a+90]) factorises into the
part known at a and a Laplace functional per future signal kind; true_prob() evaluates it
exactly (signals dated a are known at a).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cases.synthetic.population import HOMELESS, OTHER, OWN, RENT, Chunk
from cases.synthetic.world import Calendar

KINDS = ("eviction", "utility", "jail", "absence", "lapse", "prior")
DURATION = {"eviction": 75, "utility": 45, "jail": 60, "absence": 120, "lapse": 120,
            "prior": 365}
BOOST = {"eviction": 6.0, "utility": 3.0, "jail": 2.5, "absence": 1.5, "lapse": 1.0,
         "prior": 1.0}
ETA0 = -8.35
LATENT_SD = 0.3
HOUSING_EFFECT = {RENT: 0.35, OWN: 0.0, HOMELESS: 0.9, OTHER: 0.25}
# Signal rates: log(per-day rate) = A + slope * lin + latent_slope * latent (+ log weight).
EVICTION_RATE = (-7.9, 0.8, 1.0)
UTILITY_RATE = (-6.8, 0.6, 1.0)
JAIL_RATE = (-8.5, 0.5, 0.8)
ABSENCE_LOGIT = (-2.5, 0.8, 1.0, 0.5)  # A, lin, latent, teen (14-17)
LAPSE_LOGIT = (-2.5, 0.5)
WINDOW = 90
UTILITIES = ("electric", "gas", "water")
UTILITY_P = (0.55, 0.25, 0.20)

PROGRAMS = ("snap", "tanf", "child_care", "liheap", "medicaid")
RECERT_DAYS = {"snap": 365, "tanf": 183, "child_care": 365, "liheap": 365, "medicaid": 365}
REENROLL_P = 0.45

EVENT_TYPES = ("eviction_executed", "shelter_entry", "child_removal", "utility_disconnected",
               "emergency_assistance")
_BASE_TYPES = {RENT: (0.10, 0.10, 0.12, 0.20, 0.48), OWN: (0.0, 0.02, 0.10, 0.30, 0.58),
               HOMELESS: (0.0, 0.50, 0.15, 0.0, 0.35), OTHER: (0.0, 0.20, 0.15, 0.08, 0.57)}
_KIND_TYPES = {"eviction": (0.7, 0.3, 0.0, 0.0, 0.0), "utility": (0.0, 0.0, 0.0, 0.85, 0.15),
               "jail": (0.0, 0.2, 0.35, 0.0, 0.45), "absence": (0.0, 0.0, 0.3, 0.0, 0.7),
               "lapse": (0.0, 0.15, 0.0, 0.1, 0.75)}
YEAR = 365.25


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Signals:
    """One kind of signal: household (chunk-local), day (ordinal) and, where relevant, person."""

    hh: np.ndarray
    day: np.ndarray
    person: np.ndarray
    extra: np.ndarray  # utility type index for utility notices, else zeros


@dataclass
class Spells:
    """Program enrollment spells; lapse is the ordinal of the missed recert or -1."""

    hh: np.ndarray
    program: np.ndarray
    start: np.ndarray
    first_due: np.ndarray
    period: np.ndarray
    lapse: np.ndarray
    recert_due: np.ndarray  # as shown at `end`: the lapse day, or the next due date after end


@dataclass
class Absences:
    """(child, term) pairs with the child aged 5-17 at term start; chronic drawn for all."""

    person: np.ndarray
    hh: np.ndarray
    term: np.ndarray
    term_end: np.ndarray
    prob: np.ndarray
    chronic: np.ndarray


@dataclass
class RiskState:
    lin: np.ndarray
    latent: np.ndarray
    base: np.ndarray
    rate: dict[str, np.ndarray]
    signals: dict[str, Signals]
    absences: Absences
    spells: Spells
    q_lapse: np.ndarray
    event_hh: np.ndarray
    event_day: np.ndarray
    event_type: np.ndarray


def observables(ch: Chunk) -> np.ndarray:
    """The observable part of the log base hazard (no intercept, no latent term)."""
    ratio = np.maximum(np.asarray(ch.ratio, dtype=float), 0.1)
    housing = np.array([HOUSING_EFFECT[h] for h in ch.housing])
    return (-0.45 * np.log(ratio) + housing + 0.35 * np.asarray(ch.single_parent, dtype=float)
            + 0.10 * np.minimum(np.asarray(ch.n_children, dtype=float), 5))


def _jail_weights(ch: Chunk, cal: Calendar) -> tuple[np.ndarray, list[list[tuple[int, float]]]]:
    """Adults old enough to be booked over the whole history, weighted by sex and age."""
    total = np.zeros(ch.n)
    per_hh: list[list[tuple[int, float]]] = [[] for _ in range(ch.n)]
    for p, j in enumerate(ch.p_hh):
        if cal.sim_start - ch.p_dob[p] < 18 * YEAR:
            continue
        age = (cal.end - ch.p_dob[p]) / YEAR
        w = {"M": 2.5, "F": 1.0}.get(ch.p_sex[p], 1.5) * (
            1.5 if age < 30 else 1.0 if age < 45 else 0.5 if age < 60 else 0.15)
        per_hh[j].append((p, w))
        total[j] += w
    return total, per_hh


def _poisson_signals(rng: np.random.Generator, rate: np.ndarray, cal: Calendar) -> Signals:
    counts = rng.poisson(rate * cal.days)
    hh = np.repeat(np.arange(rate.size), counts)
    day = cal.sim_start + rng.integers(0, cal.days, size=hh.size)
    order = np.lexsort((day, hh))
    hh, day = hh[order], day[order]
    return Signals(hh=hh, day=day, person=np.full(hh.size, -1), extra=np.zeros(hh.size, int))


def _absence_pairs(ch: Chunk, cal: Calendar, lin: np.ndarray, latent: np.ndarray,
                   rng: np.random.Generator) -> Absences:
    terms = [k for k, t in enumerate(cal.terms) if cal.sim_start <= t.end <= cal.end + 200]
    starts = np.array([cal.terms[k].start for k in terms], dtype=np.int64)
    ends = np.array([cal.terms[k].end for k in terms], dtype=np.int64)
    dob = np.asarray(ch.p_dob, dtype=np.int64)
    age = (starts[None, :] - dob[:, None]) / YEAR
    pp, tt = np.nonzero((age >= 5) & (age < 18))  # row-major: person, then term
    person, term_end = pp, ends[tt]
    term = np.asarray(terms, dtype=np.int64)[tt]
    teen = age[pp, tt] >= 14
    hh = np.asarray(ch.p_hh, dtype=np.int64)[pp]
    hh_a = hh
    a, b_lin, b_lat, b_teen = ABSENCE_LOGIT
    prob = _sigmoid(a + b_lin * lin[hh_a] + b_lat * latent[hh_a]
                    + b_teen * np.asarray(teen, dtype=float))
    chronic = rng.random(hh_a.size) < prob
    return Absences(person=person.astype(np.int64), hh=hh_a, term=term,
                    term_end=term_end, prob=prob, chronic=chronic)


def _spells(ch: Chunk, cal: Calendar, q: np.ndarray, rng: np.random.Generator) -> Spells:
    n = ch.n
    ratio = np.asarray(ch.ratio)
    kids = np.asarray(ch.n_children) > 0
    young = np.zeros(n, dtype=bool)
    for p, j in enumerate(ch.p_hh):
        if ch.p_rel[p] == "child" and cal.end - ch.p_dob[p] < 13 * YEAR:
            young[j] = True
    housing = np.asarray(ch.housing)
    with_home = (housing == RENT) | (housing == OWN)
    part = {
        "snap": np.where(ratio < 1.3, 0.85, 0.25),
        "tanf": np.where(kids & (ratio < 0.5), 0.45, np.where(kids, 0.08, 0.0)),
        "child_care": np.where(young & (ratio < 2.0), 0.3, 0.0),
        "liheap": np.where(with_home & (ratio < 1.5), 0.3, np.where(with_home, 0.05, 0.0)),
        "medicaid": np.where(ratio < 1.38, 0.85, 0.55),
    }
    hh_l, prog_l, start_l = [], [], []
    for k, prog in enumerate(PROGRAMS):
        on = rng.random(n) < part[prog]
        idx = np.flatnonzero(on)
        fresh = rng.random(idx.size) < 0.25
        start = np.where(fresh, cal.sim_start + rng.integers(0, max(1, cal.days - 60), idx.size),
                         cal.sim_start - rng.integers(30, 1800, idx.size))
        hh_l.append(idx)
        prog_l.append(np.full(idx.size, k))
        start_l.append(start)
    hh = np.concatenate(hh_l)
    prog = np.concatenate(prog_l)
    start = np.concatenate(start_l)
    out = {"hh": [], "program": [], "start": [], "first_due": [], "period": [], "lapse": [],
           "recert_due": []}
    periods = np.array([RECERT_DAYS[p] for p in PROGRAMS])
    for _round in range(8):
        if hh.size == 0:
            break
        period = periods[prog]
        # Due dates before the simulation are taken as renewed: the spell is alive at sim_start.
        k_first = np.maximum(1, -(-(cal.sim_start - start) // period))
        first_due = start + k_first * period
        trials = rng.geometric(q[hh])
        lapse_day = first_due + (trials - 1) * period
        lapsed = lapse_day <= cal.end
        next_due = first_due + np.maximum(0, -(-(cal.end + 1 - first_due) // period)) * period
        out["hh"].append(hh)
        out["program"].append(prog)
        out["start"].append(start)
        out["first_due"].append(first_due)
        out["period"].append(period)
        out["lapse"].append(np.where(lapsed, lapse_day, -1))
        out["recert_due"].append(np.where(lapsed, lapse_day, next_due))
        again = lapsed & (rng.random(hh.size) < REENROLL_P)
        new_start = lapse_day + rng.integers(20, 200, hh.size)
        again &= new_start <= cal.end - 1
        hh, prog, start = hh[again], prog[again], new_start[again]
    cat = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in out.items()}
    order = np.lexsort((cat["start"], cat["program"], cat["hh"]))
    return Spells(**{k: v[order] for k, v in cat.items()})


def _boost_diff(diff: np.ndarray, hh: np.ndarray, day: np.ndarray, kind: str,
                cal: Calendar) -> None:
    d = day - cal.sim_start
    first = d + 1
    last = np.minimum(first + DURATION[kind], cal.days)
    keep = first < cal.days
    np.add.at(diff, (first[keep], hh[keep]), BOOST[kind])
    np.add.at(diff, (last[keep], hh[keep]), -BOOST[kind])


def _active_counts(hh: np.ndarray, day: np.ndarray, kind: str, ev_hh: np.ndarray,
                   ev_day: np.ndarray) -> np.ndarray:
    """How many signals of a kind are active for each (household, day) event."""
    if hh.size == 0 or ev_hh.size == 0:
        return np.zeros(ev_hh.size)
    big = np.int64(1 << 24)
    keys = np.sort(hh.astype(np.int64) * big + day)
    lo = ev_hh.astype(np.int64) * big + ev_day - DURATION[kind]
    hi = ev_hh.astype(np.int64) * big + ev_day - 1
    return (np.searchsorted(keys, hi, side="right")
            - np.searchsorted(keys, lo, side="left")).astype(float)


def simulate(ch: Chunk, cal: Calendar, rng: np.random.Generator) -> RiskState:
    """Draw signals, then crises day by day (earlier crises raise the hazard for a year)."""
    n = ch.n
    lin = observables(ch)
    latent = rng.normal(0.0, LATENT_SD, n)
    base = np.exp(ETA0 + lin + latent)
    housing = np.asarray(ch.housing)
    renter = housing == RENT
    has_utility = renter | (housing == OWN)
    jail_w, jail_people = _jail_weights(ch, cal)
    rate = {
        "eviction": np.where(renter, np.exp(EVICTION_RATE[0] + EVICTION_RATE[1] * lin
                                            + EVICTION_RATE[2] * latent), 0.0),
        "utility": np.where(has_utility, np.exp(UTILITY_RATE[0] + UTILITY_RATE[1] * lin
                                                + UTILITY_RATE[2] * latent), 0.0),
        "jail": jail_w * np.exp(JAIL_RATE[0] + JAIL_RATE[1] * lin + JAIL_RATE[2] * latent),
    }
    signals = {k: _poisson_signals(rng, rate[k], cal) for k in ("eviction", "utility", "jail")}
    ut = signals["utility"]
    ut.extra = np.searchsorted(np.cumsum(UTILITY_P), rng.random(ut.hh.size) * 0.999999)
    jl = signals["jail"]
    picks = rng.random(jl.hh.size)
    jl.person = np.array([_pick_person(jail_people[h], jail_w[h], u)
                          for h, u in zip(jl.hh.tolist(), picks.tolist(), strict=True)],
                         dtype=np.int64)
    absences = _absence_pairs(ch, cal, lin, latent, rng)
    q = _sigmoid(LAPSE_LOGIT[0] + LAPSE_LOGIT[1] * lin)
    spells = _spells(ch, cal, q, rng)

    # Known boosts, as a per-day multiplier matrix (days x households).
    T = cal.days
    diff = np.zeros((T + 1, n), dtype=np.float32)
    for kind in ("eviction", "utility", "jail"):
        _boost_diff(diff, signals[kind].hh, signals[kind].day, kind, cal)
    chronic = absences.chronic & (absences.term_end <= cal.end)
    _boost_diff(diff, absences.hh[chronic], absences.term_end[chronic], "absence", cal)
    lapsed = spells.lapse >= cal.sim_start
    _boost_diff(diff, spells.hh[lapsed], spells.lapse[lapsed], "lapse", cal)
    np.cumsum(diff, axis=0, out=diff)
    diff += 1.0

    # Crises: exponential clocks on the cumulative hazard; a crisis restarts the clock and
    # adds the "prior" boost for DURATION["prior"] days.
    clock = np.zeros(n)
    threshold = rng.exponential(1.0, n)
    prior = np.zeros(n)
    expire: dict[int, np.ndarray] = {}
    a_prior, d_prior = BOOST["prior"], DURATION["prior"]
    ev_days, ev_hhs, ev_prior = [], [], []
    for d in range(T):
        gone = expire.pop(d, None)
        if gone is not None:
            prior[gone] -= 1.0
        clock += base * (diff[d] + a_prior * prior)
        hit = np.flatnonzero(clock >= threshold)
        if hit.size:
            ev_days.append(np.full(hit.size, d))
            ev_hhs.append(hit)
            ev_prior.append(prior[hit].copy())
            clock[hit] = 0.0
            threshold[hit] = rng.exponential(1.0, hit.size)
            prior[hit] += 1.0
            expire[d + 1 + d_prior] = hit
    del diff
    ev_day = (np.concatenate(ev_days) if ev_days else np.zeros(0, np.int64)) + cal.sim_start
    ev_hh = np.concatenate(ev_hhs) if ev_hhs else np.zeros(0, np.int64)
    n_prior = np.concatenate(ev_prior) if ev_prior else np.zeros(0)
    ev_type = _event_types(ch, rng, ev_hh, ev_day, n_prior, signals, absences, spells)
    order = np.lexsort((ev_day, ev_hh))
    return RiskState(lin=lin, latent=latent, base=base, rate=rate, signals=signals,
                     absences=absences, spells=spells, q_lapse=q, event_hh=ev_hh[order],
                     event_day=ev_day[order], event_type=ev_type[order])


def _pick_person(people: list[tuple[int, float]], total: float, u: float) -> int:
    x, acc = u * total, 0.0
    for p, w in people:
        acc += w
        if x < acc:
            return p
    return people[-1][0]


def _event_types(ch: Chunk, rng: np.random.Generator, ev_hh: np.ndarray, ev_day: np.ndarray,
                 n_prior: np.ndarray, signals: dict[str, Signals], absences: Absences,
                 spells: Spells) -> np.ndarray:
    """Attribute each crisis to the base hazard or a signal in proportion to its share."""
    m = ev_hh.size
    chronic = absences.chronic
    lapsed = spells.lapse >= 0
    parts = {
        "eviction": _active_counts(signals["eviction"].hh, signals["eviction"].day, "eviction",
                                   ev_hh, ev_day),
        "utility": _active_counts(signals["utility"].hh, signals["utility"].day, "utility",
                                  ev_hh, ev_day),
        "jail": _active_counts(signals["jail"].hh, signals["jail"].day, "jail", ev_hh, ev_day),
        "absence": _active_counts(absences.hh[chronic], absences.term_end[chronic], "absence",
                                  ev_hh, ev_day),
        "lapse": _active_counts(spells.hh[lapsed], spells.lapse[lapsed], "lapse", ev_hh,
                                ev_day),
    }
    comp_names = ["base", *parts]
    weights = np.column_stack([1.0 + BOOST["prior"] * n_prior] +
                              [BOOST[k] * parts[k] for k in parts]) if m else np.zeros((0, 6))
    u1 = rng.random(m)
    u2 = rng.random(m)
    out = np.zeros(m, dtype=np.int64)
    cum = np.cumsum(weights, axis=1)
    comp = (cum < (u1 * cum[:, -1])[:, None]).sum(axis=1) if m else np.zeros(0, int)
    for e in range(m):
        j = int(ev_hh[e])
        name = comp_names[int(comp[e])]
        probs = list(_BASE_TYPES[ch.housing[j]] if name == "base" else _KIND_TYPES[name])
        if ch.n_children[j] == 0:
            probs[4] += probs[2]
            probs[2] = 0.0
        total = sum(probs)
        x, acc, pick = u2[e] * total, 0.0, 4
        for t, p in enumerate(probs):
            acc += p
            if x < acc:
                pick = t
                break
        out[e] = pick
    return out


def _overlap(day: np.ndarray, duration: int, as_of: int) -> np.ndarray:
    """Days of (day, day + duration] that fall in (as_of, as_of + WINDOW], for day <= as_of."""
    return np.clip(np.minimum(day + duration, as_of + WINDOW) - as_of, 0, None)


def true_prob(st: RiskState, as_of: int) -> np.ndarray:
    """P(at least one crisis in (as_of, as_of + 90]) given everything drawn up to as_of."""
    n = st.base.size
    b = st.base
    known = np.full(n, float(WINDOW))

    def add_known(hh: np.ndarray, day: np.ndarray, kind: str) -> None:
        mask = day <= as_of
        if mask.any():
            known[:] += BOOST[kind] * np.bincount(
                hh[mask], weights=_overlap(day[mask], DURATION[kind], as_of), minlength=n)

    for kind in ("eviction", "utility", "jail"):
        add_known(st.signals[kind].hh, st.signals[kind].day, kind)
    ab = st.absences
    chronic = ab.chronic
    add_known(ab.hh[chronic], ab.term_end[chronic], "absence")
    sp = st.spells
    lapsed = sp.lapse >= 0
    add_known(sp.hh[lapsed], sp.lapse[lapsed], "lapse")
    add_known(st.event_hh, st.event_day, "prior")
    log_surv = -b * known
    # Future Poisson signals: arrivals on as_of+1 .. as_of+89 act inside the window.
    k = np.arange(1, WINDOW)
    for kind in ("eviction", "utility", "jail"):
        m = np.minimum(DURATION[kind], k)[None, :]
        f = (1.0 - np.exp(-b[:, None] * BOOST[kind] * m)).sum(axis=1)
        log_surv -= st.rate[kind] * f
    # Future term ends: chronic absence with its probability.
    fut = (ab.term_end > as_of) & (ab.term_end < as_of + WINDOW)
    if fut.any():
        h = ab.hh[fut]
        m = np.minimum(DURATION["absence"], as_of + WINDOW - ab.term_end[fut])
        p = ab.prob[fut]
        log_surv += np.bincount(h, weights=np.log1p(p * np.expm1(-b[h] * BOOST["absence"] * m)),
                                minlength=n)
    # Future recertifications of spells alive at as_of: lapse with probability q.
    alive = (sp.start <= as_of) & ((sp.lapse < 0) | (sp.lapse > as_of))
    if alive.any():
        first, period = sp.first_due[alive], sp.period[alive]
        nxt = first + np.maximum(0, -(-(as_of + 1 - first) // period)) * period
        soon = nxt < as_of + WINDOW
        h = sp.hh[alive][soon]
        m = np.minimum(DURATION["lapse"], as_of + WINDOW - nxt[soon])
        q = st.q_lapse[h]
        log_surv += np.bincount(h, weights=np.log1p(q * np.expm1(-b[h] * BOOST["lapse"] * m)),
                                minlength=n)
    return -np.expm1(log_surv)
