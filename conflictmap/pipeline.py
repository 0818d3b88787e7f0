"""The whole path from an events file to a geocoded dataset, in one call."""

from __future__ import annotations

from pathlib import Path

from conflictmap.events import load_events
from conflictmap.geocode import Resolver, geocode_dataset
from conflictmap.table import Dataset, dataset_from_events_file


def load_dataset(path: Path | str, resolver: Resolver | None = None) -> Dataset:
    """Validate, flatten and geocode ``path``. Raises EventsFileError on bad input."""
    return geocode_dataset(dataset_from_events_file(load_events(path)), resolver)
