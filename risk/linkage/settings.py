"""The Splink model definition: comparisons, levels and blocking rules (DuckDB SQL dialect).

Both sides are cleaned by risk.linkage.standardise first, so the SQL here only compares. The
same level conditions, read back from model.json, are what the fast scorer (risk.linkage.scorer)
evaluates in DuckDB; Splink trains them and checks them.
"""

from __future__ import annotations

from typing import Any

JW = "jaro_winkler_similarity"


def _null(col: str) -> dict[str, Any]:
    return {"sql_condition": f'"{col}_l" IS NULL OR "{col}_r" IS NULL',
            "label_for_charts": f"{col} missing", "is_null_level": True}


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _else() -> dict[str, Any]:
    return {"sql_condition": "ELSE", "label_for_charts": "all other"}


def _first_name() -> dict[str, Any]:
    f_l, f_r, s_r = '"first_name_l"', '"first_name_r"', '"last_name_r"'
    return {
        "output_column_name": "first_name",
        "comparison_description": "given name: exact, nickname, typo, swapped with surname",
        "comparison_levels": [
            _null("first_name"),
            _level(f"{f_l} = {f_r}", "exact"),
            _level('list_has_any("first_formal_l", "first_formal_r")', "nickname"),
            _level(f"{JW}({f_l}, {f_r}) >= 0.92", "typo (Jaro-Winkler >= 0.92)"),
            _level(f'{f_l} = {s_r} OR list_contains("last_parts_r", {f_l}) '
                   f"OR {JW}({f_l}, {s_r}) >= 0.92", "swapped with surname"),
            _level(f"{JW}({f_l}, {f_r}) >= 0.80", "similar (Jaro-Winkler >= 0.80)"),
            _else(),
        ],
    }


def _last_name() -> dict[str, Any]:
    s_l, s_r, f_r = '"last_name_l"', '"last_name_r"', '"first_name_r"'
    return {
        "output_column_name": "last_name",
        "comparison_description": "surname: exact, one part of a double-barrelled name, typo, "
                                  "swapped with given name",
        "comparison_levels": [
            _null("last_name"),
            _level(f"{s_l} = {s_r}", "exact"),
            _level('list_has_any("last_parts_l", "last_parts_r")', "one part of hyphenated"),
            _level(f"{JW}({s_l}, {s_r}) >= 0.92", "typo (Jaro-Winkler >= 0.92)"),
            _level(f'{s_l} = {f_r} OR list_contains("last_parts_l", {f_r}) '
                   f"OR {JW}({s_l}, {f_r}) >= 0.92", "swapped with given name"),
            _level(f"{JW}({s_l}, {s_r}) >= 0.80", "similar (Jaro-Winkler >= 0.80)"),
            _else(),
        ],
    }


def _dob() -> dict[str, Any]:
    d_l, d_r = '"dob_l"', '"dob_r"'
    return {
        "output_column_name": "dob",
        "comparison_description": "date of birth: exact, day/month swapped, one digit, year",
        "comparison_levels": [
            _null("dob"),
            _level(f"{d_l} = {d_r}", "exact"),
            _level(f'"dob_swap_l" = {d_r}', "day and month swapped"),
            _level(f"hamming({d_l}, {d_r}) <= 1", "one digit off"),
            _level(f"substr({d_l}, 1, 4) = substr({d_r}, 1, 4)", "same year"),
            _else(),
        ],
    }


def _address() -> dict[str, Any]:
    st_l, st_r, z_l, z_r = '"street_l"', '"street_r"', '"zip_l"', '"zip_r"'
    u_l, u_r = '"unit_l"', '"unit_r"'
    zip_ok = f"({z_l} = {z_r} OR {z_l} IS NULL OR {z_r} IS NULL)"
    unit_same = f"coalesce({u_l}, '') = coalesce({u_r}, '')"
    unit_missing = f"({u_l} IS NULL OR {u_r} IS NULL)"
    return {
        "output_column_name": "address",
        "comparison_description": "address key exact; same street with unit/zip missing or "
                                  "different; fuzzy street; zip",
        "comparison_levels": [
            _null("street"),
            _level('"address_key_l" = "address_key_r"', "address key exact"),
            _level(f"{st_l} = {st_r} AND {unit_same} AND ({z_l} IS NULL OR {z_r} IS NULL)",
                   "same street and unit, zip missing"),
            _level(f"{st_l} = {st_r} AND {zip_ok} AND {unit_missing}",
                   "same street, unit missing on one side"),
            # Evidence of a neighbour or relative, not of the person: fixed to weigh nothing.
            _level(f"{st_l} = {st_r} AND {zip_ok}", "same building, different unit",
                   m_probability=0.001, u_probability=0.001,
                   fix_m_probability=True, fix_u_probability=True),
            _level(f"split_part({st_l}, ' ', 1) = split_part({st_r}, ' ', 1) AND "
                   f"{JW}({st_l}, {st_r}) >= 0.90 AND {zip_ok} AND ({unit_same} OR "
                   f"{unit_missing})", "same house number, similar street name"),
            _level(f"{z_l} = {z_r}", "same zip only"),
            _else(),
        ],
    }


def _external_id() -> dict[str, Any]:
    """A feed id the person is already known under. Not learnable from an unlabelled world, so
    its m/u are fixed: an equal id is near-certain, a different known id is evidence against."""
    return {
        "output_column_name": "external_id",
        "comparison_description": "the feed's own person id against ids confirmed before",
        "comparison_levels": [
            _null("external_id"),
            _level('"external_id_l" = "external_id_r"', "same confirmed id",
                   m_probability=0.98, u_probability=0.00001,
                   fix_m_probability=True, fix_u_probability=True),
            _level("ELSE", "a different confirmed id", m_probability=0.02, u_probability=0.99999,
                   fix_m_probability=True, fix_u_probability=True),
        ],
    }


# Candidate pairs: same street, same birth date (or swapped) with a shared initial, same surname
# part with the same first initial, or a surname/given-name swap with the same birth date.
BLOCKING_RULES = [
    'l."street" = r."street"',
    'l."dob" = r."dob" AND (substr(l."last_name", 1, 1) = substr(r."last_name", 1, 1) '
    'OR substr(l."first_name", 1, 1) = substr(r."first_name", 1, 1) '
    'OR substr(l."first_name", 1, 1) = substr(r."last_name", 1, 1))',
    'l."dob_swap" = r."dob"',
    'list_has_any(l."last_parts", r."last_parts") AND substr(l."first_name", 1, 1) = '
    'substr(r."first_name", 1, 1)',
    'l."first_name" = r."last_name" AND l."last_name" = r."first_name"',
]


def settings_dict() -> dict[str, Any]:
    """The untrained Splink settings: link feed records (left) to caseload people (right)."""
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-5,
        "comparisons": [_first_name(), _last_name(), _dob(), _address(), _external_id()],
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in BLOCKING_RULES],
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": [],
        "sql_dialect": "duckdb",
    }
