"""Place mentions in running text, found with the offline gazetteer as the vocabulary.

Finding: one Aho-Corasick automaton (pyahocorasick) over every Latin spelling
of every gazetteer row, folded as the geocoder folds names (``geodata.normalize.fold``:
no case, diacritics, ʿ/ʾ or punctuation) and also without a leading Arabic
article, so "Qayyarah" finds "Al Qayyārah". The text is folded character by
character so each hit maps back to its exact span. Names the gazetteer
spells differently ("Telkief", "Jinderes") are found only after a cue ("the
town of X", "X, a town", "villages of X and Y") and resolved by the geocoder's
own fuzzy matching; a capitalised word elsewhere is never guessed at.

Filtering, because a wrong point is worse than none: common words (a
sentence-initial "Hit" when the article also writes "hit"), people and
organisations (a match run into another capitalised word: "Hassan Wazni",
"Nasser Hospital", "Petra News Agency"), acronyms and news agencies ("SANA"
is the Syrian Arab News Agency, not Sana'a), and adjectives ("Iraqi border"
is no town; "Syrian army" is no place).

Kinds: ``town`` (a gazetteer point), ``region`` ("Idlib province", "the
province of Latakia", "northern province of Nineveh": the province, never the
capital's point), ``area`` (a river, valley, border, desert, plain or
countryside), ``country`` and ``dateline`` (where the report was filed; never
an event place). Placement goes through the geocoder (``geodata.resolve``)
with the article's focus countries as hint; a name it finds ambiguous is
settled by nearness to the other mentions, or left unplaced.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from anyascii import anyascii

from conflictmap.draft.article import Article
from geodata.normalize import fold, name_key

KINDS = ("town", "point", "area", "region", "country", "dateline")
ARTICLES = ("al", "el", "ad", "an", "ar", "as", "ash", "at", "az", "ad", "ed", "er", "es", "ez", "ibn")
ADMIN1_GEOJSON = Path(__file__).resolve().parents[2] / "dashboard" / "assets" / "basemap" / "admin1.geojson"

# Words that start a phrase naming an area rather than a settlement.
AREA_WORDS = (
    r"(?:[Rr]iver|[Vv]alley|[Bb]order|[Ff]rontier|[Dd]esert|[Pp]lains?|[Hh]eights|[Cc]ountryside|[Mm]ountains?|"
    r"[Ll]ake|[Dd]am|[Cc]orridor|[Ss]trip|[Bb]asin|[Cc]oast)"
)
REGION_WORDS = r"(?:[Pp]rovinces?|[Gg]overnorates?|[Dd]istricts?|[Rr]egion|[Cc]anton|[Ee]nclave)"
_NAME = (
    r"(?:(?:al|el|an|ar|as|ash|at|ad|az)-)?"
    r"(?:[A-Z][\w'’‘`ʿʾ-]*(?:[ -](?:al|el|ad|an|ar|as|ash|at|az|ez|ed|es|bin|ibn|[A-Z][\w'’‘`ʿʾ-]*)){0,3})"
)
_NAMES_LIST = rf"{_NAME}(?:\s*,\s*{_NAME})*(?:,?\s+and\s+{_NAME})?"
# Cues before a name: "the town of X", "towns of X, Y and Z", "X, a town", "X town".
TOWN_CUES = [
    re.compile(
        rf"\b(?:town|city|village|hamlet|camp|neighbou?rhood|settlement|suburb|towns|villages|cities)s?\s+of\s+(?P<names>{_NAMES_LIST})"
    ),
    re.compile(rf"\b(?P<names>{_NAME}),\s+(?:a|the)\s+(?:\w+\s+){{0,3}}?(?:town|city|village|camp)\b"),
    re.compile(rf"\b(?P<names>{_NAME})\s+(?:town|village|city|camp)\b"),
    re.compile(rf"\b(?:town|city|village)\s+(?P<names>{_NAME})\b"),
    re.compile(
        rf"\b(?:seized|captured|recaptured|retook|took|entered|freed|liberated|besieged|stormed|shelled|struck|bombed|hit|targeted)\s+(?P<names>{_NAME})\b"
    ),
    re.compile(rf"\b(?:in|near|outside|towards?|into|around|from|at|on)\s+(?P<names>{_NAME})\b(?!\s+{REGION_WORDS})"),
]
REGION_CUES = [
    re.compile(rf"\b(?:province|governorate|region|canton|district)\s+of\s+(?P<name>{_NAME})"),
    re.compile(
        # not "Yemen's Red Sea province of Hodeidah": there the province is the one named after "of"
        rf"\b(?P<name>{_NAME})(?:'s)?\s+(?:province|governorate|Province|Governorate|Region|region|canton|district|enclave)\b"
        rf"(?!\s+of\s+[A-Z])"
    ),
]
AREA_CUE = re.compile(rf"\b(?P<name>(?:the\s+)?{_NAME}(?:[ -]{_NAME})?)\s+(?P<what>{AREA_WORDS})\b")
AREA_OF = re.compile(rf"\b(?P<what>{AREA_WORDS})\s+(?:of|with)\s+(?P<name>{_NAME})")

# Agencies and outlets named like places, or whose acronym is a place's name.
AGENCIES = frozenset(
    fold(a)
    for a in [
        "SANA",
        "Reuters",
        "AFP",
        "AP",
        "Xinhua",
        "Anadolu",
        "IRNA",
        "ISNA",
        "Tasnim",
        "Fars",
        "Wafa",
        "Petra",
        "QNA",
        "SPA",
        "KUNA",
        "NNA",
        "INA",
        "Rudaw",
        "Kurdistan24",
        "Aamaq",
        "Amaq",
        "BBC",
        "CNN",
        "APP",
        "Sputnik",
        "TASS",
        "RIA",
        "Interfax",
        "Dogan",
        "DHA",
        "Ihlas",
    ]
)
# Adjectives of nationality and belonging: never a town.
DEMONYMS = frozenset(
    fold(a)
    for a in [
        "Syrian",
        "Iraqi",
        "Iranian",
        "Israeli",
        "Lebanese",
        "Turkish",
        "Jordanian",
        "Saudi",
        "Palestinian",
        "Kurdish",
        "Egyptian",
        "Russian",
        "American",
        "British",
        "French",
        "Arab",
        "Arabic",
        "Yemeni",
        "Emirati",
        "Qatari",
        "Kuwaiti",
        "Bahraini",
        "Omani",
        "Armenian",
        "Azeri",
        "Afghan",
        "Pakistani",
        "Sunni",
        "Shia",
        "Shiite",
        "Shiite",
        "Alawite",
        "Druze",
        "Christian",
        "Yazidi",
        "Turkmen",
        "Assyrian",
        "Western",
        "Eastern",
        "Northern",
        "Southern",
        "Central",
        "Coastal",
        "Islamic",
        "Jewish",
        "Muslim",
    ]
)
# Adjectives of nationality that say which country an article is about: they
# vote for its focus countries as the country's name does ("Libyan forces",
# "an Afghan official").
DEMONYM_COUNTRIES = {
    fold(a): code
    for a, code in [
        ("Syrian", "SY"), ("Iraqi", "IQ"), ("Iranian", "IR"), ("Israeli", "IL"), ("Lebanese", "LB"),
        ("Turkish", "TR"), ("Jordanian", "JO"), ("Saudi", "SA"), ("Palestinian", "PS"), ("Egyptian", "EG"),
        ("Russian", "RU"), ("Yemeni", "YE"), ("Emirati", "AE"), ("Qatari", "QA"), ("Kuwaiti", "KW"),
        ("Bahraini", "BH"), ("Omani", "OM"), ("Armenian", "AM"), ("Azeri", "AZ"), ("Afghan", "AF"),
        ("Pakistani", "PK"), ("Libyan", "LY"), ("Ukrainian", "UA"), ("Sudanese", "SD"), ("Somali", "SO"),
        ("Malian", "ML"), ("Nigerian", "NG"), ("Ethiopian", "ET"), ("Tunisian", "TN"), ("Algerian", "DZ"),
        ("Moroccan", "MA"), ("Chadian", "TD"), ("Nigerien", "NE"), ("Congolese", "CD"), ("Burkinabe", "BF"),
    ]
}  # fmt: skip
DEMONYMS = DEMONYMS | frozenset(DEMONYM_COUNTRIES)
# Armed groups and movements written without a force noun ("the Taliban
# claimed"): an actor, never a place, whatever village shares the name.
ACTOR_NAMES = frozenset(
    fold(a)
    for a in [
        "Taliban", "Hezbollah", "Hizbollah", "Hamas", "Houthi", "Houthis", "Ansar Allah", "al-Shabaab",
        "Shabaab", "Wagner", "Daesh", "ISIS", "ISIL", "al-Qaeda", "Qaeda", "Boko Haram", "Peshmerga",
        "Hashd", "Tahrir al-Sham", "Nusra", "Jabhat al-Nusra", "PKK", "YPG", "SDF", "Janjaweed",
    ]
)  # fmt: skip
# Nouns that a place name before them only qualifies ("the Gaza ceasefire
# deal", "the Mosul offensive", "the Raqqa campaign"): the phrase names an
# agreement, an operation or a period, and is no event's place.
MODIFIED_NOUNS = frozenset(
    [
        "ceasefire", "cease-fire", "truce", "deal", "agreement", "accord", "accords", "talks", "negotiations",
        "offensive", "campaign", "operation", "operations", "war", "conflict", "crisis", "process", "summit",
        "conference", "declaration", "memorandum", "format", "protocol", "plan", "initiative", "file",
        "dossier", "question", "issue", "envoy", "delegation", "battle", "siege", "massacre", "attack", "attacks",
    ]
)  # fmt: skip
# Capitalised words that are never a place on their own here.
NOT_PLACES = frozenset(
    fold(a)
    for a in [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "President",
        "Prime",
        "Minister",
        "General",
        "Army",
        "Police",
        "Ministry",
        "Force",
        "Forces",
        "Hospital",
        "Agency",
        "Council",
        "Party",
        "Front",
        "Brigade",
        "Division",
        "Operation",
        "Mount",
        "North",
        "South",
        "East",
        "West",
        "Centre",
        "Center",
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "Of",
        "And",
        "But",
        "Today",
        "One",
        "Two",
        "Three",
        "Four",
        "Five",
        "Six",
        "Seven",
        "Eight",
        "Nine",
        "Ten",
        "Another",
        "Several",
        "Lieutenant",
        "Gen",
        "Col",
        "Lt",
        "Maj",
        "Capt",
        "Sgt",
        "Brig",
        "Gov",
        "Sen",
        "Rep",
        "Dr",
        "Mr",
        "Mrs",
        "Ms",
        "Colonel",
        "Major",
        "Captain",
        "Commander",
        "State",
        "Nation",
        "Olive",
        "Branch",
        "Shield",
        "Peace",
        "Spring",
        "Hope",
        "Victory",
        "Golden",
        "Safe",
    ]
)
# Words after a name that make the name part of an organisation, a title or a person.
ORG_FOLLOWERS = frozenset(
    [
        "hospital",
        "agency",
        "news",
        "observatory",
        "ministry",
        "army",
        "forces",
        "council",
        "party",
        "front",
        "brigade",
        "division",
        "university",
        "airport",
        "airbase",
        "base",
        "school",
        "mosque",
        "church",
        "hotel",
        "company",
        "corporation",
        "times",
        "post",
        "tribune",
        "daily",
        "radio",
        "tv",
        "television",
        "network",
        "committee",
        "commission",
        "unit",
        "units",
        "media",
        "government",
        "authority",
        "authorities",
        "regime",
        "militia",
        "militias",
        "military",
        "troops",
        "fighters",
        "rebels",
        "police",
        "soldiers",
        "officials",
        "official",
        "troopers",
        "border",
        "side",
        "defence",
        "defense",
        "security",
        "guard",
        "guards",
    ]
)
# Followers that make a place name stand for a force or a government, written in any case.
FORCE_FOLLOWERS = frozenset(
    [
        "army", "forces", "government", "regime", "militia", "militias", "military", "troops", "fighters",
        "rebels", "police", "soldiers", "authorities", "officials", "official", "side", "border", "defence",
        "defense", "security", "guard", "guards", "media", "council", "front", "brigade", "division",
    ]
)  # fmt: skip
_ACRONYM = re.compile(r"^[A-Z]{2,6}$")


@dataclass(frozen=True)
class PlaceMention:
    """One place named in the article: where, what kind, and where it is on the ground (if a point)."""

    mention: str
    kind: str
    paragraph: int
    start: int
    end: int
    context: str
    lat: float | None = None
    lon: float | None = None
    place_id: str = ""
    country: str = ""
    name: str = ""  # the gazetteer's (or boundary's) name
    radius_km: float | None = None
    note: str = ""

    def row(self) -> dict[str, Any]:
        return {
            "mention": self.mention,
            "kind": self.kind,
            "lat": "" if self.lat is None else round(self.lat, 5),
            "lon": "" if self.lon is None else round(self.lon, 5),
            "place_id": self.place_id,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "context": self.context,
        }


@dataclass
class _Candidate:
    paragraph: int
    start: int
    end: int
    text: str
    cue: str  # "gazetteer" (automaton hit) or the cue that found it
    kind: str = "town"
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Folding text so automaton hits map back to the original characters.

_APOS = "'’‘`ʿʾ´ʼ"


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """``geodata.normalize.fold`` applied character by character, with each output character's origin."""
    out: list[str] = []
    origin: list[int] = []
    space = True
    for index, char in enumerate(text):
        if char in _APOS:
            continue
        mapped = anyascii(unicodedata.normalize("NFKC", char)).lower()
        for piece in mapped:
            if piece.isalnum() and piece.isascii():
                out.append(piece)
                origin.append(index)
                space = False
            elif not space:
                out.append(" ")
                origin.append(index)
                space = True
    return "".join(out), origin


