"""The app's control wiring without a browser: the as-of date, the panel's rows and the layer's traces."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conflictmap.view import parse_view_state
from dashboard.app import create_app
from dashboard.callbacks.context import presented
from dashboard.controllanes import LANE_CLICK
from dashboard.controlpanel import LAYER_ON, ControlView, control_table

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def app_and_view():
    app = create_app(ROOT / "events.yaml")
    from conflictmap.pipeline import load_dataset

    dataset = load_dataset(ROOT / "events.yaml")
    return app, dataset, ControlView.of(dataset)


def test_the_as_of_date_is_asof_then_the_window_end_then_the_last_event(app_and_view):
    _, dataset, view = app_and_view
    assert view.as_of(parse_view_state("", dataset)) == dt.date(2017, 10, 26)
    assert view.as_of(parse_view_state("?to=2017-10-19", dataset)) == dt.date(2017, 10, 19)
    assert view.as_of(parse_view_state("?to=2017-10-19&asof=2017-10-10", dataset)) == dt.date(2017, 10, 10)


def test_asof_round_trips_through_the_link(app_and_view):
    _, dataset, _ = app_and_view
    state = parse_view_state("?asof=2017-10-19&faction=sdf", dataset)
    assert "asof=2017-10-19" in state.to_query()
    assert parse_view_state("?" + state.to_query(), dataset) == state
    bad = parse_view_state("?asof=19-10-2017", dataset)
    assert bad.as_of is None and any("asof" in n for n in bad.notices)


def test_in_presenter_mode_the_date_is_the_steps(app_and_view):
    _app, dataset, view = app_and_view
    briefings = {}
    from conflictmap.briefing import briefing_files, load_briefing

    for path in briefing_files(ROOT / "events.yaml"):
        briefings[path.stem] = load_briefing(path, dataset)
    state = presented(dataset, briefings, "?step=1", "/briefing/deir-ez-zor-october-2017")[0]
    day, states = view.states(state)
    assert day == dt.date(2017, 10, 22)  # step 1's `to`
    raqqa = next(s for s in states if s.place.name == "Raqqa")
    assert (raqqa.state, raqqa.holder) == ("changing", "sdf")


def test_the_table_has_one_row_per_place_and_links_to_the_evidence(app_and_view):
    _, dataset, view = app_and_view
    state = parse_view_state("?to=2017-10-26&faction=sdf", dataset)
    day, states = view.states(state)
    table = control_table(view, day, states, state, "?to=2017-10-26&faction=sdf", "/")
    body = table["rows"]
    assert len(body) == len(states)
    raqqa = next(tr for tr in body if tr["place"] == "Raqqa")
    assert "control-highlight" in raqqa["className"]  # the faction filter highlights, never hides
    assert raqqa["evidence"][0] == {
        "id": "raqqa-falls-to-sdf",
        "href": "/?to=2017-10-26&faction=sdf&event=raqqa-falls-to-sdf",
        "quote": None,
    }
    assertion_row = next(tr for tr in body if any(e["id"] == "daesh-holds-deir-ez-zor" for e in tr["evidence"]))
    (assertion,) = [e for e in assertion_row["evidence"] if e["id"] == "daesh-holds-deir-ez-zor"]
    assert assertion["href"] is None and "Daesh-held Deir Ez-Zor" in assertion["quote"]  # its quote, in the row
    assert assertion_row["region"] is True  # a governorate: listed, not painted


def test_the_layer_paints_held_places_only_and_is_off_when_toggled(app_and_view):
    _, dataset, view = app_and_view
    state = parse_view_state("?to=2017-10-26", dataset)
    traces = view.map_traces(state, [LAYER_ON])
    rings = traces[0]
    assert rings["meta"] == "control" and len(rings["lat"]) == 3  # Raqqa, Al-Omar, Mekhan; not the governorate
    assert view.map_traces(state, []) == []
    early = view.map_traces(parse_view_state("?to=2017-10-10", dataset), [LAYER_ON])
    assert len(early[0]["lat"]) == 1 and early[0]["marker"]["color"] == [dataset.factions.at["daesh", "colour"]]


def test_control_lanes_show_the_history_as_known_on_the_date(app_and_view):
    from conflictmap.view import filter_events
    from dashboard.timeline import period, timeline_figure

    _, dataset, view = app_and_view

    def lanes(query):
        state = parse_view_state(query, dataset)
        figure = timeline_figure(dataset, filter_events(dataset, state), state, x_range=period(dataset))
        out = view.with_lanes(figure, state, period(dataset))
        bars = [t for t in out["data"] if t.get("meta") == "control-lane" and t["mode"] == "lines"]
        return out, bars

    out, bars = lanes("?to=2017-10-19")
    assert out["layout"]["yaxis"]["ticktext"][-1] == "Raqqa"  # only Raqqa has a known holder by then
    dotted = [t for t in bars if t["line"]["dash"] == "dot"]
    start, end = dotted[0]["x"][:2]
    assert (start[:10], end[:10]) == ("2017-10-16", "2017-10-20")  # changing, as known on the 19th
    assert max(x for t in bars for x in t["x"] if x)[:10] == "2017-10-20"  # nothing drawn after the date
    # Its hover and click: a point mid-bar, not drawn, its label in the bar's colour, that selects the change.
    points = [t for t in out["data"] if t.get("meta") == "control-lane" and t["mode"] == "none"]
    changing = next(t for t in points if "changing" in t["hovertemplate"])
    assert changing["x"] == ["2017-10-18"] and changing["hoverlabel"]["bgcolor"] == dotted[0]["line"]["color"]
    assert changing["customdata"] == [[LANE_CLICK, "raqqa-falls-to-sdf"]]
    out, bars = lanes("?to=2017-10-26")
    assert out["layout"]["yaxis"]["ticktext"][-3:] == ["Raqqa", "Al-Omar oil field", "Mekhan"]
    sdf = dataset.factions.at["sdf", "colour"]
    assert any(t["line"] == {"width": 10, "color": sdf, "dash": "solid"} for t in bars)
    assert out["data"][-1]["meta"] == "hovered"  # the rings stay on top


def test_the_strip_marks_the_as_of_date(app_and_view):
    from conflictmap.view import filter_events
    from dashboard.timeline import period, strip_figure

    _, dataset, view = app_and_view
    state = parse_view_state("?to=2017-10-19", dataset)
    strip = view.with_as_of(strip_figure(dataset, filter_events(dataset, state), state, x_range=period(dataset)), state)
    mark = [s for s in strip["layout"]["shapes"] if s.get("name") == "control-as-of"]
    assert mark and mark[0]["x0"] == "2017-10-19T12:00:00"


def test_a_click_on_a_lane_names_its_event_and_nothing_else():
    from dashboard.controllanes import clicked_lane_event

    assert clicked_lane_event({"points": [{"customdata": [LANE_CLICK, "raqqa-falls-to-sdf"]}]}) == (
        "raqqa-falls-to-sdf"
    )
    assert clicked_lane_event({"points": [{"customdata": [False, "raqqa-falls-to-sdf"]}]}) is None
    assert clicked_lane_event({"points": [{"customdata": "raqqa-falls-to-sdf"}]}) is None  # an event mark
    assert clicked_lane_event(None) is None


def test_a_store_with_thousands_of_places_shows_the_latest_changes(app_and_view):
    from conflictmap.control import Place, PlaceControl
    from dashboard.controlpanel import MAX_ROWS

    _, dataset, view = app_and_view
    states = [
        PlaceControl(
            Place(f"k{i}", f"Place {i:04d}", "town", 35.0, 40.0, True),
            "held",
            "sdf",
            None,
            dt.date(2017, 1, 1) + dt.timedelta(days=i),
            None,
            False,
            (f"e{i}",),
        )
        for i in range(MAX_ROWS + 50)
    ]
    state = parse_view_state("", dataset)
    table = control_table(view, dt.date(2018, 1, 1), states, state, "", "/")
    body = table["rows"]
    assert len(body) == MAX_ROWS
    assert body[0]["place"] == "Place 0050"  # the 50 oldest changes left out, the rest by name
    assert f"of {MAX_ROWS + 50:,} places" in table["caption"]
