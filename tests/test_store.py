"""The columnar store: exact round trips, atomic writes, and the filters working on a loaded store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.control import _remembered_claims, build_model, control_claims, model_for
from conflictmap.importers import import_file
from conflictmap.pipeline import load_dataset
from conflictmap.store import StoreError, StoreWriter, load_store, with_stored_text, write_store
from conflictmap.view import ViewState, filter_events

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).parent / "fixtures" / "acled_sample.csv"
TABLES = ("events", "actors", "sources", "factions", "documents", "report", "places", "control")  # the Dataset's


def _assert_same(a, b):
    assert a.title == b.title
    assert not {"search_text", "description", "notes"} & set(b.events.columns)  # left in the file, read back below
    for name in TABLES:
        if name == "events":
            pd.testing.assert_frame_equal(with_stored_text(a.events), with_stored_text(b.events), check_exact=True)
        else:
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    _assert_derived_tables_match(b)


def _assert_derived_tables_match(loaded):
    """What a loaded store hands the app (its place keys and story places, computed when it was
    written) is what the app would compute from the loaded tables."""
    from conflictmap.places import compute_place_keys, compute_story_places, event_place_keys, story_places

    pd.testing.assert_frame_equal(event_place_keys(loaded), compute_place_keys(loaded.events), check_exact=True)
    pd.testing.assert_frame_equal(story_places(loaded), compute_story_places(loaded), check_exact=True)
    kept = _remembered_claims(loaded)
    assert kept is not None  # handed over by the load, not computed
    assert kept == control_claims(loaded)
    model = model_for(loaded)
    assert model.claims == build_model(control_claims(loaded)).claims
    used = [claim for claims in model.claims.values() for claim in claims]
    assert sorted(map(id, used)) == sorted(map(id, kept))  # the model is made of the kept claims themselves


def test_a_curated_file_round_trips_with_its_dtypes(tmp_path):
    dataset = load_dataset(ROOT / "events.yaml")
    write_store(dataset, tmp_path / "store")
    again = load_dataset(tmp_path / "store")
    _assert_same(dataset, again)  # dtypes, index, outlines (lists) and dates included
    assert str(again.events["date_start"].dtype) == "datetime64[s]"
    path = again.events["dest_path"].dropna().iloc[0]
    assert isinstance(path, list) and isinstance(path[0], list)


def test_an_imported_store_round_trips(tmp_path):
    import_file(SAMPLE, tmp_path / "a", on_error="skip", progress=False, on_problem=lambda p: None)
    first = load_store(tmp_path / "a")
    write_store(first, tmp_path / "b")
    _assert_same(first, load_store(tmp_path / "b"))
    ev = first.events
    # Repeated text is categorical, free text stays in Arrow buffers (no Python objects per row).
    assert isinstance(ev["type"].dtype, pd.CategoricalDtype)
    assert isinstance(ev["place_name"].dtype, pd.CategoricalDtype)
    full = with_stored_text(ev)
    for column in ("description", "search_text"):
        assert full[column].dtype == "str" and full[column].array._pa_array is not None


def test_manifest_records_counts_source_hash_and_time(tmp_path):
    import_file(SAMPLE, tmp_path / "s", on_error="skip", progress=False, on_problem=lambda p: None)
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["format"] == "conflictmap/store" and manifest["version"] == 4
    assert manifest["source"]["sha256"] == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert manifest["counts"]["events"] == 6 and manifest["import"]["rejected"] == 7
    assert dt.datetime.fromisoformat(manifest["created"]).tzinfo is not None


def test_an_interrupted_write_leaves_nothing_and_an_old_store_survives(tmp_path):
    target = tmp_path / "store"
    write_store(load_dataset(ROOT / "events.yaml"), target)
    before = (target / "events.parquet").read_bytes()
    with pytest.raises(RuntimeError), StoreWriter(target) as writer:
        writer.append("events", pd.DataFrame({"x": [1]}).pipe(__import__("pyarrow").Table.from_pandas))
        raise RuntimeError("interrupted")
    assert (target / "events.parquet").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # no temporary folder left


def test_a_folder_that_is_not_a_store_is_refused(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(StoreError, match="not a conflictmap store"):
        write_store(load_dataset(ROOT / "events.yaml"), tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    with pytest.raises(StoreError, match="not a readable conflictmap store"):
        load_store(tmp_path / "mine")


def test_filters_on_a_loaded_store_match_the_csv(tmp_path):
    """filter_events on the store gives what a direct reading of the CSV says."""
    import_file(SAMPLE, tmp_path / "s", on_error="skip", progress=False, on_problem=lambda p: None)
    dataset = load_dataset(tmp_path / "s")
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    kept = raw[raw["event_id_cnty"].isin(dataset.events.index)].drop_duplicates("event_id_cnty")

    def ids(**state):
        return set(filter_events(dataset, ViewState(**state)).index)

    actors = kept["actor1"] + ";" + kept["assoc_actor_1"] + ";" + kept["actor2"] + ";" + kept["assoc_actor_2"]
    assert ids(factions=("civilians",)) == set(kept.loc[actors.str.contains(r"Civilians \("), "event_id_cnty"])
    assert ids(sides=("Pro-government",)) == {"SYR100", "SYR101"}
    assert ids(types=("battle",)) == set(kept.loc[kept["sub_event_type"] == "Armed clash", "event_id_cnty"])
    # The week-long SYR101 (3-9 March) overlaps a window on 8 March; the single day SYR100 does not.
    assert ids(date_from=dt.date(2019, 3, 8), date_to=dt.date(2019, 3, 8)) == {"SYR101"}
    # Free text over titles and descriptions, case-insensitive.
    assert ids(query="RAQQA teacher") == {"SYR106"}
    assert ids(query="hawija") == {"IRQ200"}
    assert len(ids()) == len(kept) == 6


def test_an_imported_events_file_keeps_its_places_and_the_served_map_labels_them(tmp_path):
    """Issue 18: `import events.yaml -o STORE` dropped the file's `places:`; the map lost its two labels."""
    from conflictmap.places import story_places
    from dashboard.app import create_app

    original = load_dataset(ROOT / "events.yaml")
    import_file(ROOT / "events.yaml", tmp_path / "store", progress=False)
    stored = load_dataset(tmp_path / "store")
    assert list(stored.places.index) == ["al-mayadin", "deir-ez-zor-city"]
    pd.testing.assert_frame_equal(original.places, stored.places, check_exact=True)
    labels = set(story_places(stored)["label"])
    assert {"Al-Mayadin", "Deir ez-Zor"} <= labels
    style = create_app(dataset=stored, briefings={}).server.test_client().get("/map/style.json").get_data(as_text=True)
    assert "Al-Mayadin" in style


