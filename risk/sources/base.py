"""The adapter contract and the tolerant-but-strict field parsers every feed shares.

Real feeds are dirty. A parser here accepts every spelling a partner plausibly sends
(ISO or US dates, "LAST, FIRST M" or "First M Last", "$1,234.50") and refuses only what cannot
be read, with a sentence a person can act on. A refused row never stops the rest of a file.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from cases.addresses import normalize_address, parse_one_line_address


@dataclass
class PersonKey:
    """What linkage needs to find a person: names, birth date, address, the feed's own id."""

    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    street: str = ""
    unit: str = ""
    zip: str = ""
    address_key: str = ""
    external_id: str = ""


@dataclass
class ParsedRecord:
    """A validated feed row: its key, cleaned fields, who it is about, and the signal it carries.

    `known_person_id` is set only by internal adapters (benefit lapses) that already know the
    person and household; ingestion then skips linkage for that record.
    """

    record_id: str
    fields: dict[str, Any]
    person: PersonKey
    signal: dict[str, Any]
    known_person_id: int | None = None
    known_household_id: int | None = None


@dataclass
class Rejection:
    """A row that could not be read; `reason` says what is wrong and how to fix it."""

    record_id: str
    reason: str


class FieldError(ValueError):
    """One unreadable field; the message is the rejection reason."""


# --- field parsers ---------------------------------------------------------------------------
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")
_US = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _make_date(year: int, first: int, second: int) -> dt.date | None:
    """Month/day as given; when that is impossible, the day/month swap (linkage copes)."""
    for month, day in ((first, second), (second, first)):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return None


def parse_date(value: str | None, name: str, *, required: bool = False) -> dt.date | None:
    """YYYY-MM-DD (also MM/DD/YYYY and YYYYMMDD); an impossible month/day is read swapped."""
    text = (value or "").strip()
    if not text:
        if required:
            raise FieldError(f"{name} is empty (expected a date, YYYY-MM-DD)")
        return None
    result = None
    if m := _ISO.match(text):
        result = _make_date(int(m[1]), int(m[2]), int(m[3]))
    elif m := _US.match(text):
        result = _make_date(int(m[3]), int(m[1]), int(m[2]))
    elif m := _COMPACT.match(text):
        result = _make_date(int(m[1]), int(m[2]), int(m[3]))
    if result is None or not (1900 <= result.year <= 2100):
        raise FieldError(f"{name} '{text}' is not a date (expected YYYY-MM-DD)")
    return result


def parse_amount(value: str | None, name: str, *, required: bool = False) -> Decimal | None:
    """Dollars: '1234.5', '$1,234.50'; a negative amount is refused (feeds send what is owed)."""
    text = (value or "").strip().replace("$", "").replace(",", "").replace(" ", "")
    if not text:
        if required:
            raise FieldError(f"{name} is empty (expected an amount in dollars, e.g. 1234.50)")
        return None
    if text.startswith("(") and text.endswith(")"):
        text = "-" + text[1:-1]
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise FieldError(f"{name} '{value}' is not an amount (expected dollars, e.g. 1234.50)"
                         ) from None
    if not amount.is_finite():
        raise FieldError(f"{name} '{value}' is not an amount (expected dollars, e.g. 1234.50)")
    if amount < 0:
        raise FieldError(f"{name} '{value}' is negative (expected an amount owed, 0 or more)")
    if amount >= Decimal("10000000000"):
        raise FieldError(f"{name} '{value}' is too large to be an amount owed")
    return amount.quantize(Decimal("0.01"))


