"""How well `conflictmap draft` finds and places what real articles name, against a naive baseline.

On the hand-annotated real news passages in tests/fixtures/articles/ (annotations.yaml), in one run:

- town recall: annotated town and point mentions found and placed within 10 km of the annotator's
  coordinates (and the same counted only over the towns the gazetteer knows);
- false placements: points given to a span that is no town (a dateline, a province, an agency, a
  person, a common word) or more than 10 km from where the annotator puts it;
- datelines recorded as such; provinces kept as regions (never a point);
- relative dates: annotated phrases resolved to the right day or span.

The naive baseline is every exact gazetteer name (primary or alternate, as written) placed at its
most populous row, nothing filtered; its dates are `dateparser.parse` of the phrase with the
publication date as base. `--heldout` runs the articles in heldout/ and heldout2/ (kept aside while
the rules were written) and reports each set separately.

    python -m benchmarks.draft_accuracy [--heldout] [--verbose]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from conflictmap.draft import find_dates, find_places, naive_places, read_article
from conflictmap.draft.places import PlaceMention
from geodata.gazetteer import haversine_km

ROOT = Path(__file__).resolve().parent.parent

ARTICLES = ROOT / "tests" / "fixtures" / "articles"
WITHIN_KM = 10.0
POINT_KINDS = ("town", "point")


@dataclass
class Score:
    towns: int = 0
    towns_known: int = 0  # annotated towns whose name the gazetteer has (geocoder resolves it in the article's country)
    placed_right: int = 0
    placed_right_known: int = 0
    false_placements: list[str] = field(default_factory=list)
    datelines: int = 0
    datelines_right: int = 0
    regions: int = 0
    regions_right: int = 0
    dates: int = 0
    dates_right: int = 0
    misses: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, other: Score) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


def _span(text: str, needle: str, nth: int) -> tuple[int, int]:
    start = -1
    for _ in range(nth):
        start = text.find(needle, start + 1)
        if start < 0:
            raise SystemExit(f"annotation {needle!r} (occurrence {nth}) is not in the paragraph: {text[:60]!r}")
    return start, start + len(needle)


def _overlapping(found: list[PlaceMention], paragraph: int, span: tuple[int, int]) -> PlaceMention | None:
    for m in found:
        if m.paragraph == paragraph and m.start < span[1] and span[0] < m.end:
            return m
    return None


def _gazetteer_knows(ann: dict) -> bool:
    """Whether the geocoder, given the name alone, has the annotated place among its answers."""
    import geodata

    if ann.get("lat") is None:
        return False
    record = geodata.resolve(ann["text"]).as_record()
    points = [(record["lat"], record["lon"])] if record["lat"] is not None else []
    points += [(c["lat"], c["lon"]) for c in record.get("candidates") or [] if c.get("lat") is not None]
    return any(haversine_km(lat, lon, ann["lat"], ann["lon"]) <= WITHIN_KM for lat, lon in points)


def score_places(article, annotations: list[dict], found: list[PlaceMention], label: str) -> Score:
    score = Score()
    matched: set[int] = set()
    for ann in annotations:
        paragraph = ann["paragraph"]
        span = _span(article.text(paragraph), ann["text"], ann.get("nth", 1))
        hit = _overlapping(found, paragraph, span)
        if hit is not None:
            matched.add(id(hit))
        kind = ann["kind"]
        where = f"{label} p{paragraph} {ann['text']!r} ({kind})"
        if kind in POINT_KINDS:
            score.towns += 1
            known = _gazetteer_knows(ann)
            score.towns_known += known
            right = (
                hit is not None
                and hit.lat is not None
                and ann.get("lat") is not None
                and haversine_km(hit.lat, hit.lon, ann["lat"], ann["lon"]) <= WITHIN_KM
            )
            score.placed_right += right
            score.placed_right_known += right and known
            if not right:
                score.misses.append(
                    f"{where}: {'not found' if hit is None else f'found as {hit.kind} {hit.lat},{hit.lon}'}"
                )
            if hit is not None and hit.lat is not None and ann.get("lat") is not None and not right:
                score.false_placements.append(
                    f"{where}: placed {haversine_km(hit.lat, hit.lon, ann['lat'], ann['lon']):.0f} km off"
                )
        else:
            if hit is not None and hit.lat is not None:
                score.false_placements.append(f"{where}: placed as a point ({hit.mention!r} {hit.lat},{hit.lon})")
            if kind == "dateline":
                score.datelines += 1
                score.datelines_right += hit is not None and hit.kind == "dateline"
            if kind == "region":
                score.regions += 1
                score.regions_right += hit is not None and hit.kind == "region" and hit.lat is None
    for m in found:
        if id(m) not in matched and m.lat is not None:
            score.false_placements.append(
                f"{label} p{m.paragraph} {m.mention!r}: placed, but the article names no such place there"
            )
    return score


def score_dates(article, annotations: list[dict], naive: bool) -> tuple[int, int, list[str]]:
    import dateparser

    right, misses = 0, []
    for ann in annotations:
        text = article.text(ann["paragraph"])
        span = _span(text, ann["text"], ann.get("nth", 1))
        want = (ann["first"], ann["last"])
        if naive:
            base = dt.datetime.combine(article.published, dt.time(12))
            parsed = dateparser.parse(ann["text"], settings={"RELATIVE_BASE": base})
            got = (parsed.date(), parsed.date()) if parsed else None
        else:
            # Context as the drafter has it: the last date given before, in the paragraph's sentences.
            got = None
            for d in find_dates(text, article.published, _context_before(article, ann["paragraph"], span[0])):
                if d.start < span[1] and span[0] < d.end:
                    got = (d.first, d.last)
        right += got == want
        if got != want:
            misses.append(f"p{ann['paragraph']} {ann['text']!r}: got {got}, want {want}")
    return right, len(annotations), misses


def _context_before(article, paragraph: int, offset: int) -> dt.date | None:
    last = None
    for number in article.body:
        text = article.text(number)
        limit = offset if number == paragraph else len(text)
        for d in find_dates(text[:limit], article.published, last):
            if not d.since:
                last = d.first
        if number == paragraph:
            break
    return last


def run(names: list[str], annotations: dict, verbose: bool) -> tuple[Score, Score]:
    ours, naive = Score(), Score()
    for name in names:
        article = read_article(ARTICLES / name)
        ann = annotations[name]
        started = time.perf_counter()
        found = find_places(article)
        elapsed = time.perf_counter() - started
        s = score_places(article, ann["mentions"], found, name)
        s.seconds = elapsed
        n = score_places(article, ann["mentions"], naive_places(article), name)
        right, total, date_misses = score_dates(article, ann.get("dates", []), naive=False)
        s.dates, s.dates_right = total, right
        s.misses += [f"{name} date {m}" for m in date_misses]
        n_right, _, _ = score_dates(article, ann.get("dates", []), naive=True)
        n.dates, n.dates_right = total, n_right
        ours.add(s)
        naive.add(n)
    if verbose:
        for line in ours.misses + [f"FALSE {f}" for f in ours.false_placements]:
            print("  ours:", line)
        for line in naive.false_placements:
            print("  naive: FALSE", line)
    return ours, naive


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}% ({a}/{b})" if b else "-"


def report(title: str, ours: Score, naive: Score) -> None:
    print(f"\n{title}")
    print("| measure | conflictmap draft | naive exact-name match |")
    print("|---|---|---|")
    print(
        f"| town mentions placed within {WITHIN_KM:.0f} km | {_pct(ours.placed_right, ours.towns)} | "
        f"{_pct(naive.placed_right, naive.towns)} |"
    )
    print(
        f"| same, towns the gazetteer knows | {_pct(ours.placed_right_known, ours.towns_known)} | "
        f"{_pct(naive.placed_right_known, naive.towns_known)} |"
    )
    print(f"| false placements | {len(ours.false_placements)} | {len(naive.false_placements)} |")
    print(f"| datelines recorded as datelines | {_pct(ours.datelines_right, ours.datelines)} | - |")
    print(f"| provinces kept as regions (no point) | {_pct(ours.regions_right, ours.regions)} | - |")
    print(f"| relative dates right | {_pct(ours.dates_right, ours.dates)} | {_pct(naive.dates_right, naive.dates)} |")
    print(f"| place finding time (these articles, indexes built) | {ours.seconds * 1000:.0f} ms | |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", action="store_true", help="also run the held-out articles (heldout/, heldout2/)")
    parser.add_argument("--verbose", action="store_true", help="list every miss and false placement")
    args = parser.parse_args(argv)
    annotations = yaml.safe_load((ARTICLES / "annotations.yaml").read_text(encoding="utf-8"))
    for name in annotations:
        for kind in ("dates",):
            for d in annotations[name].get(kind, []):
                d["first"], d["last"] = d["first"], d["last"]
    for name in annotations:  # build the automaton and the geocoder's country indexes once, outside the timing
        find_places(read_article(ARTICLES / name))
    dev = [n for n in annotations if "/" not in n]
    ours, naive = run(dev, annotations, args.verbose)
    report(f"Development articles ({len(dev)})", ours, naive)
    if args.heldout:
        for folder in sorted({n.split("/")[0] for n in annotations if "/" in n}):
            held = [n for n in annotations if n.startswith(f"{folder}/")]
            ours_h, naive_h = run(held, annotations, args.verbose)
            report(f"Held-out articles, {folder}/ ({len(held)})", ours_h, naive_h)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
