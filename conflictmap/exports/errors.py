"""Typed export errors: the CLI prints their message and exits 1."""

from __future__ import annotations

from conflictmap.errors import ConflictmapError


class ExportError(ConflictmapError):
    """An export could not be written (bad format, nothing to show...)."""


class BrowserNotFoundError(ExportError):
    """Static images need a Chromium/Chrome that kaleido can drive."""


class MissingDependencyError(ExportError):
    """An optional Python package a format needs is not installed."""
