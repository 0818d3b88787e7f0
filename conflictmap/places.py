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
from typing import Any

import numpy as np
import pandas as pd

from conflictmap.kept import KeptForTables
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
    """``place_key`` of each event's place (``prefix`` "place") or destination ("dest").

    Vectorised: a million imported events get their keys in a second, not a minute."""
    column = events[f"{prefix}_gazetteer_id"]
    gid = column.astype(object)
    lat = pd.to_numeric(events[f"{prefix}_lat"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(events[f"{prefix}_lon"], errors="coerce").to_numpy(dtype=float)
    placed = np.isfinite(lat) & np.isfinite(lon)
    if isinstance(column.dtype, pd.CategoricalDtype):  # an import's: judge each distinct id once, by its code
        usable = np.array([type(v) is str and v != "" for v in column.cat.categories] + [False])
        codes = np.asarray(column.cat.codes, dtype=np.int64)
        has_gid = usable[np.where(codes < 0, len(usable) - 1, codes)]
    else:
        is_text = gid.map(lambda v: type(v) is str).to_numpy(dtype=bool)
        has_gid = is_text & (gid.astype("string").fillna("").str.len().to_numpy() > 0)
    keys = np.full(len(events), None, dtype=object)
    if has_gid.any():
        keys[has_gid & placed] = ("gaz:" + gid[has_gid & placed].astype(str)).to_numpy()
    by_point = placed & ~has_gid
    if by_point.any():
        codes, text = _point_keys(lat[by_point], lon[by_point])
        keys[by_point] = text[codes]
    return pd.Series(keys, index=events.index, dtype=object)


def _point_keys(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's code into the distinct keys ("pt:LAT,LON"), and those keys.

    Imported events repeat a few thousand coordinates: each distinct point is formatted once.
    """
    rlat, rlon = np.round(lat * 1e4), np.round(lon * 1e4)
    cell = rlat.astype(np.int64) * 4_000_000 + rlon.astype(np.int64)
    # "-0.0000" is written apart from "0.0000" (as place_key writes it): the sign is part of the cell.
    cell = cell * 4 + np.signbit(rlat) * 2 + np.signbit(rlon)
    codes, _ = pd.factorize(cell)
    _, first = np.unique(codes, return_index=True)
    return codes, np.array([f"pt:{lat[i]:.4f},{lon[i]:.4f}" for i in first], dtype=object)


#: The most the map labels as "the story's places": a curated file names a dozen; an imported
#: one may name thousands of locations, and a label for each would bury the map.
MAX_STORY_PLACES = 60


def story_places(dataset: Dataset, limit: int = MAX_STORY_PLACES, keys: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per distinct resolved place the file names (events' places and
    destinations, and its ``places:`` section when it has one), most-cited first;
    past ``limit`` only the most-cited (and every reference place) are kept. ``keys``: the
    events' ``event_place_keys`` where the caller has them already.

    A store computes them once, at import, and its load hands them over
    (:func:`remember_story_places`): at a million events they took seconds of
    every start (a group-by over two million rows and the gazetteer's index for
    a few dozen outlines)."""
    if limit == MAX_STORY_PLACES:
        stored = _STORED_STORY.get((dataset.events, dataset.places))
        if stored is not None:
            return stored.copy()
    return compute_story_places(dataset, limit, keys)


def compute_story_places(
    dataset: Dataset, limit: int = MAX_STORY_PLACES, keys: pd.DataFrame | None = None
) -> pd.DataFrame:
    """:func:`story_places` computed from the tables (what a store's import persists)."""
    ev = dataset.events
    parts = []
    for prefix in ("place", "dest"):
        keys_of_prefix = keys[f"{prefix}_key"] if keys is not None else place_keys(ev, prefix)
        named = keys_of_prefix.notna().to_numpy()
        if not named.any():
            continue
        rows = ev.loc[named]
        parts.append(
            pd.DataFrame(
                {
                    "key": keys_of_prefix[named].to_numpy(),
                    "label": rows[f"{prefix}_name"].astype(object).to_numpy(),
                    "precision": rows[f"{prefix}_precision"].astype(object).to_numpy(),
                    "lat": pd.to_numeric(rows[f"{prefix}_lat"]).to_numpy(float),
                    "lon": pd.to_numeric(rows[f"{prefix}_lon"]).to_numpy(float),
                    "radius_km": pd.to_numeric(rows[f"{prefix}_radius_km"], errors="coerce").to_numpy(float),
                    "gazetteer_id": rows[f"{prefix}_gazetteer_id"].astype(object).to_numpy(),
                    "country": rows[f"{prefix}_country"].astype(object).to_numpy(),
                    "event": 1,
                    "role": "event",
                }
            )
        )
    reference = getattr(dataset, "places", None)
    if isinstance(reference, pd.DataFrame) and len(reference) and "lat" in reference.columns:
        ref = reference[reference["lat"].notna()]
        if len(ref):
            ref_keys = [
                place_key(_text(g), float(a), float(o))
                for g, a, o in zip(ref.get("gazetteer_id", [None] * len(ref)), ref["lat"], ref["lon"])
            ]
            parts.append(
                pd.DataFrame(
                    {
                        "key": ref_keys,
                        "label": ref["name"].to_numpy(),
                        "precision": ref.get("precision", pd.Series(["town"] * len(ref))).fillna("town").to_numpy(),
                        "lat": ref["lat"].astype(float).to_numpy(),
                        "lon": ref["lon"].astype(float).to_numpy(),
                        "radius_km": pd.to_numeric(ref["radius_km"], errors="coerce").to_numpy(float)
                        if "radius_km" in ref
                        else np.nan,
                        "gazetteer_id": ref["gazetteer_id"].to_numpy() if "gazetteer_id" in ref else None,
                        "country": ref["country"].to_numpy() if "country" in ref else None,
                        "event": 0,
                        "role": "reference",
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=STORY_COLUMNS)
    df = pd.concat(parts, ignore_index=True)
    df["label"] = df["label"].astype(object)
    # The spelling the file uses most for each place; ties go to the first written.
    spelled = df.groupby(["key", "label"], sort=False).size().reset_index(name="n")
    spelled = spelled.sort_values("n", ascending=False, kind="stable").drop_duplicates("key")
    grouped = df.groupby("key", sort=False)
    out = grouped.agg(
        lat=("lat", "first"),
        lon=("lon", "first"),
        radius_km=("radius_km", "max"),
        gazetteer_id=("gazetteer_id", "first"),
        country=("country", "first"),
        events=("event", "sum"),
    )
    # The precision events give the place most often (a reference place's own when no event names it).
    out["precision"] = (
        _most_frequent(df[df["role"] == "event"], "precision")
        .reindex(out.index)
        .fillna(_most_frequent(df, "precision").reindex(out.index))
    )
    out["role"] = np.where(out["events"] > 0, "event", "reference")
    out["label"] = spelled.set_index("key")["label"].reindex(out.index)
    out = out.reset_index()
    out["gazetteer_id"] = out["gazetteer_id"].map(_text)
    out["country"] = out["country"].map(_text)
    out = out.sort_values(["events", "label"], ascending=[False, True], kind="stable")
    if len(out) > limit:
        out = pd.concat([out[out["role"] == "event"].head(limit), out[out["role"] == "reference"]])
    places = _with_geometry(out.reset_index(drop=True))
    return places.reset_index(drop=True)[STORY_COLUMNS]


def _most_frequent(df: pd.DataFrame, column: str) -> pd.Series:
    """Per key, the most frequent non-null value of ``column`` (ties: the first seen)."""
    counts = df.dropna(subset=[column]).groupby(["key", column], sort=False).size().reset_index(name="n")
    top = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates("key")
    return top.set_index("key")[column]


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
    columns: dict[str, Any] = {"boundary": boundary, "path": path, "outline": outline}  # lists of values or None
    return places.assign(**columns)


def _text(v) -> str | None:
    return v if isinstance(v, str) and v else None


def _float(v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return f if math.isfinite(f) else float("nan")


_KEYS: KeptForTables[pd.DataFrame] = KeptForTables()  # (events table,) -> its keys


def event_place_keys(dataset: Dataset) -> pd.DataFrame:
    """``place_key`` and ``dest_key`` for every event (missing where not placed), as categories.

    Categories, because the app counts them per view (the most-shown places get the labels): a
    million keys as Python strings took over a second to count, their codes take milliseconds.
    Computed once per events table (the app and the view's projection share them): read-only.
    """
    ev = dataset.events
    hit = _KEYS.get((ev,))
    if hit is not None:
        return hit
    keys = compute_place_keys(ev)
    remember_place_keys(ev, keys)
    return keys


def compute_place_keys(events: pd.DataFrame) -> pd.DataFrame:
    """:func:`event_place_keys` computed from the events' columns, uncached (what a store's import persists)."""
    return pd.DataFrame(
        {"place_key": _key_category(events, "place"), "dest_key": _key_category(events, "dest")}, index=events.index
    )


def remember_place_keys(events: pd.DataFrame, keys: pd.DataFrame) -> None:
    """Hand over an events table's place keys computed elsewhere (a store's, computed at import)."""
    _KEYS.keep((events,), keys)


#: (events table, places table) -> their story places as a store keeps them.
_STORED_STORY: KeptForTables[pd.DataFrame] = KeptForTables()


def remember_story_places(events: pd.DataFrame, places: pd.DataFrame, story: pd.DataFrame) -> None:
    """Hand over the story places of these tables computed elsewhere (a store's, computed at import).

    Kept for this very pair of tables: a dataset with other events or places computes its own."""
    _STORED_STORY.keep((events, places), story)


def _key_category(events: pd.DataFrame, prefix: str) -> pd.Series:
    """:func:`place_keys` as a category, built from the gazetteer ids' own codes where they are a
    category (an import), so no million strings are hashed."""
    gid = events[f"{prefix}_gazetteer_id"]
    if not isinstance(gid.dtype, pd.CategoricalDtype):
        return place_keys(events, prefix).astype("category")
    lat = pd.to_numeric(events[f"{prefix}_lat"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(events[f"{prefix}_lon"], errors="coerce").to_numpy(dtype=float)
    placed = np.isfinite(lat) & np.isfinite(lon)
    gaz_names = [f"gaz:{c}" for c in gid.cat.categories]
    usable = np.array([str(c) != "" for c in gid.cat.categories] + [False])  # the last: no id (code -1)
    gid_codes = np.asarray(gid.cat.codes, dtype=np.int64)
    has_gid = usable[np.where(gid_codes < 0, len(gaz_names), gid_codes)]
    codes = np.full(len(events), -1, dtype=np.int64)
    codes[has_gid & placed] = gid_codes[has_gid & placed]
    by_point = placed & ~has_gid
    names = gaz_names
    if by_point.any():
        point_codes, point_names = _point_keys(lat[by_point], lon[by_point])
        codes[by_point] = len(gaz_names) + point_codes
        names = [*gaz_names, *point_names]
    if len(set(names)) != len(names):  # ids that read like others' keys: the plain way
        return place_keys(events, prefix).astype("category")
    return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(names)), index=events.index)


def keys_of(events: pd.DataFrame) -> list[str]:
    """The distinct place keys a set of events touches (for drawing only their uncertainty)."""
    keys = pd.concat([place_keys(events, "place"), place_keys(events, "dest")]).dropna()
    return sorted(set(keys))


__all__ = [
    "AREA_PRECISIONS",
    "compute_place_keys",
    "compute_story_places",
    "event_place_keys",
    "keys_of",
    "place_key",
    "place_keys",
    "remember_place_keys",
    "remember_story_places",
    "story_places",
]
