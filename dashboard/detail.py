"""The details panel for one event: everything an analyst needs to trust it.

Free text (title, how the date was derived, description, notes, quotes) is
shown up to :data:`TEXT_LIMIT` characters per field. An events file or a store
may hold a field of tens of megabytes; sent whole, selecting its event would
push it all through a callback into the page. Past the limit the field ends
with "… N more characters" and a *Show more* button that brings the next
:data:`TEXT_STEP` characters, up to :data:`TEXT_MOST` in the page; the rest
is named, with the line of the events file to read it from.
"""

from __future__ import annotations

from collections.abc import Mapping

from dash import html

from conflictmap.table import Dataset
from conflictmap.view import event_with_text
from conflictmap.vocabulary import TYPE_LABELS
from conflictmap.wording import date_text, faction_colour, faction_label

TEXT_LIMIT = 4_000  # characters of one field in the first response: a long description is ~1,000
TEXT_STEP = 50_000  # more characters per "Show more"
TEXT_MOST = 500_000  # the most the page ever holds of one field
MORE_BUTTON = "detail-more"

PRECISION_TEXT = {
    "point": "exact point",
    "town": "town or village (somewhere in it)",
    "area": "an area, approximate",
    "region": "a whole region, approximate",
    "country": "only the country",
}


def capped_text(text: object, field: str, event_id: str, shown: Mapping[str, int] | None = None) -> list:
    """``text`` up to the characters ``shown[field]`` allows (TEXT_LIMIT at first), then what is left.

    What is left is a *Show more* button (its id carries the field and how much it will show) or,
    past TEXT_MOST, a sentence saying how much is not shown.
    """
    if not isinstance(text, str):
        return [text]
    limit = min(max(int((shown or {}).get(field, TEXT_LIMIT)), TEXT_LIMIT), TEXT_MOST)
    if len(text) <= limit:
        return [text]
    rest = len(text) - limit
    out: list = [text[:limit], html.Span(f"… {rest:,} more characters", className="detail-rest muted")]
    if limit < TEXT_MOST:
        more = min(TEXT_STEP, rest, TEXT_MOST - limit)
        out.append(
            html.Button(
                f"Show {more:,} more",
                id={"type": MORE_BUTTON, "event": event_id, "field": field, "shown": limit + more},
                className="button detail-more",
            )
        )
    else:
        out.append(html.Span(" (too long to show here: read it in the events file)", className="muted"))
    return out


def shown_from_buttons(ids: list, clicked: Mapping | None) -> dict[str, int]:
    """How many characters of each field to show, from the *Show more* buttons on the page and the one clicked.

    Fields whose buttons were not clicked keep what they show (their button's count less one step).
    """
    shown: dict[str, int] = {}
    for button in ids or []:
        if isinstance(button, Mapping) and isinstance(button.get("field"), str):
            count = button.get("shown")
            if isinstance(count, int) and not isinstance(count, bool):
                shown[button["field"]] = max(TEXT_LIMIT, count - TEXT_STEP)
    if isinstance(clicked, Mapping) and isinstance(clicked.get("field"), str):
        count = clicked.get("shown")
        if isinstance(count, int) and not isinstance(count, bool):
            shown[clicked["field"]] = min(max(count, TEXT_LIMIT), TEXT_MOST)
    return shown


