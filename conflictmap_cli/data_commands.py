"""``validate``, ``geocode`` and ``locate``: commands over the core pipeline alone (no Dash app).

Each parses its arguments, calls one library function and prints; typed
errors become ``FILE:LINE: field: message`` lines in :func:`conflictmap_cli.main`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from conflictmap.errors import EventsFileError
from conflictmap_cli.common import EXIT_INVALID, EXIT_OK, add_progress_flag, progress_for

LOCATE_EPILOG = """\
A name may carry its country after a last comma: "Abu Kamal, Syria", "Mosul, IQ"
(a country name, or an ISO 3166 two- or three-letter code).
Plain output: one line per name, tab-separated: the query, then the point and the
gazetteer entry, or "ambiguous"/"unresolved" with the candidates found."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "validate",
        help="check events and briefing files; prints FILE:LINE: field: message per problem",
        description="Check events files and briefing files. Every problem is printed as FILE:LINE: field: message; "
        "the exit status is 1 if any file has one.",
    )
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="an events file (format: conflictmap/events@1) or a briefing file (conflictmap/briefing@1)",
    )
    p.add_argument(
        "--events", type=Path, help="the events file briefings refer to (default: events.yaml above briefings/)"
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "geocode",
        help="write the geocoded events table (.csv, .geojson or .parquet)",
        description="Validate and geocode an events file offline, and write one row per event with its coordinates "
        "and their provenance. The input is never rewritten.",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the events file to geocode")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT",
        help="table to write; its suffix picks the format: .csv, .geojson (or .json) or .parquet; "
        "missing folders are created",
    )
    p.add_argument("--report", type=Path, metavar="CSV", help="also write unresolved/ambiguous places as CSV")
    _online_args(p)
    add_progress_flag(p)
    p.set_defaults(func=cmd_geocode)

    p = sub.add_parser(
        "locate",
        help="geocode place names with the offline gazetteer",
        description="Look place names up in the offline gazetteer (GeoNames extract and the curated supplement).",
        epilog=LOCATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "names", nargs="+", metavar="NAME", help='a place name, optionally with its country: "Abu Kamal, Syria"'
    )
    p.add_argument(
        "--country",
        metavar="CC",
        help="ISO 3166 two-letter country code, e.g. SY: only places in that country are answers",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per name, one per line")
    _online_args(p)
    p.set_defaults(func=cmd_locate)


def _online_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--online",
        action="store_true",
        help="fall back to OpenStreetMap Nominatim for names the gazetteer lacks (needs network; off by default)",
    )
    p.add_argument(
        "--cache",
        type=Path,
        default=None,
        metavar="DIR",
        help=(
            "online geocoding cache, a folder (default: ~/.cache/conflictmap/geocode/); an older"
            " one-file cache (FILE.sqlite) given here is read into FILE/ once"
        ),
    )


def cmd_validate(args: argparse.Namespace) -> int:
    from conflictmap.briefing import is_briefing_file, load_briefing
    from conflictmap.events import load_events
    from conflictmap.table import Dataset, dataset_from_events_file

    status = EXIT_OK
    datasets: dict[Path, Dataset] = {}  # each events file is read once, however many briefings use it

    def dataset_for(events_path: Path) -> Dataset:
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
                for warning in ef.warnings:
                    print(warning, file=sys.stderr)
                kind = f"{len(ef.events)} events, {len(ef.factions)} factions"
                if ef.warnings:
                    kind += f", {len(ef.warnings)} warning{'s' if len(ef.warnings) != 1 else ''}"
        except EventsFileError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            status = EXIT_INVALID
            continue
        print(f"{path}: valid ({kind})")
    return status