@lru_cache(maxsize=1)
def gazetteer_automaton() -> Any:
    """Every Latin spelling of every gazetteer row, folded, as one Aho-Corasick automaton.

    Built once per machine (3.8 s of CPU over the world gazetteer), then read back in a
    tenth of a second until the gazetteer, the folding or pyahocorasick change
    (:mod:`geodata.prebuilt`): every ``conflictmap draft`` run paid the build before.
    """
    from importlib.metadata import version

    from geodata.gazetteer import packaged_index_inputs
    from geodata.prebuilt import cached_build

    return cached_build(
        "draft-automaton",
        [*packaged_index_inputs(), Path(__file__)],  # the folding and the articles live here
        _build_gazetteer_automaton,
        versions=[f"pyahocorasick {version('pyahocorasick')}", f"anyascii {version('anyascii')}"],
    )


def _build_gazetteer_automaton() -> Any:
    import ahocorasick

    from geodata.gazetteer import default_gazetteer

    gaz = default_gazetteer()
    automaton = ahocorasick.Automaton()
    keys: set[str] = set()
    for pos in range(len(gaz.df)):
        for spelling in gaz.spellings(pos):
            key = fold(spelling)
            if len(key) < 3 or not key.isascii():
                continue
            keys.add(key)
            words = key.split()
            if len(words) > 1 and words[0] in ARTICLES and len(" ".join(words[1:])) >= 4:
                keys.add(" ".join(words[1:]))
    for key in keys:
        automaton.add_word(key, key)
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=1)
def admin1_regions() -> dict[str, dict]:
    """First-level boundaries (Natural Earth, as the map draws them) by name key, with a centre and size."""
    data = json.loads(ADMIN1_GEOJSON.read_text(encoding="utf-8"))
    out: dict[str, dict] = {}
    for feature in data["features"]:
        props = feature["properties"]
        coords = _outer_rings(feature["geometry"])
        if not coords:
            continue
        lons = [p[0] for ring in coords for p in ring]
        lats = [p[1] for ring in coords for p in ring]
        lat, lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
        half_diag = _km(min(lats), min(lons), max(lats), max(lons)) / 2
        entry = {
            "id": props.get("id", ""),
            "name": props["name"],
            "country": props.get("country", ""),
            "lat": lat,
            "lon": lon,
            "radius_km": round(max(half_diag, 10.0), 1),
        }
        out.setdefault(name_key(props["name"]), entry)
    return out


