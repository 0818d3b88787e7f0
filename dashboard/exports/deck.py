"""PowerPoint: a title slide, one slide per briefing step (or per event), a credits slide.

Each content slide shows the map-above-timeline image from the static
renderer and the step text (a deck of one view keeps one camera: its base map
is drawn once, see ``flatmap.py``); the speaker notes carry the source quotes with
their citations, so a presenter can read the evidence aloud.
"""

from __future__ import annotations

import io
from functools import partial
from pathlib import Path

from conflictmap.briefing import Briefing
from conflictmap.exports.common import attribution, citation, markdown_to_text, sources_for, visible_events
from conflictmap.exports.errors import MissingDependencyError
from conflictmap.output import atomic_path
from conflictmap.table import Dataset
from conflictmap.view import ViewState, rows_with_text
from conflictmap.wording import date_text, event_row, place_text
from dashboard.exports.browser import render
from dashboard.exports.composite import MAP_HEIGHT, Frame, base_map_png_figure, camera_for, composite_figure


def _slides(dataset: Dataset, state: ViewState, briefing: Briefing | None) -> list[dict]:
    """heading, body text, event ids (for notes) and a figure maker per content slide.

    The figures are made only when the browser is ready for them (see write_pptx), so
    building slide k+1 overlaps drawing slide k.
    """
    out = []
    if briefing is not None:
        for k, step in enumerate(briefing.steps, 1):
            st = step.view_state()
            out.append(
                {
                    "heading": f"{k}. {markdown_to_text(step.heading)}",
                    "body": markdown_to_text(step.text),
                    "events": list(step.events),
                    "figure": partial(
                        composite_figure,
                        dataset,
                        visible_events(dataset, st),
                        st,
                        featured=step.events,
                        title=briefing.title,
                        subtitle=f"Step {k}: {markdown_to_text(step.heading)}",
                    ),
                }
            )
        return out
    visible = visible_events(dataset, state)
    # One view: every slide keeps the view's camera (the audience keeps its bearings, the featured event
    # ringed), so the base map is drawn once and each slide draws its events over it (see flatmap.py).
    centre, zoom = camera_for(dataset, visible, height=MAP_HEIGHT)
    fixed = Frame(centre=centre, zoom=zoom)
    base_map = (
        render([base_map_png_figure(dataset, visible, fixed)], "png", label="Drawing the base map")[0]
        if len(visible)
        else None
    )
    for eid, row in rows_with_text(dataset, visible):
        st = state.replace(event=eid)
        body = "\n\n".join(
            [f"{date_text(row)}. {row['date_basis']}", f"Where: {place_text(row)}", str(row["description"])]
        )
        out.append(
            {
                "heading": str(row["title"]),
                "body": body,
                "events": [eid],
                "figure": partial(
                    composite_figure,
                    dataset,
                    visible,
                    st,
                    featured=(eid,),
                    subtitle=str(row["title"]),
                    frame=fixed,
                    base_map=base_map,
                ),
            }
        )
    return out


def _notes(dataset: Dataset, event_ids: list[str]) -> str:
    lines = []
    for eid in event_ids:
        row = event_row(dataset, eid)
        lines.append(f"{row['title']} ({date_text(row)})")
        for s in sources_for(dataset, eid):
            lines.append(f"“{s['quote']}” — {citation(s)}")
        lines.append("")
    return "\n".join(lines).strip() or "No events featured in this step."


def write_pptx(dataset: Dataset, out: Path, state: ViewState, briefing: Briefing | None, protect) -> list[Path]:
    try:
        from pptx import Presentation
        from pptx.util import Emu, Inches, Pt
    except ImportError:
        raise MissingDependencyError("pptx export needs python-pptx: pip install python-pptx") from None
    slides = _slides(dataset, state, briefing)
    figures = (s["figure"]() for s in slides)
    images = render(figures, "png", label=f"Rendering {len(slides)} slides", total=len(slides)) if slides else []
    attr = attribution(dataset)

    prs = Presentation()
    # Set, not read: python-pptx types a presentation's size as optional (a template may omit it); this
    # is its default template's 4:3, which the placements below are measured against.
    slide_w, slide_h = Inches(10), Inches(7.5)
    prs.slide_width, prs.slide_height = slide_w, slide_h
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    title_layout, blank = prs.slide_layouts[0], prs.slide_layouts[6]

    first = prs.slides.add_slide(title_layout)
    first.shapes.title.text = briefing.title if briefing else dataset.title
    first.placeholders[1].text = "\n".join([f"Source: {a}" for a in attr.articles] + [attr.places])
    for p in first.placeholders[1].text_frame.paragraphs:
        for r in p.runs:
            r.font.size = Pt(16)
    first.notes_slide.notes_text_frame.text = attr.text(with_map=True)

    for slide_spec, png in zip(slides, images):
        slide = prs.slides.add_slide(blank)
        pic_h = slide_h - Inches(0.4)
        pic = slide.shapes.add_picture(io.BytesIO(png), Inches(0.2), Inches(0.2), height=pic_h)
        left = pic.left + pic.width + Inches(0.3)
        width = Emu(slide_w - left - Inches(0.3))
        box = slide.shapes.add_textbox(left, Inches(0.3), width, slide_h - Inches(0.6))
        tf = box.text_frame
        tf.word_wrap = True
        tf.text = slide_spec["heading"]
        tf.paragraphs[0].runs[0].font.size = Pt(24)
        tf.paragraphs[0].runs[0].font.bold = True
        for para in slide_spec["body"].split("\n\n"):
            p = tf.add_paragraph()
            p.text = para
            p.font.size = Pt(15)
            p.space_before = Pt(8)
        p = tf.add_paragraph()
        p.text = " · ".join(f"Source: {a}" for a in attr.articles)
        p.font.size = Pt(10)
        p.space_before = Pt(14)
        slide.notes_slide.notes_text_frame.text = _notes(dataset, slide_spec["events"])

    last = prs.slides.add_slide(blank)
    box = last.shapes.add_textbox(Inches(0.8), Inches(0.8), slide_w - Inches(1.6), slide_h - Inches(1.6))
    tf = box.text_frame
    tf.word_wrap = True
    tf.text = "Sources and credits"
    tf.paragraphs[0].runs[0].font.size = Pt(28)
    tf.paragraphs[0].runs[0].font.bold = True
    for line in attr.lines(with_map=True) + ["Charts: plotly (MIT licence)."]:
        p = tf.add_paragraph()
        p.text = line
        p.font.size = Pt(16)
        p.space_before = Pt(10)
    last.notes_slide.notes_text_frame.text = attr.text(with_map=True)

    with atomic_path(out, protect) as tmp:
        prs.save(str(tmp))
    return [out]
