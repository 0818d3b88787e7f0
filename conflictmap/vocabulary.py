"""The controlled vocabularies of the events file.

Event types follow ACLED's event types and sub-types where they fit, so a
curated file can later be merged with ACLED exports; three kinds the reporting
needs and ACLED lacks (a statement or claim, a movement towards a destination,
a displacement of civilians) are added, and ``control-change`` gathers ACLED's
territory sub-types under one name analysts search for.
``ACLED_EQUIVALENT`` maps each (type, sub_type) back to ACLED's wording.

The words and defaults a view, an export or the control model are asked for by
(lane modes, export formats, when control goes stale) are here too, in a module
that imports nothing: the command line lists them as choices and defaults without
importing pandas, the app or the exporters.
"""

from __future__ import annotations

#: Control: a state whose latest evidence is older than this many days is stale ("last known").
DEFAULT_STALE_AFTER_DAYS = 90
#: The timeline's lanes: one per faction (the default) or one per side.
LANE_MODES = ("faction", "side")
#: What ``conflictmap.exports`` writes without plotly or Chromium.
DATA_FORMATS = ("csv", "geojson", "kml", "timelinejs")
#: Every export format (``dashboard.exports`` draws the others).
EXPORT_FORMATS = ("html", "png", "pdf", "svg", "gif", "mp4", "pptx", *DATA_FORMATS)

EVENT_TYPES: dict[str, dict[str, str]] = {
    "battle": {
        "armed-clash": "Battles / Armed clash",
    },
    "control-change": {
        "government-regains-territory": "Battles / Government regains territory",
        "non-state-actor-overtakes-territory": "Battles / Non-state actor overtakes territory",
        "non-violent-transfer-of-territory": "Strategic developments / Non-violent transfer of territory",
        "territory-captured": "Battles / (actor neither government nor non-state, e.g. a foreign coalition)",
    },
    "explosion-remote-violence": {
        "air-drone-strike": "Explosions/Remote violence / Air/drone strike",
        "shelling-artillery-missile-attack": "Explosions/Remote violence / Shelling/artillery/missile attack",
        "remote-explosive-landmine-ied": "Explosions/Remote violence / Remote explosive/landmine/IED",
        "suicide-bomb": "Explosions/Remote violence / Suicide bomb",
        "grenade": "Explosions/Remote violence / Grenade",
        "chemical-weapon": "Explosions/Remote violence / Chemical weapon",
    },
    "violence-against-civilians": {
        "attack": "Violence against civilians / Attack",
        "abduction-forced-disappearance": "Violence against civilians / Abduction/forced disappearance",
        "sexual-violence": "Violence against civilians / Sexual violence",
    },
    "protest": {
        "peaceful-protest": "Protests / Peaceful protest",
        "protest-with-intervention": "Protests / Protest with intervention",
        "excessive-force-against-protesters": "Protests / Excessive force against protesters",
    },
    "riot": {
        "violent-demonstration": "Riots / Violent demonstration",
        "mob-violence": "Riots / Mob violence",
    },
    "strategic-development": {
        "agreement": "Strategic developments / Agreement",
        "arrests": "Strategic developments / Arrests",
        "change-to-group-activity": "Strategic developments / Change to group/activity",
        "disrupted-weapons-use": "Strategic developments / Disrupted weapons use",
        "headquarters-or-base-established": "Strategic developments / Headquarters or base established",
        "looting-property-destruction": "Strategic developments / Looting/property destruction",
        "other": "Strategic developments / Other",
    },
    # Kinds the reporting needs that ACLED has no type for.
    "movement": {
        "advance": "(conflictmap) forces advance towards a destination",
        "retreat": "(conflictmap) forces pushed back or withdrawing to a destination",
    },
    "statement": {
        "claim": "(conflictmap) a claim of fact by a party",
        "accusation": "(conflictmap) one party accuses another",
        "warning": "(conflictmap) a stated intent or warning",
    },
    "displacement": {
        "civilian-displacement": "(conflictmap) civilians leaving their homes",
    },
}

TYPE_LABELS = {
    "battle": "Battle",
    "control-change": "Control change",
    "explosion-remote-violence": "Explosion / remote violence",
    "violence-against-civilians": "Violence against civilians",
    "protest": "Protest",
    "riot": "Riot",
    "strategic-development": "Strategic development",
    "movement": "Movement",
    "statement": "Statement / claim",
    "displacement": "Displacement",
}

ROLES = ("actor", "target", "claimant", "affected", "subject")

# Event types that go from a place to a destination; a movement must name one.
TYPES_WITH_DESTINATION = ("movement", "displacement")
TYPES_NEEDING_DESTINATION = ("movement",)

# How a date was pinned down. "reported" means the text gives no date for the
# event itself, only for the report of it: the event happened on or before the
# report. "by" is a deadline the text itself states ("captured Tal Afar by 31
# August"): on or before that day, which is not the date of any report.
DATE_PRECISIONS = ("day", "range", "week", "month", "reported", "by")

# Precisions that name one day (written `day:`, or `start` equal to `end`).
ONE_DAY_PRECISIONS = ("day", "reported", "by")

# A few words per precision, for legends and detail panels.
DATE_PRECISION_LABELS = {
    "day": "on that day",
    "range": "some day in a range",
    "week": "some day that week",
    "month": "some day that month",
    "reported": "on or before the report",
    "by": "no later than (a deadline)",
}

# How well a place is known, from a surveyed point to a whole region.
PLACE_PRECISIONS = ("point", "town", "area", "region", "country")

# Default uncertainty radius (km) when the gazetteer gives none.
DEFAULT_RADIUS_KM = {"point": 1.0, "town": 5.0, "area": 25.0, "region": 80.0, "country": 250.0}

CONFIDENCES = ("high", "medium", "low")

ACLED_LABEL: dict[tuple[str, str], str] = {
    (t, s): label for t, subs in EVENT_TYPES.items() for s, label in subs.items() if not label.startswith("(")
}