def _outer_rings(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    from geodata.gazetteer import haversine_km

    return haversine_km(lat1, lon1, lat2, lon2)


# ---------------------------------------------------------------------------
# Finding candidates.


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = max(0, start - width)
    right = min(len(text), end + width)
    return " ".join(text[left:right].split())


def _word_bounded(folded: str, start: int, end: int) -> bool:
    return (start == 0 or folded[start - 1] == " ") and (end == len(folded) or folded[end] == " ")


def automaton_hits(text: str) -> list[tuple[int, int]]:
    """Longest, leftmost, word-bounded gazetteer spellings in ``text``, as spans of the original text."""
    folded, origin = fold_with_offsets(text)
    hits: list[tuple[int, int]] = []
    for end_index, key in gazetteer_automaton().iter(folded):
        start_index = end_index - len(key) + 1
        if _word_bounded(folded, start_index, end_index + 1):
            hits.append((start_index, end_index + 1))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    chosen: list[tuple[int, int]] = []
    for start, end in sorted(hits, key=lambda h: -(h[1] - h[0])):
        if all(end <= a or start >= b for a, b in chosen):
            chosen.append((start, end))
    spans = []
    for start, end in sorted(chosen):
        a, b = origin[start], origin[end - 1] + 1
        generic = re.search(r"\s+(?:city|town|village|camp|province|district)$", text[a:b])
        if generic and text[b:].lstrip().startswith("of "):
            b = a + generic.start()  # "the southern Gaza city of Rafah": the city is Rafah, not "Gaza City"
            if b - a < 3:
                continue
        # Take in an article written before the name ("al-Sawana" for "Sawana").
        m = re.search(r"\b(?:(?:[Aa]l|[Ee]l)[- ]|(?:[Aa][dnrstz]|[Aa]sh|[Ee][dnrstz])-)$", text[max(0, a - 4) : a])
        if m:
            a = max(0, a - 4) + m.start()
        spans.append((a, b))
    return spans


def _is_capitalised(span: str) -> bool:
    span = re.sub(r"^(?:al|el|an|ar|as|ash|at|ad|az)-(?=[A-Z])", "", span)  # "al-Sawana"
    first = span.lstrip("'\"‘“(")[:1]
    return first.isupper() or first.isdigit()


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \"'“‘(")
    return not before or before[-1] in ".!?:\n"


