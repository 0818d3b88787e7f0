"""Generic CSV with a column mapping, GeoJSON points, curated YAML, and the `conflictmap import` command."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conflictmap.errors import EventsFileError
from conflictmap.importers import import_file
from conflictmap.pipeline import load_dataset
from conflictmap_cli import main

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent


def _import(tmp_path, source, **kwargs):
    problems = []
    summary = import_file(source, tmp_path / "store", on_problem=problems.append, progress=False, **kwargs)
    return summary, problems, load_dataset(tmp_path / "store")


def test_generic_csv_through_a_mapping_file(tmp_path):
    summary, problems, dataset = _import(
        tmp_path, FIXTURES / "generic_events.csv", mapping=FIXTURES / "generic_mapping.yaml", on_error="skip"
    )
    assert (summary.rows_read, summary.kept, summary.rejected) == (6, 3, 3)
    assert {(p.line, p.field) for p in problems} == {(4, "day"), (5, "category"), (6, "until")}
    ev = dataset.events
    assert list(ev.index) == ["M-1", "M-2", "M-6"]
    # ACLED wording and conflictmap ids are both understood.
    assert (ev.at["M-1", "type"], ev.at["M-1", "sub_type"]) == (
        "explosion-remote-violence",
        "shelling-artillery-missile-attack",
    )
    assert (ev.at["M-2", "date_start"], ev.at["M-2", "date_end"], ev.at["M-2", "date_precision"]) == (
        pd.Timestamp("2019-03-05"),
        pd.Timestamp("2019-03-07"),
        "range",
    )
    # Coordinates given: kept, with the file as their source; none given: geocoded offline by name.
    assert ev.at["M-1", "place_lat"] == pytest.approx(35.6483)
    assert (ev.at["M-1", "place_match"], ev.at["M-1", "place_source"]) == ("explicit", "generic_events.csv")
    assert ev.at["M-2", "place_status"] == "resolved" and ev.at["M-2", "place_source"] == "geonames"
    assert ev.at["M-2", "map_lat"] == pytest.approx(34.695, abs=0.01)
    assert ev.at["M-2", "factions"] == "sdf|daesh|ungrouped-actors"
    assert ev.at["M-1", "confidence"] == "medium" and ev.at["M-2", "fatalities"] == 4
    sources = dataset.sources.set_index("event_id")
    assert sources.at["M-1", "publisher"] == "Enab Baladi" and sources.at["M-1", "url"] == "https://example.org/m-1"
    assert sources.at["M-6", "publisher"] == "Example Monitor"  # the mapping's publisher where the cell is empty


def test_a_mapping_file_with_a_typo_is_reported_with_its_line(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  id: ref\n  dat: day\n", encoding="utf-8")
    with pytest.raises(EventsFileError) as caught:
        import_file(FIXTURES / "generic_events.csv", tmp_path / "s", mapping=mapping, progress=False)
    assert str(caught.value).startswith(f"{mapping}:3: columns.dat: unknown field")


def test_geojson_points_with_lines_for_refused_features(tmp_path):
    summary, problems, dataset = _import(tmp_path, FIXTURES / "points.geojson", on_error="skip")
    assert (summary.rows_read, summary.kept, summary.rejected) == (4, 2, 2)
    assert {(p.line, p.field) for p in problems} == {(11, "geometry"), (23, "date")}
    ev = dataset.events
    assert ev.at["p-1", "map_lon"] == pytest.approx(40.1408) and ev.at["p-1", "source_line"] == 4
    # No geometry: placed by the offline gazetteer from its place name.
    assert ev.at["p-3", "place_status"] == "resolved" and ev.at["p-3", "map_lat"] == pytest.approx(35.95, abs=0.01)
    # Faction ids name themselves (a conflictmap export's `factions` column imports as it was).
    assert ev.at["p-3", "factions"] == "sdf|daesh" and ev.at["p-3", "side"] == "US-backed"


def test_the_geocoded_table_of_the_bundled_file_imports_back(tmp_path):
    assert main(["geocode", str(ROOT / "events.yaml"), "-o", str(tmp_path / "ev.csv")]) == 0
    summary, problems, dataset = _import(tmp_path, tmp_path / "ev.csv", on_error="fail")
    original = load_dataset(ROOT / "events.yaml").events
    assert problems == [] and summary.kept == len(original)
    assert list(dataset.events.index) == list(original.index)
    assert (dataset.events["type"].astype(str) == original["type"]).all()
    assert (dataset.events["date_end"] == original["date_end"]).all()


def test_a_curated_yaml_file_imports_whole_or_not_at_all(tmp_path):
    summary, _, dataset = _import(tmp_path, ROOT / "events.yaml")
    assert summary.kept == len(dataset.events) == 14 and summary.format == "yaml"
    broken = tmp_path / "broken.yaml"
    broken.write_text((ROOT / "events.yaml").read_text().replace("type: control-change", "type: nonsense", 1))
    with pytest.raises(EventsFileError):
        import_file(broken, tmp_path / "other", progress=False)
    assert not (tmp_path / "other").exists()


def test_cli_exit_codes_and_messages(tmp_path, capsys):
    sample = str(FIXTURES / "acled_sample.csv")
    store = tmp_path / "store"
    assert main(["import", sample, "-o", str(store)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines()[0].startswith(f"{sample}:5: event_date: '2019-02-30' is not a date")
    assert "stopped at the first bad row, line 5" in err and "Traceback" not in err
    assert out == "" and not store.exists()

    assert main(["import", sample, "-o", str(store), "--on-error", "skip"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{sample}: 13 rows read, 6 kept, 7 rejected -> {store}")
    assert [line.split(": ")[0] for line in err.splitlines()] == [
        f"{sample}:{n}" for n in (5, 7, 9, 10, 12, 13, 17, 17)
    ]

    missing = tmp_path / "nope.csv"
    assert main(["import", str(missing), "-o", str(tmp_path / "x")]) == 1
    assert capsys.readouterr().err.strip() == f"{missing}:1: file not found"

    assert main(["import", sample, "-o", sample, "--on-error", "skip"]) == 1
    assert "refusing to write the store over its own input" in capsys.readouterr().err
