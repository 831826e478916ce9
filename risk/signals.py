"""Django signals the risk layer sends so higher layers (alerts) can react without imports."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a household's signals changed (new linked signal, confirmed link).
# kwargs: household_ids (list[int])
household_signals_changed = Signal()

# Sent after households were rescored. kwargs: household_ids (list[int]), run_id (int | None)
household_rescored = Signal()
