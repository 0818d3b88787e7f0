"""The app's side of a draft: a banner on the map page, and a review page to accept, edit or drop proposals.

``attach(app, dataset)`` does nothing for a curated file. For a draft (a file
with a ``draft:`` section, written by ``conflictmap draft``) it puts a banner
at the top of the map page and serves ``/draft``: each proposed event beside
its article paragraph with the sentence highlighted, a link that selects it on
the map, and a form to accept, edit (type, actors, date, place) or drop it;
``Save curated copy`` writes the accepted events under a new name beside the
draft (never over an existing file), after the events validator has passed
them. The page is plain server-rendered HTML with no script: every value from
the draft or the article is escaped once, here, with markupsafe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from dash import Dash, html
from flask import request
from markupsafe import Markup, escape

from conflictmap.draft.curate import Decision, read_draft
from conflictmap.seeds import load_source_document
from conflictmap.table import Dataset
from conflictmap.vocabulary import DATE_PRECISIONS, EVENT_TYPES, PLACE_PRECISIONS, ROLES

REVIEW_ROUTE = "/draft"

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
.draft-banner{background:#fff3cd;border-bottom:3px solid #b8860b;padding:.6rem 1rem;font-weight:600}
main{display:grid;grid-template-columns:minmax(20rem,1fr) minmax(24rem,1.3fr);gap:1rem;padding:1rem}
.article p{margin:.2rem 0 .8rem}.article .num{color:#777;font-size:.8rem;margin-right:.4rem}
.proposal{background:#fff;border:1px solid #ccc;border-left:6px solid #999;padding:.6rem;margin-bottom:.8rem}
.proposal.accept{border-left-color:#2e7d32}.proposal.drop{border-left-color:#b71c1c;opacity:.7}
mark{background:#ffe066}label{display:block;font-size:.85rem;margin:.25rem 0}
input[type=text],select{width:100%;box-sizing:border-box}.row{display:flex;gap:.5rem}.row>label{flex:1}
.message{padding:.6rem 1rem;margin:0 1rem;border:1px solid}.ok{border-color:#2e7d32}.error{border-color:#b71c1c}
"""


def banner(draft: dict[str, Any], review_href: str) -> html.Div:
    """The map page's banner: this is a draft, and where to review it."""
    return html.Div(
        [
            html.Strong("DRAFT — not curated data. "),
            f"{len(draft.get('events') or [])} events proposed by conflictmap draft from an article "
            "(confidence: low; titles end '(draft, …)'). ",
            html.A("Review the proposals beside the article", href=review_href, id="draft-review-link"),
            ", then save a curated copy.",
        ],
        id="draft-banner",
        className="draft-banner",
        role="alert",
    )


def attach(app: Dash, dataset: Dataset) -> None:
    """Banner and review page when ``dataset`` comes from a draft; nothing otherwise."""
    draft_path = Path(dataset.file)
    draft = read_draft(draft_path)
    if draft is None:
        return
    review_href = app.get_relative_path(REVIEW_ROUTE)
    layout: html.Div = app.layout  # Dash types it Any; the app sets dashboard.layout.layout's Div
    layout.children = [banner(draft, review_href), *layout.children]

    @app.server.route(REVIEW_ROUTE, methods=["GET", "POST"])
    def draft_review():
        from conflictmap.draft.curate import CurationError, curated, save_curated

        current = read_draft(draft_path) or draft
        decisions = _decisions(current, request.form) if request.method == "POST" else {}
        message = None
        if request.method == "POST":
            try:
                saved = save_curated(draft_path, curated(current, decisions), request.form.get("save_as", ""))
                message = (
                    "ok",
                    f"Saved {saved.name} beside the draft ({saved.parent}). Open it with "
                    f"conflictmap serve {saved.name}.",
                )
            except CurationError as exc:
                message = ("error", str(exc))
        return review_page(current, draft_path, decisions, message, app.get_relative_path("/"))


def _decisions(draft: dict[str, Any], form: Any) -> dict[str, Decision]:
    out = {}
    for event in draft.get("events") or []:
        key = event["id"]
        out[key] = Decision(
            status=form.get(f"{key}.status", "proposed"),
            type=form.get(f"{key}.type", ""),
            actors=form.get(f"{key}.actors", ""),
            start=form.get(f"{key}.start", ""),
            end=form.get(f"{key}.end", ""),
            precision=form.get(f"{key}.precision", ""),
            place=form.get(f"{key}.place", ""),
            place_precision=form.get(f"{key}.place_precision", ""),
        )
    return out


def _article_paragraphs(draft: dict[str, Any], draft_path: Path) -> tuple[str, tuple[str, ...]]:
    doc_id = draft["draft"]["article"]
    document = draft["documents"][doc_id]
    return doc_id, load_source_document(draft_path.parent / document["file"]).paragraphs


def _highlighted(paragraph: str, quote: str) -> Markup:
    at = paragraph.find(quote)
    if at < 0:
        return escape(paragraph)
    return (
        escape(paragraph[:at])
        + Markup("<mark>")
        + escape(quote)
        + Markup("</mark>")
        + escape(paragraph[at + len(quote) :])
    )


