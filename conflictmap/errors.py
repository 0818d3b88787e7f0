"""Typed errors that carry the location of the bad input.

Every problem a user can fix is reported as ``FILE:LINE: field: message`` so an
editor can jump to it; the CLI prints these and exits 1 without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return f"{self.file}:{self.line}:{field} {self.message}"


class ConflictmapError(Exception):
    """Base class for errors the CLI reports without a traceback."""


class EventsFileError(ConflictmapError):
    """An events (or briefing) file failed to load or validate.

    Holds every problem found, not just the first, so one run of
    ``conflictmap validate`` shows the whole list to fix.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
