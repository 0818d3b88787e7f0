"""Where things are found by default."""

from __future__ import annotations

from pathlib import Path


def default_events_path() -> Path:
    """``events.yaml`` in the current folder, else the one bundled beside the package."""
    here = Path("events.yaml")
    if here.exists():
        return here
    return Path(__file__).resolve().parent.parent / "events.yaml"
