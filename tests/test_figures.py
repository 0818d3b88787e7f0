"""Figure builders as plain functions: what a user would see, read from the figure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conflictmap.pipeline import load_dataset
from conflictmap.view import ViewState, filter_events
from dashboard import geometry
from dashboard.figures import map_figure, symbol_for, timeline_figure, timeline_positions

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ds():
    return load_dataset(ROOT / "events.yaml")


def traces(fig, meta):
    return [t for t in fig.data if t.meta == meta]


def ids_in(fig, meta="events"):
    return [i for t in traces(fig, meta) for i in t.customdata]


def test_map_draws_every_placed_event_once_coloured_by_faction(ds):
    fig = map_figure(ds, ds.events, ViewState())
    placed = ds.events.index[ds.events["map_lat"].notna()]
    assert sorted(ids_in(fig)) == sorted(placed)
    for t in traces(fig, "events"):
        primary = {ds.events.at[i, "primary_faction"] for i in t.customdata}
        assert len(primary) == 1 and t.marker.color == ds.factions.at[primary.pop(), "colour"]
    assert fig.layout.geo.showrivers and fig.layout.geo.showcountries and fig.layout.geo.resolution == 50


def test_statements_without_a_place_stay_off_the_map_but_on_the_timeline(ds):
    statements = ds.events.index[(ds.events["type"] == "statement") & ds.events["map_lat"].isna()]
    assert len(statements)
    assert not set(statements) & set(ids_in(map_figure(ds, ds.events, ViewState())))
    assert set(statements) <= set(ids_in(timeline_figure(ds, ds.events, ViewState())))


def test_vague_dates_are_hollow_and_exact_days_filled():
    assert symbol_for("control-change", "day") == "square"
    assert symbol_for("control-change", "week") == "square-open"
    assert symbol_for("movement", "reported") == "triangle-up-open"


def test_halos_sized_to_uncertainty_and_dotted_for_regions(ds):
    fig = map_figure(ds, ds.events, ViewState())
    halos = traces(fig, "halo")
    assert halos and all(t.fill == "toself" for t in halos)
    assert any(t.line.dash == "dot" for t in halos)  # the governorate-level gas field
    # A ring's radius matches the event's uncertainty.
    row = ds.events.loc["raqqa-falls-to-sdf"]
    lats, _ = geometry.circle(row["map_lat"], row["map_lon"], row["map_radius_km"])
    assert (max(lats) - min(lats)) / 2 == pytest.approx(row["map_radius_km"] / 111.2, rel=0.01)


def test_movements_are_arrows_from_origin_to_destination(ds):
    fig = map_figure(ds, ds.events, ViewState())
    moves = {t.customdata[0]: t for t in traces(fig, "movement")}
    push = moves["push-south-towards-boukamal"]
    row = ds.events.loc["push-south-towards-boukamal"]
    assert list(push.lat) == [row["place_lat"], row["dest_lat"]]
    assert push.marker.symbol == "arrow" and push.marker.angleref == "previous"


def test_areas_are_drawn_as_their_path_not_a_point(ds):
    fig = map_figure(ds, ds.events, ViewState())
    areas = traces(fig, "area")
    valley = ds.events.loc["daesh-pushed-into-euphrates-valley", "dest_path"]
    assert any(len(t.lat) == len(valley) for t in areas)


def test_events_sharing_a_place_are_spread_with_a_count(ds):
    fig = map_figure(ds, ds.events, ViewState())
    clusters = traces(fig, "cluster")
    assert clusters and all(int(n) >= 2 for t in clusters for n in t.text)
    positions = [(la, lo) for t in traces(fig, "events") for la, lo in zip(t.lat, t.lon)]
    assert len(set(positions)) == len(positions)  # no two markers on the same spot


def test_map_frames_the_filtered_events(ds):
    state = ViewState(factions=("sdf",))
    fig = map_figure(ds, filter_events(ds, state), state)
    lat0, lat1 = fig.layout.geo.lataxis.range
    raqqa = ds.events.loc["raqqa-falls-to-sdf"]
    assert lat0 < raqqa["map_lat"] < lat1
    assert lat1 - lat0 < 5


def test_selected_event_is_ringed_on_both_views(ds):
    state = ViewState(event="mekhan-positions-captured")
    assert ids_in(map_figure(ds, ds.events, state), "selected") == ["mekhan-positions-captured"]
    assert ids_in(timeline_figure(ds, ds.events, state), "selected") == ["mekhan-positions-captured"]


def test_highlighted_events_use_plotly_selection(ds):
    fig = timeline_figure(ds, ds.events, ViewState(), highlighted=("raqqa-falls-to-sdf",))
    picked = [t.customdata[k] for t in traces(fig, "events") if t.selectedpoints is not None for k in t.selectedpoints]
    assert picked == ["raqqa-falls-to-sdf"]


def test_timeline_spans_cover_ranges_and_rows_never_overlap(ds):
    pos, bands = timeline_positions(ds, ds.events, "faction")
    raqqa = pos.loc["raqqa-falls-to-sdf"]
    assert raqqa["start"].date() == dt.date(2017, 10, 16) and raqqa["end"].date() == dt.date(2017, 10, 23)
    for _lane, rows in pos.groupby("lane"):
        for a in rows.index:
            for b in rows.index:
                if a < b and rows.at[a, "y"] == rows.at[b, "y"]:
                    # Same row: their padded spans must not overlap.
                    assert rows.at[a, "end"] < rows.at[b, "start"] or rows.at[b, "end"] < rows.at[a, "start"]
    assert [name for name, _, _ in bands] == [n for n in ds.factions["name"] if n in set(pos["lane"])]


def test_timeline_lanes_by_side(ds):
    _, bands = timeline_positions(ds, ds.events, "side")
    assert {name for name, _, _ in bands} <= set(ds.factions["side"]) | {"Unattributed"}


def test_date_window_is_shaded_and_empty_view_says_so(ds):
    state = ViewState(date_from=dt.date(2017, 10, 22), date_to=dt.date(2017, 10, 22))
    fig = timeline_figure(ds, filter_events(ds, state), state)
    assert any(s.type == "rect" and s.fillcolor == "#ffd54f" for s in fig.layout.shapes)
    empty = timeline_figure(ds, ds.events.iloc[0:0], ViewState())
    assert "No events" in empty.layout.annotations[0].text


def test_featured_events_are_joined_in_time_order_and_others_dimmed(ds):
    featured = ("push-south-towards-boukamal", "raqqa-falls-to-sdf", "al-omar-oil-field-captured")
    fig = map_figure(ds, ds.events, ViewState(), featured=featured)
    path = traces(fig, "narrative")[0]
    order = ds.events.loc[list(featured)].sort_values(["date_start", "date_end", "id"])
    assert list(path.lat) == list(order["map_lat"])
    for t in traces(fig, "events"):
        for eid, opacity in zip(t.customdata, t.marker.opacity):
            assert opacity == (1.0 if eid in featured else 0.3)


def test_user_text_cannot_inject_markup_into_hover(ds):
    events = ds.events.copy()
    events.loc["raqqa-falls-to-sdf", "title"] = "<b onmouseover=x>bold</b>"
    fig = timeline_figure(ds.with_events(events), events, ViewState())
    hover = next(h for t in traces(fig, "events") for h in t.hovertext if "onmouseover" in h)
    assert "&lt;b onmouseover=x&gt;" in hover