def event_detail(dataset: Dataset, event_id: str | None, shown: Mapping[str, int] | None = None) -> list:
    """The panel for ``event_id``; ``shown`` says how much of each long field to show (see capped_text)."""
    if not isinstance(event_id, str) or not event_id or event_id not in dataset.events.index:
        return [
            html.P(
                "Select an event on the map or the timeline to see its details and sources.", className="detail-empty"
            )
        ]
    row = event_with_text(dataset, event_id)  # a store's description is read from its file, for this row only
    actors = dataset.actors[dataset.actors["event_id"] == event_id]
    sources = dataset.sources[dataset.sources["event_id"] == event_id]
    return [
        html.H2(capped_text(row["title"], "title", event_id, shown), id="detail-title"),
        html.Dl(
            [
                html.Dt("When"),
                html.Dd(
                    [
                        date_text(row),
                        html.Br(),
                        html.Small(capped_text(row["date_basis"], "date_basis", event_id, shown), className="basis"),
                    ]
                ),
                html.Dt("Type"),
                html.Dd(
                    [
                        TYPE_LABELS.get(row["type"], row["type"]),
                        f" — {row['sub_type']}",
                        html.Small(f" (ACLED: {row['acled_type']})") if isinstance(row["acled_type"], str) else None,
                    ]
                ),
                *_place_items("Where", row, "place", event_id, shown),
                *_place_items("Towards", row, "dest", event_id, shown),
                html.Dt("Who"),
                html.Dd(html.Ul([_actor(dataset, a) for a in actors.itertuples()], className="actors")),
                html.Dt("Confidence"),
                html.Dd(row["confidence"]),
            ],
            className="facts",
        ),
        html.P(capped_text(row["description"], "description", event_id, shown), className="description"),
        html.H3("Sources"),
        *[_source(s, i, event_id, shown) for i, s in enumerate(sources.itertuples())],
        html.P(f"Event id: {event_id} (line {row['source_line']} of the events file)", className="event-id"),
    ]


def _place_items(label: str, row, prefix: str, event_id: str, shown: Mapping[str, int] | None) -> list:
    name = row[f"{prefix}_name"]
    if not isinstance(name, str):
        return (
            [html.Dt(label), html.Dd("No place given: shown on the timeline only.")]
            if prefix == "place" and not isinstance(row["dest_name"], str)
            else []
        )
    precision = PRECISION_TEXT.get(row[f"{prefix}_precision"], row[f"{prefix}_precision"])
    status = row.get(f"{prefix}_status")
    if status == "resolved":
        prov = (
            f"{row[f'{prefix}_lat']:.4f}, {row[f'{prefix}_lon']:.4f} ± {row[f'{prefix}_radius_km']:.0f} km — "
            f"{row[f'{prefix}_source']}"
            + (f" {row[f'{prefix}_gazetteer_id']}" if isinstance(row[f"{prefix}_gazetteer_id"], str) else "")
            + f", matched '{row[f'{prefix}_matched_name']}'"
            + f" ({row[f'{prefix}_match']}, score {row[f'{prefix}_score']:.2f})"
        )
    else:
        prov = f"not on the map: the gazetteer found this name {status or 'unresolved'}"
    note = row[f"{prefix}_note"]
    return [
        html.Dt(label),
        html.Dd(
            [
                f"{name} — {precision}",
                html.Br(),
                html.Small(prov, className="provenance"),
                *(
                    [html.Br(), html.Small(capped_text(note, f"{prefix}_note", event_id, shown), className="basis")]
                    if isinstance(note, str)
                    else []
                ),
            ]
        ),
    ]


def _actor(dataset: Dataset, a) -> html.Li:
    return html.Li(
        [
            html.Span(className="swatch", style={"background": faction_colour(dataset, a.faction)}),
            f"{faction_label(dataset, a.faction)} ",
            html.Small(f"({a.role})"),
        ]
    )


def _source(s, number: int, event_id: str, shown: Mapping[str, int] | None) -> html.Div:
    published = s.published.isoformat() if hasattr(s.published, "isoformat") else str(s.published)
    cite: list[str | html.A] = [f"{s.publisher}, “{s.doc_title}”, {published}, paragraph {s.paragraph}"]
    if isinstance(s.url, str):
        cite += [" — ", html.A("link", href=s.url, target="_blank", rel="noopener noreferrer")]
    return html.Div(
        [
            html.Blockquote(capped_text(s.quote, f"quote{number}", event_id, shown), className="quote"),
            html.P(cite, className="cite"),
            html.P(capped_text(s.note, f"note{number}", event_id, shown), className="basis")
            if isinstance(s.note, str)
            else None,
        ],
        className="source",
    )