def test_places_round_trip_through_a_store(tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    base = load_dataset(ROOT / "events.yaml")
    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(names=st.lists(text, min_size=2, max_size=2), note=text, lat=st.floats(-90, 90))
    def check(names, note, lat):
        places = base.places.copy()
        places["name"] = pd.Series(names, index=places.index, dtype=places["name"].dtype)
        places["note"] = pd.Series([note, None], index=places.index, dtype=places["note"].dtype)
        places.loc[places.index[0], "lat"] = lat
        target = tmp_path / "store"
        write_store(base.with_places(places), target)
        pd.testing.assert_frame_equal(places, load_store(target).places, check_exact=True)

    check()


def test_a_store_without_places_loads_with_an_empty_places_table(tmp_path):
    import_file(SAMPLE, tmp_path / "s", on_error="skip", progress=False, on_problem=lambda p: None)
    places = load_store(tmp_path / "s").places
    assert places.empty and list(places.columns) == list(load_dataset(ROOT / "events.yaml").places.columns[:14])


def test_any_dataset_round_trips_through_a_store(tmp_path):
    """write_store then load_store gives back the same Dataset: every table, dtypes and index included,
    over datasets made from the bundled file (events kept and reordered at random, free text, numbers
    and missing values changed, the places and control statements too), and the claims about control
    the store kept are the ones its tables give."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    base = load_dataset(ROOT / "events.yaml")
    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
    n = len(base.events)

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        keep=st.lists(st.integers(0, n - 1), min_size=0, max_size=n, unique=True),
        titles=st.lists(text, min_size=n, max_size=n),
        descriptions=st.lists(st.none() | text, min_size=n, max_size=n),
        lats=st.lists(st.none() | st.floats(-90, 90), min_size=n, max_size=n),
        place_names=st.lists(text, min_size=2, max_size=2),
        statements=st.lists(st.integers(0, len(base.control) - 1), max_size=len(base.control), unique=True),
        quotes=st.lists(text, min_size=len(base.control), max_size=len(base.control)),
        holders=st.lists(st.none() | st.sampled_from(list(base.factions.index)), min_size=len(base.control)),
    )
    def check(keep, titles, descriptions, lats, place_names, statements, quotes, holders):
        events = base.events.copy()
        events["title"] = pd.Series(titles, index=events.index, dtype=events["title"].dtype)
        events["description"] = pd.Series(descriptions, index=events.index, dtype=events["description"].dtype)
        events["map_lat"] = pd.Series(lats, index=events.index, dtype=float)
        events = events.iloc[keep]
        places = base.places.copy()
        places["name"] = pd.Series(place_names, index=places.index, dtype=places["name"].dtype)
        control = base.control.copy()
        control["quote"] = pd.Series(quotes, index=control.index, dtype=control["quote"].dtype)
        control["holder"] = pd.Series(holders[: len(control)], index=control.index, dtype=control["holder"].dtype)
        control = control.iloc[statements].reset_index(drop=True)  # numbered in order, as statements_table makes it
        dataset = base.with_events(events).with_places(places).with_control(control)
        target = tmp_path / "store"
        write_store(dataset, target)
        _assert_same(dataset, load_store(target))

    check()


def test_a_store_keeps_its_place_keys_and_story_places_and_a_changed_dataset_computes_its_own(tmp_path):
    """The derived tables are used only for the tables they were computed from."""
    from conflictmap.places import compute_story_places, story_places

    import_file(SAMPLE, tmp_path / "s", on_error="skip", progress=False, on_problem=lambda p: None)
    loaded = load_store(tmp_path / "s")
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["tables"]["place_keys"]["rows"] == len(loaded.events)
    _assert_derived_tables_match(loaded)
    fewer = loaded.with_events(loaded.events.iloc[:2].copy())
    pd.testing.assert_frame_equal(story_places(fewer), compute_story_places(fewer))
    assert story_places(fewer)["events"].sum() < story_places(loaded)["events"].sum()


def test_the_search_text_left_in_the_file_matches_as_the_loaded_column_did(tmp_path):
    """StoredText.contains over any rows and row groups is pandas' str.contains over the same column."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from conflictmap.store import StoredText

    texts = [None, "", "raqqa city", "deir ez-zor", "Raqqa", "al-raqqa north", "ḥasakah", "tal abyad", "raq"] * 5
    file = tmp_path / "events.parquet"
    pq.write_table(pa.table({"id": [str(i) for i in range(len(texts))], "search_text": texts}), file, row_group_size=4)
    stored = StoredText.open(file, ("search_text",))
    assert stored is not None and len(stored) == len(texts) and StoredText.open(file, ("nothing",)) is None
    column = pd.Series(texts, dtype="str")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        rows=st.lists(st.integers(0, len(texts) - 1), unique=True).map(sorted),
        term=st.sampled_from(["raqqa", "raq", "a", "ḥ", "-", "zzz", " "]),
    )
    def check(rows, term):
        expected = column.iloc[rows].str.contains(term, regex=False).to_numpy(dtype=bool, na_value=False)
        assert list(stored.contains(rows, term)) == list(expected)

    check()
    pd.testing.assert_series_equal(stored.read()["search_text"], column, check_names=False)