def _select(name: str, options: list[str], chosen: str) -> Markup:
    items = Markup("").join(
        Markup('<option value="{0}"{1}>{0}</option>').format(o, Markup(" selected") if o == chosen else "")
        for o in options
    )
    return Markup('<select name="{0}">{1}</select>').format(name, items)


def _date_text(date: dict[str, Any]) -> tuple[str, str]:
    start = date.get("day") or date.get("start")
    end = date.get("day") or date.get("end")
    return str(start), str(end)


def review_page(
    draft: dict[str, Any],
    draft_path: Path,
    decisions: dict[str, Decision],
    message: tuple[str, str] | None,
    map_href: str,
) -> str:
    _, paragraphs = _article_paragraphs(draft, draft_path)
    cited = {s["paragraph"] for e in draft["events"] for s in e["sources"]}
    article = Markup("").join(
        Markup('<p id="para-{0}"{2}><span class="num">{0}</span>{1}</p>').format(
            n, text, Markup(' class="cited"') if n in cited else ""
        )
        for n, text in enumerate(paragraphs, 1)
    )
    types = [f"{t}/{s}" for t, subs in EVENT_TYPES.items() for s in subs]
    cards = []
    for event in draft["events"]:
        key = event["id"]
        decision = decisions.get(key, Decision())
        source = event["sources"][0]
        paragraph = paragraphs[source["paragraph"] - 1] if source["paragraph"] <= len(paragraphs) else ""
        start, end = _date_text(event["date"])
        place = event.get("place") or {}
        actors = ", ".join(f"{a['faction']}:{a['role']}" for a in event["actors"])
        status_inputs = Markup("").join(
            Markup('<label><input type="radio" name="{0}.status" value="{1}"{2}> {3}</label>').format(
                key, value, Markup(" checked") if decision.status == value else "", label
            )
            for value, label in (("proposed", "undecided"), ("accept", "accept"), ("drop", "drop"))
        )
        cards.append(
            Markup(
                '<section class="proposal {status}" id="proposal-{key}" data-event-id="{key}">'
                "<h3>{title}</h3>"
                '<p class="quote">¶{number}: {highlighted}</p>'
                '<p><a href="{map_link}">Show on the map</a> · date basis: {basis}</p>'
                '<div class="row">{status_inputs}</div>'
                "<label>Type {type_select}</label>"
                "<label>Actors (faction:role, …; roles {roles}) "
                '<input type="text" name="{key}.actors" value="{actors}"></label>'
                '<div class="row"><label>From <input type="text" name="{key}.start" value="{start}"></label>'
                '<label>To <input type="text" name="{key}.end" value="{end}"></label>'
                "<label>Date precision {precision_select}</label></div>"
                '<div class="row"><label>Place <input type="text" name="{key}.place" value="{place}"></label>'
                "<label>Place precision {place_precision_select}</label></div>"
                '<p class="notes">{notes}</p>'
                "</section>"
            ).format(
                status=decision.status,
                key=key,
                title=event["title"],
                number=source["paragraph"],
                highlighted=_highlighted(paragraph, source["quote"]),
                map_link=f"{map_href}?event={quote(key)}",
                basis=event["date"]["basis"],
                status_inputs=status_inputs,
                type_select=_select(f"{key}.type", types, decision.type or f"{event['type']}/{event['sub_type']}"),
                roles=", ".join(ROLES),
                actors=decision.actors or actors,
                start=decision.start or start,
                end=decision.end or end,
                precision_select=_select(
                    f"{key}.precision", list(DATE_PRECISIONS), decision.precision or event["date"]["precision"]
                ),
                place=decision.place or place.get("name", ""),
                place_precision_select=_select(
                    f"{key}.place_precision",
                    list(PLACE_PRECISIONS),
                    decision.place_precision or place.get("precision", "town"),
                ),
                notes=event.get("notes", ""),
            )
        )
    unknown = draft["draft"].get("unknown_actors") or []
    shown = Markup("")
    if message:
        shown = Markup('<p class="message {0}" id="draft-message" role="status">{1}</p>').format(*message)
    suggested = f"{draft_path.stem.removeprefix('draft-')}-curated.yaml"
    return str(
        Markup(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Review draft: {title}</title>"
            "<style>{style}</style></head><body>"
            '<div class="draft-banner" id="draft-banner" role="alert">DRAFT — proposals from {article}; '
            'nothing here is curated until you save a copy. <a href="{map_href}">Back to the map</a></div>'
            "{message}"
            '<form method="post" id="review-form"><main>'
            '<section class="article" id="article"><h2>The article</h2>{paragraphs}</section>'
            '<section id="proposals"><h2>{count} proposed events</h2>'
            "<p>Unknown actors to map: {unknown}</p>{cards}"
            "<label>Save the accepted events as (a new file beside the draft) "
            '<input type="text" name="save_as" id="save-as" value="{suggested}"></label>'
            '<button type="submit" id="save-curated">Save curated copy</button>'
            "</section></main></form></body></html>"
        ).format(
            title=draft.get("title", ""),
            style=Markup(STYLE),
            article=draft["documents"][draft["draft"]["article"]]["file"],
            map_href=map_href,
            message=shown,
            paragraphs=article,
            count=len(draft["events"]),
            unknown=", ".join(unknown) or "none",
            cards=Markup("").join(cards),
            suggested=suggested,
        )
    )
