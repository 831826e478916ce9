"""Reactions to the risk layer's signals (flags and work items follow new evidence)."""

from __future__ import annotations
