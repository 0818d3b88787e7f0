"""``conflictmap draft`` as the analyst runs it: a real article in, a draft that validates out."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conflictmap_cli import main

ARTICLES = Path(__file__).parent / "fixtures" / "articles"
MENTION_COLUMNS = ["mention", "kind", "lat", "lon", "place_id", "paragraph", "start", "end", "context"]


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def copy_article(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "articles" / Path(name).name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTICLES / name, target)
    return target


def test_draft_validates_with_every_quote_verbatim(tmp_path, capsys):
    article = copy_article(tmp_path, "qalaat-al-madiq-2019-05-09.txt")
    before = article.read_bytes()
    draft = tmp_path / "drafts" / "draft.yaml"
    mentions = tmp_path / "drafts" / "mentions.csv"
    code, out, err = run(capsys, "draft", article, "-o", draft, "--mentions", mentions)
    assert (code, err) == (0, "")
    assert "proposed events" in out
    assert article.read_bytes() == before
    code, out, err = run(capsys, "validate", draft)
    assert (code, err) == (0, ""), err
    data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert data["draft"]["article"] == "article"
    assert data["documents"]["article"]["file"] == "../articles/qalaat-al-madiq-2019-05-09.txt"
    paragraphs = article.read_text(encoding="utf-8").split("\n\n")
    for event in data["events"]:
        assert event["confidence"] == "low" and event["notes"].startswith("DRAFT")
        source = event["sources"][0]
        assert source["quote"] in paragraphs[source["paragraph"] - 1]
    by_id = {e["id"]: e for e in data["events"]}
    captured = by_id["draft-p3-control-change-qalaat-al-madiq"]
    assert captured["date"]["day"].isoformat() == "2019-05-09"  # "on Thursday", published on a Thursday
    latakia = [e for e in data["events"] if e.get("place", {}).get("precision") == "region"]
    assert latakia and latakia[0]["place"]["name"].startswith("Latakia")
    assert "capital" in latakia[0]["place"]["coordinates"]["source"]
    with mentions.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == MENTION_COLUMNS
    kinds = {(r[0], r[1]) for r in rows[1:]}
    assert ("Latakia", "region") in kinds and ("Qalaat al-Madiq", "town") in kinds
    for row in rows[1:]:
        assert (row[2] == "") == (row[1] not in ("town", "point"))


def test_dateline_is_recorded_never_an_event_place(tmp_path, capsys):
    article = copy_article(tmp_path, "bartella-2016-10-23.txt")
    draft, mentions = tmp_path / "d.yaml", tmp_path / "m.csv"
    assert run(capsys, "draft", article, "-o", draft, "--mentions", mentions)[0] == 0
    data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert data["draft"]["dateline"].startswith("BARTELLA")
    assert all(e.get("place", {}).get("name") != "BARTELLA" for e in data["events"])
    with mentions.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["mention"], r["lat"]) for r in rows if r["kind"] == "dateline"] == [("BARTELLA", "")]


def test_missing_publication_date_is_a_clear_error_and_published_overrides(tmp_path, capsys):
    article = tmp_path / "a.txt"
    article.write_text(
        "source: Wire\n\nSyrian government forces captured the town of Mayadin on Sunday.\n", encoding="utf-8"
    )
    draft = tmp_path / "d.yaml"
    code, _out, err = run(capsys, "draft", article, "-o", draft)
    assert code == 1
    assert err.startswith(f"{article}:1: published: no publication date")
    assert "Traceback" not in err and not draft.exists()
    code, _out, err = run(capsys, "draft", article, "--published", "2017-10-26", "-o", draft)
    assert code == 0, err
    (event,) = yaml.safe_load(draft.read_text(encoding="utf-8"))["events"]
    assert event["date"]["day"].isoformat() == "2017-10-22"
    assert event["actors"] == [{"faction": "syrian-government", "role": "actor"}]


def test_inputs_are_never_overwritten(tmp_path, capsys):
    article = copy_article(tmp_path, "nabatieh-2024-02-15.txt")
    before = article.read_bytes()
    code, _, err = run(capsys, "draft", article, "-o", article)
    assert code == 1 and "refusing to overwrite" in err
    code, _, err = run(capsys, "draft", article, "-o", tmp_path / "d.yaml", "--mentions", article)
    assert code == 1 and "refusing to overwrite" in err
    assert article.read_bytes() == before


def test_actors_come_from_the_events_file_given(tmp_path, capsys):
    events = tmp_path / "vocab.yaml"
    bundled = yaml.safe_load((Path(__file__).parents[1] / "events.yaml").read_text(encoding="utf-8"))
    bundled["factions"]["peshmerga"] = {
        "name": "Kurdish Peshmerga",
        "aliases": ["Kurdish forces", "Kurdish peshmerga fighters"],
        "side": "Kurdish",
        "colour": "#56B4E9",
    }
    shutil.copytree(Path(__file__).parents[1] / "seeds", tmp_path / "seeds")
    events.write_text(yaml.safe_dump(bundled, sort_keys=False, allow_unicode=True), encoding="utf-8")
    article = copy_article(tmp_path, "bashiqa-2016-11-08.txt")
    draft = tmp_path / "d.yaml"
    code, _, err = run(capsys, "draft", article, "--events", events, "-o", draft)
    assert code == 0, err
    data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert "peshmerga" in data["factions"]
    assert not any("Kurdish" in a for a in data["draft"].get("unknown_actors", []))
    assert run(capsys, "validate", draft)[0] == 0


def test_console_script_runs_without_traceback(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Just text.\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "conflictmap_cli", "draft", str(article), "-o", str(tmp_path / "d.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "published: no publication date" in result.stderr and "Traceback" not in result.stderr
