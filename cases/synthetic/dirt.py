"""Per-row dirt: the variations a court clerk, an intake officer or a call centre introduces.

Rates are per row and deliberately small: together they leave at most ~1-2% of caseload rows
hard to recognise for a careful Fellegi-Sunter matcher (nicknames, swapped day/month and
address spellings are all recoverable with the tables in names.py).
"""

from __future__ import annotations

import datetime as dt
import random

from cases.synthetic import names
from cases.synthetic.population import Address
from cases.synthetic.world import STATE, Calendar

# Probabilities per row (names and dates) or per address.
P_NICKNAME = 0.07
P_HYPHEN_ONE_PART = 0.35
P_APOSTROPHE_DROP = 0.4
P_TYPO = 0.025
P_TRANSPOSE = 0.015
P_SWAP_NAMES = 0.015
P_NO_MIDDLE = 0.12
P_DOB_SWAP = 0.03
P_DOB_MISSING = 0.005
P_ADDRESS_MISSING = 0.01
P_ADDRESS_TYPO = 0.01
# Neighbouring keys, for one-letter typos a person would make.
_KEYBOARD = {
    "a": "qsz", "b": "vgn", "c": "xdv", "d": "sfe", "e": "wrd", "f": "dgr", "g": "fht",
    "h": "gjy", "i": "uok", "j": "hku", "k": "jli", "l": "ko", "m": "n", "n": "bm",
    "o": "ipl", "p": "o", "q": "wa", "r": "et", "s": "adw", "t": "ry", "u": "yi", "v": "cb",
    "w": "qe", "x": "zc", "y": "tu", "z": "x",
}


class Dirt:
    """Per-row variations a clerk or an upstream system introduces."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.r = rnd.random

    def typo(self, s: str) -> str:
        if len(s) < 3:
            return s
        r = self.r
        i = 1 + int(r() * (len(s) - 1))
        c = s[i]
        op = r()
        if op < 0.5 and c.lower() in _KEYBOARD:
            near = _KEYBOARD[c.lower()]
            new = near[int(r() * len(near))]
            return s[:i] + (new.upper() if c.isupper() else new) + s[i + 1:]
        if op < 0.8:
            return s[:i] + s[i + 1:]
        return s[:i] + c + s[i:]

    def transpose(self, s: str) -> str:
        if len(s) < 4:
            return s
        i = 1 + int(self.r() * (len(s) - 2))
        if s[i] == s[i + 1]:
            return s
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]

    def name(self, first: str, middle: str, last: str) -> tuple[str, str, str]:
        r = self.r
        nick = names.NICKNAMES.get(first)
        if nick and r() < P_NICKNAME:
            first = nick[int(r() * len(nick))]
        if "-" in last and r() < P_HYPHEN_ONE_PART:
            halves = last.split("-")
            last = halves[0] if r() < 0.6 else halves[-1]
        if "'" in last and r() < P_APOSTROPHE_DROP:
            last = last.replace("'", "" if r() < 0.7 else " ")
        x = r()
        if x < P_TYPO:
            if r() < 0.5:
                first = self.typo(first)
            else:
                last = self.typo(last)
        elif x < P_TYPO + P_TRANSPOSE:
            if r() < 0.5:
                first = self.transpose(first)
            else:
                last = self.transpose(last)
        if middle and r() < P_NO_MIDDLE:
            middle = ""
        return first, middle, last

    def dob(self, ordinal: int, cal: Calendar, missing: bool = True) -> str:
        r = self.r
        if missing and r() < P_DOB_MISSING:
            return ""
        if r() < P_DOB_SWAP:
            d = dt.date.fromordinal(ordinal)
            if d.day <= 12 and d.day != d.month:
                return f"{d.year:04d}-{d.day:02d}-{d.month:02d}"
        return cal.iso(ordinal)

    def address(self, a: Address | None, *, city_p: float = 0.8) -> str:
        r = self.r
        if a is None or r() < P_ADDRESS_MISSING:
            return ""
        parts = [str(a.number)]
        if a.direction:
            x = r()
            parts.append(a.direction if x < 0.55 else names.DIRECTIONS[a.direction] + (
                "." if x > 0.9 else ""))
        street = a.street
        if r() < P_ADDRESS_TYPO:
            street = self.typo(street)
        parts.append(street)
        x = r()
        if a.suffix == "Way" or x < 0.45:
            parts.append(a.suffix)
        else:
            parts.append(names.STREET_SUFFIXES[a.suffix] + ("." if x > 0.9 else ""))
        text = " ".join(parts)
        if a.unit:
            fmt = names.UNIT_FORMATS[min(int(r() * 10) // 2, 4)] if r() < 0.5 else "Apt {u}"
            text += (", " if r() < 0.2 else " ") + fmt.format(u=a.unit)
        x = r()
        if x < city_p:
            text += f", {a.city}, {STATE} {a.zip}"
        elif x < city_p + (1 - city_p) / 2:
            text += f", {a.city}"
        if r() < 0.25:
            text = text.upper()
        return text
