"""The controls half of issue 15, without a browser: what the modebars offer, the timeline's axis,
events kept only as "affected", and what downloads are called and say about themselves.

Expected values are computed from the events file and the pipeline, never typed in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from dash import dcc

from conflictmap.describe import download_name, slug, view_description, window_text
from conflictmap.pipeline import load_dataset
from conflictmap.view import ViewState, filter_events, parse_view_state, passive_only
from dashboard.app import create_app
from dashboard.callbacks.downloads import export_download
from dashboard.eventlist import event_rows, passive_note
from dashboard.plotconfig import OUTBOUND_BUTTONS, graph_config
from dashboard.timeline import MIN_AXIS, axis_range, bin_width, period, strip_figure, timeline_figure

ROOT = Path(__file__).resolve().parent.parent
DATASET = load_dataset(ROOT / "events.yaml")
SAFE_NAME = re.compile(r"^[a-z0-9_-]+\.[a-z0-9]+$")


# ---------------------------------------------------------------- nothing leaves the machine


def _graphs(component):
    """Every dcc.Graph in a Dash layout tree."""
    if isinstance(component, dcc.Graph):
        yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _graphs(child)


def assert_offline_config(config: dict) -> None:
    assert config.get("showSendToCloud") is False and config.get("showEditInChartStudio") is False
    assert config.get("plotlyServerURL") == "" and config.get("displaylogo") is False
    if config.get("displayModeBar") is False:
        return
    # An explicit list: plotly builds the bar from it alone, so no default button can appear.
    buttons = [b for group in config["modeBarButtons"] for b in group]
    assert buttons and not set(buttons) & set(OUTBOUND_BUTTONS), buttons


def test_every_graph_in_the_app_has_no_outbound_button():
    app = create_app(dataset=DATASET)
    graphs = list(_graphs(app.layout))
    assert {g.id for g in graphs} == {"map", "timeline", "timeline-strip"}
    for graph in graphs:
        assert_offline_config(graph.config)


def test_html_export_config_has_no_outbound_button(tmp_path):
    """Parse the exported file: the data block's configs, and every plot call in the page script uses one."""
    from dashboard.exports import export

    out = tmp_path / "page.html"
    export(DATASET, "html", out)
    text = out.read_text(encoding="utf-8")
    block = re.search(r'<script[^>]*id="conflictmap-data"[^>]*>(.*?)</script>', text, re.S)
    assert block, "no data block in the page"
    data = json.loads(block.group(1))
    assert set(data["plotConfig"]) == {"map", "timeline"}
    for config in data["plotConfig"].values():
        assert_offline_config(config)
    page_script = (ROOT / "dashboard/exports/page/page.js").read_text(encoding="utf-8")
    calls = re.findall(r"Plotly\.(?:react|newPlot)\(([^;]*?)\)", page_script)
    assert calls and all(re.search(r",\s*CONFIG\.(map|timeline)\s*$", c) for c in calls), calls
    assert "showSendToCloud" not in page_script.replace("CONFIG", "")


def test_a_config_with_an_outbound_button_is_refused():
    with pytest.raises(ValueError):
        graph_config(("pan2d", "sendChartToCloud"))


# ---------------------------------------------------------------- the timeline's axis


def long_dataset(years: int = 4):
    """The bundled events copied across ``years`` years (a month apart), as a long import would be."""
    copies = []
    for k in range(years * 12):
        shift = pd.DateOffset(months=k)
        ev = DATASET.events.copy()
        ev.index = [f"{eid}-{k}" for eid in ev.index]
        ev["date_start"] = ev["date_start"] + shift
        ev["date_end"] = ev["date_end"] + shift
        copies.append(ev)
    events = pd.concat(copies)
    events.index.name = DATASET.events.index.name
    return dataclasses.replace(DATASET, events=events)


def test_axis_follows_a_one_month_window_on_a_long_dataset():
    long = long_dataset()
    first, last = period(long)
    assert (last - first).days > 3 * 365
    window = ViewState(date_from=dt.date(2019, 3, 1), date_to=dt.date(2019, 3, 31))
    lo, hi = axis_range(long, window)
    assert lo < pd.Timestamp("2019-03-01") and hi > pd.Timestamp("2019-04-01")  # the whole window, edges in view
    assert (hi - lo).days <= 31 * 1.4  # and little more: the month fills the axis
    strip = strip_figure(long, filter_events(long, window), window, x_range=(lo, hi))
    shown = [pd.Timestamp(x) for x in strip["layout"]["xaxis"]["range"]]
    assert shown == [lo, hi]
    assert bin_width((lo, hi))[0] == "D"  # a month is drawn day by day, not as one monthly bar


