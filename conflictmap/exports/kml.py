"""KML 2.2 for Google Earth and GIS: a styled Placemark per placed event, with time.

Text from the events file is untrusted. KML viewers render a ``description``
(and, in a balloon, the name and data fields) as HTML, so XML escaping alone
lets ``<img onerror=...>`` in a title run in a balloon. Here every piece of data
text is HTML-escaped before it goes into the description (the only markup is
our own ``<br>`` line breaks), names carry no markup, a BalloonStyle shows only
the name and description, and characters XML 1.0 cannot hold (NUL and other
control characters) are replaced, so the file always parses.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from conflictmap.exports.common import attribution, citation, placed, sources_for
from conflictmap.output import atomic_path
from conflictmap.table import Dataset
from conflictmap.view import rows_with_text
from conflictmap.wording import date_text, faction_label, place_text

KML_NS = "http://www.opengis.net/kml/2.2"


def kml_colour(hex_colour: str, alpha: int = 255) -> str:
    """'#RRGGBB' -> KML 'aabbggrr'."""
    h = str(hex_colour).lstrip("#")
    if len(h) != 6:
        h = "777777"
    r, g, b = h[0:2], h[2:4], h[4:6]
    return f"{alpha:02x}{b}{g}{r}".lower()


# What XML 1.0 cannot carry: C0 controls other than tab/newline/CR, surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TAG = re.compile(r"<[^<>]*>")
# The balloon shows only these two fields (not the ExtendedData table, whose values are raw text).
BALLOON_TEXT = "<h3>$[name]</h3>$[description]"


def xml_text(value) -> str:
    """``value`` as text XML can hold: forbidden characters become U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(value))


def plain_name(value) -> str:
    """A label with no markup: tags removed, stray angle brackets replaced by look-alikes.

    ``$[`` gets an invisible zero-width space so data cannot name a balloon
    entity (``$[date_basis]`` would pull that field in unescaped).
    """
    text = _TAG.sub("", xml_text(value))
    return text.replace("<", "‹").replace(">", "›").replace("$[", "$\u200b[")


def html_text(value) -> str:
    """Data text as HTML that shows as that text: escaped, newlines as ``<br>``, no balloon entities."""
    escaped = html.escape(xml_text(value), quote=False).replace("$[", "$&#91;")
    return escaped.replace("\r\n", "\n").replace("\n", "<br>\n")


def _sub(parent, tag, text=None, **attrib):
    el = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", {k: xml_text(v) for k, v in attrib.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def _description(dataset: Dataset, eid: str, row) -> str:
    """HTML in which every piece of data is escaped: it shows as text in any balloon."""
    lines = [
        f"{date_text(row)}",
        f"Date basis: {row['date_basis']}",
        f"Place: {place_text(row)}",
        f"Type: {row['type_label']}",
        f"Faction: {faction_label(dataset, row['primary_faction'])}",
        "",
        str(row["description"]),
        "",
    ]
    for s in sources_for(dataset, eid):
        lines += [f"“{s['quote']}”", f"— {citation(s)}", ""]
    while lines and not lines[-1]:
        lines.pop()
    return "<br>\n".join(html_text(line) for line in lines)


def kml_document(dataset: Dataset, visible: pd.DataFrame) -> ET.ElementTree:
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    _sub(doc, "name", plain_name(dataset.title))
    credits = attribution(dataset).lines(with_map=False)
    _sub(doc, "description", "<br>\n".join(html_text(line) for line in credits))
    _sub(_sub(_sub(doc, "Style", id="event"), "BalloonStyle"), "text", BALLOON_TEXT)  # events with no faction
    for fid, f in dataset.factions.iterrows():
        style = _sub(doc, "Style", id=f"faction-{fid}")
        icon = _sub(style, "IconStyle")
        _sub(icon, "color", kml_colour(f["colour"]))
        _sub(icon, "scale", "1.1")
        # No Icon href: the viewer's own placemark, tinted; a remote icon would not load offline.
        _sub(_sub(style, "LabelStyle"), "color", kml_colour(f["colour"]))
        _sub(_sub(style, "BalloonStyle"), "text", BALLOON_TEXT)
    folder = _sub(doc, "Folder")
    _sub(folder, "name", "Events")
    for eid, row in rows_with_text(dataset, placed(visible)):
        pm = _sub(folder, "Placemark", id=str(eid))
        _sub(pm, "name", plain_name(row["title"]))
        _sub(pm, "description", _description(dataset, eid, row))
        start, end = row["date_start"], row["date_end"]
        if start == end:
            _sub(_sub(pm, "TimeStamp"), "when", start.date().isoformat())
        else:
            span = _sub(pm, "TimeSpan")
            _sub(span, "begin", start.date().isoformat())
            _sub(span, "end", end.date().isoformat())  # inclusive: the last day the event may have happened
        if isinstance(row["primary_faction"], str):
            _sub(pm, "styleUrl", f"#faction-{row['primary_faction']}")
        else:
            _sub(pm, "styleUrl", "#event")
        data = _sub(pm, "ExtendedData")
        for key in (
            "id",
            "type",
            "date_precision",
            "date_basis",
            "confidence",
            "primary_faction",
            "place_name",
            "map_precision",
            "map_radius_km",
        ):
            value = row.get(key)
            if value is None or (isinstance(value, float) and pd.isna(value)):
                continue
            d = _sub(data, "Data", name=key)
            _sub(d, "value", value)
        _sub(_sub(pm, "Point"), "coordinates", f"{float(row['map_lon']):.6f},{float(row['map_lat']):.6f}")
    return ET.ElementTree(root)


def write_kml(dataset: Dataset, visible: pd.DataFrame, out: Path, protect) -> list[Path]:
    tree = kml_document(dataset, visible)
    ET.indent(tree)
    with atomic_path(out, protect) as tmp:
        tree.write(tmp, encoding="utf-8", xml_declaration=True)
    return [out]