def test_every_loaded_store_stays_searchable_and_closes_its_file_when_its_table_goes(tmp_path):
    import gc

    from conflictmap.store import stored_text

    import_file(SAMPLE, tmp_path / "s", on_error="skip", progress=False, on_problem=lambda p: None)
    loaded = [load_store(tmp_path / "s") for _ in range(6)]  # more than any cache would keep
    for dataset in loaded:
        assert set(filter_events(dataset, ViewState(query="hawija")).index) == {"IRQ200"}
    text = stored_text(loaded[0].events)
    assert text is not None and not text._source.closed
    del loaded, dataset
    gc.collect()
    assert text._source.closed


def _store_in_row_groups(tmp_path, rows_per_group: int = 3):
    """The bundled file written as a store whose events are split into row groups of a few rows, and
    the events' whole table as Parquet holds it (what a load would have read with every column)."""
    import pyarrow.parquet as pq

    from conflictmap.store import DATASET_TABLES, table_to_arrow

    base = load_dataset(ROOT / "events.yaml")
    target = tmp_path / "store"
    with StoreWriter(target) as writer:
        for name in DATASET_TABLES:
            table = table_to_arrow(name, getattr(base, name))
            if name == "events":
                for start in range(0, table.num_rows, rows_per_group):
                    writer.append(name, table.slice(start, rows_per_group))
            else:
                writer.append(name, table)
        writer.commit({"title": base.title, "source": {"file": base.file}})
    assert pq.ParquetFile(target / "events.parquet").metadata.num_row_groups == -(-len(base.events) // rows_per_group)
    whole = pq.read_table(target / "events.parquet").to_pandas()
    whole.index = pd.Index(whole["id"].array)
    return base, load_store(target), whole


def test_free_text_read_for_any_rows_is_the_loaded_column(tmp_path):
    """The description and notes a store leaves in its file, read back for any rows in any order (a
    view, a page, a chunk of an export), equal the column a load with every column gives, with the
    same dtype, and the row has the file's column order."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from conflictmap.store import stored_text
    from conflictmap.view import event_with_text

    base, loaded, whole = _store_in_row_groups(tmp_path)
    events = loaded.events
    assert not {"description", "notes", "search_text"} & set(events.columns)
    assert stored_text(events).columns == ("description", "notes", "search_text")
    n = len(events)

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(rows=st.lists(st.integers(0, n - 1), unique=True))
    def check(rows):
        part = with_stored_text(events, events.iloc[rows], ("description", "notes"))
        expected = whole.iloc[rows].drop(columns=["search_text"])
        assert list(part.columns) == list(expected.columns)
        for column in ("description", "notes"):
            pd.testing.assert_series_equal(part[column], expected[column], check_exact=True, check_names=False)

    check()
    for event_id in events.index:  # the details panel's row: the file's, every column but the search text
        row = event_with_text(loaded, event_id)
        assert row["description"] == base.events.at[event_id, "description"]
        assert list(row.index) == [c for c in whole.columns if c != "search_text"]
    # Repeats and an empty set of rows read too (StoredText.take by position).
    stored = stored_text(events)
    taken = stored.take([5, 0, 5, 13], ("description",))["description"]
    assert taken.tolist() == whole["description"].iloc[[5, 0, 5, 13]].tolist()
    assert stored.take([], ("notes",))["notes"].dtype == whole["notes"].dtype
    with pytest.raises(KeyError):
        with_stored_text(events, events.iloc[:1].set_axis(["no-such-event"]), ("description",))


def test_exports_of_a_store_write_its_free_text_read_a_chunk_at_a_time(tmp_path, monkeypatch):
    """Every data export of a store, its description read from the file a few rows at a time, is the
    same file as the export of the same events with the text in memory."""
    import conflictmap.exports.tables as tables
    import conflictmap.view as view
    from conflictmap.exports import DATA_FORMATS, export

    _, loaded, _ = _store_in_row_groups(tmp_path)
    in_memory = loaded.with_events(with_stored_text(loaded.events))  # every column held, as before
    assert "description" in in_memory.events.columns
    monkeypatch.setattr(view, "TEXT_CHUNK", 4)
    monkeypatch.setattr(tables, "CSV_CHUNK", 4)
    states = (ViewState(), ViewState(types=("control-change", "movement")), ViewState(query="no such words at all"))
    for state in states:
        for fmt in DATA_FORMATS:
            a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
            export(loaded, fmt, a, state)
            export(in_memory, fmt, b, state)
            assert a.read_bytes() == b.read_bytes(), (fmt, state)
        if not state.query:
            assert "description" in (tmp_path / "a.csv").read_text().splitlines()[0]


def test_a_server_reads_a_store_in_the_background_with_the_loads_result_and_errors(tmp_path):
    """``conflictmap serve STORE`` reads the store in a thread while it imports the app: the same
    Dataset as a load, the same error for a broken store, and no thread for an events file."""
    from conflictmap.store import load_store_in_background

    assert load_store_in_background(ROOT / "events.yaml") is None
    import_file(SAMPLE, tmp_path / "s", on_error="skip", progress=False, on_problem=lambda p: None)
    loading = load_store_in_background(tmp_path / "s")
    assert loading is not None
    _assert_same(load_store(tmp_path / "s"), loading.result(timeout=60))
    (tmp_path / "s" / "factions.parquet").write_bytes(b"not parquet")
    broken = load_store_in_background(tmp_path / "s")
    assert broken is not None
    with pytest.raises(StoreError, match=r"factions\.parquet"):
        broken.result(timeout=60)


def test_the_html_pages_data_of_a_store_carries_every_events_description(tmp_path):
    """The HTML export's embedded records read a store's description from its file, as from memory."""
    from dashboard.exports.page import page_data

    base, loaded, _ = _store_in_row_groups(tmp_path)
    records = page_data(loaded, ViewState(), None)["events"]
    assert set(records) == set(base.events.index)
    for event_id, record in records.items():
        assert record["description"] == base.events.at[event_id, "description"]
        assert "search_text" not in record


def test_the_details_panel_of_a_store_shows_the_description_read_for_that_event(tmp_path):
    """The details panel's description of a store's event (read from the file for that row only) is
    the one the events file has, in the same element as for an events file."""
    from dashboard.detail import event_detail

    base, loaded, _ = _store_in_row_groups(tmp_path)

    def description_of(dataset, event_id):
        panel = event_detail(dataset, event_id)
        return [p.children for p in panel if getattr(p, "className", None) == "description"]

    for event_id in base.events.index:
        assert description_of(loaded, event_id) == description_of(base, event_id)
        assert description_of(loaded, event_id) == [[base.events.at[event_id, "description"]]]


def test_claims_kept_under_other_rules_are_not_handed_over():
    """A store written under other claim rules (an older conflictmap) gets its claims computed at start."""
    from conflictmap.claimstable import RULES_KEY, claims_from_arrow, claims_to_arrow

    claims = control_claims(load_dataset(ROOT / "events.yaml"))
    table = claims_to_arrow(claims)
    assert claims_from_arrow(table) == claims
    assert claims_from_arrow(table.replace_schema_metadata({RULES_KEY: b"0"})) is None


def test_a_server_answers_while_it_warms_up_and_the_warm_up_leaves_the_first_views_work_done(tmp_path):
    """``conflictmap serve`` answers before its warm-up ends (dashboard.app.warm_up, in a thread): the page
    is served meanwhile, and once it ends every place is swept and the first view's lanes are kept."""
    import gc
    import threading

    from dashboard import controlpanel
    from dashboard.serving import served_app

    import_file(ROOT / "events.yaml", tmp_path / "s", progress=False)
    try:
        app = served_app(tmp_path / "s", warm_up_in_background=True)
        assert app.server.test_client().get("/").status_code == 200
        for thread in threading.enumerate():
            if thread.name == "conflictmap-warm-up":
                thread.join(timeout=60)
        (view,) = [v for v in controlpanel._VIEWS.values() if v.dataset.file == str(tmp_path / "s")]
        assert len(view.model._prepared) == len(view.model.claims) == 5
        assert any(key[0] == "bar groups" for key in view.model._memo)  # the first view's lanes
        from conflictmap import view as views

        assert ("factions", id(view.dataset)) in views._INDEXES  # the faction filter's index
    finally:
        gc.unfreeze()  # served_app keeps what it built for the process; a test process frees it


def test_a_dataset_with_other_tables_than_its_stores_computes_its_own_claims(tmp_path):
    """The kept claims belong to the loaded tables: other control statements or events are not given them."""
    import_file(ROOT / "events.yaml", tmp_path / "s", progress=False)
    loaded = load_store(tmp_path / "s")
    assert _remembered_claims(loaded) is not None
    fewer = loaded.with_control(loaded.control.iloc[:0])
    other = loaded.with_events(loaded.events.iloc[:3].copy())
    for changed in (fewer, other):
        assert _remembered_claims(changed) is None
        assert model_for(changed).claims == build_model(control_claims(changed)).claims
    assert len(control_claims(fewer)) < len(control_claims(loaded))
