"""The callbacks' logic as plain functions of the app's context and the callback's arguments: no server, no
browser. Each test calls what one callback calls (``dashboard/callbacks/``) with what Dash would pass."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from dash import Patch, no_update

from conflictmap.briefing import briefing_files, load_briefing
from conflictmap.pipeline import load_dataset
from conflictmap.places import event_place_keys
from conflictmap.view import ViewState
from dashboard.callbacks import briefing, details, downloads, event_list, places, url, views
from dashboard.callbacks.context import AppContext, presented_for
from dashboard.callbacks.downloads import export_download
from dashboard.controlpanel import ControlView
from dashboard.detail import MORE_BUTTON, TEXT_LIMIT

ROOT = Path(__file__).resolve().parent.parent
BRIEFING = "/briefing/deir-ez-zor-october-2017"
NO_CONTROLS = {name: None for name in url.CONTROLS}


@pytest.fixture(scope="module")
def context() -> AppContext:
    dataset = load_dataset(ROOT / "events.yaml")
    briefings = {path.stem: load_briefing(path, dataset) for path in briefing_files(ROOT / "events.yaml")}
    return AppContext(
        dataset=dataset,
        briefings=briefings,
        place_keys=event_place_keys(dataset),
        style_url="/map/style.json",
        control=ControlView.of(dataset),
    )


def as_json(value) -> str:
    return json.dumps(value, default=lambda c: c.to_plotly_json(), ensure_ascii=False)


# The URL and the controls


def test_a_new_url_sets_the_controls_and_leaves_the_url(context):
    out = url.next_url(context, "url", "?faction=sdf&from=2017-10-01&q=oil&lanes=side", "/", NO_CONTROLS)
    assert out == (no_update, ["sdf"], [], [], "2017-10-01", None, "oil", "side")


def test_a_control_becomes_the_url_and_keeps_the_selection(context):
    controls = {**NO_CONTROLS, "faction-filter": ["sdf", "ghosts"], "search": " oil ", "lane-mode": "faction"}
    out = url.next_url(context, "faction-filter", "?event=raqqa-falls-to-sdf", "/", controls)
    assert out[0].startswith("?")
    assert set(out[0][1:].split("&")) == {"faction=sdf", "q=oil", "event=raqqa-falls-to-sdf"}
    assert out[1:] == (["sdf"], [], [], None, None, "oil", "faction")


def test_a_brush_on_the_strip_sets_the_date_window(context):
    brush = {"range": {"x": ["2017-10-10 00:00", "2017-10-20 12:00"]}}
    out = url.next_url(context, "timeline-strip", "", "/", NO_CONTROLS, strip_brush=brush)
    assert (out[4], out[5]) == ("2017-10-10", "2017-10-20")
    assert "from=2017-10-10" in out[0] and "to=2017-10-20" in out[0]


def test_in_a_briefing_the_step_buttons_step_and_a_filter_keeps_the_step(context):
    stepped = url.next_url(context, "next-step", "?step=2", BRIEFING, NO_CONTROLS)
    assert "step=3" in stepped[0]
    filtered = url.next_url(context, "type-filter", "?step=2", BRIEFING, {**NO_CONTROLS, "lane-mode": "faction"})
    assert "step=2" in filtered[0]
    outside = url.next_url(context, "next-step", "?step=2", "/", NO_CONTROLS)  # no briefing: the button is inert
    assert "step=3" not in outside[0]


def test_play_outside_a_briefing_grows_the_window_from_the_first_day(context):
    first = context.dataset.events["date_start"].min().date()
    out = url.next_url(context, "play-timer", "", "/", NO_CONTROLS)
    assert (out[4], out[5]) == (first.isoformat(), first.isoformat())


# What a URL presents


def test_presented_names_an_unknown_briefing_and_clamps_the_step(context):
    unknown = presented_for(context, "", "/briefing/nope")
    assert unknown.root == "app" and any("No briefing named 'nope'" in n for n in unknown.notices)
    clamped = presented_for(context, "?step=99", BRIEFING)
    assert clamped.root == "app briefing" and clamped.parts[0].startswith("Step 6 of 6")
    assert any("showing step 6" in n for n in clamped.notices)
    assert clamped.featured == ("russia-accuses-us-over-raqqa-bombing", "us-accuses-regime-over-raqqa")


# The views


def test_the_first_render_sends_a_whole_map_and_later_ones_a_patch(context):
    first = views.rendered_views(context, "?faction=sdf", "/", None, None, None, None)
    assert len(first) == 12
    map_figure, lanes, strip, count, notices, root, counter, heading, text, frame, info, page = first
    assert isinstance(map_figure, dict) and map_figure["layout"]["map"]["style"] == "/map/style.json"
    assert isinstance(lanes, dict) and isinstance(strip, dict)
    assert f"of {len(context.dataset.events):,} events" in as_json(count)
    assert (notices, root, counter, heading, text, page) == ([], "app", "", "", "", 1)
    assert frame["token"] == "explore" and frame["bounds"] is not None
    assert info["count"] == len(info["placeKeys"]) and not info["aggregated"]
    drawn = views.rendered_views(context, "?faction=sdf", "/", {"zoom": 7}, None, 1, None)
    assert isinstance(drawn[0], Patch)
    assert "center" not in as_json(drawn[0].to_plotly_json())  # the analyst's camera is never sent back


def test_a_step_whose_events_have_no_place_puts_the_timeline_on_stage(context):
    out = views.rendered_views(context, "?step=6", BRIEFING, None, None, None, None)
    assert out[5] == "app briefing timeline-stage"
    assert out[6] == "Step 6 of 6 · " + context.briefings["deir-ez-zor-october-2017"].title
    assert out[9]["token"] == f"{BRIEFING}#6"


def test_the_count_line_says_what_has_no_place(context):
    visible = context.dataset.events
    line = as_json(views.count_line(context, ViewState(), visible))
    unplaced = int(visible["map_lat"].isna().sum())
    assert unplaced and f"({unplaced:,} with no place: timeline only)" in line


def test_markers_wait_for_the_first_map_and_keep_only_shown_selected_events(context):
    assert views.marker_patch(context, {"zoom": 8}, None, None, "", "/", None) is no_update
    patch = views.marker_patch(context, {"zoom": 8}, ["raqqa-falls-to-sdf"], None, "", "/", 1)
    assert isinstance(patch, Patch)
    visible = context.dataset.events
    assert views.highlighted_ids(visible, ["raqqa-falls-to-sdf", "ghost"]) == ("raqqa-falls-to-sdf",)
    assert views.view_zoom(None) == views.DEFAULT_ZOOM and views.view_zoom({"zoom": 8.5}) == 8.5


def test_a_camera_the_markers_on_the_page_already_cover_costs_no_layout(context, monkeypatch):
    """The page says when its markers serve the new camera (conflictmap.js markersCover): a move alone is
    then answered with nothing; a box selection or the control toggle is drawn whatever the camera says."""
    covered = {"zoom": 8, "bounds": [38, 35, 40, 36], "covered": True}
    assert views.marker_patch(context, covered, None, None, "", "/", 1, camera_moved=True) is no_update
    assert isinstance(views.marker_patch(context, covered, None, None, "", "/", 1, camera_moved=False), Patch)
    assert isinstance(views.marker_patch(context, {**covered, "covered": False}, None, None, "", "/", 1), Patch)
    # A view past the marker limit is laid out for the viewport and a margin, and says so for the page.
    monkeypatch.setattr(views, "MAX_MARKERS", 3)
    visible = context.dataset.events
    meta = views.map_patch(context, visible, (), 8, (), None, [38, 35, 40, 36]).to_plotly_json()
    assert json.dumps([38, 35, 40, 36]) not in json.dumps(meta)
    assert "[37.0, 34.5, 41.0, 36.5]" in json.dumps(meta), meta
    small = views.map_patch(context, visible.head(2), (), 8, (), None, [38, 35, 40, 36]).to_plotly_json()
    assert "markersBounds" not in json.dumps(small)  # every event of the view: any camera at this zoom


def test_a_map_selection_is_drawn_brighter_on_the_lanes(context):
    plain = views.highlighted_lanes(context, None, "", "/")
    boxed = views.highlighted_lanes(context, ["raqqa-falls-to-sdf"], "", "/")
    assert as_json(plain) != as_json(boxed)


# The event list


def test_the_list_pages_through_the_events_in_time_order(context, monkeypatch):
    monkeypatch.setattr(event_list, "LIST_PAGE", 4)
    total = len(context.dataset.events)
    rows, more = event_list.list_page(context, None, "", "/")
    assert len(rows) == 4
    assert more is not None and more.id == {"type": "list-more", "page": 1}
    assert more.children == f"Show 4 more (of {total:,})"
    first_ids = [row["id"] for row in rows]
    all_rows, last_more = event_list.list_page(context, 99, "", "/")
    assert last_more is None and len(all_rows) == total
    ordered = list(context.dataset.events.sort_values(["date_start"], kind="stable").index)
    assert first_ids == [row["id"] for row in all_rows[:4]]
    assert set(first_ids) <= set(ordered[:5])  # the first page is the earliest events


def test_show_more_counts_only_real_clicks():
    assert event_list.next_page([None], 1) is no_update
    assert event_list.next_page([], None) is no_update
    assert event_list.next_page([None, 1], 2) == 3


# The details panel


def test_show_more_in_the_details_lengthens_the_clicked_field_of_the_selected_event(context):
    event = "raqqa-falls-to-sdf"
    button = {"type": MORE_BUTTON, "event": event, "field": "description", "shown": TEXT_LIMIT * 2}
    assert details.longer_detail(context, [None], event, button, [button]) is no_update
    assert details.longer_detail(context, [1], "another-event", button, [button]) is no_update
    assert details.longer_detail(context, [1], event, "not-a-button", [button]) is no_update
    panel = details.longer_detail(context, [1], event, button, [button])
    assert isinstance(panel, list) and "Raqqa" in as_json(panel)


# Place search


def test_place_search_answers_with_a_target_or_says_why_not():
    target, message = places.place_target("Al Mayadeen")
    assert target is not None and abs(target["lat"] - 35.02) < 0.1 and "SY" in message
    assert places.place_target("") == (None, "")
    nowhere, why = places.place_target("Qqqzzx Nowhere")
    assert nowhere is None and "not in the offline gazetteer" in why


# Play


def test_play_toggles_on_a_press_and_stops_at_the_end_of_the_period(context):
    assert briefing.play_controls(context, "play", "", True, "/") == (False, briefing.PAUSE, briefing.PAUSE)
    assert briefing.play_controls(context, "play", "", False, "/") == (True, briefing.PLAY, briefing.PLAY_STEP)
    last = context.dataset.events["date_end"].max().date()
    assert briefing.play_controls(context, "url", f"?to={last}", False, "/")[0] is True  # reached the end
    assert briefing.play_controls(context, "url", "?to=2017-10-01", False, "/")[0] is False  # still running
    step_end = context.briefings["deir-ez-zor-october-2017"].steps[0].date_to
    assert step_end == dt.date(2017, 10, 22)
    assert briefing.play_controls(context, "url", f"?step=1&to={step_end}", False, BRIEFING)[0] is True


# Downloads


def test_a_download_of_an_unknown_format_is_refused_in_words(context):
    assert export_download(context.dataset, "exe", "") == (no_update, "Download failed: unknown format")
    assert export_download(context.dataset, None, "") == (no_update, "Download failed: unknown format")


def test_a_data_download_past_the_pages_limit_is_refused_naming_the_count_and_the_command(context, monkeypatch):
    """At a million events a CSV from the page was a 1.1 GB answer and ended with no file and no word."""
    total = len(context.dataset.events)
    monkeypatch.setattr(downloads, "PAGE_DOWNLOAD_MAX_EVENTS", total - 1)
    sent, status = export_download(context.dataset, "geojson", "")
    assert sent is no_update
    assert status.startswith(f"Download refused: this view has {total:,} events")
    assert "conflictmap export --format geojson" in status
    # A narrower view fits; the limit is on the events the view holds, not the file's.
    sent, status = export_download(context.dataset, "csv", "?to=2017-10-15")
    assert status.startswith("Ready: ") and sent["content"]
    monkeypatch.setattr(downloads, "PAGE_DOWNLOAD_MAX_EVENTS", total)  # exactly at the limit: allowed
    assert export_download(context.dataset, "kml", "")[1].startswith("Ready: ")


def test_two_first_loads_whose_map_boxes_differ_by_a_few_pixels_are_rendered_once(monkeypatch):
    """The first render is kept per link: the map's measured box counts only through the zoom it gives,
    so a page whose Key came out a few pixels wider (seen at a million events: a 365 ms render again)
    gets the answer kept; a box that gives another zoom is rendered for it."""
    from benchmarks.app_scale import body, find
    from dashboard.app import create_app

    app = create_app(ROOT / "events.yaml")
    client = app.server.test_client()
    dep = find(client.get("/_dash-dependencies").get_json(), "timeline-strip.figure")
    rendered = []
    real = views.rendered_views
    monkeypatch.setattr(views, "rendered_views", lambda *args: rendered.append(args[-1]) or real(*args))

    def first_load(width: float, left: float, height: float = 421.2) -> None:
        padding = {"top": 65.3, "bottom": 65.3, "left": left, "right": 160.6}
        values = {
            "view-key.data": "",
            "url.search": "",
            "url.pathname": "/",
            "map-drawn.data": False,
            "control-layer.value": ["on"],
            "map-box.data": {"width": width, "height": height, "padding": padding},
        }
        assert client.post("/_dash-update-component", json=body(dep, values, ["view-key.data"])).status_code == 200

    first_load(845.5, 70.3)
    first_load(845.5, 91.5)
    assert len(rendered) == 1
    first_load(1845.5, 70.3, 1021.2)  # a larger box: another zoom, another render
    assert len(rendered) == 2 and rendered[0] != rendered[1], rendered
