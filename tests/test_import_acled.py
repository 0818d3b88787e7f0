"""Importing ACLED's CSV export: bad rows by physical line, codebook mappings, actor groups."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.importers import BadRowError, ImportInputError, import_file
from conflictmap.importers.groups import load_groups
from conflictmap.pipeline import load_dataset
from conflictmap.view import event_with_text

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "acled_sample.csv"
ROOT = Path(__file__).resolve().parent.parent

# (line, column) of every problem in the sample; line 17 has two.
EXPECTED_PROBLEMS = {
    (5, "event_date"),
    (7, "latitude"),
    (9, "event_id_cnty"),
    (10, "row"),
    (12, "sub_event_type"),
    (13, "inter1"),
    (17, "geo_precision"),
    (17, "fatalities"),
}


def _import(tmp_path, source=SAMPLE, **kwargs):
    problems = []
    summary = import_file(source, tmp_path / "store", on_problem=problems.append, progress=False, **kwargs)
    return summary, problems


def test_skip_counts_exactly_and_reports_every_bad_line_with_its_column(tmp_path):
    summary, problems = _import(tmp_path, on_error="skip")
    assert (summary.rows_read, summary.kept, summary.rejected) == (13, 6, 7)
    assert {(p.line, p.field) for p in problems} == EXPECTED_PROBLEMS
    assert all(p.file == str(SAMPLE) for p in problems)
    by_line = {p.line: p.message for p in problems}
    assert "'2019-02-30' is not a date" in by_line[5]
    assert "duplicate id 'SYR100' (first at line 2)" in by_line[9]
    assert "expected 31 fields, found 6" in by_line[10]
    dataset = load_dataset(tmp_path / "store")
    assert list(dataset.events.index) == ["SYR100", "SYR101", "IRQ200", "IRQ202", "SYR103", "SYR106"]
    # Each kept row remembers its physical line (rows 3 and 14 hold newlines in their notes).
    assert dataset.events["source_line"].tolist() == [2, 3, 6, 8, 11, 14]


def test_fail_stops_at_the_first_bad_row_and_writes_nothing(tmp_path):
    with pytest.raises(BadRowError) as caught:
        _import(tmp_path, on_error="fail")
    assert [(p.line, p.field) for p in caught.value.problems] == [(5, "event_date")]
    assert str(caught.value.problems[0]).startswith(f"{SAMPLE}:5: event_date: ")
    assert list(tmp_path.iterdir()) == []  # no store, no temporary folder left behind


def test_line_numbers_survive_a_byte_order_mark_and_crlf_line_ends(tmp_path):
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(b"\xef\xbb\xbf" + SAMPLE.read_bytes().replace(b"\n", b"\r\n"))
    summary, problems = _import(tmp_path, source=crlf, on_error="skip")
    assert {(p.line, p.field) for p in problems} == EXPECTED_PROBLEMS
    assert summary.kept == 6
    description = event_with_text(load_dataset(tmp_path / "store"), "SYR101")["description"]  # read from the file
    assert description.endswith("A second report gave the same account.")


def test_codebook_precisions_become_date_windows_and_place_radii(tmp_path):
    _import(tmp_path, on_error="skip")
    ev = load_dataset(tmp_path / "store").events
    day, week, month = ev.loc["SYR100"], ev.loc["SYR101"], ev.loc["IRQ200"]
    assert (day["date_precision"], day["date_start"], day["date_end"]) == (
        "day",
        pd.Timestamp("2019-03-04"),
        pd.Timestamp("2019-03-04"),
    )
    # time_precision 2: ACLED dates the middle of the week; the window is that date +-3 days.
    assert (week["date_precision"], week["date_start"], week["date_end"]) == (
        "week",
        pd.Timestamp("2019-03-03"),
        pd.Timestamp("2019-03-09"),
    )
    # time_precision 3 on "7 June 2018" (the older date style): the whole month.
    assert (month["date_precision"], month["date_start"], month["date_end"]) == (
        "month",
        pd.Timestamp("2018-06-01"),
        pd.Timestamp("2018-06-30"),
    )
    assert "time_precision 3" in month["date_basis"]
    assert [ev.at[i, "place_precision"] for i in ("SYR100", "SYR101", "IRQ200")] == ["town", "area", "region"]
    assert [ev.at[i, "map_radius_km"] for i in ("SYR100", "SYR101", "IRQ200")] == [5.0, 25.0, 80.0]
    assert ev.at["SYR100", "place_lat"] == pytest.approx(35.6136)
    assert (ev.at["SYR100", "place_source"], ev.at["SYR100", "place_match"]) == ("ACLED", "explicit")
    assert ev.at["SYR100", "place_note"] == "Kafr Nobol, Maarrat An Nu'man, Idleb"


def test_types_map_onto_the_vocabulary(tmp_path):
    _import(tmp_path, on_error="skip")
    ev = load_dataset(tmp_path / "store").events
    assert (ev.at["SYR101", "type"], ev.at["SYR101", "sub_type"]) == ("explosion-remote-violence", "air-drone-strike")
    assert ev.at["SYR101", "acled_type"] == "Explosions/Remote violence / Air/drone strike"
    assert (ev.at["SYR103", "type"], ev.at["SYR103", "sub_type"]) == ("strategic-development", "disrupted-weapons-use")
    assert ev.at["IRQ202", "type_label"] == "Protest"


def test_actors_group_into_factions_and_unmatched_names_go_to_their_types_catch_all(tmp_path):
    _import(tmp_path, on_error="skip")
    dataset = load_dataset(tmp_path / "store")
    ev, actors, factions = dataset.events, dataset.actors, dataset.factions
    assert (ev.at["SYR100", "primary_faction"], ev.at["SYR100", "side"]) == ("syrian-government", "Pro-government")
    assert ev.at["SYR100", "factions"] == "syrian-government|hts"
    # Explosions/Remote violence: actor 2 is the target; its associated actors too.
    syr101 = actors[actors["event_id"] == "SYR101"]
    assert list(zip(syr101["actor_name"], syr101["faction"], syr101["role"])) == [
        ("Military Forces of Russia (2000-)", "russia", "actor"),
        ("Civilians (Syria)", "civilians", "target"),
        ("Women (Syria)", "ungrouped-civilians", "target"),
        ("Farmers (Syria)", "ungrouped-civilians", "target"),
    ]
    assert ev.at["SYR103", "factions"] == "ungrouped-identity-militias|ungrouped-political-militias"
    assert factions.at["ungrouped-political-militias", "aliases"] == "Al Baqir Brigade"
    assert factions.at["ungrouped-political-militias", "side"] == "Ungrouped"
    assert set(actors["faction"]) <= set(factions.index)
    # event_row points at the event's position, for the filters' numpy indexing.
    assert (ev.index[actors["event_row"]] == actors["event_id"]).all()


def test_notes_and_source_become_description_and_source(tmp_path):
    _import(tmp_path, on_error="skip")
    dataset = load_dataset(tmp_path / "store")
    assert "description" not in dataset.events.columns  # left in the store's file, read for the rows shown
    assert event_with_text(dataset, "SYR106")["description"] == (
        'Gunmen abducted a teacher, a driver and "two others" in Raqqa.\n\nTheir fate is unknown.'
    )
    source = dataset.sources.set_index("event_id").loc["SYR101"]
    assert source["publisher"] == "Step News Agency; SOHR"
    assert source["document"] == "acled" and source["note"] == "ACLED source scale: National"
    assert dataset.events.at["SYR100", "fatalities"] == 3
    assert dataset.documents.loc["acled", "publisher"] == "ACLED"


def test_a_groups_file_of_ones_own_changes_the_factions(tmp_path):
    groups = tmp_path / "groups.yaml"
    groups.write_text(
        "format: conflictmap/actor-groups@1\n"
        "factions:\n"
        "  tribes:\n"
        "    name: Tribal militias\n"
        "    side: Tribes\n"
        '    colour: "#117733"\n'
        "    patterns: ['tribal militia']\n",
        encoding="utf-8",
    )
    _import(tmp_path, on_error="skip", groups=groups)
    ev = load_dataset(tmp_path / "store").events
    assert ev.at["SYR103", "primary_faction"] == "tribes"
    assert ev.at["SYR100", "primary_faction"] == "ungrouped-state-forces"  # no rule for it in this file


def test_a_bad_groups_file_is_reported_with_its_line(tmp_path):
    groups = tmp_path / "groups.yaml"
    groups.write_text("factions:\n  x:\n    name: X\n    side: S\n    colour: red\n", encoding="utf-8")
    with pytest.raises(Exception) as caught:
        load_groups(groups)
    assert f"{groups}:5: factions.x.colour: 'red' is not a colour" in str(caught.value)


def test_missing_acled_columns_are_a_header_error(tmp_path):
    cut = tmp_path / "cut.csv"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    cut.write_text("\n".join(line.rsplit(",", 3)[0] for line in lines[:2]) + "\n", encoding="utf-8")
    with pytest.raises(ImportInputError) as caught:
        import_file(cut, tmp_path / "store", fmt="acled", progress=False)
    assert str(caught.value.problem) == (
        f"{cut}:1: header: missing ACLED column(s): fatalities "
        "(the file looks like an ACLED export: it has 18 of the 19 columns the import needs)"
    )


def test_synthetic_export_with_bad_rows_at_known_lines(tmp_path):
    """The benchmark generator's bad rows (listed in its sidecar) are exactly the ones reported."""
    csv_path = tmp_path / "synth.csv"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.acled_synth", "--rows", "400", "--bad-rows", "22"]
        + ["--inter-style", "code", "--date-style", "text", "-o", str(csv_path)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    sidecar = pd.read_csv(tmp_path / "synth.csv.bad-rows.csv")
    summary, problems = _import(tmp_path, source=csv_path, on_error="skip")
    assert {(p.line, p.field) for p in problems} == set(zip(sidecar["line"], sidecar["column"]))
    assert (summary.rows_read, summary.kept, summary.rejected) == (400, 378, 22)
    ev = load_dataset(tmp_path / "store").events
    assert ev["date_start"].min() >= pd.Timestamp(dt.date(2016, 12, 1))
    assert ev["map_lat"].between(29, 38).all() and ev["map_lon"].between(35, 49).all()


def test_reimport_replaces_the_store_and_never_the_input(tmp_path):
    _import(tmp_path, on_error="skip")
    (tmp_path / "store" / "stale.txt").write_text("from the first import")
    _import(tmp_path, on_error="skip")
    assert not (tmp_path / "store" / "stale.txt").exists()  # replaced as a whole
    assert len(load_dataset(tmp_path / "store").events) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # no temporary or old folder left
    copy = tmp_path / "input.csv"
    shutil.copy(SAMPLE, copy)
    with pytest.raises(Exception, match="refusing to write the store over its own input"):
        import_file(copy, copy, on_error="skip", progress=False, on_problem=lambda p: None)
    assert copy.read_bytes() == SAMPLE.read_bytes()
    (tmp_path / "notastore").mkdir()
    with pytest.raises(Exception, match="exists and is not a conflictmap store"):
        import_file(SAMPLE, tmp_path / "notastore", on_error="skip", progress=False, on_problem=lambda p: None)
