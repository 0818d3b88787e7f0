"""CSV and GeoJSON: the events table, with its sources, for spreadsheets and GIS.

Text in the CSV comes from many hands and is opened in spreadsheets, which run
a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula: every such text
cell is prefixed with ``'`` (:func:`conflictmap.output.spreadsheet_safe`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from conflictmap.output import atomic_path, to_csv
from conflictmap.table import Dataset
from dashboard.exports.common import attribution, event_record, placed


def _source_columns(dataset: Dataset, ids) -> pd.DataFrame:
    rows = {}
    for eid in ids:
        s = dataset.sources[dataset.sources["event_id"] == eid]
        rows[eid] = {
            "source_quotes": " | ".join(f"“{q}”" for q in s["quote"]),
            "source_citations": " | ".join(
                f"{r.publisher}, “{r.doc_title}”, {r.published}, paragraph {r.paragraph}" for r in s.itertuples()
            ),
            "source_publishers": " | ".join(dict.fromkeys(str(p) for p in s["publisher"])),
            "source_published": " | ".join(dict.fromkeys(str(p) for p in s["published"])),
        }
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["source_quotes", "source_citations", "source_publishers", "source_published"]
    )


def write_csv(dataset: Dataset, visible: pd.DataFrame, out: Path, protect) -> list[Path]:
    table = visible.drop(columns=["search_text"], errors="ignore").copy()
    for col in table.columns:
        # dtype object only: on an empty view .map returns the column's own dtype (datetime64 has no .any()).
        if table[col].dtype == object and any(isinstance(v, (list, tuple)) for v in table[col]):
            table[col] = table[col].map(lambda v: json.dumps(v) if isinstance(v, (list, tuple)) else v)
    table = table.join(_source_columns(dataset, table.index))
    with atomic_path(out, protect) as tmp:
        to_csv(table.reset_index(drop=True), tmp)
    return [out]


def geojson_document(dataset: Dataset, visible: pd.DataFrame) -> dict:
    """RFC 7946 FeatureCollection; ``attribution`` and ``title`` are foreign members."""
    features = []
    for eid, row in placed(visible).iterrows():
        lat, lon = float(row["map_lat"]), float(row["map_lon"])
        if not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        features.append(
            {
                "type": "Feature",
                "id": str(eid),
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": event_record(dataset, eid, row),
            }
        )
    attr = attribution(dataset)
    return {
        "type": "FeatureCollection",
        "title": dataset.title,
        "attribution": attr.lines(with_map=False),
        "features": features,
    }


def write_geojson(dataset: Dataset, visible: pd.DataFrame, out: Path, protect) -> list[Path]:
    doc = geojson_document(dataset, visible)
    with atomic_path(out, protect) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False), encoding="utf-8")
    return [out]
