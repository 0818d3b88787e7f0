"""Replacing a store survives SIGKILL at every step, and a store that does not match its manifest is refused.

Each case runs a real ``conflictmap import`` process that kills itself with
SIGKILL at one step of the replacement (``CONFLICTMAP_KILL_AT``, see
``conflictmap.store._fault_point``), on the atomic-exchange path and on the
portable two-rename path (``CONFLICTMAP_NO_EXCHANGE``). Afterwards a complete
store, old or new, must be at the path: at once where the step is atomic, and
after the next open where the portable path left the old store aside; and
the next import, even one that stops at a bad row, must not delete it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conflictmap.importers import import_file
from conflictmap.importers.run import BadRowError
from conflictmap.pipeline import load_dataset
from conflictmap.store import StoreError, load_store, verify_store, write_store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).parent / "fixtures" / "acled_sample.csv"

# (step, exchange available): the steps each replacement path goes through, in order.
STEPS = [
    ("appended", True),
    ("built", True),
    ("exchanged", True),
    ("appended", False),
    ("built", False),
    ("moved-aside", False),
    ("renamed", False),
]


def _import_killed_at(step: str, exchange: bool, source: Path, target: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, CONFLICTMAP_KILL_AT=step, PYTHONPATH=str(ROOT))
    if not exchange:
        env["CONFLICTMAP_NO_EXCHANGE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "conflictmap_cli", "import", str(source), "-o", str(target), "--on-error", "skip"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _titles(target: Path) -> str:
    return json.loads((target / "manifest.json").read_text())["title"]


@pytest.fixture(scope="module")
def old_store(tmp_path_factory) -> Path:
    """A complete store of the bundled events file: the 'old' store every kill must not lose."""
    path = tmp_path_factory.mktemp("old") / "store"
    write_store(load_dataset(ROOT / "events.yaml"), path)
    return path


@pytest.mark.parametrize(("step", "exchange"), STEPS, ids=[f"{s}-{'exchange' if e else 'portable'}" for s, e in STEPS])
def test_a_kill_at_any_step_leaves_a_complete_store(step, exchange, old_store, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(old_store, target)
    old_title = _titles(target)
    run = _import_killed_at(step, exchange, SAMPLE, target)
    assert run.returncode == -signal.SIGKILL, run.stderr
    if step != "moved-aside":  # every other instant has a complete store at the path, untouched by any open
        verify_store(target)
    # The next open recovers an interrupted replacement, then removes the dead import's leftovers.
    dataset = load_dataset(target)
    verify_store(target)
    assert _titles(target) in (old_title, f"{SAMPLE.name} (ACLED)")
    assert len(dataset.events) in (14, 6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"], "leftovers of the killed import remain"


def test_an_import_that_stops_at_a_bad_row_after_a_kill_keeps_the_old_store(old_store, tmp_path):
    """The issue's sequence: a kill between the two renames, then an import that writes nothing."""
    target = tmp_path / "store"
    shutil.copytree(old_store, target)
    run = _import_killed_at("moved-aside", False, SAMPLE, target)
    assert run.returncode == -signal.SIGKILL
    assert not target.exists()  # the portable path's one gap: the old store is aside, complete
    with pytest.raises(BadRowError):
        import_file(SAMPLE, target, on_error="fail", progress=False)
    verify_store(target)  # put back by the import before it started, and not swept away
    assert len(load_store(target).events) == 14


def test_a_hidden_leftover_is_named_for_what_it_is(old_store, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(old_store, target)
    leftover = tmp_path / ".store.tmp-999999-0123abcd"
    leftover.mkdir()
    with pytest.raises(StoreError, match=r"interrupted, not a store to open; open .*store"):
        load_dataset(leftover)


def test_a_table_from_another_store_is_refused(old_store, tmp_path):
    """The issue's case: another import's events table copied in while the manifest says otherwise."""
    import_file(SAMPLE, tmp_path / "other", on_error="skip", progress=False, on_problem=lambda p: None)
    target = tmp_path / "store"
    shutil.copytree(old_store, target)
    shutil.copy(tmp_path / "other" / "events.parquet", target / "events.parquet")
    with pytest.raises(StoreError, match=r"events\.parquet: has 6 rows but the store's manifest says 14"):
        load_dataset(target)


def test_an_edited_table_with_the_same_rows_is_refused(old_store, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(old_store, target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["tables"]["sources"]["sha256"] = "0" * 64
    (target / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match=r"sources\.parquet: its SHA-256 does not match"):
        load_store(target)


def test_serve_refuses_a_store_that_does_not_match_its_manifest(old_store, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(old_store, target)
    (target / "actors.parquet").write_bytes((target / "actors.parquet").read_bytes()[:-100])
    run = subprocess.run(
        [sys.executable, "-m", "conflictmap_cli", "serve", str(target), "--port", "8793"],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert f"{target / 'actors.parquet'}: cannot read" in run.stderr


def test_a_store_replaced_while_it_is_being_read_is_read_again(old_store, tmp_path, monkeypatch):
    """A server opening the store while an import swaps a new one in must not mix the two stores' tables."""
    import conflictmap.store as store

    target = tmp_path / "store"
    shutil.copytree(old_store, target)
    real = store._read_table
    swapped = []

    def read_while_an_import_lands(path, name):
        if name == "actors" and not swapped:  # events already read from the old store
            swapped.append(name)
            import_file(SAMPLE, target, on_error="skip", progress=False, on_problem=lambda p: None)
        return real(path, name)

    monkeypatch.setattr(store, "_read_table", read_while_an_import_lands)
    dataset = load_store(target)
    assert swapped and len(dataset.events) == 6
    assert set(dataset.actors["event_id"]) <= set(dataset.events.index)


def test_a_start_hashes_only_tables_changed_since_the_import_hashed_them(old_store, tmp_path, monkeypatch):
    """load_store skips the SHA-256 of a table still stamped as hashed (same size, time and inode); a byte
    changed in place (same size) changes its time and is hashed and refused; verify_store always hashes."""
    import conflictmap.store as store

    target = tmp_path / "store"
    import_file(SAMPLE, target, on_error="skip", progress=False, on_problem=lambda p: None)
    hashed = []
    real = store._sha256
    monkeypatch.setattr(store, "_sha256", lambda path: hashed.append(path.name) or real(path))
    load_store(target)
    assert hashed == []
    verify_store(target)
    assert len(hashed) == len(store.TABLES)
    hashed.clear()
    file = target / "sources.parquet"
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    time.sleep(0.01)
    with open(file, "r+b") as f:  # in place: the same inode and size
        f.write(bytes(data))
    with pytest.raises(StoreError, match=r"sources\.parquet: its SHA-256 does not match"):
        load_store(target)
    assert hashed == ["sources.parquet"]
