"""How fast ACLED-size data imports and how fast the app's data loads from the store.

    python -m benchmarks.import_scale [--sizes 10000,100000,1000000] [--workdir /tmp/conflictmap-bench]
                                      [--naive-max 1000000]

For each size: a synthetic ACLED export (benchmarks/acled_synth.py, 0.01% bad
rows, cached in --workdir), then, each step in a fresh process so its peak
memory is its own:

- ``conflictmap import`` (conflictmap.importers.import_file, --on-error skip):
  time, rows/s, peak RSS, store size on disk;
- startup: ``load_dataset(STORE)``, the call the app makes at start: time and
  peak RSS (Python start-up and imports are reported apart);
- a free-text filter and a faction + one-month filter on the loaded store
  (conflictmap.view.filter_events), for scale;
- the naive baseline in the same run: ``pandas.read_csv`` and a per-row Python
  loop that validates each row and builds the same events/actors/sources
  tables (then written to Parquet with ``DataFrame.to_parquet``); its
  "startup" is the same loop without the write, since without a store every
  start re-reads the CSV. Ratios are naive / conflictmap.

Figures are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds of this process, all threads (less sensitive than wall time to a busy machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_import(csv_path: str, store: str) -> dict:
    from conflictmap.importers import import_file

    t, cpu = time.perf_counter(), _cpu_s()
    summary = import_file(csv_path, store, on_error="skip", on_problem=lambda p: None, progress=False)
    return {
        "seconds": time.perf_counter() - t,
        "cpu_s": _cpu_s() - cpu,
        "rss_mb": _peak_mb(),
        "read": summary.rows_read,
        "kept": summary.kept,
        "rejected": summary.rejected,
    }


def child_load(store: str) -> dict:
    started = time.perf_counter()
    import datetime as dt

    from conflictmap.pipeline import load_dataset
    from conflictmap.view import ViewState, filter_events

    imported, cpu = time.perf_counter(), _cpu_s()
    dataset = load_dataset(store)
    loaded, cpu = time.perf_counter(), _cpu_s() - cpu
    rss_loaded = _peak_mb()
    text = ViewState(query="shelled")
    window = ViewState(factions=("daesh",), date_from=dt.date(2019, 6, 1), date_to=dt.date(2019, 6, 30))
    filter_events(dataset, text), filter_events(dataset, window)  # first calls pay one-off set-up
    t = time.perf_counter()
    n_text = len(filter_events(dataset, text))
    text_s = time.perf_counter() - t
    t = time.perf_counter()
    n_window = len(filter_events(dataset, window))
    window_s = time.perf_counter() - t
    return {
        "imports_s": imported - started,
        "seconds": loaded - imported,
        "cpu_s": cpu,
        "rss_mb": rss_loaded,
        "events": len(dataset.events),
        "text_filter_s": text_s,
        "text_hits": n_text,
        "window_filter_s": window_s,
        "window_hits": n_window,
        "events_mb": dataset.events.memory_usage(deep=True).sum() / 1e6,
    }


def child_naive(csv_path: str, out: str | None) -> dict:
    """read_csv + a per-row Python loop building the same tables (the obvious way to write an importer)."""
    import datetime as dt
    import re

    import pandas as pd

    from conflictmap.importers.acled import ACLED_TYPES, DATE_BASIS, DATE_PRECISION, PLACE_PRECISION
    from conflictmap.importers.groups import INTER_BY_TEXT, UNGROUPED, load_groups
    from conflictmap.vocabulary import ACLED_LABEL, DEFAULT_RADIUS_KM, TYPE_LABELS

    t, cpu = time.perf_counter(), _cpu_s()
    groups = load_groups()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, on_bad_lines="skip")
    events, actors, sources, seen = [], [], [], set()
    bad = 0
    number = re.compile(r"^\s*[-+]?\d+(\.\d*)?\s*$")
    for i, r in enumerate(frame.itertuples(index=False)):
        try:
            try:
                day = dt.datetime.strptime(r.event_date, "%Y-%m-%d").date()
            except ValueError:
                day = dt.datetime.strptime(r.event_date, "%d %B %Y").date()
            tp, gp = int(r.time_precision), int(r.geo_precision)
            if tp not in DATE_PRECISION or gp not in PLACE_PRECISION:
                raise ValueError("precision")
            if not (number.match(r.latitude) and number.match(r.longitude)):
                raise ValueError("coordinates")
            lat, lon = float(r.latitude), float(r.longitude)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180) or int(r.fatalities) < 0 or not r.actor1:
                raise ValueError("range")
            kind = ACLED_TYPES[(r.event_type.casefold(), r.sub_event_type.casefold())]
            inter1 = INTER_BY_TEXT.get(r.inter1.casefold()) or int(r.inter1)
            inter2 = (INTER_BY_TEXT.get(r.inter2.casefold()) or int(r.inter2)) if r.actor2 else 0
            if r.event_id_cnty in seen:
                raise ValueError("duplicate")
        except (ValueError, KeyError):
            bad += 1
            continue
        seen.add(r.event_id_cnty)
        start = end = day
        if tp == 2:
            start, end = day - dt.timedelta(days=3), day + dt.timedelta(days=3)
        elif tp == 3:
            start = day.replace(day=1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        role2 = "target" if r.event_type in ("Violence against civilians", "Explosions/Remote violence") else "actor"
        named = [(r.actor1, inter1, "actor")]
        named += [(a.strip(), inter1, "actor") for a in r.assoc_actor_1.split(";") if a.strip()]
        if r.actor2:
            named.append((r.actor2, inter2, role2))
        named += [(a.strip(), inter2, role2) for a in r.assoc_actor_2.split(";") if a.strip()]
        factions = []
        for name, inter, role in named:
            faction = groups.group_of(name) or UNGROUPED[inter][0]
            factions.append(faction)
            actors.append(
                {"event_id": r.event_id_cnty, "faction": faction, "role": role, "event_row": len(events), "name": name}
            )
        title = f"{r.sub_event_type} in {r.location}: {r.actor1}" + (f"; {r.actor2}" if r.actor2 else "")
        precision = PLACE_PRECISION[gp]
        events.append(
            {
                "id": r.event_id_cnty,
                "title": title,
                "type": kind[0],
                "type_label": TYPE_LABELS[kind[0]],
                "sub_type": kind[1],
                "acled_type": ACLED_LABEL[kind],
                "date_start": start,
                "date_end": end,
                "date_precision": DATE_PRECISION[tp],
                "date_basis": DATE_BASIS[tp],
                "description": r.notes,
                "primary_faction": factions[0],
                "side": groups.faction_rows([factions[0]])[factions[0]]["side"],
                "factions": "|".join(dict.fromkeys(factions)),
                "place_name": r.location,
                "place_precision": precision,
                "place_lat": lat,
                "place_lon": lon,
                "place_radius_km": DEFAULT_RADIUS_KM[precision],
                "search_text": f"{title} {r.notes}".casefold(),
                "source_line": i + 2,  # record number: wrong after any multi-line notes field
                "fatalities": int(r.fatalities),
            }
        )
        sources.append({"event_id": r.event_id_cnty, "publisher": r.source, "note": r.source_scale})
    ev = pd.DataFrame(events)
    ev["date_start"] = pd.to_datetime(ev["date_start"])
    ev["date_end"] = pd.to_datetime(ev["date_end"])
    ev = ev.set_index("id", drop=False)
    ac, so = pd.DataFrame(actors), pd.DataFrame(sources)
    built = time.perf_counter()
    if out:
        Path(out).mkdir(exist_ok=True)
        ev.to_parquet(Path(out) / "events.parquet")
        ac.to_parquet(Path(out) / "actors.parquet")
        so.to_parquet(Path(out) / "sources.parquet")
    return {
        "seconds": time.perf_counter() - t,
        "cpu_s": _cpu_s() - cpu,
        "build_s": built - t,
        "rss_mb": _peak_mb(),
        "kept": len(ev),
        "rejected": bad,
    }


def _run_child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.import_scale", "--child", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/conflictmap-bench"))
    parser.add_argument("--naive-max", type=int, default=1_000_000, help="skip the naive baseline above this size")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        step, *rest = args.child
        result = {"import": child_import, "load": child_load, "naive": child_naive}[step](*rest)
        print(json.dumps(result))
        return 0

    args.workdir.mkdir(parents=True, exist_ok=True)
    import os

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        csv_path = args.workdir / f"acled-{size}.csv"
        if not csv_path.exists():
            bad = max(1, size // 10_000)
            subprocess.run(
                [sys.executable, "-m", "benchmarks.acled_synth", "--rows", str(size)]
                + ["--bad-rows", str(bad), "-o", str(csv_path)],
                check=True,
                cwd=ROOT,
            )
        store = args.workdir / f"store-{size}"
        shutil.rmtree(store, ignore_errors=True)
        imp = _run_child("import", str(csv_path), str(store))
        load = _run_child("load", str(store))
        naive = naive_load = None
        if size <= args.naive_max:
            naive_dir = args.workdir / f"naive-{size}"
            shutil.rmtree(naive_dir, ignore_errors=True)
            naive = _run_child("naive", str(csv_path), str(naive_dir))
            naive_load = {"seconds": naive["build_s"]}
            shutil.rmtree(naive_dir, ignore_errors=True)
        row = {
            "size": size,
            "csv_mb": csv_path.stat().st_size / 1e6,
            "import": imp,
            "load": load,
            "store_mb": _size_mb(store),
            "naive": naive,
            "naive_load": naive_load,
        }
        rows.append(row)
        _print_row(row)
    print()
    print(
        "Each step ran in its own process; RSS is that process's peak. Startup is the load_dataset(STORE) call"
        " (Python imports listed apart); the naive startup re-reads the CSV, as an app without a store must."
    )
    return 0


def _print_row(r: dict) -> None:
    imp, load, naive = r["import"], r["load"], r["naive"]
    print(f"\n== {r['size']:,} rows ({r['csv_mb']:.0f} MB CSV) ==")
    print(
        f"import       {imp['seconds']:7.1f} s  (cpu {imp['cpu_s']:.1f} s)  "
        f"{imp['read'] / imp['seconds']:>8,.0f} rows/s  "
        f"peak RSS {imp['rss_mb']:6.0f} MB  store {r['store_mb']:.0f} MB  "
        f"({imp['kept']:,} kept, {imp['rejected']:,} rejected)"
    )
    print(
        f"startup      {load['seconds']:7.2f} s  (cpu {load['cpu_s']:.1f} s; load_dataset, Python imports "
        f"{load['imports_s']:.1f} s apart)  "
        f"peak RSS {load['rss_mb']:6.0f} MB  events table {load['events_mb']:.0f} MB"
    )
    print(
        f"filters      text 'shelled' {load['text_filter_s'] * 1000:.0f} ms ({load['text_hits']:,} hits); "
        f"daesh in June 2019 {load['window_filter_s'] * 1000:.0f} ms ({load['window_hits']:,} hits)"
    )
    if naive:
        print(
            f"naive import {naive['seconds']:7.1f} s  (cpu {naive['cpu_s']:.1f} s)  "
            f"{r['size'] / naive['seconds']:>8,.0f} rows/s  "
            f"peak RSS {naive['rss_mb']:6.0f} MB  ({naive['kept']:,} kept, {naive['rejected']:,} rejected)"
        )
        print(f"naive start  {r['naive_load']['seconds']:7.1f} s  (read_csv + per-row loop, every start)")
        print(
            f"ratio        import {naive['seconds'] / imp['seconds']:.1f}x faster "
            f"(cpu {naive['cpu_s'] / imp['cpu_s']:.1f}x), "
            f"startup {r['naive_load']['seconds'] / load['seconds']:.1f}x faster, "
            f"import memory {naive['rss_mb'] / imp['rss_mb']:.1f}x less"
        )
    else:
        print("naive        skipped (--naive-max)")


if __name__ == "__main__":
    sys.exit(main())
