"""KML 2.2 for Google Earth and GIS: a styled Placemark per placed event, with time."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from conflictmap.output import atomic_path
from conflictmap.table import Dataset
from dashboard.exports.common import attribution, citation, faction_name, placed, sources_for
from dashboard.figures import date_text, place_text

KML_NS = "http://www.opengis.net/kml/2.2"


def kml_colour(hex_colour: str, alpha: int = 255) -> str:
    """'#RRGGBB' -> KML 'aabbggrr'."""
    h = str(hex_colour).lstrip("#")
    if len(h) != 6:
        h = "777777"
    r, g, b = h[0:2], h[2:4], h[4:6]
    return f"{alpha:02x}{b}{g}{r}".lower()


def _sub(parent, tag, text=None, **attrib):
    el = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attrib)
    if text is not None:
        el.text = str(text)
    return el


def _description(dataset: Dataset, eid: str, row) -> str:
    lines = [
        f"{date_text(row)}",
        f"Date basis: {row['date_basis']}",
        f"Place: {place_text(row)}",
        f"Type: {row['type_label']}",
        f"Faction: {faction_name(dataset, row['primary_faction'])}",
        "",
        str(row["description"]),
        "",
    ]
    for s in sources_for(dataset, eid):
        lines += [f"“{s['quote']}”", f"— {citation(s)}", ""]
    return "\n".join(lines).strip()


def kml_document(dataset: Dataset, visible: pd.DataFrame) -> ET.ElementTree:
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    _sub(doc, "name", dataset.title)
    _sub(doc, "description", attribution(dataset).text(with_map=False))
    for fid, f in dataset.factions.iterrows():
        style = _sub(doc, "Style", id=f"faction-{fid}")
        icon = _sub(style, "IconStyle")
        _sub(icon, "color", kml_colour(f["colour"]))
        _sub(icon, "scale", "1.1")
        _sub(_sub(icon, "Icon"), "href", "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png")
        _sub(_sub(style, "LabelStyle"), "color", kml_colour(f["colour"]))
    folder = _sub(doc, "Folder")
    _sub(folder, "name", "Events")
    for eid, row in placed(visible).iterrows():
        pm = _sub(folder, "Placemark", id=str(eid))
        _sub(pm, "name", row["title"])
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
