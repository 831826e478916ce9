"""Train the linkage model with Splink on a generated world and write risk/linkage/model.json.

    .venv/bin/python -m risk.linkage.training --households 3000 --seed 7   # generates a world
    .venv/bin/python -m risk.linkage.training --world var/world            # an existing one

m-probabilities are learnt by expectation maximisation (no labels are used), u-probabilities by
random sampling, the prior from deterministic rules — Splink's standard recipe. The ground-truth
file of the world is used only to report precision and recall afterwards, never to train.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from risk.linkage.scorer import MODEL_PATH
from risk.linkage.settings import settings_dict
from risk.linkage.standardise import keys_table, raw_table, standardise

M_FLOOR = 0.002
FEED_SOURCES = ("eviction_filings", "jail_bookings", "school_attendance", "utility_shutoffs")


def people_frame(world: Path) -> tuple[pd.DataFrame, dict[int, str]]:
    """Caseload people of a world (households.csv) as comparison columns; uid -> person_ref."""
    from cases.addresses import normalize_address

    ids, first, last, dob, keys, refs = [], [], [], [], [], {}
    with (world / "households.csv").open(newline="", encoding="utf-8") as fh:
        for uid, row in enumerate(csv.DictReader(fh), start=1):
            refs[uid] = row["person_ref"]
            ids.append(uid)
            first.append(row["first_name"])
            last.append(row["last_name"])
            dob.append(row.get("date_of_birth"))
            keys.append(normalize_address(row.get("street", ""), "", row.get("zip", ""))
                        if row.get("street") else "")
    table = raw_table(ids, first, last, dob, keys, [None] * len(ids))
    return standardise(table).to_pandas(), refs


def records_frame(world: Path, sources: tuple[str, ...] = FEED_SOURCES
                  ) -> tuple[pd.DataFrame, dict[int, tuple[str, int]]]:
    """Parsed feed rows of a world as comparison columns; uid -> (source, line)."""
    from risk.sources import ParsedRecord, get_adapter

    people, where = [], {}
    for source in sources:
        path = world / "feeds" / f"{source}.csv"
        if not path.exists():
            continue
        adapter = get_adapter(source)
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                parsed = adapter.parse(row, line=line)
                if isinstance(parsed, ParsedRecord):
                    where[len(people)] = (source, line)
                    # The caseload has no feed ids to learn from: external_id stays out.
                    people.append({**vars(parsed.person), "external_id": None})
    return standardise(keys_table(people)).to_pandas(), where


def train(records: pd.DataFrame, people: pd.DataFrame, *, out: Path = MODEL_PATH,
          seed: int = 1, max_pairs: float = 2e6) -> dict[str, Any]:
    """Splink: prior from deterministic rules, u by random sampling, m by EM; saves JSON."""
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI()
    left = db_api.register(records, dataset_display_name="feed")
    right = db_api.register(people, dataset_display_name="people")
    linker = Linker([left, right], settings_dict(), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "dob"),
         block_on("first_name", "last_name", "address_key")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    # EM sessions: each blocks on some fields and learns the others' m-probabilities. None
    # blocks on the address alone: people of one household share street and surname, and EM
    # would learn "same household" instead of "same person".
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), estimate_without_term_frequencies=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name"), estimate_without_term_frequencies=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        'l."street" = r."street" AND substr(l."first_name", 1, 1) = substr(r."first_name", 1, 1)',
        estimate_without_term_frequencies=True)
    model = linker.misc.save_model_to_json(None)
    smooth(model)
    out.write_text(json.dumps(model, indent=2) + "\n")
    return model


def smooth(model: dict[str, Any], floor: float = M_FLOOR) -> None:
    """Floor m at `floor`: a level never seen among matches in one synthetic world (e.g. "same zip
    only" when nobody moved) must not veto a real match with -40 bits; then renormalise."""
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"]
                  if not lv.get("is_null_level") and not lv.get("fix_m_probability")]
        if not levels:
            continue
        for lv in levels:
            lv["m_probability"] = max(float(lv.get("m_probability") or 0.0), floor)
        total = sum(lv["m_probability"] for lv in levels)
        for lv in levels:
            lv["m_probability"] = lv["m_probability"] / total


def train_from_world(world: Path, *, out: Path = MODEL_PATH, seed: int = 1) -> dict[str, Any]:
    records, _ = records_frame(world)
    people, _ = people_frame(world)
    return train(records, people, out=out, seed=seed)


def generate_world(out_dir: Path, *, households: int, seed: int) -> Path:
    from cases.synthetic import generate_world as generate

    generate(out_dir=out_dir, households=households, seed=seed, end=dt.date(2026, 6, 30))
    return out_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--world", type=Path, help="an existing generated world directory")
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    world = args.world
    if world is None:
        world = generate_world(Path(tempfile.mkdtemp(prefix="linkage-world-")),
                               households=args.households, seed=args.seed)
    train_from_world(world, out=args.out, seed=args.seed)
    print(f"model written to {args.out} (world {world})")


if __name__ == "__main__":  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dhs.settings")
    import django

    django.setup()
    main()
