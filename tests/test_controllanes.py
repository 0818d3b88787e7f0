"""The control lanes' bars (dashboard/controllanes.py): merged where they look the same, the same pixels.

A lane draws each holding of a place as a bar; contiguous holdings that look
the same (state, holder, staleness) are one bar. What is drawn must not
change: every lane covers the same days in the same style (colour, dash,
opacity) as one bar per holding did, on hand-made holdings, on random claims
and on the bundled file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from conflictmap.control import Claim, Place, PlaceControl, build_model, model_for
from conflictmap.pipeline import load_dataset
from dashboard.controllanes import (
    LANE_CLICK,
    _lane_histories,
    _style,
    add_control_lanes,
    clicked_lane_event,
)

ROOT = Path(__file__).resolve().parent.parent
D = dt.date.fromisoformat
DAY = dt.timedelta(days=1)
TOWN = Place("town:x", "X", "town", 35.0, 40.0, True)
OTHER_TOWN = Place("town:y", "Y", "town", 36.0, 41.0, True)
COLOURS = {"a": "#111111", "b": "#222222", "c": "#111111"}  # a and c share a colour
NAMES = {"a": "Side A", "b": "Side B", "c": "Side C"}
START = D("2019-01-01")


def lanes_figure() -> dict:
    """The timeline's lanes figure as add_control_lanes receives it: a y axis with ticks, a range, data."""
    layout = {"height": 100, "yaxis": {"tickvals": [13], "ticktext": ["lane"], "range": [100, 0]}}
    return {"data": [{"type": "scatter", "meta": "hovered", "x": [], "y": []}], "layout": layout}


def drawn(figure: dict) -> tuple[set[tuple], list[tuple]]:
    """What the lanes draw: every (lane, day, style) covered, and each bar (lane, first day, end, style,
    its hover as the page shows it, what a click on it gives)."""
    covered, bars, days = set(), [], set()
    points = []  # the hover points: (lane, middle, colour, words, click)
    for trace in figure["data"]:
        if trace.get("meta") != "control-lane":
            continue
        x, y = trace["x"], trace["y"]
        if trace["mode"] == "none":  # the hover and click points (not drawn)
            assert "marker" not in trace  # nothing drawn: seen only as a hover
            for i, middle in enumerate(x):
                click = trace["customdata"][i]
                words = trace["hovertemplate"].replace("<extra></extra>", "")
                words = words.replace("%{text}", trace["text"][i]).replace("%{hovertext}", trace["hovertext"][i])
                words = words.replace("%{customdata[1]}", click[1] if click else "")
                points.append((y[i], dt.datetime.fromisoformat(middle), trace["hoverlabel"]["bgcolor"], words, click))
            continue
        assert trace["hoverinfo"] == "skip"  # the hover is the point's
        style = (trace["line"]["color"], trace["line"]["dash"], trace["opacity"])
        for i in range(0, len(x), 3):
            assert x[i + 2] is None and y[i + 2] is None  # bars are apart
            first, end = D(x[i]), D(x[i + 1])
            bars.append([y[i], first, end, style])
            day = first
            while day < end:
                assert (y[i], day) not in days, "two bars on one day"
                days.add((y[i], day))
                covered.add((y[i], day, style))
                day += DAY
    for bar in bars:  # each bar has its hover point mid-bar, in its colour
        lane, first, end, style = bar
        mine = [
            p
            for p in points
            if p[0] == lane and dt.datetime.combine(first, dt.time()) <= p[1] < dt.datetime.combine(end, dt.time())
        ]
        assert len(mine) == 1 and mine[0][2] == style[0]
        middle = dt.datetime.combine(first, dt.time()) + (end - first) / 2
        assert mine[0][1] == middle
        bar += [mine[0][3], mine[0][4]]
    assert len(points) == len(bars)
    return covered, [tuple(b) for b in bars]


