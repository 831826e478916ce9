"""Feed adapters: one module per source, registered here. Adding a feed is one file + one line."""

from __future__ import annotations

from .base import Adapter, FieldError, ParsedRecord, PersonKey, Rejection
from .benefit_lapses import BenefitLapsesAdapter
from .eviction_filings import EvictionFilingsAdapter
from .jail_bookings import JailBookingsAdapter
from .school_attendance import SchoolAttendanceAdapter
from .utility_shutoffs import UtilityShutoffsAdapter

ADAPTERS: dict[str, Adapter] = {
    adapter.source: adapter
    for adapter in (EvictionFilingsAdapter(), JailBookingsAdapter(), SchoolAttendanceAdapter(),
                    UtilityShutoffsAdapter(), BenefitLapsesAdapter())
}

__all__ = ["ADAPTERS", "Adapter", "FieldError", "ParsedRecord", "PersonKey", "Rejection",
           "get_adapter"]


def get_adapter(source: str) -> Adapter:
    """The adapter of a source; KeyError names the known sources."""
    try:
        return ADAPTERS[source]
    except KeyError:
        raise KeyError(f"unknown source '{source}' (expected one of {', '.join(ADAPTERS)})"
                       ) from None