def test_axis_without_a_window_is_the_whole_period_and_open_windows_run_to_its_end():
    first, last = period(DATASET)
    assert axis_range(DATASET, ViewState()) == (first, last)
    lo, hi = axis_range(DATASET, ViewState(date_from=dt.date(2017, 10, 20)))
    assert lo < pd.Timestamp("2017-10-20") and hi >= last and hi - lo >= MIN_AXIS
    lo, hi = axis_range(DATASET, ViewState(date_to=dt.date(2017, 10, 20)))
    assert lo == first and pd.Timestamp("2017-10-21") < hi < last


def test_a_single_day_keeps_two_weeks_of_context_around_it():
    lo, hi = axis_range(DATASET, ViewState(date_from=dt.date(2017, 10, 24), date_to=dt.date(2017, 10, 24)))
    assert hi - lo == MIN_AXIS
    assert lo + (hi - lo) / 2 == pd.Timestamp("2017-10-24 12:00")  # the day in the middle


def test_a_window_outside_the_period_is_shown_where_it_is():
    lo, hi = axis_range(DATASET, ViewState(date_from=dt.date(2019, 1, 1), date_to=dt.date(2019, 1, 10)))
    assert lo <= pd.Timestamp("2019-01-01") and hi >= pd.Timestamp("2019-01-11") and (hi - lo).days < 20


def test_lanes_share_the_strips_axis():
    state = ViewState(date_from=dt.date(2017, 10, 16), date_to=dt.date(2017, 10, 22))
    x_range = axis_range(DATASET, state)
    visible = filter_events(DATASET, state)
    lanes = timeline_figure(DATASET, visible, state, x_range=x_range)
    strip = strip_figure(DATASET, visible, state, x_range=x_range)
    assert lanes["layout"]["xaxis"]["range"] == strip["layout"]["xaxis"]["range"]


# ---------------------------------------------------------------- "affected" only


def naive_passive(state: ViewState, visible) -> set[tuple[str, str]]:
    """The same question answered row by row, as a reader of the events file would."""
    chosen = set(state.factions) | set(DATASET.factions.index[DATASET.factions["side"].isin(state.sides)])
    out = set()
    for eid in visible.index:
        roles = DATASET.actors[DATASET.actors["event_id"] == eid]
        mine = roles[roles["faction"].isin(chosen)]
        if len(mine) and set(mine["role"]) == {"affected"}:
            out |= {(eid, f) for f in mine["faction"]}
    return out


@pytest.mark.parametrize("faction", sorted(DATASET.factions.index))
def test_passive_only_matches_the_events_file(faction):
    state = ViewState(factions=(faction,))
    visible = filter_events(DATASET, state)
    found = passive_only(DATASET, state, visible)
    assert set(map(tuple, found[["event_id", "faction"]].to_numpy())) == naive_passive(state, visible)


def test_affected_only_events_are_said_in_the_count_and_marked_in_the_list():
    affected = DATASET.actors[DATASET.actors["role"] == "affected"]
    faction = affected["faction"].value_counts().index[0]
    state = ViewState(factions=(faction,))
    visible = filter_events(DATASET, state)
    passive = passive_only(DATASET, state, visible)
    assert len(passive), "the bundled file has events whose only part for this faction is 'affected'"
    name = DATASET.factions.at[faction, "name"]
    assert f"{passive['event_id'].nunique()} only as affected: {name}" in passive_note(DATASET, passive)
    rows = event_rows(DATASET, list(visible.index), passive)
    marked = {row["id"] for row in rows if row["affected"]}
    assert marked == set(passive["event_id"])
    assert not passive_only(DATASET, ViewState(), filter_events(DATASET, ViewState())).shape[0]


# ---------------------------------------------------------------- download names and subtitles


