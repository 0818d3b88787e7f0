"""The whole path from an events file to a geocoded dataset, in one call."""

from __future__ import annotations

from pathlib import Path

from conflictmap.events import load_events
from conflictmap.geocode import Resolver, geocode_dataset
from conflictmap.table import Dataset, dataset_from_events_file


def load_dataset(path: Path | str, resolver: Resolver | None = None) -> Dataset:
    """The dataset in ``path``: a curated YAML events file, or a store made by ``conflictmap import``.

    A YAML file is validated, flattened and geocoded (raises EventsFileError on
    bad input). A store folder is read as it was written: it was checked and
    geocoded at import, so nothing is parsed again (raises StoreError if the
    folder is not a readable store).
    """
    from conflictmap.store import StoreError, is_store, leftover_of, load_store, recover_store

    recover_store(path)  # a replacement killed half way: a complete copy goes back first
    if is_store(path):
        return load_store(path)
    store = leftover_of(path)
    if store is not None and Path(path).is_dir():
        raise StoreError(
            f"{path}: a hidden copy left by an import of {store.name} that was interrupted, not a store to open; "
            f"open {store} (a complete copy is put back there when it is opened), or import again"
        )
    return geocode_dataset(dataset_from_events_file(load_events(path)), resolver)
