"""Address normalisation shared by the caseload import and record linkage.

Feeds spell the same place many ways ("123 N. Main Street Apt 4B", "123 NORTH MAIN ST #4B");
matching needs one canonical key, so both sides go through the same function.
"""

from __future__ import annotations

import re

STREET_TYPES = {
    "street": "st", "str": "st", "st": "st", "avenue": "ave", "av": "ave", "ave": "ave",
    "road": "rd", "rd": "rd", "drive": "dr", "dr": "dr", "lane": "ln", "ln": "ln",
    "boulevard": "blvd", "blvd": "blvd", "court": "ct", "ct": "ct", "place": "pl", "pl": "pl",
    "terrace": "ter", "ter": "ter", "circle": "cir", "cir": "cir", "highway": "hwy",
    "hwy": "hwy", "parkway": "pkwy", "pkwy": "pkwy", "way": "way", "trail": "trl",
    "trl": "trl", "square": "sq", "sq": "sq",
}
DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w", "n": "n", "s": "s",
              "e": "e", "w": "w", "northeast": "ne", "northwest": "nw", "southeast": "se",
              "southwest": "sw", "ne": "ne", "nw": "nw", "se": "se", "sw": "sw"}
UNIT_WORDS = {"apt", "apartment", "unit", "ste", "suite", "#", "no", "rm", "room", "fl", "lot"}
_UNIT_RE = re.compile(
    r"(?:\b(?:apt|apartment|unit|ste|suite|rm|room|lot)\.?\s*|#\s*)([a-z0-9-]+)\s*$", re.I)


def split_unit(street: str) -> tuple[str, str]:
    """Split '12 Oak St Apt 4B' into ('12 Oak St', '4B')."""
    street = (street or "").strip().rstrip(",")
    match = _UNIT_RE.search(street)
    if not match:
        return street, ""
    return street[: match.start()].strip().rstrip(","), match.group(1).upper()


def normalize_street(street: str) -> str:
    """Lower-case, punctuation-free, abbreviated street line without the unit."""
    base, _ = split_unit(street)
    tokens = re.sub(r"[^a-z0-9# ]", " ", base.lower()).split()
    out = []
    for i, tok in enumerate(tokens):
        if tok in DIRECTIONS and i > 0:
            out.append(DIRECTIONS[tok])
        elif tok in STREET_TYPES and i == len(tokens) - 1:
            out.append(STREET_TYPES[tok])
        else:
            out.append(re.sub(r"^(\d+)(st|nd|rd|th)$", r"\1", tok))
    return " ".join(out)


def normalize_unit(unit: str) -> str:
    tokens = [t for t in re.sub(r"[^a-z0-9# ]", " ", (unit or "").lower()).split()
              if t not in UNIT_WORDS]
    return "".join(tokens).lstrip("#").upper()


def normalize_address(street: str, unit: str = "", zip_code: str = "") -> str:
    """One canonical key: 'street|unit|zip5'. Unit may also be embedded in street."""
    base, embedded_unit = split_unit(street)
    unit_key = normalize_unit(unit) or normalize_unit(embedded_unit)
    zip5 = re.sub(r"\D", "", zip_code or "")[:5]
    return f"{normalize_street(base)}|{unit_key}|{zip5}"


def parse_one_line_address(text: str) -> dict[str, str]:
    """Best-effort split of '12 Oak St Apt 4B, Springfield, IL 62701' into parts."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    # "2150 Grove Dr, Apt 1C, City, CO 80054": a unit after its own comma belongs to the street.
    if len(parts) > 1 and _UNIT_RE.fullmatch(parts[1]):
        parts = [f"{parts[0]} {parts[1]}", *parts[2:]]
    street = parts[0] if parts else ""
    city = parts[1] if len(parts) > 2 else ""
    state, zip_code = "", ""
    if parts:
        tail = parts[-1].split()
        if tail and re.fullmatch(r"\d{5}(?:-\d{4})?", tail[-1]):
            zip_code = tail[-1][:5]
            tail = tail[:-1]
        if tail and re.fullmatch(r"[A-Za-z]{2}", tail[-1]):
            state = tail[-1].upper()
            tail = tail[:-1]
        if len(parts) == 2 and tail:
            city = " ".join(tail)
    base, unit = split_unit(street)
    return {"street": base, "unit": unit, "city": city, "state": state, "zip": zip_code}