def cmd_geocode(args: argparse.Namespace) -> int:
    from conflictmap import progress
    from conflictmap.output import atomic_path, check_distinct, check_target, input_files, to_csv, write_table
    from conflictmap.pipeline import load_dataset

    check_distinct(args.output, args.report)
    with progress.reporting(progress_for(args)), progress.task("Geocoding places") as advance:
        resolver = _resolver(args)

        def counted(name: str, country: str | None = None, gazetteer_id: str | None = None) -> dict:
            record = resolver(name, country, gazetteer_id)
            advance()
            return record

        dataset = load_dataset(args.file, resolver=counted)
    protect = input_files(dataset, extra=[Path(args.file), _online_cache_path(args)])
    if args.report:
        check_target(args.report, protect)  # refused before anything is written
    fmt = write_table(dataset.events.drop(columns=["search_text"]), args.output, protect=protect)
    placed = int(dataset.events["map_lat"].notna().sum())
    print(f"{args.output}: {len(dataset.events)} events ({placed} placed) written as {fmt}")
    report = dataset.report
    for row in report.to_dict(orient="records"):
        detail = f": {row['candidates']}" if row["candidates"] else ""
        print(
            f"{args.file}:{row['line']}: events[{row['event_id']}].{row['field']}: "
            f"{row['status']} place {row['name']!r}{detail}",
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


def _online_cache_path(args: argparse.Namespace) -> Path | None:
    """The online geocoding cache a command reads (so no output may replace it), or None."""
    if not getattr(args, "online", False):
        return None
    if args.cache:
        return Path(args.cache)
    from geodata.cache import default_cache_path

    return default_cache_path()


def cmd_locate(args: argparse.Namespace) -> int:
    import geodata
    from geodata.countries import require_country_code, split_country

    try:
        country = require_country_code(args.country) if args.country else None
    except geodata.InvalidQueryError as exc:
        print(f"conflictmap locate: --country: {exc}", file=sys.stderr)
        return EXIT_INVALID
    for query in args.names:
        try:
            name, named_country = split_country(query)
            if country and named_country and named_country != country:
                raise geodata.InvalidQueryError(f"{query!r} names country {named_country} but --country is {country}")
            record = geodata.resolve(name, country=named_country or country).as_record()
            record["query"] = query
        except geodata.InvalidQueryError as exc:
            # One bad name must not cost the others their answers: still one object per name.
            record = unresolved_record(query, str(exc))
            name, named_country = query, None
        if args.online and record["status"] == "unresolved" and "error" not in record:
            record = _online_record(name, args, offline=record, country=named_country or country)
            record["query"] = query
        if args.json:
            print(json.dumps(record, ensure_ascii=False, default=str), flush=True)
        else:
            print(locate_line(record), flush=True)
    return EXIT_OK


def unresolved_record(name: str, error: str) -> dict[str, Any]:
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


def _online_record(name: str, args: argparse.Namespace, offline: dict, country: str | None = None) -> dict:
    """Ask Nominatim; if the network or service fails, say so and keep the offline answer."""
    import geodata.online as online
    from geodata.errors import GeocodingError

    try:
        return online.resolve_online(name, country=country, cache_path=args.cache).as_record()
    except GeocodingError as exc:
        print(f"conflictmap: online geocoding unavailable for {name!r}: {exc}", file=sys.stderr)
        return offline


def locate_line(r: dict[str, Any]) -> str:
    """One tab-separated line per name; ambiguous and unresolved names list their candidates."""
    if r["status"] == "resolved":
        where = f"{r['lat']:.5f}, {r['lon']:.5f}"
        how = f"[{r['source']}:{r['id']}, {r['match']}, score {r['score']:.2f}]"
        return f"{r['query']}\t{where}\t{r['name']} ({r['country']}) {how}"
    if r.get("error"):
        return f"{r['query']}\tunresolved: {r['error']}"
    candidates = [c for c in r.get("candidates") or [] if c.get("lat") is not None]
    if not candidates:
        return f"{r['query']}\t{r['status']}: no candidates"
    options = "; ".join(f"{c['name']} ({c['country']}) {c['lat']:.3f},{c['lon']:.3f}" for c in candidates)
    return f"{r['query']}\t{r['status']}: candidates {options}"


def _resolver(args: argparse.Namespace) -> Any:
    from conflictmap.geocode import offline_resolver

    if not getattr(args, "online", False):
        return offline_resolver

    def resolver(name: str, country: str | None = None, gazetteer_id: str | None = None) -> dict:
        record = offline_resolver(name, country, gazetteer_id)
        if record["status"] == "unresolved" and not gazetteer_id:
            return _online_record(name, args, offline=record, country=country)
        return record

    return resolver
