"""Give each event's place (and a movement's destination) coordinates.

Works on unique (name, country, gazetteer id) triples rather than on rows, so
a million events naming a few thousand places cost a few thousand lookups.
Every placed row keeps its provenance (source, gazetteer id, match kind,
score) and an uncertainty radius; a name the gazetteer does not know, or
knows in two far-apart places, stays unplaced and goes into the report. A
wrong confident point is worse than none.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from conflictmap.table import Dataset
from conflictmap.vocabulary import DEFAULT_RADIUS_KM

GEO_FIELDS = ("lat", "lon", "radius_km", "status", "source", "gazetteer_id", "match", "score", "matched_name", "path")


class Resolver(Protocol):
    """What geocoding needs from a gazetteer: ``resolve(name, country) -> record``.

    The record is the ``conflictmap locate --json`` contract: query, status,
    lat, lon, name, country, source, id, score, match, radius_km, candidates.
    """

    def __call__(self, name: str, country: str | None = None, gazetteer_id: str | None = None) -> dict: ...


def offline_resolver(name: str, country: str | None = None, gazetteer_id: str | None = None) -> dict:
    """Resolve with the bundled offline gazetteer (GeoNames extract + supplement)."""
    import geodata  # lazily: the table code needs no gazetteer

    if gazetteer_id:
        return gazetteer_entry(gazetteer_id, name)
    record = geodata.resolve(name, country=country).as_record()
    if record["status"] == "resolved" and record.get("source") == "supplement" and not record.get("path"):
        record["path"] = gazetteer_entry(record["id"], name).get("path")  # areas keep their outline
    return record


def gazetteer_entry(gazetteer_id: str, name: str) -> dict:
    """A place pinned by id in the events file: no name matching, no guessing."""
    from geodata.gazetteer import default_gazetteer

    row = default_gazetteer().by_id(gazetteer_id)
    if row is None:
        return {"query": name, "status": "unresolved", "lat": None, "lon": None, "candidates": []}
    path = row.get("path")
    return {
        "query": name,
        "status": "resolved",
        "lat": float(row["lat"]),
        "lon": float(row["lon"]),
        "name": row["name"],
        "country": row["country"],
        "source": row["source"],
        "id": str(row["id"]),
        "score": 1.0,
        "match": "id",
        "radius_km": float(row["radius_km"]),
        "path": path if isinstance(path, (list, tuple)) else None,
        "candidates": [],
    }


def default_resolver() -> Resolver:
    return offline_resolver


PLACE_KEY = ("name", "country", "gazetteer_id", "lat", "lon", "radius_km", "coord_source", "precision")


def geocode_dataset(dataset: Dataset, resolver: Resolver | None = None) -> Dataset:
    resolver = resolver or default_resolver()
    events = dataset.events.copy()
    reports = []
    for prefix in ("place", "dest"):
        geo, report = geocode_places(events, prefix, resolver)
        for col in GEO_FIELDS:
            events[f"{prefix}_{col}"] = geo[col].to_numpy()
        reports.append(report)
    # Where the map draws a point: the place, else a movement's destination.
    has_place = events["place_lat"].notna()
    events["map_lat"] = events["place_lat"].where(has_place, events["dest_lat"])
    events["map_lon"] = events["place_lon"].where(has_place, events["dest_lon"])
    events["map_radius_km"] = events["place_radius_km"].where(has_place, events["dest_radius_km"])
    events["map_precision"] = events["place_precision"].where(has_place, events["dest_precision"])
    report = pd.concat([r for r in reports if len(r)] or [reports[0]], ignore_index=True)
    from conflictmap.controlstatements import geocode_statements

    return (
        dataset.with_events(events, report)
        .with_places(geocode_story_places(dataset.places, resolver))
        .with_control(geocode_statements(dataset.control, resolver))
    )


def geocode_story_places(places: pd.DataFrame, resolver: Resolver | None = None) -> pd.DataFrame:
    """Geocode the story places table (the file's ``places:``) with the same resolver as event places.

    ``lat``, ``lon`` and ``radius_km`` become where the map draws the label
    (written coordinates win, as for events); ``status``, ``source``,
    ``gazetteer_id``, ``match``, ``score``, ``matched_name`` and ``path`` keep
    the provenance. A place that does not resolve keeps empty coordinates and
    its status says why; the map leaves it unlabelled rather than guess.
    """
    resolver = resolver or default_resolver()
    if places.empty:
        out = places.copy()
        for col in GEO_FIELDS:
            out[col] = pd.Series(dtype="float64" if col in ("lat", "lon", "radius_km", "score") else object)
        return out
    prefixed = places.rename(columns={k: f"place_{k}" for k in PLACE_KEY}).assign(source_line=places["line"])
    geo, _report = geocode_places(prefixed, "place", resolver)
    out = places.copy()
    for col in GEO_FIELDS:
        out[col] = geo[col].to_numpy()
    return out


def geocode_places(events: pd.DataFrame, prefix: str, resolver: Resolver) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Geocode the ``prefix_*`` place columns; returns (one geo row per event, problems)."""
    cols = [f"{prefix}_{k}" for k in PLACE_KEY]
    places = events[cols].copy()
    places.columns = list(PLACE_KEY)
    places = places.astype(object).where(places.notna(), None)
    unique = places.dropna(subset=["name"]).drop_duplicates()
    records = {
        tuple(row): _resolve_one(dict(zip(PLACE_KEY, row)), resolver)
        for row in unique.itertuples(index=False, name=None)
    }
    empty = dict.fromkeys(GEO_FIELDS)
    geo_rows = [
        records.get(tuple(row), empty) if row[0] is not None else empty
        for row in places.itertuples(index=False, name=None)
    ]
    geo = pd.DataFrame(geo_rows, columns=list(GEO_FIELDS) + ["candidates_text"], index=events.index)
    for col in ("lat", "lon", "radius_km", "score"):
        geo[col] = pd.to_numeric(geo[col], errors="coerce").astype("float64")
    bad = geo["status"].notna() & (geo["status"] != "resolved")
    report = pd.DataFrame(
        {
            "event_id": events.loc[bad, "id"],
            "field": "place" if prefix == "place" else "destination",
            "name": events.loc[bad, f"{prefix}_name"],
            "status": geo.loc[bad, "status"],
            "candidates": geo.loc[bad, "candidates_text"],
            "line": events.loc[bad, "source_line"],
        }
    ).reset_index(drop=True)
    return geo, report


def _resolve_one(place: dict, resolver: Resolver) -> dict:
    if place["lat"] is not None and place["lon"] is not None:
        # Coordinates written in the events file win; their cited source is the file's.
        radius = (
            place["radius_km"] if place["radius_km"] is not None else DEFAULT_RADIUS_KM.get(place["precision"], 5.0)
        )
        return {
            "status": "resolved",
            "lat": place["lat"],
            "lon": place["lon"],
            "radius_km": radius,
            "source": f"events file: {place['coord_source']}",
            "gazetteer_id": None,
            "match": "explicit",
            "score": 1.0,
            "matched_name": place["name"],
            "path": None,
            "candidates_text": "",
        }
    return _geo_record(resolver(place["name"], place["country"], place["gazetteer_id"]), place["precision"])


def _geo_record(record: dict, precision: str | None) -> dict:
    status = record.get("status", "unresolved")
    resolved = status == "resolved"
    radius = record.get("radius_km")
    if resolved and (radius is None or pd.isna(radius)):
        radius = DEFAULT_RADIUS_KM.get(precision or "town", 5.0)
    if resolved and precision in DEFAULT_RADIUS_KM and radius is not None:
        # The events file may say a place is known less precisely than the gazetteer point.
        radius = max(radius, DEFAULT_RADIUS_KM[precision])
    candidates = record.get("candidates") or []
    return {
        "status": status,
        "lat": record.get("lat") if resolved else None,
        "lon": record.get("lon") if resolved else None,
        "radius_km": radius if resolved else None,
        "source": record.get("source"),
        "gazetteer_id": None if record.get("id") is None else str(record.get("id")),
        "match": record.get("match"),
        "score": record.get("score"),
        "matched_name": record.get("name"),
        "path": record.get("path"),
        "candidates_text": "; ".join(
            f"{c.get('name')} ({c.get('country')}, {c.get('lat'):.3f},{c.get('lon'):.3f})"
            for c in candidates
            if c.get("lat") is not None
        ),
    }
