"""geodata.prebuilt: a slow build kept on disk, read back only while everything it was built from is unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geodata.gazetteer import default_gazetteer, load_gazetteer
from geodata.prebuilt import KEEP_BUILDS, STALE_TEMPORARY_S, cached_build

ROOT = Path(__file__).resolve().parent.parent


class Builder:
    """Counts its builds; builds a dict naming the inputs' contents."""

    def __init__(self, *inputs: Path) -> None:
        self.inputs, self.builds = inputs, 0

    def __call__(self) -> dict:
        self.builds += 1
        return {p.name: p.read_text() for p in self.inputs}


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "places.csv"
    path.write_text("id,name\n1,Raqqa\n")
    return path


def built_once(source: Path, folder: Path) -> tuple[Builder, Path]:
    """A builder that has built once into ``folder``, and the file it was kept in."""
    build = Builder(source)
    cached_build("thing", [source], build, folder)
    (kept,) = folder.glob("thing-*.pickle")
    return build, kept


def test_a_second_run_reads_what_the_first_built(tmp_path, source):
    build = Builder(source)
    first = cached_build("thing", [source], build, tmp_path / "cache")
    again = cached_build("thing", [source], build, tmp_path / "cache")
    assert first == again == {"places.csv": "id,name\n1,Raqqa\n"} and build.builds == 1


def test_a_changed_input_is_rebuilt_never_read_stale(tmp_path, source):
    build = Builder(source)
    cached_build("thing", [source], build, tmp_path / "cache")
    source.write_text("id,name\n1,Ar-Raqqah\n")
    assert cached_build("thing", [source], build, tmp_path / "cache") == {"places.csv": "id,name\n1,Ar-Raqqah\n"}
    assert build.builds == 2


def test_a_damaged_file_is_rebuilt_and_replaced(tmp_path, source):
    build, kept = built_once(source, tmp_path / "cache")
    kept.write_bytes(kept.read_bytes()[:10])  # a truncated write from some other tool
    assert cached_build("thing", [source], build, tmp_path / "cache") == {"places.csv": "id,name\n1,Raqqa\n"}
    assert cached_build("thing", [source], build, tmp_path / "cache") == {"places.csv": "id,name\n1,Raqqa\n"}
    assert build.builds == 2


def test_a_path_that_is_not_a_folder_costs_only_the_time(tmp_path, source):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    build = Builder(source)
    assert cached_build("thing", [source], build, blocker / "cache") == {"places.csv": "id,name\n1,Raqqa\n"}
    assert build.builds == 1


def test_a_file_others_could_have_written_is_not_unpickled(tmp_path, source):
    build, kept = built_once(source, tmp_path / "cache")
    kept.chmod(0o666)
    cached_build("thing", [source], build, tmp_path / "cache")
    assert build.builds == 2


def test_the_newest_builds_are_kept_and_left_temporaries_removed(tmp_path, source):
    folder = tmp_path / "cache"
    build = Builder(source)
    for k in range(KEEP_BUILDS + 2):
        source.write_text(f"id,name\n{k},Raqqa\n")
        cached_build("thing", [source], build, folder)
        time.sleep(0.01)  # distinct modification times
    left = folder / "thing-0123.tmp"
    left.write_bytes(b"half")
    old = time.time() - STALE_TEMPORARY_S - 60
    os.utime(left, (old, old))
    fresh = folder / "thing-4567.tmp"  # another process is writing it now
    fresh.write_bytes(b"half")
    source.write_text("id,name\nlast,Raqqa\n")
    cached_build("thing", [source], build, folder)
    assert len(list(folder.glob("thing-*.pickle"))) == KEEP_BUILDS
    assert not left.exists() and fresh.exists()
    assert cached_build("thing", [source], build, folder) == {"places.csv": "id,name\nlast,Raqqa\n"}
    assert build.builds == KEEP_BUILDS + 3


def test_an_unreadable_input_is_left_to_the_build_to_report(tmp_path):
    def build():
        raise FileNotFoundError("the build names the missing file itself")

    with pytest.raises(FileNotFoundError, match="names the missing file"):
        cached_build("thing", [tmp_path / "missing.csv"], build, tmp_path / "cache")


def test_the_packaged_gazetteer_read_back_answers_as_the_one_built():
    built, kept = load_gazetteer(), default_gazetteer()
    assert kept.df.equals(built.df)
    assert kept.exact == built.exact and kept.alternate == built.alternate
    assert kept.exact_folded == built.exact_folded
    assert kept.focus.by_key == built.focus.by_key and kept.focus.fuzzy_keys == built.focus.fuzzy_keys
    assert kept.focus.by_consonants == built.focus.by_consonants
    assert kept.key_index("TR").by_key == built.key_index("TR").by_key  # a country built on demand


def test_a_second_process_validates_without_building_the_gazetteer(tmp_path):
    """The second ``conflictmap validate`` reads the built indexes: it never calls build_index."""
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    probe = (
        "import sys, geodata.gazetteer as g\n"
        "built = []\n"
        "real = g.build_index\n"
        "g.build_index = lambda *a, **k: built.append(1) or real(*a, **k)\n"
        "from conflictmap_cli import main\n"
        "code = main(['validate', sys.argv[1]])\n"
        "print('builds', len(built))\n"
        "sys.exit(code)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe, str(ROOT / "events.yaml")], env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert [r.stdout.splitlines()[-1] for r in runs] == ["builds 1", "builds 0"]
    assert list((tmp_path / "xdg" / "conflictmap" / "built").glob("gazetteer-*.pickle"))


def test_an_aho_corasick_automaton_read_back_finds_what_the_built_one_finds(tmp_path, source):
    """The drafter keeps its automaton this way (conflictmap.draft.places.gazetteer_automaton)."""
    import ahocorasick

    def build():
        automaton = ahocorasick.Automaton()
        for key in ("raqqa", "deir ez zor", "mayadin", "al omar"):
            automaton.add_word(key, key)
        automaton.make_automaton()
        return automaton

    text = "forces took the al omar field east of mayadin, south of deir ez zor, far from raqqa"
    built = cached_build("automaton", [source], build, tmp_path / "cache")
    kept = cached_build("automaton", [source], lambda: pytest.fail("built again"), tmp_path / "cache")
    assert list(kept.iter(text)) == list(built.iter(text)) and len(list(kept.iter(text))) == 4


def test_the_drafters_automaton_is_kept_beside_the_gazetteer():
    from conflictmap.draft.places import automaton_hits, gazetteer_automaton
    from geodata.prebuilt import built_dir

    gazetteer_automaton.cache_clear()  # whatever this process built earlier: read (or build) it here
    gazetteer_automaton()
    assert list(built_dir().glob("draft-automaton-*.pickle"))
    text = "Government forces took Mayadin."
    assert [text[a:b] for a, b in automaton_hits(text)] == ["Mayadin"]