def _neighbour_words(text: str, start: int, end: int) -> tuple[str, str]:
    before = re.search(r"([\w'’-]+)\s*$", text[:start])
    after = re.match(r"^\s*([\w'’-]+)", text[end:])
    return (before.group(1) if before else "", after.group(1) if after else "")


def _agency_acronyms(article: Article) -> set[str]:
    """Acronyms the article defines for agencies and outlets: "Syrian Arab News Agency (SANA)"."""
    found = set()
    for number in article.body:
        for m in re.finditer(
            r"(?:Agency|News|Press|Television|TV|Radio|Service)\s*\(([A-Z]{2,6})\)", article.text(number)
        ):
            found.add(fold(m.group(1)))
    return found


def find_candidates(article: Article) -> list[_Candidate]:
    """Every span that may name a place, before filtering and placement."""
    out: list[_Candidate] = []
    for number in article.body:
        out += _paragraph_candidates(article, number)
    return out


def _paragraph_candidates(article: Article, number: int) -> list[_Candidate]:
    """The candidates of one paragraph, cue by cue, strongest first: a span one cue took (and the
    dateline) is not taken again by a weaker one."""
    text = article.text(number)
    skip = article.dateline.full_end if article.dateline and article.dateline.paragraph == number else 0
    out: list[_Candidate] = []
    if skip:
        out.append(
            _Candidate(number, 0, article.dateline.end, article.dateline.text, "dateline", "dateline")  # type: ignore[union-attr]
        )
    taken: list[tuple[int, int]] = [(0, skip)] if skip else []
    out += _region_cue_candidates(text, number, skip, taken)
    out += _area_cue_candidates(text, number, skip, taken)
    out += _country_candidates(text, number, skip, taken)
    out += _gazetteer_candidates(text, number, skip, taken)
    out += _town_cue_candidates(text, number, skip, taken)
    return out


def _free(a: int, b: int, taken: list[tuple[int, int]]) -> bool:
    """Whether the span a..b overlaps none already taken."""
    return all(b <= x or a >= y for x, y in taken)


def _region_cue_candidates(text: str, number: int, skip: int, taken: list[tuple[int, int]]) -> list[_Candidate]:
    """Regions named with a cue ("Idlib province", "Ukraine's Kherson region"); their spans join ``taken``."""
    out: list[_Candidate] = []
    for pattern in REGION_CUES:
        for m in pattern.finditer(text):
            a, b = m.span("name")
            owner = re.match(r".*[’']s\s+", m.group("name"))
            if owner:  # "Ukraine's Kherson region": the region is Kherson
                a += owner.end()
            if a >= skip and _free(a, b, taken):
                out.append(_Candidate(number, a, b, text[a:b], "region-cue", "region", {"cue": m.group(0)}))
                taken.append((a, b))
    return out


