"""Fellegi–Sunter scoring of candidate pairs with the trained Splink model, fast enough to be hot.

Splink trains and evaluates the model (risk.linkage.training). On the ingestion hot path we need
to score tens of thousands of pairs in a few milliseconds, many times a minute, against
candidates fetched from PostgreSQL; building a Splink Linker per batch costs more than the whole
budget (see docs/linkage.md). So this module reads the same model.json Splink wrote, evaluates
the same comparison-level SQL conditions in an in-process DuckDB (the engine Splink itself runs
them on), and adds the same log2(m/u) weights to the same prior — i.e. Splink's match weight.
tests/risk/test_linkage.py checks the result against Splink's own prediction.
"""

from __future__ import annotations

import json
import math
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from risk.linkage.standardise import COLUMNS, prepare

MODEL_PATH = Path(__file__).resolve().parent / "model.json"
_INHERITED: list[duckdb.DuckDBPyConnection] = []  # a forked child's copies, kept, never closed


@dataclass(frozen=True)
class Level:
    label: str
    sql: str
    weight: float  # log2(m/u); 0 for the null level
    is_null: bool


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]


class Model:
    """A trained Fellegi–Sunter model read from Splink's JSON."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.prior = float(data["probability_two_random_records_match"])
        self.prior_weight = math.log2(self.prior / (1 - self.prior))
        comparisons = []
        for comp in data["comparisons"]:
            levels = []
            for level in comp["comparison_levels"]:
                is_null = bool(level.get("is_null_level"))
                m, u = level.get("m_probability"), level.get("u_probability")
                if is_null or m is None or u is None:
                    weight = 0.0
                else:
                    weight = math.log2(max(m, 1e-12) / max(u, 1e-12))
                levels.append(Level(level.get("label_for_charts", ""), level["sql_condition"],
                                    weight, is_null))
            comparisons.append(Comparison(comp["output_column_name"], tuple(levels)))
        self.comparisons = tuple(comparisons)
        self._local = threading.local()

    # --- SQL -------------------------------------------------------------------------------
    def gamma_sql(self) -> list[str]:
        """One CASE per comparison: the index of the first level whose condition holds."""
        cases = []
        for i, comp in enumerate(self.comparisons):
            whens, else_index = [], len(comp.levels) - 1
            for j, level in enumerate(comp.levels):
                if level.sql.strip().upper() == "ELSE":
                    else_index = j
                    continue
                whens.append(f"WHEN {level.sql} THEN {j}")
            cases.append(f"CASE {' '.join(whens)} ELSE {else_index} END AS g{i}")
        return cases

    def weight_sql(self) -> str:
        terms = [f"{self.prior_weight!r}::DOUBLE"]
        for i, comp in enumerate(self.comparisons):
            weights = ", ".join(f"{lv.weight!r}::DOUBLE" for lv in comp.levels)
            terms.append(f"[{weights}][g{i} + 1]")  # one reference: g is not recomputed
        return " + ".join(terms)

    def score_sql(self, *, left: str, right: str, pairs: str) -> str:
        """SELECT lid, rid, g0..gN, w for the pairs (Splink's column naming: x_l, x_r)."""
        cols = [c for c in COLUMNS if c != "unique_id"]
        lcols = ", ".join(f'{c} AS "{c}_l"' for c in cols)
        rcols = ", ".join(f'{c} AS "{c}_r"' for c in cols)
        gammas = ", ".join(self.gamma_sql())
        names = ", ".join(f"g{i}" for i in range(len(self.comparisons)))
        return (f"WITH g AS MATERIALIZED (SELECT p.lid, p.rid, {gammas} FROM {pairs} p "  # noqa: S608  # nosec B608
                f"JOIN (SELECT unique_id AS lid_, {lcols} FROM {left}) l ON l.lid_ = p.lid "
                f"JOIN (SELECT unique_id AS rid_, {rcols} FROM {right}) r ON r.rid_ = p.rid) "
                f"SELECT lid, rid, {names}, {self.weight_sql()} AS w FROM g")

    # --- execution ---------------------------------------------------------------------------
    def connection(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection per thread (DuckDB connections are not shared across threads)."""
        con = getattr(self._local, "con", None)
        if con is None or getattr(self._local, "pid", None) != os.getpid():  # new thread/fork
            if con is not None:  # a forked child: the parent's connection must never be
                _INHERITED.append(con)  # destroyed here (it would join threads that are gone)
            con = duckdb.connect(":memory:", config={"threads": 1})
            prepare(con)
            self._local.con, self._local.pid = con, os.getpid()
        return con

    def explain(self, gammas: tuple[int, ...]) -> dict[str, dict[str, Any]]:
        """Per comparison: the level a pair fell in and its weight (for the review screen)."""
        out = {}
        for comp, g in zip(self.comparisons, gammas):
            level = comp.levels[int(g)]
            out[comp.name] = {"level": level.label, "weight": round(level.weight, 2)}
        return out

    @lru_cache(maxsize=4096)  # noqa: B019 - one model object per file, kept for the process
    def summary(self, gammas: tuple[int, ...]) -> str:
        parts = []
        for name, info in self.explain(gammas).items():
            if info["weight"] != 0:
                parts.append(f"{name.replace('_', ' ')} {info['level']}")
        return ", ".join(parts)


def probability(weight: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (-weight))


def weight_of(p: float) -> float:
    return math.log2(p / (1 - p))


@lru_cache(maxsize=4)
def load_model(path: str = str(MODEL_PATH)) -> Model:
    return Model(json.loads(Path(path).read_text()))
