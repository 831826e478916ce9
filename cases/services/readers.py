"""Row readers for import files: CSV or JSON Lines, line numbers kept, bad lines reported.

A legacy export is rarely clean: a stray Latin-1 byte or a short row must cost one row, not
the whole file, so every physical line is decoded on its own and every problem becomes a
(line, reason) the operator can act on.
"""

from __future__ import annotations

import csv
import io
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dhs.exceptions import ApplicationError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass
class RawRow:
    """One record of the file: its first physical line, the values, or why it is unreadable."""

    line: int
    values: dict[str, str] | None
    error: str = ""


def file_format(path: Path) -> str:
    """'csv' or 'jsonl' from the file name; anything else is refused before reading."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ApplicationError(
            f"{path.name}: unknown file type {suffix or '(none)'!r}; use .csv or .jsonl")
    return FORMATS[suffix]


def count_lines(path: Path) -> int:
    """Physical lines in the file (cheap, for progress bars)."""
    count = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            count += block.count(b"\n")
    return count


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


class _Lines:
    """Iterates decoded lines of a binary file, remembering which physical lines were consumed.

    Lines that are not UTF-8 are skipped here and reported through `bad`.
    """

    def __init__(self, fh: io.BufferedReader, start: int = 0) -> None:
        self.fh = fh
        self.lineno = start
        self.consumed: list[tuple[int, str]] = []
        self.bad: list[tuple[int, str]] = []
        self.pending: deque[tuple[int, str]] = deque()

    def __iter__(self) -> _Lines:
        return self

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        """Read these (line number, text) again before the rest of the file."""
        self.pending.extendleft(reversed(lines))

    def __next__(self) -> str:
        if self.pending:
            number, text = self.pending.popleft()
            self.consumed.append((number, text))
            return text
        while True:
            raw = self.fh.readline()
            if not raw:
                raise StopIteration
            self.lineno += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.bad.append((self.lineno, f"line is not valid UTF-8 (byte {exc.start + 1})"))
                continue
            if self.lineno == 1:
                text = text.lstrip("\ufeff")
            self.consumed.append((self.lineno, text))
            return text


def read_rows(path: Path, *, required: tuple[str, ...],
              optional: tuple[str, ...] = ()) -> Iterator[RawRow]:
    """Yield every record of a CSV or JSONL file in order, good or bad.

    Raises ApplicationError when the file as a whole cannot be read (missing, unknown type,
    header without the required columns); everything else is a per-row error.
    """
    fmt = file_format(path)
    if not path.exists():
        raise ApplicationError(f"{path}: no such file")
    known = set(required) | set(optional)
    with path.open("rb") as fh:
        lines = _Lines(fh)
        if fmt == "csv":
            yield from _read_csv(lines, required=required, known=known)
        else:
            yield from _read_jsonl(lines, required=required)
        yield from (RawRow(line=n, values=None, error=e) for n, e in lines.bad)
        lines.bad.clear()


def _flush_bad(lines: _Lines) -> Iterator[RawRow]:
    for n, e in lines.bad:
        yield RawRow(line=n, values=None, error=e)
    lines.bad.clear()


def _read_csv(lines: _Lines, *, required: tuple[str, ...], known: set[str]) -> Iterator[RawRow]:
    reader = csv.reader(lines)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ApplicationError("the file is empty (no header row)") from None
    except csv.Error as exc:
        raise ApplicationError(f"line 1: the header cannot be read ({exc})") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise ApplicationError(f"line 1: header lacks column(s) {', '.join(missing)}; "
                               f"expected {', '.join(required)}")
    yield from _flush_bad(lines)
    lines.consumed.clear()
    width = len(header)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            consumed, lines.consumed = lines.consumed, []
            line = consumed[0][0] if consumed else lines.lineno
            lines.push_back(consumed[1:])
            reader = csv.reader(lines)  # a fresh parser state for the lines after
            yield from _flush_bad(lines)
            yield RawRow(line=line, values=None, error=f"row cannot be parsed as CSV ({exc})")
            continue
        consumed, lines.consumed = lines.consumed, []
        line = consumed[0][0] if consumed else lines.lineno
        yield from _flush_bad(lines)
        if not values or all(not v.strip() for v in values):
            continue  # blank line
        if len(values) != width:
            if len(consumed) > 1:
                # An unclosed quote swallowed the following lines: lose only the first one.
                lines.push_back(consumed[1:])
                yield RawRow(line=line, values=None,
                             error="row has an unclosed quote (\") or the wrong number of "
                                   "columns")
                continue
            yield RawRow(line=line, values=None,
                         error=f"row has {len(values)} columns, the header has {width}")
            continue
        if any("\x00" in v for v in values):
            yield RawRow(line=line, values=None, error="row contains a NUL character")
            continue
        yield RawRow(line=line, values={h: v.strip() for h, v in zip(header, values)
                                        if h in known})


def _read_jsonl(lines: _Lines, *, required: tuple[str, ...]) -> Iterator[RawRow]:
    for text in lines:
        line = lines.lineno
        yield from _flush_bad(lines)
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield RawRow(line=line, values=None, error=f"line is not valid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            yield RawRow(line=line, values=None, error="line is not a JSON object")
            continue
        values = {str(k).strip().lower(): _text(v) for k, v in obj.items()}
        if any("\x00" in v for v in values.values()):
            yield RawRow(line=line, values=None, error="line contains a NUL character")
            continue
        yield RawRow(line=line, values=values)
    yield from _flush_bad(lines)
