"""The details panel for one event: everything an analyst needs to trust it."""

from __future__ import annotations

from dash import html

from conflictmap.table import Dataset
from conflictmap.vocabulary import TYPE_LABELS
from dashboard.figures import date_text

PRECISION_TEXT = {
    "point": "exact point",
    "town": "town or village (somewhere in it)",
    "area": "an area, approximate",
    "region": "a whole region, approximate",
    "country": "only the country",
}


def event_detail(dataset: Dataset, event_id: str | None) -> list:
    if not event_id or event_id not in dataset.events.index:
        return [
            html.P(
                "Select an event on the map or the timeline to see its details and sources.", className="detail-empty"
            )
        ]
    row = dataset.events.loc[event_id]
    actors = dataset.actors[dataset.actors["event_id"] == event_id]
    sources = dataset.sources[dataset.sources["event_id"] == event_id]
    return [
        html.H2(row["title"], id="detail-title"),
        html.Dl(
            [
                html.Dt("When"),
                html.Dd([date_text(row), html.Br(), html.Small(row["date_basis"], className="basis")]),
                html.Dt("Type"),
                html.Dd(
                    [
                        TYPE_LABELS.get(row["type"], row["type"]),
                        f" — {row['sub_type']}",
                        html.Small(f" (ACLED: {row['acled_type']})") if isinstance(row["acled_type"], str) else None,
                    ]
                ),
                *_place_items("Where", row, "place"),
                *_place_items("Towards", row, "dest"),
                html.Dt("Who"),
                html.Dd(html.Ul([_actor(dataset, a) for a in actors.itertuples()], className="actors")),
                html.Dt("Confidence"),
                html.Dd(row["confidence"]),
            ],
            className="facts",
        ),
        html.P(row["description"], className="description"),
        html.H3("Sources"),
        *[_source(s) for s in sources.itertuples()],
        html.P(f"Event id: {event_id} (line {row['source_line']} of the events file)", className="event-id"),
    ]


def _place_items(label: str, row, prefix: str) -> list:
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
                *([html.Br(), html.Small(note, className="basis")] if isinstance(note, str) else []),
            ]
        ),
    ]


def _actor(dataset: Dataset, a) -> html.Li:
    colour = dataset.factions.at[a.faction, "colour"]
    return html.Li(
        [
            html.Span(className="swatch", style={"background": colour}),
            f"{dataset.factions.at[a.faction, 'name']} ",
            html.Small(f"({a.role})"),
        ]
    )


def _source(s) -> html.Div:
    published = s.published.isoformat() if hasattr(s.published, "isoformat") else str(s.published)
    cite = [f"{s.publisher}, “{s.doc_title}”, {published}, paragraph {s.paragraph}"]
    if isinstance(s.url, str):
        cite += [" — ", html.A("link", href=s.url, target="_blank", rel="noopener noreferrer")]
    return html.Div(
        [
            html.Blockquote(s.quote, className="quote"),
            html.P(cite, className="cite"),
            html.P(s.note, className="basis") if isinstance(s.note, str) else None,
        ],
        className="source",
    )
