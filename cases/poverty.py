"""Federal poverty guidelines and area median income, as data by year and household size.

Tables live in cases/data/*.csv so a new year is a data change. A year past the newest table
uses the newest table (the guidelines are published each January; until the agency adds the
new row, the last one applies).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
# HUD's household-size adjustments to the 4-person area median income.
AMI_SIZE_FACTORS = {1: Decimal("0.70"), 2: Decimal("0.80"), 3: Decimal("0.90"), 4: Decimal("1.00"),
                    5: Decimal("1.08"), 6: Decimal("1.16"), 7: Decimal("1.24"),
                    8: Decimal("1.32")}


@lru_cache(maxsize=1)
def _poverty_table() -> dict[int, dict[str, Decimal]]:
    table: dict[int, dict[str, Decimal]] = {}
    with (DATA / "poverty_guidelines.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            table.setdefault(int(row["year"]), {})[row["household_size"]] = Decimal(
                row["annual_usd"])
    return table


@lru_cache(maxsize=1)
def _ami_table() -> dict[int, Decimal]:
    with (DATA / "area_median_income.csv").open(newline="") as fh:
        return {int(r["year"]): Decimal(r["annual_usd"]) for r in csv.DictReader(fh)
                if r["household_size"] == "4"}


def _year(table: dict[int, object], year: int) -> int:
    years = sorted(table)
    if year in table:
        return year
    return years[-1] if year > years[-1] else years[0]


def poverty_line(*, year: int, household_size: int) -> Decimal:
    """Annual federal poverty guideline (48 contiguous states) for a household size."""
    table = _poverty_table()
    rows = table[_year(table, year)]
    size = max(1, int(household_size))
    if size <= 8:
        return rows[str(size)]
    return rows["8"] + rows["each_additional"] * (size - 8)


def area_median_income(*, year: int, household_size: int) -> Decimal:
    """Annual area median income adjusted for household size (HUD's factors)."""
    table = _ami_table()
    base = table[_year(table, year)]
    size = max(1, int(household_size))
    factor = AMI_SIZE_FACTORS.get(size, AMI_SIZE_FACTORS[8] + Decimal("0.08") * (size - 8))
    return (base * factor).quantize(Decimal("1"))


def poverty_ratio(*, monthly_income: Decimal | float, year: int, household_size: int) -> float:
    """Annual income as a share of the poverty line (1.0 = at the line)."""
    return float(Decimal(str(monthly_income)) * 12 / poverty_line(year=year,
                                                                    household_size=household_size))