def parse_int(value: str | None, name: str) -> int:
    """A whole number of days; required."""
    text = (value or "").strip()
    if not text:
        raise FieldError(f"{name} is empty (expected a whole number)")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise FieldError(f"{name} '{value}' is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise FieldError(f"{name} '{value}' is not a whole number")
    return int(number)


def required_text(value: str | None, name: str) -> str:
    text = clean_text(value)
    if not text:
        raise FieldError(f"{name} is empty; the row cannot be identified without it")
    return text


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    """Trim and collapse inner whitespace; strip control characters (hot path: no regex
    unless the text has a non-printable character)."""
    if not value:
        return ""
    if not value.isprintable():
        value = _CONTROL.sub(" ", value)
    return " ".join(value.split())


_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v"}


def _name_tokens(text: str) -> list[str]:
    return text.replace(".", " ").split()


def parse_name(value: str | None, name: str) -> tuple[str, str, str]:
    """(first, middle, last) from "LAST, FIRST M" or "First M Last"; generational suffix dropped.

    Names are title-cased; hyphenated and particle surnames ("Garcia-Lopez", "De La Cruz"
    after a comma) are kept whole. A bare comma-less "LAST FIRST" cannot be told apart from
    "FIRST LAST" here; linkage compares names both ways.
    """
    text = clean_text(value)
    if not text or not re.search(r"[^\W\d_]", text):
        raise FieldError(f"{name} is empty (expected \"LAST, FIRST M\" or \"First M Last\")")
    if "," in text:
        last_part, _, rest = text.partition(",")
        rest_tokens = [t for t in _name_tokens(rest.replace(",", " "))
                       if t.lower() not in _SUFFIXES]
        last_tokens = [t for t in _name_tokens(last_part) if t.lower() not in _SUFFIXES]
        last = " ".join(last_tokens)
        first = rest_tokens[0] if rest_tokens else ""
        middle = " ".join(rest_tokens[1:])
    else:
        tokens = [t for t in _name_tokens(text) if t.lower() not in _SUFFIXES]
        if len(tokens) == 1:
            first, middle, last = "", "", tokens[0]
        else:
            first, middle, last = tokens[0], " ".join(tokens[1:-1]), tokens[-1]
    if not last or not first:
        raise FieldError(f"{name} '{text}' has no first and last name "
                         "(expected \"LAST, FIRST M\" or \"First M Last\")")
    return _title(first), _title(middle), _title(last)


def _title(text: str) -> str:
    """'o'brien-SMITH' -> "O'Brien-Smith"; capitalises after hyphen and apostrophe."""
    return text.title()


def parse_address(value: str | None) -> dict[str, str]:
    """One-line address to street/unit/city/state/zip plus the normalised matching key."""
    return dict(_parse_address(clean_text(value)))


@functools.lru_cache(maxsize=65536)
def _parse_address(text: str) -> tuple[tuple[str, str], ...]:
    """Cached: the same address recurs across rows and feeds of one household."""
    return tuple(_parse_address_uncached(text).items())


def _parse_address_uncached(text: str) -> dict[str, str]:
    if not text:
        return {"street": "", "unit": "", "city": "", "state": "", "zip": "", "address_key": ""}
    parts = parse_one_line_address(text)
    parts["address_key"] = normalize_address(parts["street"], parts["unit"], parts["zip"])
    return parts


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def money(amount: Decimal | None) -> str | None:
    return str(amount) if amount is not None else None


class Adapter:
    """One feed: its columns (DESIGN.md order), its signal kind and how a row is read."""

    source: str = ""
    kind: str = ""
    fields: tuple[str, ...] = ()
    # Fields linkage needs (documentation only: an agreement that leaves one out still wins,
    # see docs/ingestion.md).
    key_fields: tuple[str, ...] = ()

    def record_id(self, row: dict[str, str], line: int | None) -> str:
        """The feed's own key (DESIGN.md export_links); `line:<n>` when there is none."""
        key = self.natural_key(row)
        if key:
            return key[:120]
        return f"line:{line}" if line is not None else ""

    def natural_key(self, row: dict[str, str]) -> str:  # pragma: no cover - per feed
        raise NotImplementedError

    def parse(self, row: dict[str, str], *, line: int | None) -> ParsedRecord | Rejection:
        """A typed record, or a rejection with a reason a person can act on."""
        row = {k: (v if isinstance(v, str) else ("" if v is None else str(v)))
               for k, v in (row or {}).items()}
        record_id = self.record_id(row, line)
        try:
            return self.read(row, record_id)
        except FieldError as exc:
            return Rejection(record_id=record_id, reason=str(exc))

    def read(self, row: dict[str, str], record_id: str) -> ParsedRecord:  # pragma: no cover
        raise NotImplementedError
