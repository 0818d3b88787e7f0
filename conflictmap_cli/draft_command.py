"""``conflictmap draft``: an article in, a draft events file (and a table of place mentions) out."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from conflictmap_cli.common import EXIT_INVALID, EXIT_OK

EPILOG = """\
The article is plain text. A header block of `key: value` lines before the first blank line is read
(`published: YYYY-MM-DD`, `source:`, `title:`, `url:`); --published overrides its date, and an
article with neither is refused. The draft cites the article by a path relative to the draft, so
`conflictmap validate DRAFT.yaml` checks every quote against it."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (write YYYY-MM-DD)") from None


def register(sub: Any) -> None:
    p = sub.add_parser(
        "draft",
        help="propose a draft events file from a plain-text article (places, dates, actors, quotes)",
        description="Read a plain-text news article and propose one event per sentence that reports something "
        "happening: typed, dated against the publication date, placed with the offline gazetteer, actors matched "
        "to the factions of an events file, each quoting its sentence. Every event is marked as a draft.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("article", type=Path, metavar="ARTICLE.txt", help="the article, plain UTF-8 text")
    p.add_argument("--published", type=_date, metavar="YYYY-MM-DD", help="publication date (overrides the header)")
    p.add_argument(
        "--events",
        type=Path,
        metavar="EXISTING.yaml",
        help="events file whose factions and aliases name the actors (default: the bundled events.yaml)",
    )
    p.add_argument("-o", "--output", type=Path, required=True, metavar="DRAFT.yaml", help="the draft to write")
    p.add_argument(
        "--mentions",
        type=Path,
        metavar="MENTIONS.csv",
        help="also write every place mention: mention, kind, lat, lon, place_id, paragraph, start, end, context",
    )
    p.set_defaults(func=cmd_draft)


def cmd_draft(args: argparse.Namespace) -> int:
    from conflictmap.draft import draft_from_article, read_article
    from conflictmap.draft.build import relative_file
    from conflictmap.draft.write import write_draft, write_mentions
    from conflictmap.events import load_events
    from conflictmap.output import check_distinct, check_target
    from conflictmap.paths import bundled_events_path

    events_path = args.events or bundled_events_path()
    protect = [args.article, events_path]
    check_distinct(args.output, args.mentions)
    check_target(args.output, protect)
    if args.mentions:
        check_target(args.mentions, protect)
    article = read_article(args.article, args.published)
    factions = load_events(events_path).factions
    draft = draft_from_article(
        article, factions, document_id="article", document_file=relative_file(args.article, args.output)
    )
    if not draft.events:
        print(
            f"{args.article}: no sentence reports an event the drafter recognises; nothing written",
            file=sys.stderr,
        )
        return EXIT_INVALID
    write_draft(draft, args.output, protect)
    if args.mentions:
        write_mentions(draft.mentions, args.mentions, protect)
    towns = sum(1 for m in draft.mentions if m.kind == "town")
    print(
        f"{args.output}: {len(draft.events)} proposed events, {towns} town mentions placed, "
        f"{len(draft.unknown_actors)} unknown actors listed in the draft header"
    )
    return EXIT_OK
