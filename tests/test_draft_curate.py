"""From a draft to a curated copy, without a browser: decisions applied, names refused, text escaped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conflictmap.draft.curate import CurationError, Decision, curated, read_draft, save_curated, target_for
from conflictmap.events import load_events
from conflictmap_cli import main
from dashboard.app import create_app

ARTICLES = Path(__file__).parent / "fixtures" / "articles"


@pytest.fixture
def draft_path(tmp_path, capsys) -> Path:
    article = tmp_path / "bashiqa.txt"
    shutil.copyfile(ARTICLES / "bashiqa-2016-11-08.txt", article)
    path = tmp_path / "draft.yaml"
    assert main(["draft", str(article), "-o", str(path)]) == 0
    capsys.readouterr()
    return path


def test_accepted_events_edited_dropped_ones_gone(draft_path):
    draft = read_draft(draft_path)
    assert draft is not None
    first, second, *rest = (e["id"] for e in draft["events"])
    decisions = {
        first: Decision(
            status="accept",
            type="battle/armed-clash",
            actors="daesh:target",
            start="2016-11-06",
            end="2016-11-07",
            precision="range",
        ),
        second: Decision(status="accept", place="Bashiqa", place_precision="town"),
        **{r: Decision(status="drop") for r in rest},
    }
    values = curated(draft, decisions)
    assert "draft" not in values and values["title"].startswith("Curated from")
    one, two = values["events"]
    assert (one["type"], one["sub_type"], one["actors"]) == (
        "battle",
        "armed-clash",
        [{"faction": "daesh", "role": "target"}],
    )
    assert (str(one["date"]["start"]), str(one["date"]["end"]), one["date"]["precision"]) == (
        "2016-11-06",
        "2016-11-07",
        "range",
    )
    assert one["date"]["basis"].endswith("Edited by the analyst.")
    assert two["place"] == {"name": "Bashiqa", "precision": "town"} or two["place"]["name"] == "Bashiqa"
    assert not any(e["notes"].startswith("DRAFT") for e in values["events"])
    assert set(values["factions"]) == {a["faction"] for e in values["events"] for a in e["actors"]}
    saved = save_curated(draft_path, values, "bashiqa-curated.yaml")
    assert [e["id"] for e in load_events(saved).events] == [first, second]


def test_nothing_accepted_bad_names_and_invalid_edits_are_refused(draft_path):
    draft = read_draft(draft_path)
    assert draft is not None
    with pytest.raises(CurationError, match="accept at least one"):
        curated(draft, {})
    for name in ("draft.yaml", "../x.yaml", "x.txt", "sub/x.yaml", ""):
        with pytest.raises(CurationError):
            target_for(draft_path, name)
    first = draft["events"][0]["id"]
    values = curated(draft, {first: Decision(status="accept", actors="nobody:actor", start="yesterday")})
    with pytest.raises(CurationError, match="do not validate") as caught:
        save_curated(draft_path, values, "bad.yaml")
    assert "unknown faction 'nobody'" in str(caught.value) and "not a date" in str(caught.value)
    assert not (draft_path.parent / "bad.yaml").exists()
    assert sorted(p.name for p in draft_path.parent.iterdir()) == ["bashiqa.txt", "draft.yaml"]


def test_review_page_escapes_article_and_draft_text(tmp_path, capsys):
    article = tmp_path / "a.txt"
    article.write_text(
        "published: 2017-10-26\nsource: <b>Wire</b>\n\n"
        'Syrian government forces captured the town of Mayadin on Sunday <script>alert("x")</script> '
        "after <img src=x onerror=alert(1)> clashes.\n",
        encoding="utf-8",
    )
    path = tmp_path / "draft.yaml"
    assert main(["draft", str(article), "-o", str(path)]) == 0
    capsys.readouterr()
    client = create_app(path).server.test_client()
    page = client.get("/draft").get_data(as_text=True)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page and "<mark>" in page
    assert "DRAFT" in page
    assert "draft-banner" in client.get("/_dash-layout").get_data(as_text=True)


def test_a_curated_file_gets_no_banner_and_no_review_page():
    client = create_app(Path(__file__).parents[1] / "events.yaml").server.test_client()
    assert "draft-banner" not in client.get("/_dash-layout").get_data(as_text=True)
    assert "review-form" not in client.get("/draft").get_data(as_text=True)  # Dash's map page, for any path
