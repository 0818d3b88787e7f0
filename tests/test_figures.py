"""Figure builders as plain functions: what a user would see, read from the figure dicts."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conflictmap.pipeline import load_dataset
from conflictmap.places import keys_of, story_places
from conflictmap.view import ViewState, filter_events
from conflictmap.wording import event_row, rows_by_id
from dashboard.mapfigure import bearing, frame_bounds, map_figure, map_traces, placed_events
from dashboard.mapstyle import map_style, url_source
from dashboard.markers import layout_markers, project, separate_badges, unproject, zoom_for_bounds
from dashboard.symbols import icon_name, plotly_symbol
from dashboard.timeline import lanes_height, strip_figure, timeline_figure, timeline_positions

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ds():
    return load_dataset(ROOT / "events.yaml")


def traces(fig, meta):
    return [t for t in fig["data"] if t.get("meta") == meta]


def ids_in(fig, meta="events"):
    return [i for t in traces(fig, meta) for i in t.get("customdata", []) if i is not None]


def test_map_draws_every_placed_event_once_coloured_by_faction(ds):
    fig = map_figure(ds, ds.events, style="/map/style.json", zoom=6)
    placed = ds.events.index[ds.events["map_lat"].notna()]
    assert sorted(ids_in(fig)) == sorted(placed)
    for t in traces(fig, "events"):
        primary = {ds.events.at[i, "primary_faction"] for i in t["customdata"]}
        assert len(primary) == 1 and t["marker"]["color"] == ds.factions.at[primary.pop(), "colour"]
        assert t["type"] == "scattermap" and t["marker"]["allowoverlap"] is True
    assert fig["layout"]["map"]["style"] == "/map/style.json"
    assert fig["layout"]["uirevision"] == "analyst"


def test_statements_without_a_place_stay_off_the_map_but_on_the_timeline(ds):
    statements = ds.events.index[(ds.events["type"] == "statement") & ds.events["map_lat"].isna()]
    assert len(statements)
    assert not set(statements) & set(ids_in(map_figure(ds, ds.events, style="s", zoom=6)))
    assert set(statements) <= set(ids_in(timeline_figure(ds, ds.events, ViewState())))


def test_vague_dates_are_hollow_and_exact_days_filled():
    assert plotly_symbol("control-change", "day") == "square"
    assert plotly_symbol("control-change", "week") == "square-open"
    assert plotly_symbol("movement", "reported") == "triangle-up-open"
    assert plotly_symbol("battle", "by") == "star-open"
    assert icon_name("control-change", "day") == "cm-square"
    assert icon_name("movement", "by") == "cm-triangle-up-open"


def test_every_icon_the_map_asks_for_is_in_the_sprite(ds):
    import json

    from dashboard.mapstyle import BASEMAP_DIR

    sprite = set(json.loads((BASEMAP_DIR / "sprite.json").read_text()))
    fig = map_figure(ds, ds.events, style="s", zoom=6, selected="mekhan-positions-captured")
    wanted = set()
    for t in fig["data"]:
        symbol = t.get("marker", {}).get("symbol")
        if symbol is None:
            continue
        wanted |= set(symbol) if isinstance(symbol, list) else {symbol}
    assert wanted and wanted <= sprite, wanted - sprite
    style = map_style(story_places(ds), url_source("/a/"))
    for layer in style["layers"]:
        icon = layer.get("layout", {}).get("icon-image")
        if isinstance(icon, str):
            assert icon in sprite, icon


def test_movements_are_lines_to_the_destination_with_an_arrowhead(ds):
    fig = map_figure(ds, ds.events, style="s", zoom=6)
    row = ds.events.loc["push-south-towards-boukamal"]
    lines = [
        c
        for layer in fig["layout"]["map"]["layers"]
        if layer["type"] == "line"
        for c in layer["source"]["geometry"]["coordinates"]
    ]
    assert [[row["place_lon"], row["place_lat"]], [row["dest_lon"], row["dest_lat"]]] in lines
    heads = traces(fig, "arrowhead")
    lat_lon = {(la, lo) for t in heads for la, lo in zip(t["lat"], t["lon"])}
    assert (round(row["dest_lat"], 6), round(row["dest_lon"], 6)) in lat_lon
    # South-south-east towards Boukamal: the arrow points that way.
    assert 120 < bearing(row["place_lat"], row["place_lon"], row["dest_lat"], row["dest_lon"]) < 170


def test_vague_movements_are_dashed(ds):
    fig = map_figure(ds, ds.events, style="s", zoom=6)
    dashed = [layer for layer in fig["layout"]["map"]["layers"] if layer["type"] == "line" and "dash" in layer["line"]]
    vague_moves = ds.events[
        ds.events["dest_lat"].notna()
        & ds.events["place_lat"].notna()
        & ds.events["date_precision"].isin(["range", "week", "month", "reported", "by"])
    ]
    assert bool(dashed) == bool(len(vague_moves))


def test_events_at_one_place_spread_around_it_with_leader_lines(ds):
    placed = ds.events[ds.events["map_lat"].notna()]
    layout = layout_markers(placed, zoom=7)
    raqqa = [e for e in placed.index if ds.events.at[e, "place_name"] == "Raqqa"]
    assert len(raqqa) >= 2
    spots = {(round(layout.markers.at[e, "lat"], 5), round(layout.markers.at[e, "lon"], 5)) for e in raqqa}
    assert len(spots) == len(raqqa)  # none hides another
    assert layout.markers.loc[raqqa, "spread"].all()
    # Spread by pixels, not degrees: about 27 px from the place at any zoom.
    for zoom in (5, 9):
        at = layout_markers(placed, zoom=zoom).markers.loc[raqqa[0]]
        x0, y0 = project([at["true_lat"]], [at["true_lon"]], zoom)
        x1, y1 = project([at["lat"]], [at["lon"]], zoom)
        assert 20 < math.hypot(x1[0] - x0[0], y1[0] - y0[0]) < 60
    fig = map_figure(ds, ds.events, style="s", zoom=7)
    leaders = [layer for layer in fig["layout"]["map"]["layers"] if layer["color"] == "#555555"]
    assert leaders


def test_many_events_at_one_place_become_a_badge_that_zooms(ds):
    base = ds.events.loc[["raqqa-falls-to-sdf"] * 40].copy()
    base.index = [f"copy-{k}" for k in range(40)]
    base["id"] = base.index
    layout = layout_markers(base, zoom=6)
    assert layout.markers.empty and len(layout.clusters) == 1
    badge = layout.clusters.iloc[0]
    assert badge["count"] == 40 and badge["faction"] == "sdf" and badge["expand_zoom"] == 16


def test_past_the_limit_events_aggregate_into_cells_with_exact_counts(ds):
    rng = np.random.default_rng(1)
    n = 5000
    frame = pd.DataFrame(
        {
            "map_lat": 35 + rng.normal(0, 0.5, n),
            "map_lon": 40 + rng.normal(0, 0.5, n),
            "primary_faction": rng.choice(["sdf", "daesh"], n),
            "date_start": pd.Timestamp("2017-10-01"),
            "id": [f"e{k}" for k in range(n)],
        },
        index=[f"e{k}" for k in range(n)],
    )
    layout = layout_markers(frame, zoom=6, max_markers=1000)
    assert layout.aggregated and layout.markers.empty
    assert int(layout.clusters["count"].sum()) == n
    assert set(layout.clusters["faction"]) <= {"sdf", "daesh"}


def test_projection_round_trips():
    lat, lon = np.array([35.95, -33.9, 0.0]), np.array([39.0, 151.2, 0.0])
    x, y = project(lat, lon, 7.5)
    back_lat, back_lon = unproject(x, y, 7.5)
    assert np.allclose(back_lat, lat) and np.allclose(back_lon, lon)


def test_initial_camera_fits_the_filtered_events(ds):
    state = ViewState(factions=("sdf",))
    visible = filter_events(ds, state)
    w, s, e, n = frame_bounds(visible)
    raqqa = ds.events.loc["raqqa-falls-to-sdf"]
    assert w <= raqqa["map_lon"] <= e and s <= raqqa["map_lat"] <= n
    assert zoom_for_bounds([s, n], [w, e]) > zoom_for_bounds([34.4, 36.0], [38.9, 41.0])


def test_selected_event_is_ringed_on_both_views(ds):
    eid = "mekhan-positions-captured"
    assert ids_in(map_figure(ds, ds.events, style="s", zoom=6, selected=eid), "selected") == [eid]
    assert ids_in(timeline_figure(ds, ds.events, ViewState(event=eid)), "selected") == [eid]


def test_highlighted_events_stay_bright_and_the_rest_dim(ds):
    fig = timeline_figure(ds, ds.events, ViewState(), highlighted=("raqqa-falls-to-sdf",))
    bright = [i for t in traces(fig, "events") for i, op in zip(t["customdata"], t["marker"]["opacity"]) if op == 1]
    assert bright == ["raqqa-falls-to-sdf"]


def test_timeline_spans_cover_ranges_and_rows_never_overlap(ds):
    pos, bands = timeline_positions(ds, ds.events, "faction")
    raqqa = pos.loc["raqqa-falls-to-sdf"]
    assert raqqa["start"].date() == dt.date(2017, 10, 16) and raqqa["end"].date() == dt.date(2017, 10, 23)
    for _lane, rows in pos.groupby("lane"):
        for a in rows.index:
            for b in rows.index:
                if a < b and rows.at[a, "y"] == rows.at[b, "y"]:
                    assert rows.at[a, "end"] < rows.at[b, "start"] or rows.at[b, "end"] < rows.at[a, "start"]
    assert [name for name, _, _ in bands] == [n for n in ds.factions["name"] if n in set(pos["lane"])]


def test_timeline_height_follows_its_lanes(ds):
    _, all_bands = timeline_positions(ds, ds.events, "faction")
    one = filter_events(ds, ViewState(factions=("russia",)))
    _, one_band = timeline_positions(ds, one, "faction")
    assert lanes_height(one_band) < lanes_height(all_bands) / 2
    assert timeline_figure(ds, one, ViewState())["layout"]["height"] == lanes_height(one_band)


def test_timeline_lanes_by_side(ds):
    _, bands = timeline_positions(ds, ds.events, "side")
    assert {name for name, _, _ in bands} <= set(ds.factions["side"]) | {"Unattributed"}


def test_date_window_is_shaded_over_the_lanes_and_empty_view_says_so(ds):
    state = ViewState(date_from=dt.date(2017, 10, 22), date_to=dt.date(2017, 10, 22))
    fig = timeline_figure(ds, filter_events(ds, state), state)
    shapes = fig["layout"]["shapes"]
    window = [s for s in shapes if s["yref"] == "y domain"]
    assert window and shapes.index(window[0]) == len(shapes) - 1  # drawn after the lane bands
    empty = timeline_figure(ds, ds.events.iloc[0:0], ViewState())
    assert "No events" in empty["layout"]["annotations"][0]["text"]


def test_strip_counts_every_event_once_by_faction(ds):
    fig = strip_figure(ds, ds.events, ViewState())
    total = sum(sum(t["y"]) for t in traces(fig, "histogram"))
    assert total == len(ds.events)
    assert fig["layout"]["barmode"] == "stack" and fig["layout"]["xaxis"]["showticklabels"]


def test_featured_events_are_joined_in_time_order_and_others_dimmed(ds):
    featured = ("push-south-towards-boukamal", "raqqa-falls-to-sdf", "al-omar-oil-field-captured")
    traces_, layers = map_traces(ds, ds.events, zoom=6, featured=featured)
    fig = {"data": traces_}
    path = [layer for layer in layers if layer["line"].get("dash") == [1, 1.5]]
    order = ds.events.loc[list(featured)].sort_values(["date_start", "date_end", "id"])
    assert path[0]["source"]["geometry"]["coordinates"] == [
        [lo, la] for la, lo in zip(order["map_lat"], order["map_lon"])
    ]
    for t in traces(fig, "events"):
        featured_here = [eid in featured for eid in t["customdata"]]
        assert all(featured_here) or not any(featured_here)
        assert t["marker"]["opacity"] == (1.0 if all(featured_here) else pytest.approx(0.28))


def test_user_text_cannot_inject_markup_into_figures(ds):
    events = ds.events.copy()
    events.loc["raqqa-falls-to-sdf", "title"] = "<b onmouseover=x>bold</b>"
    factions = ds.factions.copy()
    factions.loc["sdf", "name"] = "<a href='https://evil.example'>SDF</a>"
    hostile = ds.with_events(events)
    hostile = type(hostile)(
        hostile.title, events, hostile.actors, hostile.sources, factions, hostile.documents, hostile.file
    )
    fig = timeline_figure(hostile, events, ViewState())
    hover = next(h for t in traces(fig, "events") for h in t["hovertext"] if "onmouseover" in h)
    assert "&lt;b onmouseover=x&gt;" in hover
    assert all("<a " not in text for text in fig["layout"]["yaxis"]["ticktext"])
    names = [t["name"] for t in map_figure(hostile, events, style="s", zoom=6)["data"] if "name" in t]
    assert names and all("<a " not in n for n in names)


def test_style_is_offline_and_labels_the_story_in_the_files_spelling(ds):
    places = story_places(ds)
    style = map_style(places, url_source("http://127.0.0.1:8050/assets/basemap/"))
    assert "glyphs" not in style  # labels drawn in the browser from system fonts
    for source in style["sources"].values():
        data = source["data"]
        assert not isinstance(data, str) or data.startswith("http://127.0.0.1:8050/assets/basemap/")
    labels = {f["properties"]["label"] for f in style["sources"]["story-points"]["data"]["features"]}
    assert {"Raqqa", "Mekhan", "Boukamal"} <= labels
    # GeoNames' own label of a story town is not drawn beside the file's.
    towns_filter = next(layer for layer in style["layers"] if layer["id"] == "towns-0")["filter"]
    assert "172955" in str(towns_filter)


def test_export_style_bakes_what_the_view_shows(ds):
    visible = filter_events(ds, ViewState(factions=("sdf",)))
    keys = keys_of(visible)
    style = map_style(story_places(ds), url_source("/a/"), visible_keys=keys, emphasised=keys[:1])
    halo = next(layer for layer in style["layers"] if layer["id"] == "story-halo")
    assert str(keys) in str(halo["filter"]).replace('"', "'") or all(k in str(halo["filter"]) for k in keys)
    assert "feature-state" not in str(halo["paint"])


def test_the_selected_ring_sits_on_the_events_drawn_marker_and_is_empty_without_one(ds):
    eid = "mekhan-positions-captured"
    layout = layout_markers(placed_events(ds.events), zoom=6)
    (ring,) = traces(map_figure(ds, ds.events, style="s", zoom=6, selected=eid), "selected")
    assert (ring["lat"], ring["lon"]) == ([layout.markers.at[eid, "lat"]], [layout.markers.at[eid, "lon"]])
    (empty,) = traces(map_figure(ds, ds.events, style="s", zoom=6), "selected")
    assert (empty["lat"], empty["lon"]) == ([None], [None])


def test_each_leader_line_joins_a_spread_marker_to_its_true_place(ds):
    markers = layout_markers(placed_events(ds.events), zoom=7).markers
    spread = markers[markers["spread"].astype(bool)]
    fig = map_figure(ds, ds.events, style="s", zoom=7)
    (leaders,) = [layer for layer in fig["layout"]["map"]["layers"] if layer["color"] == "#555555"]
    lines = leaders["source"]["geometry"]["coordinates"]
    expected = [[[r.true_lon, r.true_lat], [r.lon, r.lat]] for r in spread.itertuples()]
    assert len(expected) >= 2
    assert lines == expected


def test_overlapping_badges_merge_their_members_unless_one_lists_none():
    def badge(count, members):
        return {"lat": 36.0, "lon": 39.0, "count": count, "members": members, "expand_zoom": 9.0, "faction": "f"}

    listed = separate_badges(pd.DataFrame([badge(5, ["a", "b"]), badge(3, ["c"])]), zoom=6)
    assert len(listed) == 1
    assert sorted(listed.at[0, "members"]) == ["a", "b", "c"] and listed.at[0, "count"] == 8
    unlisted = separate_badges(pd.DataFrame([badge(5, ["a", "b"]), badge(3, None)]), zoom=6)
    assert unlisted.at[0, "members"] is None and unlisted.at[0, "count"] == 8


def test_event_row_is_one_events_row_and_rows_by_id_give_str_ids_in_table_order(ds):
    eid = "mekhan-positions-captured"
    assert event_row(ds, eid).equals(ds.events.loc[eid])
    with pytest.raises(KeyError):
        event_row(ds, "no-such-event")
    doubled = replace(ds, events=pd.concat([ds.events.loc[[eid]], ds.events.loc[[eid]]]))
    with pytest.raises(KeyError, match="more than one event"):
        event_row(doubled, eid)
    pairs = list(rows_by_id(ds.events))
    assert [i for i, _ in pairs] == list(ds.events.index)
    assert all(isinstance(i, str) and row.equals(ds.events.loc[i]) for i, row in pairs[:5])
