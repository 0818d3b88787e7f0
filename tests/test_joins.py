"""Exports join sources and actors on the event id once per export, with the same result as a scan per event."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.events import load_events
from conflictmap.exports.common import actors_for, event_record, event_records, sources_for
from conflictmap.exports.tables import _source_columns, geojson_document, write_geojson
from conflictmap.joins import event_rows_of, joined_per_event, rows_by_event
from conflictmap.table import dataset_from_events_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dataset():
    return dataset_from_events_file(load_events(ROOT / "events.yaml"))


@pytest.fixture(scope="module")
def shuffled(dataset):
    """The same tables as another engine might hand them over: rows in another order, stale row positions."""
    return replace(
        dataset,
        events=dataset.events.iloc[::-1],
        actors=dataset.actors.sample(frac=1, random_state=1).assign(event_row=-1),
        sources=dataset.sources.sample(frac=1, random_state=2),
    )


def scanned_source_columns(dataset, ids) -> dict:
    """The per-event scan the join replaced, kept here as the reference."""
    out = {}
    for eid in ids:
        s = dataset.sources[dataset.sources["event_id"] == eid]
        out[eid] = (
            " | ".join(f"“{q}”" for q in s["quote"]),
            " | ".join(
                f"{r.publisher}, “{r.doc_title}”, {r.published}, paragraph {r.paragraph}" for r in s.itertuples()
            ),
            " | ".join(dict.fromkeys(str(p) for p in s["publisher"])),
            " | ".join(dict.fromkeys(str(p) for p in s["published"])),
        )
    return out


@pytest.mark.parametrize("which", ["bundled", "shuffled"])
def test_csv_source_columns_match_a_scan_per_event(dataset, shuffled, which):
    ds = dataset if which == "bundled" else shuffled
    assert dataset.sources.groupby("event_id").size().max() > 1  # the file has events with several sources
    ids = list(ds.events.index) + ["not-an-event"]
    joined = _source_columns(ds, ids)
    assert list(joined.index) == ids
    expected = scanned_source_columns(ds, ids)
    for eid in ids:
        assert tuple(joined.loc[eid]) == expected[eid], eid
    assert tuple(joined.loc["not-an-event"]) == ("", "", "", "")


@pytest.mark.parametrize("which", ["bundled", "shuffled"])
def test_sources_and_actors_of_an_event_match_a_scan(dataset, shuffled, which):
    ds = dataset if which == "bundled" else shuffled
    for eid in ds.events.index:
        scan = ds.sources[ds.sources["event_id"] == eid]
        assert [s["quote"] for s in sources_for(ds, eid)] == list(scan["quote"])
        scan = ds.actors[ds.actors["event_id"] == eid]
        assert [(a["faction"], a["role"]) for a in actors_for(ds, eid)] == list(zip(scan["faction"], scan["role"]))
    assert sources_for(ds, "not-an-event") == [] and actors_for(ds, "not-an-event") == []


def test_grouped_once_per_dataset(dataset):
    assert event_rows_of(dataset, "sources") is event_rows_of(dataset, "sources")
    assert event_rows_of(dataset, "sources") is not event_rows_of(dataset, "actors")


def test_joined_per_event_keeps_order_and_leaves_the_rest_empty():
    table = pd.DataFrame({"event_id": ["b", "a", "b", "c", "zz"], "text": ["b1", "a1", "b2", "c1", "stray"]})
    rows, pos = rows_by_event(table, ["a", "b", "c", "d"])
    assert list(table["event_id"].iloc[rows]) == ["a", "b", "b", "c"]
    out = joined_per_event(table["text"].iloc[rows].to_numpy(), pos, 4, "; ")
    assert list(out) == ["a1", "b1; b2", "c1", ""]


@pytest.mark.parametrize("which", ["bundled", "shuffled"])
def test_records_built_by_column_and_chunk_equal_one_record_per_event(dataset, shuffled, which):
    ds = dataset if which == "bundled" else shuffled
    built = list(event_records(ds, ds.events, chunk=4))  # several chunks, the last one short
    assert [eid for eid, _ in built] == list(ds.events.index)
    for eid, record in built:
        assert record == event_record(ds, eid), eid


def test_streamed_geojson_is_the_document(tmp_path):
    from conflictmap.pipeline import load_dataset

    dataset = load_dataset(ROOT / "events.yaml")  # geocoded: placed on the map
    out = tmp_path / "view.geojson"
    write_geojson(dataset, dataset.events, out, ())
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc == json.loads(json.dumps(geojson_document(dataset, dataset.events)))
    assert len(doc["features"]) == dataset.events["map_lat"].notna().sum() > 0
    for feature in doc["features"]:  # each as one record per event builds it, the reference
        assert feature["properties"] == json.loads(json.dumps(event_record(dataset, feature["id"])))
    empty = tmp_path / "empty.geojson"
    write_geojson(dataset, dataset.events.iloc[:0], empty, ())
    assert json.loads(empty.read_text(encoding="utf-8"))["features"] == []


def test_csv_written_in_chunks_is_the_csv_written_at_once(tmp_path, monkeypatch):
    import conflictmap.exports.tables as tables
    from conflictmap.output import to_csv
    from conflictmap.pipeline import load_dataset

    dataset = load_dataset(ROOT / "events.yaml")
    whole = dataset.events.drop(columns=["search_text"]).copy()
    for col in whole.columns:
        if whole[col].dtype == object and any(isinstance(v, (list, tuple)) for v in whole[col]):
            whole[col] = whole[col].map(lambda v: json.dumps(v) if isinstance(v, (list, tuple)) else v)
    expected = tmp_path / "expected.csv"
    to_csv(whole.join(_source_columns(dataset, whole.index)).reset_index(drop=True), expected)
    monkeypatch.setattr(tables, "CSV_CHUNK", 3)  # five chunks, the last one short
    tables.write_csv(dataset, dataset.events, tmp_path / "chunked.csv", ())
    assert (tmp_path / "chunked.csv").read_bytes() == expected.read_bytes()
    tables.write_csv(dataset, dataset.events.iloc[:0], tmp_path / "empty.csv", ())
    assert (tmp_path / "empty.csv").read_bytes() == expected.read_bytes().split(b"\r\n")[0] + b"\r\n"