def one_bar_per_holding(model, as_of: dt.date, start: dt.date = START) -> set[tuple]:
    """What the lanes drew before bars were merged: each holding of a drawn place a bar of its own style
    (from the axis' ``start`` for a holding with no known start; none that ended before ``start``)."""
    places, _ = _lane_histories(model, as_of)
    top = float(lanes_figure()["layout"]["yaxis"]["range"][0])  # the lanes start below the timeline's
    covered = set()
    for k, rows in enumerate(places):
        y = top + 26 * k + 13
        for s in rows:
            first = s.since or start
            end = min(s.until + DAY, as_of + DAY) if s.until else as_of + DAY
            if end <= start:
                continue
            style = _style(s, COLOURS)
            day = first
            while day < end:
                covered.add((y, day, style))
                day += DAY
    return covered


def lanes(model, as_of: dt.date, event_ids=frozenset(), start: dt.date = START) -> dict:
    return add_control_lanes(lanes_figure(), model, as_of, COLOURS, NAMES, [start, as_of], event_ids)


def change(cid, start, gainer, loser, end=None, precision="day", result="held", place=TOWN):
    return Claim(cid, "change", place, D(start), D(end or start), precision, result, gainer, loser)


def test_contiguous_holdings_that_look_the_same_are_one_bar_that_counts_its_reports():
    # Two changes dated to spans, both from A to B, back to back: changing A -> B twice, then B holds it.
    claims = [
        change("e1", "2019-03-01", "a", "c"),
        change("e2", "2019-03-10", "b", "a", end="2019-03-14", precision="range"),
        change("e3", "2019-03-15", "b", "a", end="2019-03-17", precision="range"),
    ]
    model = build_model(claims)
    figure = lanes(model, D("2019-04-01"), frozenset({"e2", "e3"}))
    covered, bars = drawn(figure)
    assert covered == one_bar_per_holding(model, D("2019-04-01"))
    changing = [b for b in bars if b[3][1] == "dot"]
    assert len(changing) == 1  # the two windows, one bar
    _, first, end, _, hover, click = changing[0]
    assert (first, end) == (D("2019-03-10"), D("2019-03-18"))
    assert "changing: Side A → Side B (10 Mar 2019 – 17 Mar 2019)" in hover and "e2, e3" in hover
    assert click == [LANE_CLICK, "e2"]  # the first report it rests on
    # C held it before the first change, A from 1 March: the same colour, other holders: two bars.
    solid = sorted(b[1:3] for b in bars if b[3] == ("#111111", "solid", 0.85))
    assert solid == [(START, D("2019-03-01")), (D("2019-03-01"), D("2019-03-10"))]


def test_a_bar_resting_on_many_reports_names_a_few_and_counts_the_rest():
    # Five reports that A holds the town: one holding, one bar.
    claims = [
        Claim(
            f"r{k}", "assertion", TOWN, D("2019-01-01") + k * DAY, D("2019-01-01") + k * DAY, "day", "held", "a", None
        )
        for k in range(5)
    ]
    _, bars = drawn(lanes(build_model(claims), D("2019-01-05"), frozenset({"r1"})))
    assert len(bars) == 1
    assert bars[0][4] == "X: Side A (01 Jan 2019) · 5 reports: r0, r1, r2 and 2 more"
    assert clicked_lane_event({"points": [{"customdata": bars[0][5]}]}) == "r1"  # the first that is an event


@st.composite
def claims_strategy(draw):
    claims = []
    for k in range(draw(st.integers(1, 12))):
        start = START + dt.timedelta(days=draw(st.integers(0, 200)))
        precision = draw(st.sampled_from(["day", "day", "range", "reported"]))
        end = start + dt.timedelta(days=draw(st.integers(1, 9))) if precision == "range" else start
        result = draw(st.sampled_from(["held", "held", "held", "contested", "withdrawn"]))
        gainer, loser = draw(st.sampled_from("abc")), draw(st.sampled_from(["a", "b", "c", None]))
        claims.append(Claim(f"e{k}", "change", TOWN, start, end, precision, result, gainer, loser))
    return claims


#: Found by hypothesis: two "withdrawn" reports a day apart leave the town unknown twice, drawn and
#: worded alike ("X: unknown", grey), so one bar.
TWICE_UNKNOWN = [
    Claim(f"e{k}", "change", TOWN, D("2019-01-01") + k * DAY, D("2019-01-01") + k * DAY, "day", "withdrawn", "a", "a")
    for k in range(2)
]