def _area_cue_candidates(text: str, number: int, skip: int, taken: list[tuple[int, int]]) -> list[_Candidate]:
    """Areas named with a cue (an area that is no town or province); their spans join ``taken``."""
    out: list[_Candidate] = []
    for pattern in (AREA_CUE, AREA_OF):
        for m in pattern.finditer(text):
            a, b = m.span("name")
            name = re.sub(r"^the\s+", "", m.group("name"))
            a = b - len(name)
            if a >= skip and _free(a, b, taken):
                out.append(_Candidate(number, a, b, name, "area-cue", "area", {"what": m.group("what")}))
                taken.append((a, b))
    return out


def _country_candidates(text: str, number: int, skip: int, taken: list[tuple[int, int]]) -> list[_Candidate]:
    """Countries: in each run of capitalised words, the longest country name from each word on
    ("United Arab Emirates" before "Arab"); their spans join ``taken``."""
    out: list[_Candidate] = []
    for m in re.finditer(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}\b", text):
        words = list(re.finditer(r"[A-Z][a-z]+", m.group(0)))
        for i in range(len(words)):
            found = _longest_country_from(text, number, m.start(), words, i, skip, taken)
            if found is not None:
                out.append(found)
    return out


def _longest_country_from(
    text: str, number: int, offset: int, words: list[re.Match[str]], i: int, skip: int, taken: list[tuple[int, int]]
) -> _Candidate | None:
    """The longest free country name starting at word ``i`` of a run (at ``offset`` in the text); its span
    joins ``taken``."""
    for j in range(len(words), i, -1):
        a, b = offset + words[i].start(), offset + words[j - 1].end()
        code = _country_of(text[a:b])
        if code and a >= skip and _free(a, b, taken):
            taken.append((a, b))
            return _Candidate(number, a, b, text[a:b], "country", "country", {"country": code})
    return None


def _gazetteer_candidates(text: str, number: int, skip: int, taken: list[tuple[int, int]]) -> list[_Candidate]:
    """Names the gazetteer knows (automaton hits) not taken by a cue; their spans join ``taken``."""
    out: list[_Candidate] = []
    for a, b in automaton_hits(text):
        if a >= skip and _free(a, b, taken):
            out.append(_Candidate(number, a, b, text[a:b], "gazetteer"))
            taken.append((a, b))
    return out


def _town_cue_candidates(text: str, number: int, skip: int, taken: list[tuple[int, int]]) -> list[_Candidate]:
    """Names after a town cue ("the town of X", or just "in X"), gazetteer or not: an unknown one is
    reported as unplaced; their spans join ``taken``."""
    out: list[_Candidate] = []
    for pattern in TOWN_CUES:
        for m in pattern.finditer(text):
            for found in re.finditer(_NAME, m.group("names")):
                a = m.start("names") + found.start()
                b = a + len(found.group(0))
                if a >= skip and _free(a, b, taken):
                    strong = pattern is not TOWN_CUES[-1]  # "the town of X", not just "in X"
                    extra = {"cue": m.group(0), "strong": strong}
                    out.append(_Candidate(number, a, b, found.group(0), "town-cue", "town", extra))
                    taken.append((a, b))
    return out


def _rejected(
    cand: _Candidate,
    text: str,
    agencies: set[str],
    lowercase_words: set[str],
    actor_names: frozenset[str] = ACTOR_NAMES,
) -> str | None:
    """Why a candidate is not a place, or None."""
    span = cand.text
    key = fold(span)
    if not _is_capitalised(span):
        return "not capitalised"
    if key in agencies or key in AGENCIES:
        return "news agency"
    if (key in actor_names or key in ACTOR_NAMES) and cand.kind != "country" and _country_of(span) is None:
        return "an actor's name"  # but "Russia" the faction is still Russia the country
    if _ACRONYM.match(span):
        return "acronym"
    if key in DEMONYMS or any(word in DEMONYMS for word in key.split()):
        return "adjective"
    if re.search(r"-(?:held|backed|led|controlled|run|based|allied)\b", span):
        return "adjective"
    if key in NOT_PLACES:
        return "common word"
    before, after = _neighbour_words(text, cand.start, cand.end)
    if _sentence_initial(text, cand.start) and key in lowercase_words:
        return "common word"
    if cand.kind != "town":
        return None
    if after.lower() in MODIFIED_NOUNS and text[cand.end : cand.end + 1] in (" ", "-"):
        return "qualifies a noun that is no place (the Gaza ceasefire)"
    if after.lower() in FORCE_FOLLOWERS or (after[:1].isupper() and after.lower() in ORG_FOLLOWERS):
        # "Damascus government", "Nasser Hospital"; but "the Jenin hospital" is a hospital in Jenin
        return "part of an organisation's or a force's name"
    gap_after = text[cand.end : cand.end + 1]
    gap_before = text[cand.start - 1 : cand.start] if cand.start else ""
    if gap_after == " " and after[:1].isupper() and fold(after) not in AGENCIES:
        return "part of a longer name (a person or an organisation)"
    if (
        gap_before == " "
        and before[:1].isupper()
        and not _sentence_initial(text, cand.start - len(before) - 1)
        and before.lower() not in ("the", "in", "at", "near", "of", "from", "to")
    ):
        return "part of a longer name (a person or an organisation)"
    if (
        re.match(r"^[\s,]*(?:[A-Z]\w+\s+)?(?:said|says|told|added|stated)\b", text[cand.end :])
        and cand.cue != "town-cue"
        and before.lower() not in ("in", "at", "from", "near", "of", "outside")  # "the ministry in Ramallah said"
    ):
        return "a speaker"
    return None


