"""Answers kept for particular table objects: what a loaded store hands over, used only for those tables.

A store computes some answers when it is written (each event's place keys, the map's story places,
the claims about control), and its load hands them to the code that would otherwise compute them at
every start. Each answer is kept for the very table objects it was computed from and given only to a
caller asking with the same objects (``is``, not equality: comparing a million rows would cost what
the answer saves); a dataset with other tables computes its own. The tables are held, so their ids
are never reused while an answer is kept. Bounded: an app has one store, tests load many.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class KeptForTables(Generic[T]):
    """Answers by the tables they were computed from (a tuple whose first table identifies the entry)."""

    def __init__(self, size: int = 4) -> None:
        self._kept: dict[int, tuple[tuple[object, ...], T]] = {}
        self._lock = threading.Lock()
        self._size = size

    def keep(self, tables: tuple[object, ...], answer: T) -> None:
        """Keep ``answer`` for ``tables``, the oldest entries dropped past the size."""
        with self._lock:
            self._kept[id(tables[0])] = (tables, answer)
            while len(self._kept) > self._size:
                del self._kept[next(iter(self._kept))]

    def get(self, tables: tuple[object, ...]) -> T | None:
        """The answer kept for these very tables, else None."""
        with self._lock:
            hit = self._kept.get(id(tables[0]))
        if hit is None or len(hit[0]) != len(tables) or any(a is not b for a, b in zip(hit[0], tables, strict=True)):
            return None
        return hit[1]


__all__ = ["KeptForTables"]
