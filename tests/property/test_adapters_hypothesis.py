"""Hostile rows at every feed adapter: each row becomes a ParsedRecord or a Rejection, never an
exception; a ParsedRecord is well-formed (JSON-safe fields, a known signal kind)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from risk.models import Signal
from risk.sources import ADAPTERS, ParsedRecord, Rejection, get_adapter
from tests.property.strategies import GARBAGE, feed_rows

KINDS = {k for k, _ in Signal.KINDS}
PROFILE = settings(max_examples=60, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check(result: object) -> None:
    assert isinstance(result, ParsedRecord | Rejection), type(result)
    if isinstance(result, Rejection):
        assert isinstance(result.reason, str) and result.reason.strip()
        assert isinstance(result.record_id, str)
        return
    assert isinstance(result.record_id, str) and result.record_id
    json.dumps(result.fields)
    assert result.signal["kind"] in KINDS
    assert isinstance(result.signal["occurred_on"], dt.date)


@pytest.mark.parametrize("source", sorted(ADAPTERS))
def test_random_rows_become_records_or_rejections(source: str):
    adapter = get_adapter(source)

    @PROFILE
    @given(row=feed_rows(adapter.fields), line=st.one_of(st.none(), st.integers(1, 10**6)))
    def run(row: dict[str, str], line: int | None) -> None:
        check(adapter.parse(row, line=line))

    run()


@pytest.mark.parametrize("source", sorted(ADAPTERS))
def test_garbage_shapes_are_rejected_not_raised(source: str):
    """Not even a dict of strings: None values, numbers, nested lists (the JSON API allows)."""
    adapter = get_adapter(source)
    values = st.one_of(GARBAGE, st.none(), st.integers(), st.lists(st.integers(), max_size=2))

    @PROFILE
    @given(row=st.dictionaries(st.sampled_from(adapter.fields) | st.text(max_size=5), values,
                               max_size=len(adapter.fields) + 2))
    def run(row: dict) -> None:
        try:
            result = adapter.parse(row, line=1)
        except (TypeError, AttributeError) as exc:  # pragma: no cover - reported below
            pytest.fail(f"{source} raised {exc!r} on {row!r}")
        check(result)

    run()
