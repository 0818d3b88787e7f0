"""The ``conflictmap`` command: a thin layer over the importable pipeline.

Each subcommand parses arguments, calls one library function and turns typed
errors into ``FILE:LINE: field: message`` lines and an exit code. No
traceback reaches the user for bad input; a bug still shows one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from conflictmap.errors import ConflictmapError, EventsFileError

EXIT_OK, EXIT_INVALID = 0, 1


def default_events_path() -> Path:
    """``events.yaml`` in the current folder, else the one bundled beside the package."""
    here = Path("events.yaml")
    if here.exists():
        return here
    return Path(__file__).resolve().parent.parent / "events.yaml"


def cmd_validate(args) -> int:
    from conflictmap.briefing import is_briefing_file, load_briefing
    from conflictmap.events import load_events
    from conflictmap.table import dataset_from_events_file

    status = EXIT_OK
    datasets: dict[Path, object] = {}  # each events file is read once, however many briefings use it

    def dataset_for(events_path: Path):
        key = events_path.resolve()
        if key not in datasets:
            datasets[key] = dataset_from_events_file(load_events(events_path))
        return datasets[key]

    for path in args.files:
        try:
            if is_briefing_file(path):
                events_path = args.events or path.resolve().parent.parent / "events.yaml"
                briefing = load_briefing(path, dataset_for(events_path))
                kind = f"briefing, {len(briefing.steps)} steps over {events_path}"
            else:
                ef = load_events(path)
                kind = f"{len(ef.events)} events, {len(ef.factions)} factions"
        except EventsFileError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            status = EXIT_INVALID
            continue
        print(f"{path}: valid ({kind})")
    return status


def cmd_geocode(args) -> int:
    from conflictmap.output import (
        atomic_path,
        check_distinct,
        check_target,
        input_files,
        to_csv,
        write_table,
    )
    from conflictmap.pipeline import load_dataset

    check_distinct(args.output, args.report)
    dataset = load_dataset(args.file, resolver=_resolver(args))
    protect = input_files(dataset, extra=[Path(args.file), _online_cache_path(args)])
    if args.report:
        check_target(args.report, protect)  # refused before anything is written
    fmt = write_table(dataset.events.drop(columns=["search_text"]), args.output, protect=protect)
    placed = int(dataset.events["map_lat"].notna().sum())
    print(f"{args.output}: {len(dataset.events)} events ({placed} placed) written as {fmt}")
    report = dataset.report
    for row in report.itertuples():
        detail = f": {row.candidates}" if row.candidates else ""
        print(
            f"{args.file}:{row.line}: events[{row.event_id}].{row.field}: {row.status} place {row.name!r}{detail}",
            file=sys.stderr,
        )
    if args.report:
        with atomic_path(Path(args.report), protect=protect) as tmp:
            to_csv(report, tmp)
    named = dataset.events["place_name"].notna() | dataset.events["dest_name"].notna()
    unplaced = named & dataset.events["map_lat"].isna()
    print(
        f"geocoding: {len(report)} place(s) unresolved or ambiguous, {int(unplaced.sum())} event(s) not on the map",
        file=sys.stderr,
    )
    return EXIT_OK


def _online_cache_path(args) -> Path | None:
    """The online geocoding cache a command reads (so no output may replace it), or None."""
    if not getattr(args, "online", False):
        return None
    if args.cache:
        return Path(args.cache)
    from geodata.cache import default_cache_path

    return default_cache_path()


def cmd_locate(args) -> int:
    import geodata

    for name in args.names:
        try:
            record = geodata.resolve(name, country=args.country).as_record()
        except geodata.InvalidQueryError as exc:
            # One bad name must not cost the others their answers: still one object per name.
            record = unresolved_record(name, str(exc))
        if args.online and record["status"] == "unresolved":
            record = _online_record(name, args, offline=record)
        if args.json:
            print(json.dumps(record, ensure_ascii=False, default=str), flush=True)
        else:
            print(_locate_line(record))
    return EXIT_OK


def unresolved_record(name: str, error: str) -> dict:
    return {
        "query": name,
        "status": "unresolved",
        "lat": None,
        "lon": None,
        "name": None,
        "country": None,
        "source": None,
        "id": None,
        "score": None,
        "match": None,
        "radius_km": None,
        "candidates": [],
        "error": error,
    }


def _online_record(name: str, args, offline: dict) -> dict:
    """Ask Nominatim; if the network or service fails, say so and keep the offline answer."""
    import geodata.online as online
    from geodata.errors import GeocodingError

    try:
        return online.resolve_online(name, country=args.country, cache_path=args.cache).as_record()
    except GeocodingError as exc:
        print(f"conflictmap: online geocoding unavailable for {name!r}: {exc}", file=sys.stderr)
        return offline


def _locate_line(r: dict) -> str:
    if r["status"] == "resolved":
        where = f"{r['lat']:.5f}, {r['lon']:.5f}"
        how = f"[{r['source']}:{r['id']}, {r['match']}, score {r['score']:.2f}]"
        return f"{r['query']}\t{where}\t{r['name']} ({r['country']}) {how}"
    if r["status"] == "ambiguous":
        options = "; ".join(f"{c['name']} ({c['country']}) {c['lat']:.3f},{c['lon']:.3f}" for c in r["candidates"])
        return f"{r['query']}\tambiguous: {options}"
    return f"{r['query']}\tunresolved"


def _resolver(args):
    from conflictmap.geocode import offline_resolver

    if not getattr(args, "online", False):
        return offline_resolver

    def resolver(name, country=None, gazetteer_id=None):
        record = offline_resolver(name, country, gazetteer_id)
        if record["status"] == "unresolved" and not gazetteer_id:
            return _online_record(name, args, offline=record)
        return record

    return resolver


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conflictmap", description="Curated conflict events as a linked, offline map and timeline."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check events and briefing files; prints FILE:LINE: field: message per problem")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument(
        "--events", type=Path, help="the events file briefings refer to (default: events.yaml above briefings/)"
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("geocode", help="write the geocoded events table (.csv, .geojson or .parquet)")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT")
    p.add_argument("--report", type=Path, help="also write unresolved/ambiguous places as CSV")
    _online_args(p)
    p.set_defaults(func=cmd_geocode)

    p = sub.add_parser("locate", help="geocode place names with the offline gazetteer")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--country", metavar="CC", help="ISO 3166 country code hint, e.g. SY")
    p.add_argument("--json", action="store_true", help="one JSON object per name, one per line")
    _online_args(p)
    p.set_defaults(func=cmd_locate)

    __import__("conflictmap.importers.command", fromlist=["register"]).register(sub)  # conflictmap import
    _register_app_commands(sub)
    return parser


def _online_args(p):
    p.add_argument(
        "--online",
        action="store_true",
        help="fall back to OpenStreetMap Nominatim for names the gazetteer lacks (needs network; off by default)",
    )
    p.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="online geocoding cache, an SQLite file (default: ~/.cache/conflictmap/geocode.sqlite)",
    )


def _register_app_commands(sub):
    """Commands that need the Dash app; registered here so --help lists them."""
    try:
        from dashboard.commands import register
    except ImportError:  # dashboard not installed: the pipeline CLI still works
        return
    register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `conflictmap locate ... | head`: the reader left; not an error
        sys.stderr.close()
        return EXIT_OK
    except EventsFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    except ConflictmapError as exc:
        print(f"conflictmap: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:
        if type(exc).__module__.startswith("geodata"):  # typed geocoding errors: a message, not a traceback
            print(f"conflictmap: {exc}", file=sys.stderr)
            return EXIT_INVALID
        raise


if __name__ == "__main__":
    sys.exit(main())
