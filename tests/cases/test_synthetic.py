"""The synthetic world generator: deterministic, well-formed, and honest about its truth.

No database: these tests read the generated files only (run with -p no:django if the Django
settings are not importable).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from cases.synthetic import generate_world, generator
from cases.synthetic.__main__ import main as cli_main
from cases.synthetic.feeds import FEED_COLUMNS, FEEDS
from cases.synthetic.names import NICKNAMES, RACE_ETHNICITY

END = dt.date(2025, 6, 30)
DESIGN_HEADERS = {
    "households.csv": "household_ref,person_ref,first_name,last_name,date_of_birth,sex,"
                      "relationship,street,city,state,zip,phone,monthly_income,housing,"
                      "office_code,race_ethnicity",
    "outcomes.csv": "household_ref,event_type,event_date",
    "feeds/eviction_filings.csv": "case_number,filing_date,court,plaintiff,defendant_name,"
                                  "defendant_address,hearing_date,amount_claimed",
    "feeds/jail_bookings.csv": "booking_id,booking_date,full_name,date_of_birth,address,"
                               "charge_code,charge_description,release_date",
    "feeds/school_attendance.csv": "district_student_id,first_name,last_name,date_of_birth,"
                                   "school_code,period_start,period_end,days_enrolled,"
                                   "days_absent",
    "feeds/utility_shutoffs.csv": "account_id,notice_date,utility,customer_name,"
                                  "service_address,amount_past_due,scheduled_shutoff_date",
    "offices.csv": "code,name,county,address,opening_hours,sustainable_caseload,capacity",
    "enrollments.csv": "household_ref,person_ref,program,start_date,end_date,recert_due_date",
    "visits.csv": "office_code,household_ref,arrived_at,served_at,service_type",
    "truth/links.csv": "source,line,record_id,person_ref,household_ref,malformed,"
                       "duplicate_of_line",
    "truth/households.csv": "household_ref,latent",
}
# Which columns must be a date when present, and which must never be empty, per feed.
DATE_COLUMNS = {
    "eviction_filings": ("filing_date", "hearing_date"),
    "jail_bookings": ("booking_date", "date_of_birth", "release_date"),
    "school_attendance": ("date_of_birth", "period_start", "period_end"),
    "utility_shutoffs": ("notice_date", "scheduled_shutoff_date"),
}
REQUIRED = {
    "eviction_filings": ("case_number", "filing_date", "defendant_name"),
    "jail_bookings": ("booking_id", "booking_date", "full_name"),
    "school_attendance": ("district_student_id", "period_start", "first_name", "last_name"),
    "utility_shutoffs": ("account_id", "notice_date", "customer_name"),
}
AMOUNTS = {"eviction_filings": "amount_claimed", "utility_shutoffs": "amount_past_due",
           "school_attendance": "days_absent"}


@pytest.fixture
def settings() -> SimpleNamespace:
    """Stand-in for pytest-django's fixture, which tests/conftest.py's autouse fixtures ask
    for: these tests never read Django settings, and must run with -p no:django."""
    return SimpleNamespace(AXES_ENABLED=False)


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out_dir=out, households=300, seed=11, end=END, malformed_rate=0.05,
                   truth_dates=[END - dt.timedelta(days=200)])
    return out


@pytest.fixture(scope="module")
def big_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dt.date]:
    out = tmp_path_factory.mktemp("big")
    as_of = END - dt.timedelta(days=120)
    generate_world(out_dir=out, households=2500, seed=3, end=END, truth_dates=[as_of])
    return out, as_of


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def record_id(feed: str, row: dict[str, str]) -> str:
    if feed == "school_attendance":
        return f"{row['district_student_id']}:{row['period_start']}"
    if feed == "utility_shutoffs":
        return f"{row['account_id']}:{row['notice_date']}"
    return row[FEED_COLUMNS[feed][0]]


def is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def problems(feed: str, raw: bytes) -> list[str]:
    """What an ingester must reject this raw line for (empty list: a valid row)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ["not utf-8"]
    values = next(csv.reader(io.StringIO(text)))
    columns = FEED_COLUMNS[feed]
    if len(values) != len(columns):
        return ["column count"]
    row = dict(zip(columns, values, strict=True))
    found = [f"empty {c}" for c in REQUIRED[feed] if not row[c]]
    found += [f"bad {c}" for c in DATE_COLUMNS[feed] if row[c] and not is_date(row[c])]
    if feed in AMOUNTS and float(row[AMOUNTS[feed]] or 0) < 0:
        found.append("negative")
    return found


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    kwargs = {"households": 120, "end": END, "malformed_rate": 0.02}
    generate_world(out_dir=tmp_path / "a", seed=5, **kwargs)
    generate_world(out_dir=tmp_path / "b", seed=5, **kwargs)
    generate_world(out_dir=tmp_path / "c", seed=6, **kwargs)
    a, b, c = (all_files(tmp_path / x) for x in "abc")
    assert a == b
    assert a.keys() == c.keys()
    assert a["households.csv"] != c["households.csv"]
    assert a["feeds/eviction_filings.csv"] != c["feeds/eviction_filings.csv"]


