"""``conflictmap control`` and the events file's control additions (validation with FILE:LINE).

In process through ``conflictmap_cli.main``; one run of the installed console
script checks the command as a user types it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conflictmap.control import OUTPUT_COLUMNS
from conflictmap_cli import main

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events.yaml"
FIXTURE = REPO / "tests" / "fixtures" / "control" / "events.yaml"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows_at(capsys, path: Path, day: str, *extra) -> dict[str, dict]:
    code, out, err = run(capsys, "control", path, "--at", day, *extra)
    assert code == 0, err
    reader = csv.DictReader(io.StringIO(out))
    assert reader.fieldnames == OUTPUT_COLUMNS
    return {row["place"]: row for row in reader}


@pytest.mark.parametrize(
    ("day", "state", "holder", "previous", "since", "until"),
    [
        ("2017-10-10", "held", "daesh", "", "", ""),
        ("2017-10-19", "changing", "sdf", "daesh", "2017-10-16", "2017-10-22"),
        ("2017-10-26", "held", "sdf", "daesh", "2017-10-23", ""),
    ],
)
def test_bundled_raqqa(capsys, day, state, holder, previous, since, until):
    raqqa = rows_at(capsys, EVENTS, day)["Raqqa"]
    assert (raqqa["state"], raqqa["holder"], raqqa["previous"], raqqa["since"], raqqa["until"]) == (
        state,
        holder,
        previous,
        since,
        until,
    )
    assert raqqa["events"] == "raqqa-falls-to-sdf" and raqqa["stale"] == "false"


def test_bundled_al_omar_and_nothing_from_later_changes(capsys):
    on_26 = rows_at(capsys, EVENTS, "2017-10-26")
    field = on_26["Al-Omar oil field"]
    assert (field["state"], field["holder"], field["holder_name"]) == ("held", "us-coalition", "US-led coalition")
    on_10 = rows_at(capsys, EVENTS, "2017-10-10")
    assert set(on_10) == {"Raqqa"}  # Al-Omar, Mekhan and the governorate come later, and name no earlier holder
    assert on_26["Mekhan"]["state"] == "contested" and on_26["Mekhan"]["holder"] == ""


@pytest.mark.parametrize(
    ("day", "place", "state", "holder", "stale"),
    [
        ("2017-05-09", "Tabqa", "held", "daesh", "false"),  # before a day-dated capture
        ("2017-05-10", "Tabqa", "held", "sdf", "false"),  # on its day
        ("2017-09-01", "Tabqa", "held", "sdf", "true"),  # nothing new for more than 90 days: last known
        ("2017-09-20", "Hawija", "held", "daesh", "false"),  # before a loss within a range of dates
        ("2017-09-28", "Hawija", "changing", "iraqi-forces", "false"),  # inside it
        ("2017-10-06", "Hawija", "held", "iraqi-forces", "false"),  # after it
        ("2017-05-31", "Al-Qaim", "held", "iraqi-forces", "false"),  # before it was overrun
        ("2017-06-01", "Al-Qaim", "held", "daesh", "false"),
        ("2017-11-02", "Al-Qaim", "changing", "iraqi-forces", "false"),  # the recapture's week
        ("2017-11-06", "Al-Qaim", "held", "iraqi-forces", "false"),  # recaptured
    ],
)
def test_fixture_in_two_countries(capsys, day, place, state, holder, stale):
    row = rows_at(capsys, FIXTURE, day)[place]
    assert (row["state"], row["holder"], row["stale"]) == (state, holder, stale)


def test_stale_after_is_configurable(capsys):
    assert rows_at(capsys, FIXTURE, "2017-05-20", "--stale-after", "5")["Tabqa"]["stale"] == "true"
    assert rows_at(capsys, FIXTURE, "2017-09-01", "--stale-after", "200")["Tabqa"]["stale"] == "false"


def test_geojson_output_is_valid_and_region_level_places_have_no_geometry(capsys, tmp_path):
    out = tmp_path / "control.geojson"
    code, _, err = run(capsys, "control", EVENTS, "--at", "2017-10-26", "-o", out)
    assert code == 0, err
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and list(feature["properties"]) == OUTPUT_COLUMNS
        assert isinstance(feature["properties"]["stale"], bool)
        geometry = feature["geometry"]
        if feature["properties"]["place"].startswith("in "):
            assert geometry is None  # listed, never painted as if the whole governorate changed hands
        else:
            lon, lat = geometry["coordinates"]
            assert geometry["type"] == "Point" and -180 <= lon <= 180 and -90 <= lat <= 90
    places = {f["properties"]["place"] for f in collection["features"]}
    assert {"Raqqa", "Al-Omar oil field", "Mekhan", "in Deir Ez-Zor governorate"} <= places


def test_history_writes_every_interval(capsys, tmp_path):
    out = tmp_path / "history.csv"
    code, _, err = run(capsys, "control", FIXTURE, "--at", "2018-01-31", "--history", "-o", out)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    qaim = [(r["state"], r["holder"], r["since"], r["until"]) for r in rows if r["place"] == "Al-Qaim"]
    assert qaim == [
        ("held", "iraqi-forces", "", "2017-05-31"),
        ("held", "daesh", "2017-06-01", "2017-10-29"),
        ("changing", "iraqi-forces", "2017-10-30", "2017-11-05"),
        ("held", "iraqi-forces", "2017-11-06", ""),
    ]
    # As known on a day inside a window: the window, and nothing after it.
    code, text, _ = run(capsys, "control", FIXTURE, "--at", "2017-10-01", "--history")
    hawija = [r for r in csv.DictReader(io.StringIO(text)) if r["place"] == "Hawija"]
    assert [r["state"] for r in hawija] == ["held", "changing"]


@pytest.mark.parametrize("bad", ["2017-13-01", "26/10/2017", "yesterday"])
def test_a_bad_date_is_one_line_and_exit_1(capsys, bad):
    code, out, err = run(capsys, "control", EVENTS, "--at", bad)
    assert code == 1 and out == ""
    assert err.strip() == f"conflictmap: control: --at: {bad!r} is not a date (write YYYY-MM-DD); nothing written"


def test_an_unknown_file_and_an_unknown_format(capsys, tmp_path):
    code, _, err = run(capsys, "control", tmp_path / "missing.yaml", "--at", "2017-10-26")
    assert code == 1 and err.strip() == f"{tmp_path / 'missing.yaml'}:1: file not found"
    code, _, err = run(capsys, "control", EVENTS, "--at", "2017-10-26", "-o", tmp_path / "out.xlsx")
    assert code == 1 and "unknown output format '.xlsx'" in err and "Traceback" not in err
    assert not (tmp_path / "out.xlsx").exists()


def test_the_events_file_is_never_a_target(capsys, tmp_path):
    work = tmp_path / "w"
    shutil.copytree(FIXTURE.parent, work)
    (work / "report.csv").symlink_to(work / "report.txt")  # an output name that is an input under another name
    before = (work / "events.yaml").read_bytes(), (work / "report.txt").read_bytes()
    code, _, err = run(capsys, "control", work / "events.yaml", "--at", "2017-10-26", "-o", work / "report.csv")
    assert code == 1 and "refusing to overwrite" in err
    assert ((work / "events.yaml").read_bytes(), (work / "report.txt").read_bytes()) == before


@pytest.mark.parametrize(
    ("source", "days"),
    [(FIXTURE, ("2017-05-09", "2017-09-28", "2017-11-02")), (EVENTS, ("2017-10-20", "2017-10-26", "2017-11-05"))],
)
def test_a_store_answers_like_its_events_file(capsys, tmp_path, source, days):
    """Every row and column, the evidence included. The bundled file's control block (Mekhan contested,
    not held) and assertions were lost by a store until version 4: it then named Mekhan's holder."""
    from conflictmap.importers import import_file

    import_file(source, tmp_path / "store", progress=False)
    for day in days:
        assert rows_at(capsys, tmp_path / "store", day) == rows_at(capsys, source, day)
    if source == EVENTS:
        mekhan = rows_at(capsys, tmp_path / "store", "2017-10-26")["Mekhan"]
        assert (mekhan["state"], mekhan["holder"]) == ("contested", "")


