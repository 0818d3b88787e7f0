"""Importers: other people's data (ACLED, any CSV, GeoJSON) into a conflictmap store.

``import_file(FILE, STORE)`` reads in batches, reports every bad row as
``FILE:LINE: column: message``, and writes a columnar store that
``conflictmap.pipeline.load_dataset`` opens in seconds (see conflictmap.store).
"""

from conflictmap.importers.rows import ImportInputError
from conflictmap.importers.run import FORMATS, BadRowError, ImportSummary, import_file

__all__ = ["FORMATS", "BadRowError", "ImportInputError", "ImportSummary", "import_file"]
