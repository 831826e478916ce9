"""Probabilistic record linkage of feed records to caseload people (Fellegi–Sunter, Splink).

Public surface (contracts.md): link_records, remember_identifier, LinkOutcome,
LINK_THRESHOLD, REVIEW_THRESHOLD. See docs/linkage.md. The engine is imported lazily so that
`python -m risk.linkage.training` can run before Django is set up.
"""

from __future__ import annotations

from typing import Any

from risk.linkage.config import LINK_THRESHOLD, REVIEW_THRESHOLD

__all__ = ["LINK_THRESHOLD", "REVIEW_THRESHOLD", "LinkOutcome", "link_records",
           "remember_identifier"]


def __getattr__(name: str) -> Any:
    if name in {"LinkOutcome", "link_records", "remember_identifier"}:
        from risk.linkage import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'risk.linkage' has no attribute '{name}'")