def test_the_console_script(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    script = Path(sys.executable).with_name("conflictmap")
    done = subprocess.run(
        [str(script), "control", str(FIXTURE), "--at", "2017-09-28"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ",".join(OUTPUT_COLUMNS)
    assert any(line.startswith("Hawija,") and ",changing,iraqi-forces," in line for line in done.stdout.splitlines())


# ---------------------------------------------------------------------------
# The YAML additions are validated like events: FILE:LINE: field: message.


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    work = tmp_path / "w"
    shutil.copytree(FIXTURE.parent, work, dirs_exist_ok=True)
    text = (work / "events.yaml").read_text(encoding="utf-8")
    assert old in text
    (work / "events.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return work / "events.yaml"


def _line_of(path: Path, needle: str) -> int:
    """The number of the first line that is ``needle`` (leading spaces aside)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == needle.strip())


def test_an_assertion_with_an_unknown_faction_a_quote_not_in_the_document_and_a_reused_id(capsys, tmp_path):
    path = _broken(
        tmp_path, "  - id: hawija-held-january\n    faction: iraqi-forces", "  - id: tabqa-captured\n    faction: iraqi"
    )
    text = path.read_text(encoding="utf-8").replace("that Iraqi forces held Hawija", "that Iraqi forces held Mosul")
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "validate", path)
    assert code == 1
    lines = err.strip().splitlines()
    assert any(
        line.startswith(f"{path}:{_line_of(path, 'faction: iraqi')}: control[0].faction: unknown faction 'iraqi'")
        for line in lines
    )
    first, again = (i for i, line in enumerate(text.splitlines(), 1) if line.strip() == "- id: tabqa-captured")
    assert f"{path}:{again}: control[0].id: duplicate id 'tabqa-captured' (first used on line {first})" in lines
    assert any("control[0].sources[0].quote: quote not found verbatim" in line for line in lines)


def test_an_event_control_block_is_checked(capsys, tmp_path):
    block = (
        "    confidence: high\n    control:\n      result: withdrawn\n"
        "      sources:\n      - {document: report, paragraph: 2, quote: the Syrian Democratic Forces captured Tabqa}\n"
    )
    path = _broken(tmp_path, "    confidence: high\n  - id: hawija-taken", block + "  - id: hawija-taken")
    code, _, err = run(capsys, "validate", path)
    assert code == 1
    assert err.strip() == (
        f"{path}:{_line_of(path, 'control:')}: events[0].control.holder: "
        "a withdrawal names the faction that left: add 'holder'"
    )
    fixed = path.read_text(encoding="utf-8").replace("result: withdrawn", "result: contested\n      holder: sdf")
    path.write_text(fixed, encoding="utf-8")
    code, _, err = run(capsys, "validate", path)
    assert code == 1 and "events[0].control.holder: a contested place has no holder: remove 'holder'" in err