def test_chunking_and_workers_do_not_change_the_files(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator, "CHUNK_SIZE", 60)
    kwargs = {"households": 150, "seed": 9, "end": END, "malformed_rate": 0.03}
    one = generate_world(out_dir=tmp_path / "one", workers=1, **kwargs)
    two = generate_world(out_dir=tmp_path / "two", workers=2, **kwargs)
    assert all_files(tmp_path / "one") == all_files(tmp_path / "two")
    assert one.rows == two.rows and one.people == two.people


def test_headers_match_design(small_world: Path) -> None:
    for name, header in DESIGN_HEADERS.items():
        with (small_world / name).open("rb") as fh:
            assert fh.readline().decode().rstrip("\n") == header, name
    for feed in FEEDS:
        assert ",".join(FEED_COLUMNS[feed]) == DESIGN_HEADERS[f"feeds/{feed}.csv"]
    risk = (small_world / "truth/risk.csv").read_text()
    assert risk.startswith("household_ref,as_of,true_prob\n")


def test_caseload_is_coherent(small_world: Path) -> None:
    people = read(small_world / "households.csv")
    assert len({p["person_ref"] for p in people}) == len(people)
    households: dict[str, list[dict[str, str]]] = {}
    for p in people:
        households.setdefault(p["household_ref"], []).append(p)
    assert len(households) == 300
    assert 2.5 < len(people) / len(households) < 3.3
    offices = {o["code"] for o in read(small_world / "offices.csv")}
    for members in households.values():
        assert 1 <= len(members) <= 7
        heads = [m for m in members if m["relationship"] == "head"]
        assert len(heads) == 1
        parents = [m for m in members if m["relationship"] in ("head", "spouse")]
        for child in (m for m in members if m["relationship"] == "child"):
            assert all(child["date_of_birth"] > p["date_of_birth"] for p in parents)
        assert len({(m["street"], m["monthly_income"], m["housing"]) for m in members}) == 1
        assert members[0]["office_code"] in offices
        assert members[0]["race_ethnicity"] in RACE_ETHNICITY
        assert members[0]["housing"] in ("rent", "own", "homeless", "other")
        assert members[0]["sex"] in ("F", "M", "X")
        assert (members[0]["housing"] == "homeless") == (members[0]["street"] == "")
        assert all(is_date(m["date_of_birth"]) for m in members)


def test_truth_lines_point_at_the_right_rows(small_world: Path) -> None:
    links = read(small_world / "truth/links.csv")
    caseload = {p["person_ref"]: p["household_ref"] for p in read(small_world / "households.csv")}
    for feed in FEEDS:
        lines = (small_world / "feeds" / f"{feed}.csv").read_bytes().split(b"\n")
        assert lines[-1] == b""
        lines = lines[:-1]
        truth = [t for t in links if t["source"] == feed]
        assert [int(t["line"]) for t in truth] == list(range(2, len(lines) + 1))
        for t in truth:
            raw = lines[int(t["line"]) - 1]
            if t["person_ref"]:
                assert caseload[t["person_ref"]] == t["household_ref"]
            if t["duplicate_of_line"]:
                original = int(t["duplicate_of_line"])
                assert original < int(t["line"])
                assert lines[original - 1] == raw
                assert t["record_id"] == links[links.index(t) - int(t["line"]) + original][
                    "record_id"]
            if t["malformed"] == "1":
                assert problems(feed, raw), (feed, raw)
                continue
            assert problems(feed, raw) == [], (feed, raw)
            row = dict(zip(FEED_COLUMNS[feed], next(csv.reader([raw.decode()])), strict=True))
            assert record_id(feed, row) == t["record_id"]
        good = [t for t in truth if t["malformed"] == "0" and not t["duplicate_of_line"]]
        assert len({t["record_id"] for t in good}) == len(good), feed


