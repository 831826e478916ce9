"""Hypothesis strategies for hostile feed rows: plausible values, near misses and plain garbage."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

GARBAGE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.sampled_from(["", " ", "NULL", "null", "None", "N/A", "-", "0", "-1", "1e309", "NaN",
                     "inf", "9" * 40, "'; DROP TABLE cases_person; --", "<script>x</script>",
                     "\x00", "\u202e", "2026-02-30", "13/13/2026", "0000-00-00", "31/12/1999",
                     "99999-99999", "$1,234.56", "(100)", "1.2.3", "\ufeffid"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)

DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
DATE_TEXT = st.one_of(
    DATES.map(lambda d: d.isoformat()),
    DATES.map(lambda d: f"{d.month}/{d.day}/{d.year}"),
    DATES.map(lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}"),
    DATES.map(lambda d: d.strftime("%Y%m%d") if d.year >= 1000 else str(d)),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)).map(str),
)
NAMES = st.one_of(
    st.from_regex(r"[A-Z][A-Z'\-]{1,15}, [A-Z][a-z]{1,12}( [A-Z]\.?)?", fullmatch=True),
    st.from_regex(r"[A-Z][a-z]{1,12} [A-Z][a-z]{1,15}", fullmatch=True),
    st.sampled_from(["DOE, JANE", "O'NEIL-SMITH, MARY ANN", "Ng", ",", "  ,  ", "José Núñez"]),
)
ADDRESSES = st.one_of(
    st.from_regex(r"[0-9]{1,5} [A-Z][a-z]{2,10} (St|Ave|Rd)( Apt [0-9]{1,3})?, "
                  r"[A-Z][a-z]{3,10}, [A-Z]{2} [0-9]{5}", fullmatch=True),
    st.sampled_from(["1 Elm St, Springfield, IL 62701", "PO BOX 12", "unknown", "62701"]),
)
NUMBERS = st.one_of(st.decimals(allow_nan=True, places=2).map(str),
                    st.integers(min_value=-5, max_value=10**7).map(str))


def value_for(field: str) -> st.SearchStrategy[str]:
    """A plausible value for the column name, mixed with garbage."""
    if "date" in field or field in ("period_start", "period_end"):
        good = DATE_TEXT
    elif "name" in field or field in ("plaintiff",):
        good = NAMES
    elif "address" in field:
        good = ADDRESSES
    elif field.startswith(("amount", "days_")):
        good = NUMBERS
    elif field == "utility":
        good = st.sampled_from(["electric", "gas", "water", "Electric", "steam"])
    elif field == "program":
        good = st.sampled_from(["snap", "tanf", "medicaid", "wic", "liheap", "unknown"])
    else:
        good = st.from_regex(r"[A-Z0-9\-]{1,20}", fullmatch=True)
    return st.one_of(good, good, GARBAGE)


def feed_rows(fields: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    """A row with every field (plausible or garbage), some dropped, maybe extra columns."""
    full = st.fixed_dictionaries({f: value_for(f) for f in fields})
    dropped = st.sets(st.sampled_from(fields), max_size=len(fields))
    extra = st.dictionaries(st.text(max_size=10), GARBAGE, max_size=3)
    return st.tuples(full, dropped, extra).map(
        lambda t: {**t[2], **{k: v for k, v in t[0].items() if k not in t[1]}})
