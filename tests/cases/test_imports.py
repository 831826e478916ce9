"""import_households / import_outcomes / world_load_reference through the commands."""

from __future__ import annotations

import csv
import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.models import CrisisEvent, Household, OfficeVisit, Person, ProgramEnrollment
from cases.services.imports import HOUSEHOLD_COLUMNS, world_load_reference
from dhs.models import Office

COLUMNS = [*HOUSEHOLD_COLUMNS, "race_ethnicity"]


def person_row(h: int, p: int, **over: str) -> dict[str, str]:
    row = {
        "household_ref": f"H{h:05d}", "person_ref": f"P{p:06d}", "first_name": "Rosa",
        "last_name": f"Synthetic{p}", "date_of_birth": "1985-03-14", "sex": "F",
        "relationship": "head" if p % 3 == 0 else "child",
        "street": f"{100 + h} North Maple Street Apt {h % 7 + 1}B", "city": "Springfield",
        "state": "IL", "zip": "62701", "phone": "+12175550100", "monthly_income": "1450.50",
        "housing": "rent", "office_code": "NORTH", "race_ethnicity": "",
    }
    row.update(over)
    return row


def good_rows(n: int, start: int = 0) -> list[dict[str, str]]:
    return [person_row(h=(start + i) // 3, p=start + i) for i in range(n)]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run(command: str, path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def summary(out: str) -> str:
    return out.strip().splitlines()[-1]


@pytest.fixture
def offices(office_a, office_b):  # noqa: ANN001, ANN201
    return office_a, office_b


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_import_is_idempotent(fmt: str, tmp_path: Path, offices) -> None:  # noqa: ANN001
    rows = good_rows(30)
    path = (write_csv if fmt == "csv" else write_jsonl)(tmp_path / f"people.{fmt}", rows)

    out, _ = run("import_households", path)
    assert summary(out) == "read 30, created 30, updated 0, rejected 0"
    assert Person.objects.count() == 30
    assert Household.objects.count() == 10
    household = Household.objects.get(ref="H00000")
    assert household.street == "100 North Maple Street"
    assert household.unit == "1B"
    assert household.address_key == "100 n maple st|1B|62701"
    assert str(household.monthly_income) == "1450.50"

    out, _ = run("import_households", path)
    assert summary(out) == "read 30, created 0, updated 0, rejected 0"
    assert Person.objects.count() == 30
    assert Household.objects.count() == 10


def test_changed_rows_are_updated(tmp_path: Path, offices) -> None:  # noqa: ANN001
    rows = good_rows(6)
    run("import_households", write_csv(tmp_path / "a.csv", rows))
    rows[0]["monthly_income"] = "2000"          # household H00000, its first row
    rows[4]["last_name"] = "Renamed"             # a person of H00001
    rows[5]["household_ref"] = "H00000"          # moves to another household
    out, _ = run("import_households", write_csv(tmp_path / "b.csv", rows))
    assert summary(out) == "read 6, created 0, updated 3, rejected 0"
    assert Household.objects.get(ref="H00000").monthly_income == 2000
    assert Person.objects.get(ref="P000004").last_name == "Renamed"
    assert Person.objects.get(ref="P000005").household.ref == "H00000"


def test_first_row_of_a_household_wins(tmp_path: Path, offices) -> None:  # noqa: ANN001
    rows = [person_row(1, 1, housing="rent"), person_row(1, 2, housing="own",
                                                         monthly_income="9999")]
    out, _ = run("import_households", write_csv(tmp_path / "a.csv", rows))
    assert summary(out) == "read 2, created 2, updated 0, rejected 0"
    household = Household.objects.get(ref="H00001")
    assert (household.housing, household.monthly_income) == ("rent", 1450.50)


BAD_VALUES = [
    ({"date_of_birth": "1985-13-40"}, "date_of_birth '1985-13-40' is not a date"),
    ({"date_of_birth": "14/03/1985"}, "is not a date"),
    ({"relationship": "cousin"}, "relationship 'cousin' is not one of"),
    ({"housing": "boat"}, "housing 'boat' is not one of"),
    ({"office_code": "MOON"}, "office_code 'MOON' is not a known office"),
    ({"person_ref": ""}, "person_ref is missing"),
    ({"household_ref": ""}, "household_ref is missing"),
    ({"monthly_income": "lots"}, "monthly_income 'lots' is not a number"),
    ({"zip": "6270"}, "zip '6270' is not a ZIP code"),
    ({"last_name": ""}, "last_name is missing"),
]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_ten_percent_bad_rows_keep_every_good_row(fmt: str, tmp_path: Path,
                                                  offices) -> None:  # noqa: ANN001
    rows = good_rows(100)
    expected: dict[int, str] = {}
    for k, (change, reason) in enumerate(BAD_VALUES):
        i = 5 + k * 10
        rows[i] = {**rows[i], **change}
        expected[i + 2 if fmt == "csv" else i + 1] = reason   # file line numbers
    writer = write_csv if fmt == "csv" else write_jsonl
    path = writer(tmp_path / f"people.{fmt}", rows)

    out, err = run("import_households", path)
    assert summary(out) == "read 100, created 90, updated 0, rejected 10"
    good_refs = {r["person_ref"] for i, r in enumerate(rows)
                 if (i + 2 if fmt == "csv" else i + 1) not in expected and r["person_ref"]}
    assert set(Person.objects.values_list("ref", flat=True)) == good_refs
    reported = [line for line in err.splitlines() if line.startswith("line ")]
    assert len(reported) == 10
    for line_no, reason in expected.items():
        assert any(r.startswith(f"line {line_no}: ") and reason in r for r in reported), \
            (line_no, reason, reported)


def test_undecodable_and_short_lines_are_rejected(tmp_path: Path, offices) -> None:  # noqa: ANN001
    path = write_csv(tmp_path / "people.csv", good_rows(4))
    lines = path.read_bytes().splitlines(keepends=True)
    lines.insert(2, b"H9,P9,Ren\xe9e,Smith,1990-01-01,F,head,1 Oak St,Springfield,IL,62701,"
                    b",100,rent,NORTH,\r\n")
    lines.insert(4, b"H8,P8,too,few\r\n")
    path.write_bytes(b"".join(lines))
    out, err = run("import_households", path)
    assert summary(out) == "read 6, created 4, updated 0, rejected 2"
    assert "line 3: line is not valid UTF-8" in err
    assert "line 5: row has 4 columns, the header has 16" in err


def test_unclosed_quote_and_nul_cost_one_row_each(tmp_path: Path, offices) -> None:  # noqa: ANN001
    path = write_csv(tmp_path / "people.csv", good_rows(5))
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace("Rosa", '"Rosa', 1)       # line 3: a quote never closed
    lines[4] = lines[4].replace("Rosa", "Ro\x00sa", 1)    # line 5: a NUL byte
    path.write_text("".join(lines))
    out, err = run("import_households", path)
    assert summary(out) == "read 5, created 3, updated 0, rejected 2"
    assert "line 3: row has an unclosed quote" in err
    assert "line 5: row contains a NUL character" in err


def test_bad_json_line_is_rejected(tmp_path: Path, offices) -> None:  # noqa: ANN001
    path = write_jsonl(tmp_path / "people.jsonl", good_rows(3))
    path.write_text(path.read_text() + "{not json\n[1, 2]\n")
    out, err = run("import_households", path)
    assert summary(out) == "read 5, created 3, updated 0, rejected 2"
    assert "line 4: line is not valid JSON" in err
    assert "line 5: line is not a JSON object" in err


def test_file_level_errors_stop_with_command_error(tmp_path: Path, offices) -> None:  # noqa: ANN001
    bad_header = tmp_path / "people.csv"
    bad_header.write_text("household_ref,person_ref\nH1,P1\n")
    with pytest.raises(CommandError, match="header lacks column"):
        run("import_households", bad_header)
    with pytest.raises(CommandError, match="unknown file type"):
        run("import_households", tmp_path / "people.xlsx")
    with pytest.raises(CommandError, match="no such file"):
        run("import_households", tmp_path / "missing.csv")


def test_fail_on_reject_exits_3(tmp_path: Path, offices) -> None:  # noqa: ANN001
    path = write_csv(tmp_path / "people.csv", [person_row(1, 1, sex="?")])
    with pytest.raises(CommandError) as info:
        run("import_households", path, "--fail-on-reject")
    assert info.value.returncode == 3


# --- outcomes ------------------------------------------------------------------------------
def test_import_outcomes_idempotent_and_unknown_household(tmp_path: Path,
                                                         offices) -> None:  # noqa: ANN001
    run("import_households", write_csv(tmp_path / "people.csv", good_rows(9)))
    path = tmp_path / "outcomes.csv"
    path.write_text(
        "household_ref,event_type,event_date\n"
        "H00000,eviction_executed,2024-05-02\n"
        "H00001,shelter_entry,2024-06-30\n"
        "H00001,shelter_entry,2024-06-30\n"
        "H99999,shelter_entry,2024-06-30\n"
        "H00002,alien_abduction,2024-06-30\n"
        "H00002,utility_disconnected,2024-02-30\n")
    out, err = run("import_outcomes", path)
    assert summary(out) == "read 6, created 2, updated 0, rejected 3"
    assert "line 5: household_ref 'H99999' is not a known household" in err
    assert "line 6: event_type 'alien_abduction' is not one of" in err
    assert "line 7: event_date '2024-02-30' is not a date" in err
    out, _ = run("import_outcomes", path)
    assert summary(out) == "read 6, created 0, updated 0, rejected 3"
    assert CrisisEvent.objects.count() == 2


# --- a generated world's reference files --------------------------------------------------
def test_world_load_reference(tmp_path: Path, db) -> None:  # noqa: ANN001
    (tmp_path / "offices.csv").write_text(
        "code,name,county,address,opening_hours,sustainable_caseload,capacity\n"
        "EAST,Eastside Service Center,Sangamon,1 East St,Mon-Fri 08:00-17:00,35,80\n")
    assert world_load_reference(world_dir=tmp_path)["offices_created"] == 1
    office = Office.objects.get(code="EAST")
    assert (office.sustainable_caseload, office.weekly_capacity) == (35, 80)

    rows = [person_row(1, 1, office_code="EAST"), person_row(1, 2, office_code="EAST")]
    run("import_households", write_csv(tmp_path / "households.csv", rows))
    (tmp_path / "enrollments.csv").write_text(
        "household_ref,person_ref,program,start_date,end_date,recert_due_date\n"
        "H00001,P000001,snap,2024-01-01,,2025-01-01\n"
        "H00001,,medicaid,2024-03-01,2024-09-01,\n"
        "H77777,,snap,2024-01-01,,\n")
    (tmp_path / "visits.csv").write_text(
        "office_code,household_ref,arrived_at,served_at,service_type\n"
        "EAST,H00001,2024-05-06 09:10:00,2024-05-06 09:40:00,recertification\n"
        "EAST,,2024-05-06 16:55:00,,general_inquiry\n")
    counts = world_load_reference(world_dir=tmp_path)
    assert counts["enrollments_created"] == 2
    assert counts["visits_created"] == 2
    counts = world_load_reference(world_dir=tmp_path)
    assert counts["enrollments_created"] == 0
    assert counts["offices_updated"] == 0
    assert ProgramEnrollment.objects.count() == 2
    assert OfficeVisit.objects.count() == 2
    visit = OfficeVisit.objects.get(service_type="recertification")
    local = timezone.localtime(visit.arrived_at)
    assert (local.hour, local.minute) == (9, 10)
    assert visit.arrived_at.utcoffset() == dt.timedelta(0)
    assert visit.household.ref == "H00001"


def test_generated_world_loads_completely_and_idempotently(tmp_path: Path, db) -> None:  # noqa: ANN001
    synthetic = pytest.importorskip("cases.synthetic")
    end = timezone.localdate()
    synthetic.generate_world(out_dir=tmp_path, households=60, seed=11, end=end, workers=1)
    people = sum(1 for _ in (tmp_path / "households.csv").open()) - 1
    outcomes = sum(1 for _ in (tmp_path / "outcomes.csv").open()) - 1

    world_load_reference(world_dir=tmp_path, parts=("offices",))
    out, _ = run("import_households", tmp_path / "households.csv")
    assert summary(out) == f"read {people}, created {people}, updated 0, rejected 0"
    counts = world_load_reference(world_dir=tmp_path)
    assert counts["enrollments_skipped"] == counts["visits_skipped"] == 0
    out, _ = run("import_outcomes", tmp_path / "outcomes.csv")
    assert summary(out) == f"read {outcomes}, created {outcomes}, updated 0, rejected 0"
    assert Household.objects.count() == 60

    out, _ = run("import_households", tmp_path / "households.csv")
    assert summary(out) == f"read {people}, created 0, updated 0, rejected 0"
    visits = OfficeVisit.objects.count()
    assert world_load_reference(world_dir=tmp_path)["enrollments_created"] == 0
    assert OfficeVisit.objects.count() == visits
    out, _ = run("import_outcomes", tmp_path / "outcomes.csv")
    assert summary(out) == f"read {outcomes}, created 0, updated 0, rejected 0"


def test_progress_bar_on_long_files_only(tmp_path: Path, offices, capsys,
                                         monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("cases.services.imports.PROGRESS_MIN_ROWS", 5)
    short = write_csv(tmp_path / "short.csv", good_rows(3))
    long = write_csv(tmp_path / "long.csv", good_rows(12, start=3))
    call_command("import_households", str(short), stdout=StringIO(), stderr=StringIO())
    assert "rows" not in capsys.readouterr().err
    call_command("import_households", str(long), stdout=StringIO(), stderr=StringIO())
    assert "12/12" in capsys.readouterr().err
