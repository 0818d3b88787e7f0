"""Every export format, written from the bundled events file and read back with a real reader.

Data formats are checked against their specifications (RFC 7946 GeoJSON,
KML 2.2, TimelineJS3 JSON) and the bundled events; images are opened with
Pillow (PNG, GIF), xml.etree (SVG), pypdf (PDF: page count, size, text) and
imageio-ffmpeg (MP4); the deck is read back with python-pptx. Every output
must credit the article (publisher and date) where it can hold text. The
static formats need Chromium (kaleido); they fail, never skip, without it.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import conflictmap_cli as cli
from conflictmap.briefing import briefing_path, load_briefing
from conflictmap.pipeline import load_dataset
from conflictmap.view import ViewState
from dashboard.exports import FORMATS, ExportError, export

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events.yaml"
BRIEFING = "deir-ez-zor-october-2017"
PUBLISHER = "Middle East Monitor"
PUBLISHED = "2017-10-26"
RANGE_EVENT = "raqqa-falls-to-sdf"  # 2017-10-16 .. 2017-10-22
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(EVENTS)


@pytest.fixture(scope="module")
def briefing(dataset):
    return load_briefing(briefing_path(BRIEFING, EVENTS), dataset)


@pytest.fixture(scope="module")
def two_step_briefing(briefing):
    """Steps 4 and 5 of the bundled briefing: one whose events are on the map, one whose are not.

    The formats that draw every step (a PNG each, a slide each) are checked on these two: each step
    is drawn by the same code, and each drawing costs seconds of software rendering.
    """
    placed, unplaced = briefing.steps[3], briefing.steps[4]
    return dataclasses.replace(briefing, steps=(placed, unplaced))


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("exports")


#: The static formats draw in Chromium (kaleido), seconds of software rendering each: they run in the
#: browser half of ``scripts/dev.py test`` (two workers), beside the page tests, not in the single
#: process of the others, which they made the longer half.
DRAWS_IN_CHROMIUM = pytest.mark.browser


def placed_ids(dataset):
    return set(dataset.events.index[dataset.events["map_lat"].notna()])


def day_event(dataset):
    ev = dataset.events
    return ev.index[(ev["date_start"] == ev["date_end"]) & ev["map_lat"].notna()][0]


def assert_credits(text: str):
    assert PUBLISHER in text and PUBLISHED in text


# ---------------------------------------------------------------- data formats


def test_formats_listed():
    assert FORMATS == ("html", "png", "pdf", "svg", "gif", "mp4", "pptx", "csv", "geojson", "kml", "timelinejs")


def test_unknown_format_is_a_typed_error(dataset, tmp_path):
    with pytest.raises(ExportError, match="unknown export format"):
        export(dataset, "docx", tmp_path / "x.docx")


def test_refuses_to_overwrite_the_events_file(dataset):
    before = EVENTS.read_bytes()
    with pytest.raises(ExportError.__mro__[1], match="refusing to overwrite"):
        export(dataset, "csv", EVENTS)
    assert EVENTS.read_bytes() == before


def test_csv(dataset, out_dir):
    out = out_dir / "events.csv"
    assert export(dataset, "csv", out) == [out]
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(dataset.events)
    assert "search_text" not in rows[0]
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == set(dataset.events.index)
    r = by_id[RANGE_EVENT]
    assert (r["date_start"], r["date_end"]) == ("2017-10-16", "2017-10-22")
    quote = dataset.sources.loc[dataset.sources["event_id"] == RANGE_EVENT, "quote"].iloc[0]
    assert quote in r["source_quotes"]
    assert r["source_publishers"] == PUBLISHER and r["source_published"] == PUBLISHED
    assert_credits(out.read_text(encoding="utf-8"))


def test_csv_follows_the_view_state(dataset, tmp_path):
    out = tmp_path / "sdf.csv"
    export(dataset, "csv", out, ViewState(factions=("sdf",)))
    with out.open(encoding="utf-8", newline="") as f:
        ids = {r["id"] for r in csv.DictReader(f)}
    expected = set(dataset.actors.loc[dataset.actors["faction"] == "sdf", "event_id"])
    assert ids == expected and 0 < len(ids) < len(dataset.events)


def _check_rfc7946(doc: dict):
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    assert isinstance(doc["features"], list)
    for f in doc["features"]:
        assert f["type"] == "Feature" and "crs" not in f
        assert isinstance(f["properties"], dict)
        assert isinstance(f.get("id"), (str, int))
        g = f["geometry"]
        assert g["type"] == "Point"
        lon, lat = g["coordinates"]
        assert len(g["coordinates"]) == 2
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        for c in (lon, lat):
            assert isinstance(c, float) and math.isfinite(c)
            assert round(c, 6) == c


def test_geojson(dataset, out_dir):
    out = out_dir / "events.geojson"
    assert export(dataset, "geojson", out) == [out]
    text = out.read_text(encoding="utf-8")
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    _check_rfc7946(doc)
    feats = {f["id"]: f for f in doc["features"]}
    assert set(feats) == placed_ids(dataset)
    f = feats[RANGE_EVENT]
    row = dataset.events.loc[RANGE_EVENT]
    # lon, lat order: Raqqa is at ~39.0 E, 35.95 N.
    assert f["geometry"]["coordinates"] == [round(row["map_lon"], 6), round(row["map_lat"], 6)]
    p = f["properties"]
    assert (p["date_start"], p["date_end"]) == ("2017-10-16", "2017-10-22")
    assert p["sources"] and {"quote", "paragraph", "publisher"} <= set(p["sources"][0])
    assert p["sources"][0]["publisher"] == PUBLISHER and p["sources"][0]["published"] == PUBLISHED
    assert "search_text" not in p
    assert_credits(" ".join(doc["attribution"]))
    assert "GeoNames" in " ".join(doc["attribution"])


def test_kml(dataset, out_dir):
    out = out_dir / "events.kml"
    assert export(dataset, "kml", out) == [out]
    root = ET.parse(out).getroot()
    assert root.tag == f"{KML}kml"
    placemarks = {pm.get("id"): pm for pm in root.iter(f"{KML}Placemark")}
    assert set(placemarks) == placed_ids(dataset)
    rng = placemarks[RANGE_EVENT]
    assert rng.find(f"{KML}TimeStamp") is None
    assert rng.findtext(f"{KML}TimeSpan/{KML}begin") == "2017-10-16"
    assert rng.findtext(f"{KML}TimeSpan/{KML}end") == "2017-10-22"
    day_id = day_event(dataset)
    day = placemarks[day_id]
    assert day.find(f"{KML}TimeSpan") is None
    assert day.findtext(f"{KML}TimeStamp/{KML}when") == dataset.events.at[day_id, "date_start"].date().isoformat()
    lon, lat = (float(v) for v in rng.findtext(f"{KML}Point/{KML}coordinates").split(","))
    assert (
        abs(lon - dataset.events.at[RANGE_EVENT, "map_lon"]) < 1e-5
        and abs(lat - dataset.events.at[RANGE_EVENT, "map_lat"]) < 1e-5
    )
    desc = rng.findtext(f"{KML}description")
    assert dataset.events.at[RANGE_EVENT, "date_basis"] in desc
    assert dataset.sources.loc[dataset.sources["event_id"] == RANGE_EVENT, "quote"].iloc[0] in desc
    # Styles per faction, in KML's aabbggrr order: SDF's #E69F00 is ff009fe6.
    styles = {s.get("id"): s.findtext(f"{KML}IconStyle/{KML}color") for s in root.iter(f"{KML}Style")}
    assert styles["faction-sdf"] == "ff009fe6"
    assert rng.findtext(f"{KML}styleUrl") == "#faction-sdf"
    assert_credits(root.findtext(f"{KML}Document/{KML}description"))


def test_timelinejs(dataset, out_dir):
    out = out_dir / "timeline.json"
    assert export(dataset, "timelinejs", out) == [out]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["title"]["text"]["headline"]
    events = {e["unique_id"]: e for e in doc["events"]}
    assert set(events) == set(dataset.events.index)
    e = events[RANGE_EVENT]
    assert e["start_date"] == {"year": "2017", "month": "10", "day": "16"}
    assert e["end_date"] == {"year": "2017", "month": "10", "day": "22"}
    assert "end_date" not in events[day_event(dataset)]
    assert e["group"] == dataset.factions.at["sdf", "name"]
    assert PUBLISHER in e["text"]["text"] and "<blockquote>" in e["text"]["text"]
    for ev in doc["events"]:
        assert {"year", "month", "day"} <= set(ev["start_date"]) and ev["text"]["headline"]
        assert "<script" not in ev["text"]["text"]
    assert_credits(doc["title"]["text"]["text"])


def test_html_is_self_contained(dataset, briefing, out_dir):
    out = out_dir / "page.html"
    assert export(dataset, "html", out, briefing=briefing) == [out]
    text = out.read_text(encoding="utf-8")
    import re

    assert re.findall(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=", text) == []  # nothing loaded from elsewhere
    assert "default-src 'none'" in text  # and the page's CSP forbids it
    assert "worker-src blob: data:" in text  # MapLibre's worker, also from a page on disk
    data = text.split('<script type="application/json" id="conflictmap-data">', 1)[1].split("</script>", 1)[0]
    payload = json.loads(data)
    # The base map travels inside the page: every source's data is inline, the sprite a data URL.
    assert all(isinstance(src["data"], dict) for src in payload["style"]["sources"].values())
    assert payload["sprite"]["png"].startswith("data:image/png;base64,")
    assert len(payload["views"]) == len(briefing.steps) + 1
    assert set(payload["events"]) == set(dataset.events.index)
    assert_credits(" ".join(payload["attribution"]))
    assert "Natural Earth" in " ".join(payload["attribution"])


# ---------------------------------------------------------------- images (need Chromium)


def _pixel_stddev(img) -> float:
    from PIL import ImageStat

    return max(ImageStat.Stat(img.convert("RGB")).stddev)


@DRAWS_IN_CHROMIUM
def test_png(dataset, out_dir):
    from PIL import Image

    out = out_dir / "view.png"
    assert export(dataset, "png", out) == [out]
    with Image.open(out) as img:
        assert img.format == "PNG"
        assert img.width == 1200 and img.height > 900
        assert _pixel_stddev(img) > 20
        # Not blank where the map is: the top-middle band has many colours (land, rivers, borders).
        band = img.convert("RGB").crop((200, 150, 1150, 600))
        assert len(band.getcolors(maxcolors=1_000_000)) > 50


@DRAWS_IN_CHROMIUM
def test_png_per_briefing_step(dataset, two_step_briefing, out_dir):
    from PIL import Image

    briefing = two_step_briefing
    out = out_dir / "brief.png"
    written = export(dataset, "png", out, briefing=briefing)
    assert written == [out_dir / f"brief-step{k:02d}.png" for k in range(1, len(briefing.steps) + 1)]
    assert not out.exists()
    digests = set()
    for p in written:
        with Image.open(p) as img:
            assert img.width == 1200 and _pixel_stddev(img) > 20
            digests.add(img.tobytes())
    assert len(digests) == len(written)  # each step shows something different


@DRAWS_IN_CHROMIUM
def test_svg(dataset, out_dir):
    out = out_dir / "view.svg"
    assert export(dataset, "svg", out) == [out]
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert float(root.get("width")) == 1200
    text = out.read_text(encoding="utf-8")
    assert_credits(text)
    assert "Natural Earth" in text and "GeoNames" in text
    assert text.count("<path") > 50


@DRAWS_IN_CHROMIUM
def test_pdf(dataset, out_dir):
    from pypdf import PdfReader

    out = out_dir / "view.pdf"
    assert export(dataset, "pdf", out) == [out]
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    assert w > 500 and h > 500
    text = page.extract_text()
    assert_credits(text)
    assert len(page.get_contents().get_data()) > 10_000  # the map and timeline are drawn, not an empty page


@DRAWS_IN_CHROMIUM
def test_gif(dataset, out_dir):
    import numpy as np
    from PIL import Image, ImageSequence

    out = out_dir / "play.gif"
    assert export(dataset, "gif", out, ViewState(factions=("us-coalition",))) == [out]  # a short period: quick
    with Image.open(out) as img:
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(img)]
    assert 1 < len(frames) <= 41
    assert frames[0].shape[1] == 1000
    assert any((frames[0] != f).any() for f in frames[1:])
    assert (frames[0] != frames[-1]).mean() > 0.001


@DRAWS_IN_CHROMIUM
def test_mp4(dataset, out_dir):
    import imageio_ffmpeg

    out = out_dir / "play.mp4"
    assert export(dataset, "mp4", out, ViewState(factions=("syrian-government",))) == [out]
    # Decoded by ffmpeg itself into PNG files: imageio's readers leave ffmpeg's pipes open (ResourceWarning).
    import subprocess

    from PIL import Image

    decoded = out_dir / "decoded"
    decoded.mkdir()
    ffmpeg = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(out), str(decoded / "f%03d.png")]
    subprocess.run(ffmpeg, check=True, capture_output=True)
    frames = []
    for path in sorted(decoded.glob("f*.png")):
        with Image.open(path) as image:
            frames.append((image.size, image.convert("RGB").tobytes()))
    assert len(frames) > 1
    width = frames[0][0][0]
    assert width % 16 == 0 and width >= 1000
    assert any(frames[0][1] != f[1] for f in frames[1:])


@DRAWS_IN_CHROMIUM
def test_pptx(dataset, two_step_briefing, out_dir):
    from pptx import Presentation

    briefing = two_step_briefing
    out = out_dir / "deck.pptx"
    assert export(dataset, "pptx", out, briefing=briefing) == [out]
    prs = Presentation(str(out))
    slides = list(prs.slides)
    assert len(slides) == len(briefing.steps) + 2

    def text_of(slide):
        return "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)

    assert briefing.title in text_of(slides[0])
    assert_credits(text_of(slides[0]))
    for slide, step in zip(slides[1:-1], briefing.steps):
        assert any(s.shape_type == 13 for s in slide.shapes)  # a picture: the map and timeline
        assert step.heading in text_of(slide)
        notes = slide.notes_slide.notes_text_frame.text
        for eid in step.events:
            for quote in dataset.sources.loc[dataset.sources["event_id"] == eid, "quote"]:
                assert quote in notes
        assert PUBLISHER in notes
    last = text_of(slides[-1])
    assert_credits(last)
    assert "Natural Earth" in last and "GeoNames" in last


# ---------------------------------------------------------------- the command line


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """conflictmap_cli.main with the export command registered (whether or not dashboard.commands does it yet)."""
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


def test_cli_export_with_filters(run_cli, dataset, tmp_path):
    out = tmp_path / "f.geojson"
    code, _stdout, err = run_cli(
        "export",
        EVENTS,
        "--format",
        "geojson",
        "-o",
        out,
        "--faction",
        "syrian-government",
        "--from",
        "2017-10-24",
        "--to",
        "2017-10-24",
    )
    assert code == 0, err
    ids = {f["id"] for f in json.loads(out.read_text())["features"]}
    from conflictmap.view import filter_events, parse_view_state

    state = parse_view_state("faction=syrian-government&from=2017-10-24&to=2017-10-24", dataset)
    expected = set(filter_events(dataset, state).index) & placed_ids(dataset)
    assert ids == expected and ids


def test_cli_unknown_values_exit_1(run_cli, tmp_path):
    out = tmp_path / "x.csv"
    code, _, err = run_cli("export", EVENTS, "--format", "csv", "-o", out, "--faction", "nobody")
    assert code == 1 and "nobody" in err and not out.exists()
    code, _, err = run_cli("export", EVENTS, "--format", "csv", "-o", out, "--from", "26/10/2017")
    assert code == 1 and "26/10/2017" in err and not out.exists()


def test_cli_refuses_the_events_file_as_output(run_cli, tmp_path):
    work = tmp_path / "copy"
    shutil.copytree(REPO / "seeds", work / "seeds")
    shutil.copy(EVENTS, work / "events.yaml")
    before = (work / "events.yaml").read_bytes()
    code, _, err = run_cli("export", work / "events.yaml", "--format", "csv", "-o", work / "events.yaml")
    assert code == 1 and "refusing to overwrite" in err
    assert (work / "events.yaml").read_bytes() == before


def test_cli_briefing_timelinejs(run_cli, briefing, tmp_path):
    out = tmp_path / "t.json"
    code, _, err = run_cli("export", EVENTS, "--format", "timelinejs", "-o", out, "--briefing", BRIEFING)
    assert code == 0, err
    import html

    assert html.unescape(json.loads(out.read_text())["title"]["text"]["headline"]) == briefing.title