def test_malformed_rate_gives_that_share_of_broken_rows(small_world: Path) -> None:
    links = read(small_world / "truth/links.csv")
    for feed in FEEDS:
        truth = [t for t in links if t["source"] == feed]
        share = sum(t["malformed"] == "1" for t in truth) / len(truth)
        assert abs(share - 0.05) < 0.012 + 3 / len(truth), (feed, share)
    kinds = Counter(t["record_id"].startswith("line:") for t in links if t["malformed"] == "1")
    assert kinds[True] > 0  # some rows have no usable key at all


def test_no_malformed_rows_without_the_option(big_world: tuple[Path, dt.date]) -> None:
    links = read(big_world[0] / "truth/links.csv")
    assert not any(t["malformed"] == "1" for t in links)


def test_feeds_mix_caseload_outsiders_duplicates_and_dirt(big_world: tuple[Path, dt.date]
                                                          ) -> None:
    root = big_world[0]
    links = read(root / "truth/links.csv")
    for feed in ("eviction_filings", "jail_bookings", "utility_shutoffs"):
        truth = [t for t in links if t["source"] == feed]
        outside = sum(not t["person_ref"] for t in truth) / len(truth)
        assert 0.24 < outside < 0.36, (feed, outside)
    dups = sum(bool(t["duplicate_of_line"]) for t in links) / len(links)
    assert 0.02 < dups < 0.04
    people = {p["person_ref"]: p for p in read(root / "households.csv")}
    school = read(root / "feeds/school_attendance.csv")
    truth = [t for t in links if t["source"] == "school_attendance"]
    exact = nick = 0
    for row, t in zip(school, truth, strict=True):
        if not t["person_ref"]:
            continue
        p = people[t["person_ref"]]
        exact += (row["first_name"], row["last_name"], row["date_of_birth"]) == (
            p["first_name"], p["last_name"], p["date_of_birth"])
        nick += row["first_name"] in NICKNAMES.get(p["first_name"], ())
    linked = sum(1 for t in truth if t["person_ref"])
    assert 0.75 < exact / linked < 0.97  # dirty, but mostly recognisable
    assert nick > 0


def test_crisis_rate_in_a_90_day_window_is_in_range(big_world: tuple[Path, dt.date]) -> None:
    root, as_of = big_world
    risk = read(root / "truth/risk.csv")
    prob = {r["household_ref"]: float(r["true_prob"]) for r in risk}
    assert len(prob) == 2500 and all(r["as_of"] == as_of.isoformat() for r in risk)
    mean = sum(prob.values()) / len(prob)
    assert 0.08 <= mean <= 0.15
    hit = {o["household_ref"] for o in read(root / "outcomes.csv")
           if as_of < dt.date.fromisoformat(o["event_date"]) <= as_of + dt.timedelta(days=90)}
    observed = len(hit) / len(prob)
    assert abs(observed - mean) < 0.03
    top = sorted(prob, key=prob.get, reverse=True)[: len(prob) // 10]
    assert sum(h in hit for h in top) / len(top) > 2 * observed


def test_enrollments_and_visits_are_consistent(big_world: tuple[Path, dt.date]) -> None:
    root = big_world[0]
    enrollments = read(root / "enrollments.csv")
    lapsed = [e for e in enrollments if e["end_date"]]
    assert lapsed and all(e["end_date"] == e["recert_due_date"] for e in lapsed)
    assert all(e["recert_due_date"] > END.isoformat() for e in enrollments if not e["end_date"])
    offices = {o["code"]: o for o in read(root / "offices.csv")}
    visits = read(root / "visits.csv")
    hours = Counter()
    for v in visits:
        arrived = dt.datetime.fromisoformat(v["arrived_at"])
        assert END - dt.timedelta(days=56) <= arrived.date() <= END
        assert arrived.weekday() < 6
        if arrived.weekday() == 5:
            assert "Sat" in offices[v["office_code"]]["opening_hours"]
        if v["served_at"]:
            assert dt.datetime.fromisoformat(v["served_at"]) >= arrived
        hours[arrived.hour] += 1
    assert hours[9] > hours[12] and hours[9] > hours[16]
    assert sum(not v["household_ref"] for v in visits) / len(visits) < 0.35


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["--households", "40", "--seed", "2", "--end", "2025-01-15", "--out",
                     str(tmp_path), "--quiet"]) == 0
    assert "40 households" in capsys.readouterr().out
    assert len(read(tmp_path / "truth/households.csv")) == 40