# ---------------------------------------------------------------------------
# Placing candidates.


def _resolve(name: str, countries: list[str] | None) -> dict:
    import geodata

    try:
        return geodata.resolve(name, country=countries or None).as_record()
    except Exception:  # a name the geocoder refuses (too short, odd characters) is no place
        return {"status": "unresolved", "candidates": []}


def _country_of(name: str) -> str | None:
    from geodata.countries import country_code

    key = fold(name)
    if key in ("gaza strip", "west bank", "gaza"):  # territories written like countries
        return "PS" if key != "gaza" else None
    code = country_code(name)
    if code is None or len(name) <= 3:
        return None
    return code


@dataclass(frozen=True)
class UnplacedName:
    """A settlement the article names after a cue ("the village of X") that the gazetteer does not have."""

    paragraph: int
    start: int
    end: int
    text: str


def find_places(article: Article, actor_names: frozenset[str] = frozenset()) -> list[PlaceMention]:
    """Every place mention of the article, filtered and placed; see the module's docstring."""
    return find_places_and_unplaced(article, actor_names)[0]


def find_places_and_unplaced(
    article: Article, actor_names: frozenset[str] = frozenset()
) -> tuple[list[PlaceMention], list[UnplacedName]]:
    """The place mentions, and the named settlements left unplaced (for the analyst, never guessed).

    ``actor_names``: folded names and aliases of the factions the drafter knows
    (an events file's vocabulary and the forces the article names); a name
    among them is an actor, never a place ("the Taliban claimed").
    """
    kept = _kept_candidates(article, actor_names | ACTOR_NAMES)
    focus = _countries_named(article, kept)
    first_pass = _first_pass_votes(kept, focus)
    focus_countries = _focus_countries(focus)
    placed_points: list[tuple[float, float]] = []
    mentions: list[PlaceMention] = []
    pending: list[tuple[_Candidate, dict]] = []
    for i, cand in enumerate(kept):
        text = article.text(cand.paragraph)
        base: dict[str, Any] = dict(
            mention=cand.text,
            paragraph=cand.paragraph,
            start=cand.start,
            end=cand.end,
            context=_context(text, cand.start, cand.end),
        )
        if cand.kind in ("dateline", "country", "region", "area"):
            mentions.append(_named_mention(cand, base, focus_countries))
            continue
        placed = _place_town(cand, base, focus_countries, first_pass.get(i))
        if placed is None:
            continue
        outcome, record = placed
        if outcome == "pending":
            pending.append((cand, record))
            continue
        mentions.append(_town_mention(record, base))
        placed_points.append((record["lat"], record["lon"]))
    for _cand, record in pending:
        chosen = _nearest_candidate(record, placed_points)
        if chosen is not None:
            mentions.append(_town_mention(chosen, record["_base"]))
    mentions += _same_names_again(article, mentions)
    mentions = _regions_named_bare(mentions, kept)
    mentions = [_part_of(m, article.text(m.paragraph)) for m in mentions]
    mentions.sort(key=lambda m: (m.paragraph, m.start))
    return mentions, _unplaced_names(kept, mentions)


def _kept_candidates(article: Article, actor_names: frozenset[str]) -> list[_Candidate]:
    """The candidates that may be places: the dateline, and every other one no rule rejects."""
    agencies = _agency_acronyms(article)
    lowercase_words = {w for number in article.body for w in re.findall(r"\b[a-z][a-z]+\b", article.text(number))}
    kept: list[_Candidate] = []
    for cand in find_candidates(article):
        text = article.text(cand.paragraph)
        if cand.kind == "dateline":
            kept.append(cand)
            continue
        if _rejected(cand, text, agencies, lowercase_words, actor_names) is None:
            kept.append(cand)
    return kept


def _countries_named(article: Article, kept: list[_Candidate]) -> Counter[str]:
    """Votes for the article's focus: countries named (or their adjectives: "Libyan", "Yemeni"), two
    each. A town candidate that is a country's name becomes a country candidate (``kept`` is changed)."""
    focus: Counter[str] = Counter()
    for number in article.body:
        for word in re.findall(r"\b[A-Z][a-z]+\b", article.text(number)):
            code = DEMONYM_COUNTRIES.get(fold(word))
            if code:
                focus[code] += 2
    for cand in kept:
        if cand.kind in ("dateline", "area"):
            continue
        if cand.kind == "country":
            focus[cand.extra["country"]] += 2
            continue
        code = _country_of(cand.text)
        if code and cand.kind == "town":
            cand.kind = "country"
            cand.extra["country"] = code
            focus[code] += 2
            continue
    return focus


def _first_pass_votes(kept: list[_Candidate], focus: Counter[str]) -> dict[int, dict]:
    """Each gazetteer town resolved without a country (by its index in ``kept``); an unambiguous one adds a
    vote to ``focus`` for its country. Once the article names its countries, a town elsewhere casts no
    vote: it is a namesake (a Turkish village "Taliban", Tripoli in Lebanon for a Libya story) far more
    often than the story's place."""
    named = set(focus)
    first_pass: dict[int, dict] = {}
    for i, cand in enumerate(kept):
        if cand.kind == "town" and cand.cue == "gazetteer":
            record = _resolve(cand.text, None)
            first_pass[i] = record
            if (
                record["status"] == "resolved"
                and record.get("match") in ("exact", "alternate")
                and (not named or record["country"] in named)
            ):
                focus[record["country"]] += 1
    return first_pass


