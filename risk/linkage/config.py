"""Linkage thresholds: plain constants, no settings or database, so anything can import them."""

from __future__ import annotations

# A record links automatically at or above this match probability.
LINK_THRESHOLD = 0.95
# Between this and LINK_THRESHOLD a person confirms or rejects the candidates; below, unlinked.
REVIEW_THRESHOLD = 0.50
# A candidate in another household within this many bits (log2 Bayes factor) of the best one
# makes the record ambiguous: it goes to review instead of linking (2**3 = 8 times as likely).
AMBIGUITY_BITS = 3.0
# How many candidates the side-by-side review screen shows.
MAX_REVIEW_CANDIDATES = 3
