"""CSV and GeoJSON: the events table, with its sources, for spreadsheets and GIS.

Text in the CSV comes from many hands and is opened in spreadsheets, which run
a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula: every such text
cell is prefixed with ``'`` (:func:`conflictmap.output.spreadsheet_safe`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from conflictmap.exports.common import attribution, event_records, placed
from conflictmap.joins import joined_per_event, rows_by_event
from conflictmap.output import atomic_path, geojson_points, to_csv, write_feature_collection
from conflictmap.table import Dataset
from conflictmap.view import chunks_with_text, with_text

SOURCE_COLUMNS = ["source_quotes", "source_citations", "source_publishers", "source_published"]


def _source_columns(dataset: Dataset, ids) -> pd.DataFrame:
    """Each event's sources as four text columns: one join on the event id for the whole view."""
    ids = pd.Index(ids)
    sources = dataset.sources
    rows, pos = rows_by_event(sources, ids)
    s = sources.iloc[rows]
    quotes = [f"“{q}”" for q in s["quote"]]
    citations = [
        f"{pub}, “{title}”, {published}, paragraph {paragraph}"
        for pub, title, published, paragraph in zip(s["publisher"], s["doc_title"], s["published"], s["paragraph"])
    ]
    columns = {
        "source_quotes": joined_per_event(quotes, pos, len(ids), " | "),
        "source_citations": joined_per_event(citations, pos, len(ids), " | "),
    }
    for column, field in (("source_publishers", "publisher"), ("source_published", "published")):
        text = pd.Series([str(v) for v in s[field]], dtype=object)
        first = ~pd.DataFrame({"event": pos, "text": text}).duplicated().to_numpy()  # dict.fromkeys per event
        columns[column] = joined_per_event(text.to_numpy()[first], pos[first], len(ids), " | ")
    return pd.DataFrame(columns, index=ids, columns=SOURCE_COLUMNS)


#: Events written to a CSV at a time: memory stays flat whatever the view's size.
CSV_CHUNK = 50_000


def write_csv(dataset: Dataset, visible: pd.DataFrame, out: Path, protect) -> list[Path]:
    """Streamed a chunk of events at a time, each with its sources joined once (and a store's free text
    read from its file for that chunk)."""
    with atomic_path(out, protect) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        # An empty view still writes its header line: one empty chunk, every column.
        chunks = chunks_with_text(dataset, visible, CSV_CHUNK) if len(visible) else [with_text(dataset, visible)]
        for start, part in enumerate(chunks):
            table = part[[c for c in part.columns if c != "search_text"]].copy()
            for col in table.columns:
                # dtype object only: on an empty view .map returns the column's own dtype (datetime64 has no .any()).
                if table[col].dtype == object and any(isinstance(v, (list, tuple)) for v in table[col]):
                    table[col] = table[col].map(lambda v: json.dumps(v) if isinstance(v, (list, tuple)) else v)
            table = table.join(_source_columns(dataset, table.index))
            to_csv(table.reset_index(drop=True), f, header=start == 0)
    return [out]


def geojson_document(dataset: Dataset, visible: pd.DataFrame) -> dict:
    """RFC 7946 FeatureCollection; ``attribution`` and ``title`` are foreign members."""
    return {
        "type": "FeatureCollection",
        **_geojson_members(dataset),
        "features": list(geojson_features(dataset, visible)),
    }


def _geojson_members(dataset: Dataset) -> dict:
    return {"title": dataset.title, "attribution": attribution(dataset).lines(with_map=False)}


def geojson_features(dataset: Dataset, visible: pd.DataFrame) -> Iterator[dict]:
    """One Feature per placed event of ``visible``, in order, its record built a chunk of events at a time."""
    shown = placed(visible)
    return geojson_points(shown, ((str(eid), record) for eid, record in event_records(dataset, shown)))


def write_geojson(dataset: Dataset, visible: pd.DataFrame, out: Path, protect) -> list[Path]:
    """Streamed: one feature at a time to the file, so memory stays flat whatever the view's size."""
    write_feature_collection(out, geojson_features(dataset, visible), _geojson_members(dataset), protect)
    return [out]