def _focus_countries(focus: Counter[str]) -> list[str]:
    """The article's focus countries: every one with at least a third of the leader's votes (and two),
    or else the leader alone."""
    focus_countries = (
        [c for c, n in focus.most_common() if n >= max(2, focus.most_common(1)[0][1] // 3)] if focus else []
    )
    if not focus_countries and focus:
        focus_countries = [focus.most_common(1)[0][0]]
    return focus_countries


def _named_mention(cand: _Candidate, base: dict[str, Any], focus_countries: list[str]) -> PlaceMention:
    """The mention of a dateline, a country, a region or an area (a town is placed by ``_place_town``)."""
    if cand.kind == "dateline":
        record = _resolve(cand.text.title(), focus_countries)
        if record["status"] != "resolved":
            record = _resolve(cand.text.title(), None)
        note = "where the report was filed, not an event place"
        return PlaceMention(
            kind="dateline",
            place_id=_place_id(record),
            country=record.get("country") or "",
            name=record.get("name") or "",
            note=note,
            **base,
        )
    if cand.kind == "country":
        return PlaceMention(
            kind="country",
            place_id=cand.extra["country"],
            country=cand.extra["country"],
            name=cand.text,
            **base,
        )
    if cand.kind == "region":
        return _region_mention(cand, base)
    return _area_mention(cand, base)


def _place_town(
    cand: _Candidate, base: dict[str, Any], focus_countries: list[str], first_record: dict | None
) -> tuple[str, dict] | None:
    """A town candidate's record: ("placed", record) when it resolves in the focus countries (or is a
    prominent place named bare), ("pending", record with its ``_base``) when it is ambiguous or abroad
    (placed later only if near the story), None when it is no place or too loose a match."""
    record = _resolve(cand.text, focus_countries)
    if record["status"] != "resolved":
        record = first_record or _resolve(cand.text, None)
        if (
            record["status"] == "resolved"
            and record.get("country") not in focus_countries
            and not (cand.cue == "gazetteer" and _prominent(record))
        ):
            return "pending", record | {"_base": base}  # abroad: only if near the story
    if record["status"] == "ambiguous":
        return "pending", record | {"_base": base}
    if record["status"] != "resolved":
        return None
    if cand.cue != "gazetteer" and (record.get("score") or 0) < 0.9:
        return None
    return "placed", record


def _unplaced_names(kept: list[_Candidate], mentions: list[PlaceMention]) -> list[UnplacedName]:
    """Names after a strong town cue ("the village of X") that no mention covers: for the analyst."""
    covered = {(m.paragraph, a) for m in mentions for a in range(m.start, m.end)}
    return [
        UnplacedName(c.paragraph, c.start, c.end, c.text)
        for c in kept
        if c.cue == "town-cue" and c.extra.get("strong") and (c.paragraph, c.start) not in covered
    ]


_PART_OF = re.compile(r"\b(?:(?:north|south)[- ]?(?:east|west)ern|northern|southern|eastern|western|central)\s+$", re.I)


def _part_of(mention: PlaceMention, text: str) -> PlaceMention:
    """ "northern Afrin", "southern Gaza", "eastern Mosul": a part of the place, an area, not its point."""
    if mention.kind != "town" or not _PART_OF.search(text[max(0, mention.start - 20) : mention.start]):
        return mention
    return replace(mention, kind="area", lat=None, lon=None, note=f"part of {mention.name or mention.mention}")


def _regions_named_bare(mentions: list[PlaceMention], candidates: list[_Candidate]) -> list[PlaceMention]:
    """A name the article uses for a province ("Idlib province") is that province when written bare,
    unless the article also calls it a town or city ("the city of Idlib")."""
    regions = {m.mention: m for m in mentions if m.kind == "region" and m.place_id}
    town_cued = {
        c.text for c in candidates if c.cue == "town-cue" and re.search(r"\b(?:city|town)\b", c.extra.get("cue", ""))
    }
    out = []
    for m in mentions:
        region = regions.get(m.mention)
        if m.kind == "town" and region is not None and m.mention not in town_cued:
            m = replace(region, paragraph=m.paragraph, start=m.start, end=m.end, context=m.context)
        out.append(m)
    return out


def _same_names_again(article: Article, mentions: list[PlaceMention]) -> list[PlaceMention]:
    """A name placed once (after a cue) is the same place wherever else the article writes it."""
    placed = {m.mention: m for m in mentions if m.kind == "town" and m.lat is not None}
    covered = {(m.paragraph, a) for m in mentions for a in range(m.start, m.end)}
    out = []
    for name, first in placed.items():
        for number in article.body:
            text = article.text(number)
            skip = article.dateline.full_end if article.dateline and article.dateline.paragraph == number else 0
            for m in re.finditer(rf"(?<![\w'’-]){re.escape(name)}(?![\w'’-])", text):
                if m.start() < skip or (number, m.start()) in covered:
                    continue
                after = _neighbour_words(text, m.start(), m.end())[1]
                if after.lower() in FORCE_FOLLOWERS or (text[m.end() : m.end() + 1] == " " and after[:1].isupper()):
                    continue
                out.append(
                    replace(
                        first,
                        paragraph=number,
                        start=m.start(),
                        end=m.end(),
                        context=_context(text, m.start(), m.end()),
                    )
                )
                covered.update((number, a) for a in range(m.start(), m.end()))
    return out


NEAR_STORY_KM = 250.0
PROMINENT_POPULATION = 50_000


def _prominent(record: dict) -> bool:
    """A city big enough that its name, written exactly, means it even outside the story's countries."""
    from geodata.gazetteer import default_gazetteer

    if record.get("match") not in ("exact", "alternate") or not record.get("id"):
        return False
    row = default_gazetteer().by_id(str(record["id"]))
    return row is not None and int(row["population"]) >= PROMINENT_POPULATION


def _nearest_candidate(record: dict, points: list[tuple[float, float]]) -> dict | None:
    """The candidate within reach of the story's other places, if exactly one is; otherwise none."""
    if not points:
        return None
    options = record.get("candidates") or []
    if record["status"] == "resolved":
        options = [record] + options
    near = []
    for c in options:
        if c.get("lat") is None:
            continue
        distance = min(_km(c["lat"], c["lon"], lat, lon) for lat, lon in points)
        if distance <= NEAR_STORY_KM:
            near.append((distance, c))
    ids = {c.get("id") for _, c in near}
    if len(ids) != 1:
        return None
    c = min(near, key=lambda dc: dc[0])[1]
    return {**c, "status": "resolved", "radius_km": c.get("radius_km")}


def _place_id(record: dict) -> str:
    if record.get("status") != "resolved" or not record.get("id"):
        return ""
    ident = str(record["id"])
    return ident if ident.startswith("cm:") else f"geonames:{ident}"


def _town_mention(record: dict, base: dict) -> PlaceMention:
    precision = "town"
    if record.get("source") == "supplement" and record.get("precision") in ("area", "region"):
        precision = record["precision"]
    return PlaceMention(
        kind=precision,
        lat=None if precision in ("area", "region") else float(record["lat"]),
        lon=None if precision in ("area", "region") else float(record["lon"]),
        place_id=_place_id(record),
        country=record.get("country") or "",
        name=record.get("name") or "",
        radius_km=record.get("radius_km"),
        **base,
    )


def _region_mention(cand: _Candidate, base: dict) -> PlaceMention:
    key = name_key(cand.text)
    region = admin1_regions().get(key)
    if region is None:
        stripped = " ".join(w for w in fold(cand.text).split() if w not in ARTICLES)
        region = admin1_regions().get(name_key(stripped))
    supplement = _resolve(f"{cand.text} Governorate", None)
    if supplement.get("status") == "resolved" and supplement.get("source") == "supplement":
        return PlaceMention(
            kind="region",
            place_id=_place_id(supplement),
            country=supplement.get("country") or "",
            name=supplement.get("name") or "",
            note="region: its boundary, not its capital's point",
            **base,
        )
    if region is None:
        return PlaceMention(kind="region", note="region not among the map's boundaries", **base)
    return PlaceMention(
        kind="region",
        place_id=f"admin1:{region['id']}",
        country=region["country"],
        name=region["name"],
        radius_km=region["radius_km"],
        note="region: its boundary, not its capital's point",
        **base,
    )


def _area_mention(cand: _Candidate, base: dict) -> PlaceMention:
    what = cand.extra.get("what", "").lower()
    record = _resolve(f"{cand.text} {what}", None) if what else {"status": "unresolved"}
    place_id = _place_id(record) if record.get("source") == "supplement" else ""
    return PlaceMention(kind="area", place_id=place_id, name=record.get("name") or "", note=f"an area ({what})", **base)


def region_centre(mention: PlaceMention) -> tuple[float, float, float] | None:
    """Centre and radius of a region mention's boundary box (admin-1 regions only)."""
    if not mention.place_id.startswith("admin1:"):
        return None
    for region in admin1_regions().values():
        if f"admin1:{region['id']}" == mention.place_id:
            return region["lat"], region["lon"], region["radius_km"]
    return None


def naive_places(article: Article) -> list[PlaceMention]:
    """The baseline: every exact gazetteer name in the text, placed by name alone, nothing filtered."""
    from geodata.gazetteer import default_gazetteer

    gaz = default_gazetteer()
    out = []
    for number in article.body:
        text = article.text(number)
        for m in re.finditer(r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*", text):
            words = m.group(0).split()
            for size in range(len(words), 0, -1):
                found = False
                for i in range(len(words) - size + 1):
                    name = " ".join(words[i : i + size])
                    rows = gaz.exact.get(name.casefold()) or gaz.alternate.get(name.casefold())
                    if rows:
                        row = gaz.df.iloc[max(rows, key=lambda r: gaz.weight(r))]
                        start = m.start() + len(" ".join(words[:i])) + (1 if i else 0)
                        out.append(
                            PlaceMention(
                                mention=name,
                                kind="town",
                                paragraph=number,
                                start=start,
                                end=start + len(name),
                                context=_context(text, start, start + len(name)),
                                lat=float(row["lat"]),
                                lon=float(row["lon"]),
                                place_id=str(row["id"]),
                            )
                        )
                        found = True
                        break
                if found:
                    break
    return out


__all__ = ["KINDS", "PlaceMention", "find_places", "naive_places", "region_centre", "replace"]
