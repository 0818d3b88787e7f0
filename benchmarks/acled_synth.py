"""A synthetic ACLED-format CSV of any size, for import benchmarks and tests.

    python -m benchmarks.acled_synth --rows 1000000 -o acled-1m.csv [--bad-rows 25] [--seed 7]

Realistic where the importer's work depends on it (the numbers are made up and
are not facts about any real event):

- every ACLED column, with ACLED's names, in ACLED's order; inter codes as
  text (current exports) or numbers (``--inter-style code``), dates as
  YYYY-MM-DD or "D Month YYYY" (``--date-style text``);
- events at real Syrian and Iraqi towns from geodata/data/gazetteer.csv.gz,
  drawn with weight population^0.7 (so villages get events too), coordinates
  as ACLED writes them (the town's point, to 4 decimals; geo_precision 2 and 3
  moved up to ~5 and ~15 km to stand for "near the town" and "the region");
  admin1 is the nearest governorate capital, admin2/admin3 the nearest large
  and middling towns;
- actors from the default groups file (conflictmap/data/acled_groups.yaml),
  plus names it does not group (so the catch-all factions are exercised),
  paired plausibly for each event type; dates over 2017-2020 with ACLED's
  time_precision mix; notes with commas, "quotes" and, in a few, newlines;
- ``--bad-rows K`` puts K bad rows at random lines, one problem each (bad date,
  latitude out of range, unknown sub-event type, duplicate id, missing actor,
  a row cut short, ...), and writes a sidecar CSV (``OUT.bad-rows.csv``)
  with each bad row's physical line and the column the importer must name.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml

ROOT = Path(__file__).resolve().parent.parent

COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
INTER = {
    1: "State forces",
    2: "Rebel group",
    3: "Political militia",
    4: "Identity militia",
    5: "Rioters",
    6: "Protesters",
    7: "Civilians",
    8: "External/Other forces",
}
COUNTRIES = {"SY": ("Syria", "SYR", 760), "IQ": ("Iraq", "IRQ", 368)}
# ACLED's governorate names, each with its capital as the gazetteer spells it.
GOVERNORATES = {
    "SY": [
        ("Damascus", "Damascus"),
        ("Rural Damascus", "Duma"),
        ("Aleppo", "Aleppo"),
        ("Homs", "Homs"),
        ("Hama", "Hamah"),
        ("Idleb", "Idlib"),
        ("Lattakia", "Latakia"),
        ("Tartous", "Tartus"),
        ("Ar-Raqqa", "Ar Raqqah"),
        ("Deir-ez-Zor", "Deir ez-Zor"),
        ("Al-Hasakeh", "Al Hasakah"),
        ("Dar'a", "Dar'a"),
        ("As-Sweida", "As Suwayda'"),
        ("Quneitra", "Al Qunaytirah"),
    ],
    "IQ": [
        ("Baghdad", "Baghdad"),
        ("Basrah", "Basrah"),
        ("Ninewa", "Mosul"),
        ("Erbil", "Erbil"),
        ("Sulaymaniyah", "Sulaymaniyah"),
        ("Duhok", "Duhok"),
        ("Kirkuk", "Kirkuk"),
        ("Anbar", "Ramadi"),
        ("Salah al-Din", "Tikrit"),
        ("Diyala", "Baqubah"),
        ("Babylon", "Al Hillah"),
        ("Kerbala", "Karbala"),
        ("Najaf", "Najaf"),
        ("Al-Qadissiya", "Diwaniyah"),
        ("Wassit", "Kut"),
        ("Missan", "Amarah"),
        ("Thi-Qar", "Nasiriyah"),
        ("Muthanna", "As Samawah"),
    ],
}
# Which groups act where, and ACLED's actor type for their names (state forces are
# type 1 at home and 8 abroad; see inter_code).
FACTIONS = {
    "SY": [
        "syrian-government",
        "russia",
        "iran-and-allied-militias",
        "sdf",
        "daesh",
        "turkey",
        "syrian-opposition",
        "hts",
        "us-coalition",
        "unidentified-armed-groups",
    ],
    "IQ": [
        "iraqi-government",
        "pmf",
        "peshmerga",
        "daesh",
        "turkey",
        "pkk",
        "us-coalition",
        "unidentified-armed-groups",
    ],
}
FACTION_TYPE = {
    "daesh": 2,
    "sdf": 2,
    "hts": 2,
    "syrian-opposition": 2,
    "pkk": 2,
    "us-coalition": 8,
    "russia": 8,
    "iran-and-allied-militias": 3,
    "pmf": 3,
    "unidentified-armed-groups": 3,
    "syrian-government": 3,
    "iraqi-government": 1,
    "peshmerga": 1,
    "turkey": 8,
}
# Names the default groups file does not know: they must land in the catch-alls.
UNGROUPED = {
    "SY": [
        ("Unidentified Tribal Militia (Syria)", 4),
        ("Military Forces of Israel (2022-)", 8),
        ("Al Baqir Brigade", 3),
    ],
    "IQ": [("Unidentified Tribal Militia (Iraq)", 4), ("Sons of Iraq", 3), ("Al Bu Nimr Tribal Militia (Iraq)", 4)],
}
# (event_type, sub_event_type, disorder_type, share, actor-2 kind, verb)
EVENT_MIX = [
    ("Battles", "Armed clash", "Political violence", 0.28, "armed", "clashed with"),
    ("Battles", "Government regains territory", "Political violence", 0.008, "armed", "regained control of areas from"),
    ("Battles", "Non-state actor overtakes territory", "Political violence", 0.008, "armed", "took over positions of"),
    (
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
        "Political violence",
        0.25,
        "armed_or_civ",
        "shelled",
    ),
    (
        "Explosions/Remote violence",
        "Air/drone strike",
        "Political violence",
        0.1,
        "armed_or_civ",
        "carried out air strikes on",
    ),
    (
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        "Political violence",
        0.06,
        "armed_or_none",
        "detonated an IED against",
    ),
    (
        "Explosions/Remote violence",
        "Suicide bomb",
        "Political violence",
        0.004,
        "armed_or_civ",
        "carried out a suicide attack on",
    ),
    ("Explosions/Remote violence", "Grenade", "Political violence", 0.004, "armed_or_civ", "threw a grenade at"),
    ("Violence against civilians", "Attack", "Political violence", 0.08, "civilians", "attacked"),
    (
        "Violence against civilians",
        "Abduction/forced disappearance",
        "Political violence",
        0.03,
        "civilians",
        "abducted",
    ),
    ("Protests", "Peaceful protest", "Demonstrations", 0.07, "none", "demonstrated"),
    ("Protests", "Protest with intervention", "Demonstrations", 0.01, "state", "demonstrated and were dispersed by"),
    (
        "Protests",
        "Excessive force against protesters",
        "Political violence; Demonstrations",
        0.003,
        "state",
        "were fired on by",
    ),
    ("Riots", "Violent demonstration", "Demonstrations", 0.01, "state", "rioted and clashed with"),
    ("Riots", "Mob violence", "Political violence", 0.005, "civilians", "attacked"),
    ("Strategic developments", "Arrests", "Strategic developments", 0.02, "civilians", "arrested"),
    (
        "Strategic developments",
        "Looting/property destruction",
        "Strategic developments",
        0.01,
        "civilians",
        "looted property of",
    ),
    ("Strategic developments", "Agreement", "Strategic developments", 0.003, "armed", "reached an agreement with"),
    ("Strategic developments", "Change to group/activity", "Strategic developments", 0.01, "none", "redeployed forces"),
    (
        "Strategic developments",
        "Headquarters or base established",
        "Strategic developments",
        0.003,
        "none",
        "set up a base",
    ),
    (
        "Strategic developments",
        "Non-violent transfer of territory",
        "Strategic developments",
        0.005,
        "armed",
        "took over areas handed over by",
    ),
    (
        "Strategic developments",
        "Disrupted weapons use",
        "Strategic developments",
        0.005,
        "armed",
        "defused explosives planted by",
    ),
    ("Strategic developments", "Other", "Strategic developments", 0.005, "none", "announced a curfew"),
]
SOURCES = [
    "SOHR",
    "Syrian Arab News Agency",
    "Enab Baladi",
    "Deir Ezzor 24",
    "Step News Agency",
    "SOHR; Syrian Arab News Agency",
    "Rudaw",
    "Shafaq News",
    "Kurdistan 24",
    "Baghdad Today",
    "Al Sumaria News",
    "Xinhua; Shafaq News",
]
SCALES = ["National", "Subnational", "Local partner-National", "International", "New media", "Other-National"]
EXTRA_SENTENCES = [
    "",
    "",
    "",
    " According to local sources, the attack hit a checkpoint, a bakery and a school.",
    ' The group described the operation as "retaliation for earlier strikes".',
    " Casualties, if any, are unknown.",
]


def inter_code(name: str, faction: str, country_name: str) -> int:
    if name.startswith(("Military Forces of", "Police Forces of")):
        return 1 if f"of {country_name}" in name else 8
    return FACTION_TYPE.get(faction, 3)


def load_places(rng) -> pd.DataFrame:
    g = pd.read_csv(ROOT / "geodata" / "data" / "gazetteer.csv.gz", keep_default_na=False)
    g = g[g["country"].isin(list(COUNTRIES))].reset_index(drop=True)
    g["weight"] = np.maximum(g["population"].astype(float), 1000.0) ** 0.7
    for cc, govs in GOVERNORATES.items():
        here = g["country"] == cc
        caps = []
        for admin1, capital in govs:
            row = _town(g[here], capital)
            if row is not None:
                caps.append((admin1, row["lat"], row["lon"]))
        lat = np.array([c[1] for c in caps])
        lon = np.array([c[2] for c in caps])
        d = (g.loc[here, "lat"].to_numpy()[:, None] - lat) ** 2 + (g.loc[here, "lon"].to_numpy()[:, None] - lon) ** 2
        g.loc[here, "admin1"] = np.array([c[0] for c in caps])[d.argmin(axis=1)]
        for column, minimum in (("admin2", 50_000), ("admin3", 10_000)):
            big = g[here & (g["population"] >= minimum)]
            d = (g.loc[here, "lat"].to_numpy()[:, None] - big["lat"].to_numpy()) ** 2 + (
                g.loc[here, "lon"].to_numpy()[:, None] - big["lon"].to_numpy()
            ) ** 2
            g.loc[here, column] = big["asciiname"].to_numpy()[d.argmin(axis=1)]
    return g


def _town(frame: pd.DataFrame, name: str):
    key = name.casefold().replace("'", "")
    for column in ("asciiname", "name"):
        hit = frame[frame[column].str.casefold().str.replace("'", "") == key]
        if len(hit):
            return hit.sort_values("population").iloc[-1]
    hit = frame[frame["alternatenames"].str.casefold().str.replace("'", "").str.contains(f"(?:^|\\|){key}(?:\\||$)")]
    return hit.sort_values("population").iloc[-1] if len(hit) else None


def actor_pool(groups_file: Path) -> dict:
    groups = yaml.safe_load(groups_file.read_text(encoding="utf-8"))["factions"]
    pool = {}
    for cc, (country_name, _, _) in COUNTRIES.items():
        armed = []
        for fid in FACTIONS[cc]:
            names = [n for n in groups[fid].get("actors", []) if "(2024-)" not in n]
            names = [n for n in names if not (("(Syria)" in n and cc == "IQ") or ("(Iraq)" in n and cc == "SY"))]
            if fid == "us-coalition":
                names = [n for n in names if "2017-2021" in n or "Coalition" in n]
            armed += [(n, inter_code(n, fid, country_name)) for n in names]
        armed += UNGROUPED[cc]
        state = [(n, t) for n, t in armed if t == 1 and n.startswith(("Police", "Military Forces of " + country_name))]
        pool[cc] = {
            "armed": armed,
            "state": state or armed[:1],
            "civilians": [(f"Civilians ({country_name})", 7)],
            "protesters": [(f"Protesters ({country_name})", 6)],
            "rioters": [(f"Rioters ({country_name})", 5)],
            "assoc_civ": [
                f"Women ({country_name})",
                f"Farmers ({country_name})",
                f"Kurdish Ethnic Group ({country_name})",
            ],
        }
    return pool


def generate(rows: int, seed: int, date_style: str, inter_style: str, groups_file: Path) -> pa.Table:
    rng = np.random.default_rng(seed)
    places = load_places(rng)
    pool = actor_pool(groups_file)
    n = rows

    place = rng.choice(len(places), size=n, p=(places["weight"] / places["weight"].sum()).to_numpy())
    cc = places["country"].to_numpy()[place]
    is_sy = cc == "SY"

    # Dates 2017-2020 and ACLED's precision mix (mostly exact days).
    day0 = np.datetime64("2017-01-01")
    days = rng.integers(0, 4 * 365 + 1, size=n)
    time_precision = rng.choice([1, 2, 3], size=n, p=[0.9, 0.08, 0.02])
    dates = day0 + days.astype("timedelta64[D]")
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    dates = np.where(time_precision == 2, dates - (weekday - 2).astype("timedelta64[D]"), dates)  # a Wednesday
    month_start = dates.astype("datetime64[M]").astype("datetime64[D]")
    dates = np.where(time_precision == 3, month_start + np.timedelta64(14, "D"), dates)

    mix = np.array([m[3] for m in EVENT_MIX])
    kind = rng.choice(len(EVENT_MIX), size=n, p=mix / mix.sum())

    # Actors: actor 1 depends on the event type; actor 2 on its kind of opponent.
    actor1 = np.empty(n, dtype=object)
    inter1 = np.zeros(n, dtype=np.int64)
    actor2 = np.full(n, "", dtype=object)
    inter2 = np.zeros(n, dtype=np.int64)
    for country in COUNTRIES:
        here = cc == country
        p = pool[country]
        armed = p["armed"]
        a1 = rng.integers(0, len(armed), size=n)
        a2 = (a1 + rng.integers(1, len(armed), size=n)) % len(armed)
        for i, (_, sub, _, _, opponent, _) in enumerate(EVENT_MIX):
            rows_i = here & (kind == i)
            if not rows_i.any():
                continue
            m = int(rows_i.sum())
            first = {"Peaceful protest": "protesters", "Protest with intervention": "protesters"}.get(sub)
            first = first or {
                "Excessive force against protesters": "protesters",
                "Violent demonstration": "rioters",
            }.get(sub)
            first = first or ("rioters" if sub == "Mob violence" else None)
            source1 = p[first] if first else armed
            pick1 = a1[rows_i] % len(source1)
            actor1[rows_i] = [source1[j][0] for j in pick1]
            inter1[rows_i] = [source1[j][1] for j in pick1]
            if opponent == "none":
                continue
            if opponent == "armed":
                chosen = [armed[j] for j in a2[rows_i]]
            elif opponent == "civilians":
                chosen = [p["civilians"][0]] * m
            elif opponent == "state":
                chosen = [p["state"][j % len(p["state"])] for j in a2[rows_i]]
            else:
                civ = rng.random(m) < 0.5
                none = opponent == "armed_or_none"
                chosen = [
                    ("", 0) if (none and c) else (p["civilians"][0] if c else armed[j]) for c, j in zip(civ, a2[rows_i])
                ]
            actor2[rows_i] = [c[0] for c in chosen]
            inter2[rows_i] = [c[1] for c in chosen]

    assoc1 = np.full(n, "", dtype=object)
    with_assoc = rng.random(n) < 0.12
    assoc1[with_assoc & is_sy] = "Hezbollah; Liwa al Quds"
    assoc1[with_assoc & ~is_sy] = "Kataib Hezbollah"
    assoc2 = np.full(n, "", dtype=object)
    civ2 = (inter2 == 7) & (rng.random(n) < 0.3)
    assoc_names = np.array(pool["SY"]["assoc_civ"] + pool["IQ"]["assoc_civ"], dtype=object)
    pick = rng.integers(0, 3, size=n) + np.where(is_sy, 0, 3)
    assoc2[civ2] = assoc_names[pick[civ2]]

    # Places: the town's point; less precise events stand for an area or a region around it.
    geo_precision = rng.choice([1, 2, 3], size=n, p=[0.8, 0.15, 0.05])
    jitter = np.select([geo_precision == 2, geo_precision == 3], [0.05, 0.15], 0.0)
    lat = places["lat"].to_numpy()[place] + rng.uniform(-1, 1, n) * jitter
    lon = places["lon"].to_numpy()[place] + rng.uniform(-1, 1, n) * jitter

    fatalities = np.where(rng.random(n) < 0.6, 0, rng.geometric(0.3, size=n))
    country_name = np.where(is_sy, "Syria", "Iraq")
    location = places["asciiname"].to_numpy()[place]

    # Notes: "On 3 March 2019, X shelled Y in Z (admin2, admin1). 2 fatalities."
    ts = pa.array(dates.astype("datetime64[s]"))
    date_text = pc.utf8_ltrim(pc.strftime(ts, format="%d %B %Y"), characters="0")
    verb = np.array([m[5] for m in EVENT_MIX], dtype=object)[kind]
    target = np.where(actor2 == "", "", " " + actor2.astype(str))
    admin1 = places["admin1"].to_numpy()[place]
    admin2 = places["admin2"].to_numpy()[place]
    admin3 = places["admin3"].to_numpy()[place]
    fatal_text = np.where(
        fatalities == 0,
        " No fatalities reported.",
        np.where(fatalities == 1, " 1 fatality.", " " + fatalities.astype(str) + " fatalities."),
    )
    extra = np.array(EXTRA_SENTENCES, dtype=object)[rng.integers(0, len(EXTRA_SENTENCES), n)]
    update = np.where(rng.random(n) < 0.005, "\n[Update] Casualty figures revised, per a second source.", "")
    notes = pc.binary_join_element_wise(
        "On ",
        date_text,
        ", ",
        pa.array(actor1.astype(str)),
        " ",
        pa.array(verb.astype(str)),
        pa.array(target.astype(str)),
        " in ",
        pa.array(location.astype(str)),
        " (",
        pa.array(admin2.astype(str)),
        ", ",
        pa.array(admin1.astype(str)),
        ").",
        pa.array(fatal_text.astype(str)),
        pa.array(extra.astype(str)),
        pa.array(update.astype(str)),
        "",
    )

    if date_style == "text":
        event_date = date_text
    else:
        event_date = pc.strftime(ts, format="%Y-%m-%d")
    prefix = np.where(is_sy, "SYR", "IRQ")
    number = np.empty(n, dtype=np.int64)
    for p_ in ("SYR", "IRQ"):
        at = prefix == p_
        number[at] = 1000 + np.arange(int(at.sum()))
    ids = pc.binary_join_element_wise(pa.array(prefix), pa.array(number.astype(str)), "")

    def inter_text(codes):
        if inter_style == "code":
            return np.where(codes == 0, "", codes.astype(str))
        return np.array([""] + [INTER[i] for i in range(1, 9)], dtype=object)[codes]

    lo, hi = np.minimum(inter1, inter2), np.maximum(inter1, inter2)
    interaction = np.where(
        inter2 == 0,
        (inter1 * 10).astype(str) if inter_style == "code" else inter_text(inter1).astype(str) + " only",
        (lo * 10 + hi).astype(str)
        if inter_style == "code"
        else inter_text(lo).astype(str) + "-" + inter_text(hi).astype(str),
    )
    sub = np.array([m[1] for m in EVENT_MIX], dtype=object)[kind]
    timestamp = (dates.astype("datetime64[s]").astype(np.int64) + rng.integers(3, 10, n) * 86400).astype(np.int64)
    tags = np.where(
        np.isin(sub, ["Peaceful protest", "Protest with intervention", "Violent demonstration"]),
        "crowd size=no report",
        "",
    )
    columns = {
        "event_id_cnty": ids,
        "event_date": event_date,
        "year": (dates.astype("datetime64[Y]").astype(int) + 1970).astype(str),
        "time_precision": time_precision.astype(str),
        "disorder_type": np.array([m[2] for m in EVENT_MIX], dtype=object)[kind],
        "event_type": np.array([m[0] for m in EVENT_MIX], dtype=object)[kind],
        "sub_event_type": sub,
        "actor1": actor1,
        "assoc_actor_1": assoc1,
        "inter1": inter_text(inter1),
        "actor2": actor2,
        "assoc_actor_2": assoc2,
        "inter2": inter_text(inter2),
        "interaction": interaction,
        "civilian_targeting": np.where(inter2 == 7, "Civilians targeted", ""),
        "iso": np.where(is_sy, "760", "368"),
        "region": np.full(n, "Middle East", dtype=object),
        "country": country_name,
        "admin1": admin1,
        "admin2": admin2,
        "admin3": admin3,
        "location": location,
        "latitude": np.char.mod("%.4f", lat),
        "longitude": np.char.mod("%.4f", lon),
        "geo_precision": geo_precision.astype(str),
        "source": np.array(SOURCES, dtype=object)[rng.integers(0, len(SOURCES), n)],
        "source_scale": np.array(SCALES, dtype=object)[rng.integers(0, len(SCALES), n)],
        "notes": notes,
        "fatalities": fatalities.astype(str),
        "tags": tags,
        "timestamp": timestamp.astype(str),
    }
    return pa.table({k: pa.array(v, pa.string()) if not isinstance(v, pa.Array) else v for k, v in columns.items()})


# Each bad-row kind: the column the importer must name, and how to spoil the row.
BAD_KINDS = [
    ("event_date", "event_date", "2019-02-30"),
    ("latitude", "latitude", "95.5123"),
    ("longitude", "longitude", "east"),
    ("geo_precision", "geo_precision", "4"),
    ("time_precision", "time_precision", "0"),
    ("sub_event_type", "sub_event_type", "Armed protest"),
    ("inter1", "inter1", "Insurgents"),
    ("fatalities", "fatalities", "several"),
    ("actor1", "actor1", ""),
    ("event_id_cnty", "event_id_cnty", None),  # a duplicate of an earlier row's id
    ("row", "row", None),  # the row cut short: too few fields
]


def spoil(table: pa.Table, count: int, rng) -> tuple[pa.Table, dict[int, tuple[str, str]]]:
    """Spoil ``count`` rows (never the first); returns the table and {row: (kind, column)}."""
    n = table.num_rows
    if count > n - 1:
        raise SystemExit(f"--bad-rows {count} needs at least {count + 1} rows")
    rows = np.sort(rng.choice(np.arange(1, n), size=count, replace=False))
    bad, changes = {}, {}
    good = np.setdiff1d(np.arange(n), rows)
    ids = table.column("event_id_cnty")
    for i, row in enumerate(rows):
        kind, column, value = BAD_KINDS[i % len(BAD_KINDS)]
        if kind == "event_id_cnty":
            earlier = good[good < row]
            value = ids[int(rng.choice(earlier))].as_py()
        if kind != "row":
            changes.setdefault(column, {})[int(row)] = value
        bad[int(row)] = (kind, column)
    for column, values in changes.items():
        mask = np.zeros(n, dtype=bool)
        at = np.array(sorted(values))
        mask[at] = True
        replaced = pc.replace_with_mask(
            table.column(column).combine_chunks(), pa.array(mask), pa.array([values[r] for r in at], pa.string())
        )
        table = table.set_column(table.column_names.index(column), column, replaced)
    return table, bad


def write(table: pa.Table, out: Path, bad: dict[int, tuple[str, str]], chunk: int = 100_000) -> list[tuple]:
    """Write the CSV; rows of kind 'row' are cut short. Returns (line, column, kind, id) per bad row."""
    newlines = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        newlines += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
    lines = 2 + np.arange(table.num_rows) + np.concatenate([[0], np.cumsum(newlines)[:-1]])
    cut = sorted(r for r, (kind, _) in bad.items() if kind == "row")
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with open(out, "wb") as f:
        f.write((",".join(COLUMNS) + "\n").encode())
        start = 0
        for stop in [*cut, table.num_rows]:
            for s in range(start, stop, chunk):
                pacsv.write_csv(table.slice(s, min(chunk, stop - s)), f, options)
            if stop < table.num_rows:
                row = table.slice(stop, 1).to_pylist()[0]
                f.write((",".join(str(row[c]) for c in COLUMNS[:7]) + "\n").encode())
                start = stop + 1
    ids = table.column("event_id_cnty")
    return [(int(lines[r]), column, kind, ids[r].as_py()) for r, (kind, column) in sorted(bad.items())]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="data rows to write (bad rows included)")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--bad-rows", type=int, default=0, help="spoil this many rows; lines go to OUT.bad-rows.csv")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--date-style", choices=("iso", "text"), default="iso")
    parser.add_argument("--inter-style", choices=("text", "code"), default="text")
    parser.add_argument("--groups", type=Path, default=ROOT / "conflictmap" / "data" / "acled_groups.yaml")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed + 1)
    table = generate(args.rows, args.seed, args.date_style, args.inter_style, args.groups)
    table, bad = spoil(table, args.bad_rows, rng)
    listed = write(table, args.output, bad)
    sidecar = args.output.with_name(args.output.name + ".bad-rows.csv")
    if args.bad_rows:
        with open(sidecar, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["line", "column", "kind", "event_id_cnty"])
            w.writerows(listed)
    size = args.output.stat().st_size
    print(
        f"{args.output}: {args.rows:,} rows, {size / 1e6:.1f} MB, {args.bad_rows} bad"
        + (f" (listed in {sidecar})" if args.bad_rows else "")
        + f", {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