def test_download_name_says_title_window_and_filter():
    state = ViewState(factions=("sdf",), date_from=dt.date(2017, 10, 1), date_to=dt.date(2017, 10, 26))
    name = download_name(DATASET, state, "png")
    assert name == f"{slug(DATASET.title, 40)}_2017-10-01_2017-10-26_sdf.png"
    assert name.startswith("deir-ez-zor")
    assert download_name(DATASET, ViewState(), "csv") == f"{slug(DATASET.title, 40)}.csv"
    assert download_name(DATASET, ViewState(date_to=dt.date(2017, 10, 5)), "kml").endswith("_start_2017-10-05.kml")


@pytest.mark.parametrize(
    "query",
    [
        "?q=../../etc/passwd",
        "?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "?q=" + "very%20long%20words%20" * 40,
        "?q=%D8%A7%D9%84%D8%B1%D9%82%D8%A9",  # Arabic: no ASCII left
        "?faction=sdf,daesh,russia,civilians&type=battle,movement&side=Daesh",
    ],
)
def test_download_names_are_safe_whatever_the_view(query):
    state = parse_view_state(query, DATASET)
    name = download_name(DATASET, state, "geojson")
    assert SAFE_NAME.match(name), name
    assert len(name) <= 140 and ".." not in name


def test_a_title_in_another_script_falls_back_and_reserved_names_are_avoided():
    assert download_name(DATASET, ViewState(), "png", title="الرقة") == "conflictmap.png"
    assert download_name(DATASET, ViewState(), "png", title="CON") == "con_view.png"


def test_view_description_reads_as_words_never_a_query():
    state = ViewState(
        factions=("sdf",),
        types=("control-change",),
        date_from=dt.date(2017, 10, 1),
        date_to=dt.date(2017, 10, 26),
        query="oil",
    )
    text = view_description(DATASET, state)
    assert text == (
        f"01 Oct – 26 Oct 2017 · Faction: {DATASET.factions.at['sdf', 'name']} · Type: Control change · Text: “oil”"
    )
    assert "?" not in text and "=" not in text
    assert view_description(DATASET, ViewState()) == "All events"
    assert window_text(dt.date(2016, 12, 30), dt.date(2017, 1, 2)) == "30 Dec 2016 – 02 Jan 2017"


def test_png_subtitle_is_the_description_and_escaped_once():
    from dashboard.exports.static import views

    state = parse_view_state("?faction=sdf&from=2017-10-01&to=2017-10-26&q=%3Cb%3E", DATASET)
    figure = next(views(DATASET, state, None))
    heading = figure.layout.annotations[-1].text
    assert "?" not in heading and "faction=" not in heading
    assert "01 Oct – 26 Oct 2017 · Faction: " in heading
    assert "&lt;b&gt;" in heading and "&amp;lt;" not in heading  # the user's text, escaped exactly once
    affected = parse_view_state("?faction=syrian-government", DATASET)
    n = passive_only(DATASET, affected, filter_events(DATASET, affected))["event_id"].nunique()
    assert n and "only as affected" in next(views(DATASET, affected, None)).layout.annotations[-1].text


def test_app_download_is_named_for_the_view():
    sent, status = export_download(DATASET, "csv", "?faction=sdf&from=2017-10-01&to=2017-10-26")
    assert sent["filename"] == download_name(
        DATASET, parse_view_state("?faction=sdf&from=2017-10-01&to=2017-10-26", DATASET), "csv"
    )
    assert status == f"Ready: {sent['filename']}"


def test_faction_names_in_the_marks_are_text_escaped_once_by_the_page():
    """Dash renders a string child as a text node: the mark must hand it the name as written, not
    pre-escaped (which the reader would see as "&lt;b&gt;")."""
    hostile = "<b>Hostile & co</b>"
    factions = DATASET.factions.copy()
    affected = DATASET.actors[DATASET.actors["role"] == "affected"]
    faction = affected["faction"].iloc[0]
    factions.loc[faction, "name"] = hostile
    dataset = dataclasses.replace(DATASET, factions=factions)
    state = ViewState(factions=(faction,))
    visible = filter_events(dataset, state)
    passive = passive_only(dataset, state, visible)
    assert passive_note(dataset, passive).endswith(hostile)
    row = event_rows(dataset, [passive["event_id"].iloc[0]], passive)[0]
    assert row["affected"] == f"Affected only: {hostile}"  # as text: conflictmap.js puts it in a text node
