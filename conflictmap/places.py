"""The story's places: every place the events file names, once, with its spelling.

The map labels these above everything else, in the events file's own
spelling ("Raqqa", not GeoNames' "Ar Raqqah"), and draws their uncertainty:
a halo for a town, an outline for an area or region. Events refer to them by
``place_key``/``dest_key`` so emphasis (hover, selection) can find a place's
outline without geometry travelling with every update.

A place is identified by its gazetteer id when it has one, else by its
rounded coordinates; names are not identities (two spellings of one town are
one place, one name shared by two towns is two places).
"""

from __future__ import annotations

import math

import pandas as pd

from conflictmap.table import Dataset

#: Precisions drawn as an area (outline or corridor) rather than a point with a halo.
AREA_PRECISIONS = ("area", "region", "country")

STORY_COLUMNS = [
    "key", "label", "precision", "lat", "lon", "radius_km", "gazetteer_id", "country",
    "boundary", "path", "outline", "events", "role",
]  # fmt: skip


def place_key(gazetteer_id, lat, lon) -> str | None:
    """The identity of a resolved place (None when it is not on the map)."""
    if isinstance(gazetteer_id, str) and gazetteer_id:
        return f"gaz:{gazetteer_id}"
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return f"pt:{lat:.4f},{lon:.4f}"


def place_keys(events: pd.DataFrame, prefix: str) -> pd.Series:
    """``place_key`` of each event's place (``prefix`` "place") or destination ("dest")."""
    gid = events[f"{prefix}_gazetteer_id"].astype(object).where(events[f"{prefix}_gazetteer_id"].notna(), None)
    lat = events[f"{prefix}_lat"].to_numpy(dtype=float)
    lon = events[f"{prefix}_lon"].to_numpy(dtype=float)
    keys = [place_key(g, a, o) if math.isfinite(a) else None for g, a, o in zip(gid, lat, lon)]
    return pd.Series(keys, index=events.index, dtype=object)


def story_places(dataset: Dataset) -> pd.DataFrame:
    """One row per distinct resolved place the file names (events' places and
    destinations, and its ``places:`` section when it has one), most-cited first."""
    rows = []
    ev = dataset.events
    for prefix in ("place", "dest"):
        named = ev[ev[f"{prefix}_lat"].notna()]
        if named.empty:
            continue
        keys = place_keys(named, prefix)
        for (eid, row), key in zip(named.iterrows(), keys):
            rows.append(
                {
                    "key": key,
                    "label": row[f"{prefix}_name"],
                    "precision": row[f"{prefix}_precision"],
                    "lat": float(row[f"{prefix}_lat"]),
                    "lon": float(row[f"{prefix}_lon"]),
                    "radius_km": _float(row.get(f"{prefix}_radius_km")),
                    "gazetteer_id": _text(row.get(f"{prefix}_gazetteer_id")),
                    "country": _text(row.get(f"{prefix}_country")),
                    "event": eid,
                    "role": "event",
                }
            )
    reference = getattr(dataset, "places", None)
    if isinstance(reference, pd.DataFrame) and len(reference) and "lat" in reference.columns:
        for _, row in reference[reference["lat"].notna()].iterrows():
            gid = _text(row.get("gazetteer_id"))
            rows.append(
                {
                    "key": place_key(gid, float(row["lat"]), float(row["lon"])),
                    "label": row["name"],
                    "precision": row.get("precision") or "town",
                    "lat": float(row["lat"]),
                    "lon": float(row["lon"]),
                    "radius_km": _float(row.get("radius_km")),
                    "gazetteer_id": gid,
                    "country": _text(row.get("country")),
                    "event": None,
                    "role": "reference",
                }
            )
    if not rows:
        return pd.DataFrame(columns=STORY_COLUMNS)
    df = pd.DataFrame(rows)
    out = []
    for key, group in df.groupby("key", sort=False):
        # The spelling the file uses most for this place; ties go to the first written.
        spelling = group["label"].value_counts(sort=True).index[0]
        first = group.iloc[0]
        named_by_events = group[group["role"] == "event"]
        precision = (named_by_events if len(named_by_events) else group)["precision"].mode().iloc[0]
        out.append(
            {
                "key": key,
                "label": spelling,
                "precision": precision,
                "lat": first["lat"],
                "lon": first["lon"],
                "radius_km": group["radius_km"].max(),
                "gazetteer_id": first["gazetteer_id"],
                "country": first["country"],
                "events": int(group["event"].notna().sum()),
                "role": "event" if len(named_by_events) else "reference",
            }
        )
    places = pd.DataFrame(out)
    places = _with_geometry(places)
    return places.sort_values(["events", "label"], ascending=[False, True], kind="stable").reset_index(drop=True)[
        STORY_COLUMNS
    ]


def _with_geometry(places: pd.DataFrame) -> pd.DataFrame:
    """Areas keep the shape the gazetteer knows: a first-level boundary, an outline or a corridor."""
    from geodata.gazetteer import default_gazetteer

    boundary, path, outline = [], [], []
    gaz = default_gazetteer()
    for gid, precision in zip(places["gazetteer_id"], places["precision"]):
        entry = gaz.by_id(gid) if isinstance(gid, str) else None
        b = p = o = None
        if entry is not None:
            if entry.get("boundary") == "admin1" and _text(entry.get("admin1")):
                b = f"{entry['country']}.{entry['admin1']}"
            p = entry.get("path") if isinstance(entry.get("path"), (list, tuple)) else None
            o = entry.get("outline") if isinstance(entry.get("outline"), (list, tuple)) else None
        if precision not in AREA_PRECISIONS:
            b = p = o = None
        boundary.append(b)
        path.append(p)
        outline.append(o)
    return places.assign(boundary=boundary, path=path, outline=outline)


def _text(v) -> str | None:
    return v if isinstance(v, str) and v else None


def _float(v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return f if math.isfinite(f) else float("nan")


def event_place_keys(dataset: Dataset) -> pd.DataFrame:
    """``place_key`` and ``dest_key`` for every event (None where not placed)."""
    ev = dataset.events
    return pd.DataFrame({"place_key": place_keys(ev, "place"), "dest_key": place_keys(ev, "dest")}, index=ev.index)


def keys_of(events: pd.DataFrame) -> list[str]:
    """The distinct place keys a set of events touches (for drawing only their uncertainty)."""
    keys = pd.concat([place_keys(events, "place"), place_keys(events, "dest")]).dropna()
    return sorted(set(keys))


__all__ = ["AREA_PRECISIONS", "event_place_keys", "keys_of", "place_key", "place_keys", "story_places"]
