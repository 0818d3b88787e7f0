"""The app's state transitions as plain functions (no browser)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conflictmap.briefing import briefing_path, load_briefing
from conflictmap.pipeline import load_dataset
from conflictmap.view import ViewState, events_in_time_order
from dashboard.actions import (
    apply_action,
    briefing_action,
    brushed_dates,
    clicked_event_id,
    current_step,
    play_tick,
    presented_state,
    selected_event_ids,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ds():
    return load_dataset(ROOT / "events.yaml")


@pytest.fixture(scope="module")
def briefing(ds):
    return load_briefing(briefing_path("deir-ez-zor-october-2017", ROOT / "events.yaml"), ds)


def controls(**over):
    base = {
        "faction-filter": [],
        "side-filter": [],
        "type-filter": [],
        "start": None,
        "end": None,
        "search": "",
        "lane-mode": "faction",
        "map": None,
        "timeline": None,
        "timeline-selection": None,
    }
    base.update(over)
    return base


def test_clicks_select_the_event_and_keep_filters(ds):
    state = ViewState(factions=("sdf",))
    click = {"points": [{"customdata": "raqqa-falls-to-sdf"}]}
    new = apply_action(ds, state, "timeline", controls(timeline=click))
    assert new == ViewState(factions=("sdf",), event="raqqa-falls-to-sdf")
    movement_click = {"points": [{"customdata": ["push-south-towards-boukamal", "push-south-towards-boukamal"]}]}
    assert clicked_event_id(movement_click) == "push-south-towards-boukamal"
    assert apply_action(ds, state, "map", controls(map={"points": [{"lat": 1}]})) == state  # a cluster badge


def test_control_changes_keep_only_known_values(ds):
    new = apply_action(
        ds,
        ViewState(event="raqqa-falls-to-sdf"),
        "faction-filter",
        controls(**{"faction-filter": ["sdf", "ghosts"], "start": "2017-10-20T00:00:00", "search": " oil "}),
    )
    assert new.factions == ("sdf",) and new.date_from == dt.date(2017, 10, 20) and new.query == "oil"
    assert new.event == "raqqa-falls-to-sdf"


def test_clear_all_clears_filters_and_the_selection_but_keeps_lanes(ds):
    state = ViewState(factions=("sdf",), query="x", event="raqqa-falls-to-sdf", lanes="side")
    assert apply_action(ds, state, "clear-all", controls()) == ViewState(lanes="side")


def test_prev_next_walk_the_visible_events_in_time(ds):
    order = events_in_time_order(ds.events)
    state = ViewState()
    state = apply_action(ds, state, "next-event", controls())
    assert state.event == order[0]
    state = apply_action(ds, state, "next-event", controls())
    assert state.event == order[1]
    state = apply_action(ds, state.replace(event=order[-1]), "next-event", controls())
    assert state.event == order[-1]  # stops at the end


def test_brushed_dates_cover_the_days_touched():
    sel = {"range": {"x": ["2017-10-20 06:00:00", "2017-10-23 18:00"]}}
    assert brushed_dates(sel) == (dt.date(2017, 10, 20), dt.date(2017, 10, 23))
    assert brushed_dates({"range": {"x": ["2017-10-20", "2017-10-22"]}}) == (
        dt.date(2017, 10, 20),
        dt.date(2017, 10, 21),
    )
    assert brushed_dates(None) is None and brushed_dates({"points": []}) is None


def test_selected_ids_ignore_non_event_points():
    sel = {"points": [{"customdata": "a"}, {"customdata": None}, {"lat": 3}, {"customdata": "a"}, {"customdata": "b"}]}
    assert selected_event_ids(sel) == ["a", "b"]


def test_play_grows_the_window_a_day_at_a_time(ds):
    first = ds.events["date_start"].min().date()
    state = play_tick(ds, ViewState())
    assert (state.date_from, state.date_to) == (first, first)
    state = play_tick(ds, state)
    assert state.date_to == first + dt.timedelta(days=1)


def test_briefing_steps_clamp_and_step_state(ds, briefing):
    n = len(briefing.steps)
    assert briefing_action(ds, briefing, ViewState(step=n), "next-step").step == n
    assert briefing_action(ds, briefing, ViewState(step=1), "prev-step").step == 1
    assert briefing_action(ds, briefing, ViewState(step=2), "last-step").step == n
    number, _step = current_step(briefing, ViewState(step=99))
    assert number == n
    shown = presented_state(briefing.steps[2], ViewState(step=3))
    assert (shown.date_from, shown.date_to) == (briefing.steps[2].date_from, briefing.steps[2].date_to)
    assert shown.event == briefing.steps[2].events[0]


def test_briefing_validation_reports_unknown_ids_with_lines(ds, tmp_path):
    from conflictmap.errors import EventsFileError

    bad = tmp_path / "briefings" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text(
        "title: T\nsteps:\n  - heading: H\n    text: t\n    events: [raqqa-falls-to-sdf, no-such-event]\n"
        "    factions: [nobody]\n    from: 2017-10-30\n    to: 2017-10-01\n",
        encoding="utf-8",
    )
    with pytest.raises(EventsFileError) as err:
        load_briefing(bad, ds)
    text = str(err.value)
    assert f"{bad}:5: steps[0].events[1]: unknown event id 'no-such-event'" in text
    assert f"{bad}:6: steps[0].factions[0]: unknown faction id 'nobody'" in text
    assert "'to' 2017-10-01 is before 'from' 2017-10-30" in text


def test_play_in_a_briefing_stops_at_the_end_of_the_step(ds, briefing):
    from dashboard.actions import play_finished

    step = briefing.steps[0]
    state = ViewState(step=1)
    for _ in range((step.date_to - step.date_from).days + 1):
        state = briefing_action(ds, briefing, state, "play-timer")
    assert state.date_to == step.date_to and play_finished(ds, briefing, state)
    assert not play_finished(ds, briefing, ViewState(step=1, date_to=step.date_from))


def test_step_view_sets_the_camera_and_fit_leaves_it_to_the_events(briefing):
    from conflictmap.briefing import MapView
    from dashboard.actions import step_camera

    step = briefing.steps[0]
    placed = step.__class__(**{**step.__dict__, "view": MapView(False, 35.0, 40.0, 9.0)})
    assert step_camera(placed) == {"lat": 35.0, "lon": 40.0, "zoom": 9.0}
    fitted = step.__class__(**{**step.__dict__, "view": MapView(True)})
    assert step_camera(fitted) is None