@settings(max_examples=150, deadline=None)
@given(claims_strategy(), st.integers(0, 220))
@example(TWICE_UNKNOWN, 92)
def test_merged_bars_cover_the_same_days_in_the_same_styles(claims, day):
    model = build_model(claims)
    as_of = START + dt.timedelta(days=day)
    figure = lanes(model, as_of)
    covered, bars = drawn(figure)
    assert covered == one_bar_per_holding(model, as_of)
    # Bars that touch in the same style are different holdings (A and C share a colour): never merged.
    for left, right in zip(sorted(bars), sorted(bars)[1:]):
        if left[0] == right[0] and left[2] == right[1] and left[3] == right[3]:
            assert left[4].split(" (")[0] != right[4].split(" (")[0]


def test_the_bundled_lanes_draw_what_one_bar_per_holding_drew():
    dataset = load_dataset(ROOT / "events.yaml")
    model = model_for(dataset)
    for as_of in (D("2017-10-19"), D("2017-10-26")):
        for start in (D("2017-01-01"), D("2017-10-15")):  # the whole period's axis, and a window's
            figure = lanes(model, as_of, frozenset(dataset.events.index), start=start)
            covered, _ = drawn(figure)
            assert covered and covered == one_bar_per_holding(model, as_of, start)


def test_a_bar_that_ended_before_the_axis_starts_is_not_drawn_and_one_across_it_is():
    claims = [change("e1", "2019-03-01", "a", "c"), change("e2", "2019-06-01", "b", "a")]
    model = build_model(claims)
    _, whole = drawn(lanes(model, D("2019-09-01"), frozenset({"e1", "e2"}), start=D("2019-01-01")))
    _, window = drawn(lanes(model, D("2019-09-01"), frozenset({"e1", "e2"}), start=D("2019-07-01")))
    assert [b for b in whole if b[2] > D("2019-07-01")] == window  # the same bars, words and clicks
    assert len(window) < len(whole)


def test_holdings_with_days_between_them_stay_apart():
    from dashboard.controllanes import _runs

    def held(since, until):
        return PlaceControl(TOWN, "held", "a", None, D(since), D(until), False, ("e",))

    first, end = dt.datetime(2019, 1, 1), dt.datetime(2019, 2, 1)
    runs = [
        (len(run), x0.date(), x1.date())
        for run, x0, x1 in _runs(
            [held("2019-01-02", "2019-01-03"), held("2019-01-04", "2019-01-05"), held("2019-01-08", "2019-01-09")],
            first,
            end,
        )
    ]
    assert runs == [(2, D("2019-01-02"), D("2019-01-06")), (1, D("2019-01-08"), D("2019-01-10"))]


def test_the_first_views_lanes_are_drawn_when_the_app_starts():
    from dashboard.app import create_app
    from dashboard.controlpanel import ControlView

    dataset = load_dataset(ROOT / "events.yaml")
    create_app(dataset=dataset)
    model = ControlView.of(dataset).model
    assert ("lanes", D("2017-10-26")) in model._memo  # the last event's day: the first view's as-of date
    assert any(key[0] == "bars" and key[1] == D("2017-10-26") for key in model._memo)


def test_the_bars_kept_for_a_date_are_placed_under_each_figures_own_lanes():
    """The bars are kept per as-of date and written into each figure at its own height: a view with more
    event lanes above puts the same bars lower, and the first figure's bars are not moved by the second."""
    claims = [change("e1", "2019-03-01", "a", "c"), change("e2", "2019-06-01", "b", "a", place=OTHER_TOWN)]
    model = build_model(claims)
    as_of = D("2019-07-01")
    first = lanes(model, as_of)
    deeper = lanes_figure()
    deeper["layout"]["yaxis"]["range"] = [160, 0]  # 60 px more of event lanes above the control lanes
    second = add_control_lanes(deeper, model, as_of, COLOURS, NAMES, [START, as_of], frozenset())
    again = lanes(model, as_of)
    fresh = lanes(build_model(claims), as_of)  # nothing kept: the reference

    def control(figure):
        return [t for t in figure["data"] if t.get("meta") == "control-lane"]

    assert control(first) == control(again) == control(fresh)
    for one, other in zip(control(first), control(second), strict=True):
        assert one["x"] == other["x"]
        assert [y if y is None else y + 60 for y in one["y"]] == other["y"]
