"""Filtering by a list of ids: what to send the database, and what to leave to the caller."""

from __future__ import annotations

from collections.abc import Collection

# beyond this many ids, sending an IN list costs more than skipping the other rows in Python
MANY_IDS = 500


def ids_in(lookup: str, ids: Collection[int]) -> dict[str, list[int]]:
    """`{"<lookup>__in": ids}` for a short list; `{}` for a long one (a scheme of 10,000 units),
    whose caller then keeps only its own ids from the rows that come back."""
    return {f"{lookup}__in": list(ids)} if len(ids) <= MANY_IDS else {}
