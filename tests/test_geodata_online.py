"""The optional online geocoder, without a network: a fake HTTP layer stands in for Nominatim.

The fake is a geopy adapter (the object geopy hands the request URL to), so
everything above it runs for real: the Nominatim URL building and parsing, the
process-wide rate limiter, the disk cache (and its one-time move from the
old one-file SQLite cache) and the CLI.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from itertools import pairwise
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderUnavailable
from geopy.geocoders import Nominatim, options

import geodata
import geodata.online as online
from conflictmap_cli import main
from geodata.cache import GeocodeCache, cache_dir, default_cache_path
from geodata.errors import CacheError, OnlineGeocodingDisabled, OnlineGeocodingUnavailable
from geodata.online import OnlineFallback, cache_key, resolve_online

ROOT = Path(__file__).resolve().parent.parent

# Two places of one name in two countries, as Nominatim would answer them.
PLACES = {
    ("al karamah", "sy"): {"lat": "35.99", "lon": "39.15", "display_name": "Al Karamah, Raqqa, Syria", "cc": "sy"},
    ("al karamah", "iq"): {"lat": "33.39", "lon": "43.93", "display_name": "Al Karamah, Anbar, Iraq", "cc": "iq"},
}


class FakeNominatim(BaseSyncAdapter):
    """Answers from PLACES (any other name: a generic Syrian point); records every request."""

    requests: ClassVar[list[dict]] = []
    clock = staticmethod(time.monotonic)

    def get_json(self, url, *, timeout, headers):
        params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        type(self).requests.append({"at": type(self).clock(), "params": params, "headers": dict(headers)})
        name = params["q"].casefold()
        countries = params.get("countrycodes", "sy").split(",")
        for cc in countries:
            hit = PLACES.get((name, cc))
            if hit:
                break
        else:
            hit = {"lat": "35.0", "lon": "40.0", "display_name": f"{params['q']}, Syria", "cc": countries[0]}
        if name.startswith("nowhere"):
            return []
        return [
            {
                "lat": hit["lat"],
                "lon": hit["lon"],
                "display_name": hit["display_name"],
                "osm_id": 1,
                "type": "village",
                "boundingbox": ["35.9", "36.0", "39.0", "39.1"],
                "address": {"country_code": hit["cc"]},
            }
        ]

    def get_text(self, url, *, timeout, headers):  # pragma: no cover
        raise NotImplementedError


class NoNetwork(BaseSyncAdapter):
    def get_json(self, url, *, timeout, headers):
        raise GeocoderUnavailable("simulated: no network")

    def get_text(self, url, *, timeout, headers):  # pragma: no cover
        raise GeocoderUnavailable("simulated: no network")


class FakeClock:
    """Time that passes only when the rate limiter sleeps: spacing is checked without waiting."""

    def __init__(self):
        self.now = 1000.0
        self.slept = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        self.slept += seconds


@pytest.fixture
def fake_http(monkeypatch, tmp_path):
    """Every Nominatim built anywhere talks to FakeNominatim; the default cache lives in tmp_path."""
    FakeNominatim.requests = []
    monkeypatch.setattr(options, "default_adapter_factory", FakeNominatim)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return FakeNominatim


@pytest.fixture
def fake_clock(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(online.RATE_LIMITER, "_clock", clock)
    monkeypatch.setattr(online.RATE_LIMITER, "_sleep", clock.sleep)
    monkeypatch.setattr(online.RATE_LIMITER, "_last_call", None)
    monkeypatch.setattr(FakeNominatim, "clock", staticmethod(clock))
    return clock


def test_off_by_default_and_touches_no_disk(fake_http, tmp_path):
    with pytest.raises(OnlineGeocodingDisabled):
        OnlineFallback().geocode("Raqqa")
    assert not (tmp_path / "xdg").exists()
    assert fake_http.requests == []


def test_no_network_is_a_typed_error_quickly(monkeypatch, tmp_path):
    monkeypatch.setattr(options, "default_adapter_factory", NoNetwork)
    t0 = time.perf_counter()
    with pytest.raises(OnlineGeocodingUnavailable) as exc:
        resolve_online("Raqqa", cache_path=tmp_path / "c.sqlite", timeout=0.5)
    assert time.perf_counter() - t0 < 5  # no retries: one failed request, not a loop
    assert "unreachable" in str(exc.value) and isinstance(exc.value, geodata.GeocodingError)


def test_user_agent_names_conflictmap_and_its_version(fake_http, fake_clock, tmp_path):
    from importlib.metadata import version

    resolve_online("Raqqa", cache_path=tmp_path / "c.sqlite")
    agent = fake_http.requests[0]["headers"]["User-Agent"]
    assert agent.startswith(f"conflictmap/{version('conflictmap')} ")
    assert "geopy" in agent


def test_cache_is_on_by_default_at_the_documented_place(fake_http, fake_clock, tmp_path, monkeypatch):
    first = resolve_online("Raqqa", country="SY").as_record()
    path = tmp_path / "xdg" / "conflictmap" / "geocode"
    assert default_cache_path() == path and path.is_dir()
    again = resolve_online("  RAQQA ", country="SY").as_record()
    assert {**again, "query": "Raqqa"} == first and len(fake_http.requests) == 1  # answered from the cache
    with GeocodeCache(path) as cache:
        assert len(cache) == 1

    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_path() == tmp_path / "home" / ".cache" / "conflictmap" / "geocode"
    assert cache_dir() == default_cache_path().parent
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # invalid per the XDG spec: ignored
    assert default_cache_path() == tmp_path / "home" / ".cache" / "conflictmap" / "geocode"


def _old_sqlite_cache(path: Path, answers: dict[str, object]) -> None:
    """A cache file as earlier versions wrote it: one table of JSON texts, in WAL mode."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE answers (key TEXT PRIMARY KEY, value TEXT NOT NULL, stored REAL NOT NULL)")
    for key, value in answers.items():
        db.execute("INSERT INTO answers VALUES (?, ?, ?)", (key, json.dumps(value), 0.0))
    db.close()


def test_an_old_one_file_cache_is_read_in_once_and_kept(fake_http, fake_clock, tmp_path, caplog):
    folder = tmp_path / "xdg" / "conflictmap"
    folder.mkdir(parents=True)
    old = folder / "geocode.sqlite"
    raqqa = cache_key("Raqqa", ("sy",))
    _old_sqlite_cache(old, {raqqa: {"lat": 1.0, "lon": 2.0, "name": "Old Raqqa", "country": "SY"}, "k": None})
    before = old.read_bytes()
    with caplog.at_level("WARNING", logger="geodata.cache"):
        record = resolve_online("Raqqa", country="SY").as_record()
    assert (record["lat"], record["name"], fake_http.requests) == (1.0, "Old Raqqa", [])  # from the old file
    assert [r.getMessage() for r in caplog.records] == [
        f"conflictmap: moved 2 cached geocoding answers from {old} into {folder / 'geocode'}"
        " (the old file is kept; remove it when done)"
    ]
    assert old.read_bytes() == before  # kept as it was
    with GeocodeCache(default_cache_path()) as cache:
        assert cache.keys() == sorted([raqqa, "k"]) and "k" in cache and cache.get("k", "absent") is None
        assert cache.migrated is None  # once only
        cache.set(raqqa, {"lat": 3.0})
    with GeocodeCache(old) as cache:  # an old file named directly: its folder is the same name less .sqlite
        assert cache.path == folder / "geocode" and cache.get(raqqa) == {"lat": 3.0}  # newer answer kept
    assert len(caplog.records) == 1


def test_an_unreadable_old_cache_is_a_typed_error_naming_it(tmp_path):
    old = tmp_path / "c.sqlite"
    old.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError, match=r"cannot read the old geocoding cache .*c\.sqlite"):
        GeocodeCache(tmp_path / "c")
    assert old.read_bytes() == b"this is not a database" * 100


def test_not_found_is_cached_too(fake_http, fake_clock, tmp_path):
    path = tmp_path / "c.sqlite"
    assert resolve_online("Nowhereville", cache_path=path).status == "unresolved"
    assert resolve_online("Nowhereville", cache_path=path).status == "unresolved"
    assert len(fake_http.requests) == 1


def test_cache_key_includes_the_country(fake_http, fake_clock, tmp_path):
    path = tmp_path / "c.sqlite"
    sy = resolve_online("Al Karamah", country="SY", cache_path=path).as_record()
    iq = resolve_online("Al Karamah", country="IQ", cache_path=path).as_record()
    assert [r["params"]["countrycodes"] for r in fake_http.requests] == ["sy", "iq"]
    assert (sy["country"], sy["lat"]) == ("SY", pytest.approx(35.99))
    assert (iq["country"], iq["lat"]) == ("IQ", pytest.approx(33.39))  # not the cached Syrian answer
    # ... and both stay cached under their own keys.
    assert resolve_online("al karamah", country="IQ", cache_path=path).as_record()["lat"] == pytest.approx(33.39)
    assert len(fake_http.requests) == 2
    assert cache_key("x", ("sy",)) != cache_key("x", ("iq",)) != cache_key("x", ("iq",), language="ar")


def test_cache_key_includes_the_language(fake_http, fake_clock, tmp_path):
    path = tmp_path / "c.sqlite"
    for language in (None, "ar", "en", None):
        OnlineFallback(enabled=True, cache_path=path, language=language).geocode("Raqqa")
    assert len(fake_http.requests) == 3
    assert fake_http.requests[1]["params"]["accept-language"] == "ar"


def test_one_request_per_second_across_many_names_and_objects(fake_http, fake_clock, tmp_path):
    names = [f"Village {i}" for i in range(25)]
    for name in names:  # a new OnlineFallback per name, as resolve_online makes: still one limiter
        resolve_online(name, cache_path=tmp_path / "c.sqlite")
    times = [r["at"] for r in fake_http.requests]
    assert len(times) == len(names)
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= online.MIN_SECONDS_BETWEEN_REQUESTS
    assert fake_clock.slept >= (len(names) - 1) * online.MIN_SECONDS_BETWEEN_REQUESTS - 1e-6


def test_one_request_per_second_in_real_time(fake_http, tmp_path, monkeypatch):
    monkeypatch.setattr(online.RATE_LIMITER, "_last_call", None)
    for name in ("Alpha", "Beta", "Gamma"):
        OnlineFallback(enabled=True, cache_path=tmp_path / "c.sqlite").geocode(name)
    times = [r["at"] for r in fake_http.requests]
    assert all(b - a >= 0.99 for a, b in pairwise(times)), times


def test_cli_locate_online_uses_the_fake_service_and_the_cache(fake_http, fake_clock, tmp_path, capsys):
    cache = tmp_path / "c.sqlite"
    assert main(["locate", "Nowhere Else", "Zzyzx Village", "--online", "--json", "--cache", str(cache)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in records] == ["unresolved", "resolved"]
    assert records[1]["source"] == "nominatim" and records[1]["country"] == "SY"
    assert main(["locate", "Zzyzx Village", "--online", "--json", "--cache", str(cache)]) == 0
    assert len(fake_http.requests) == 2


def test_corrupt_or_unwritable_cache_is_a_typed_error(fake_http, fake_clock, tmp_path):
    bad = tmp_path / "c.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError):
        resolve_online("Raqqa", cache_path=bad)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheError):
        resolve_online("Raqqa", cache_path=blocker / "sub" / "c.sqlite")


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from geopy.geocoders import options
    import geodata.online as online
    from test_geodata_online import FakeNominatim  # tests/ is on PYTHONPATH

    options.default_adapter_factory = FakeNominatim
    online.RATE_LIMITER.min_delay_seconds = 0  # the fake service has no rate policy to respect
    go = Path(sys.argv[2])
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    for i in range(40):
        online.resolve_online(f"{sys.argv[1]} place {i}", cache_path=sys.argv[3])
    """
)


def test_two_processes_filling_one_cache_lose_nothing(tmp_path):
    cache, go = tmp_path / "shared.sqlite", tmp_path / "go"
    script = CHILD
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, who, str(go), str(cache)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for who in ("first", "second")
    ]
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    go.touch()  # both start writing at once
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    with GeocodeCache(cache) as shared:
        keys = shared.keys()
    want = {cache_key(f"{who} place {i}", ("sy", "iq")) for who in ("first", "second") for i in range(40)}
    assert set(keys) == want and len(keys) == 80


def test_injected_geocoder_still_goes_through_the_shared_limiter(fake_clock, tmp_path):
    FakeNominatim.requests = []
    nom = Nominatim(user_agent="conflictmap-test", adapter_factory=FakeNominatim)
    a = OnlineFallback(enabled=True, geocoder=nom, cache_path=False)
    b = OnlineFallback(enabled=True, geocoder=nom, cache_path=False)
    a.geocode("One")
    b.geocode("Two")
    a.geocode("One")  # no cache: asked again, and spaced again
    times = [r["at"] for r in FakeNominatim.requests]
    assert [round(t - times[0], 6) for t in times] == [0.0, 1.0, 2.0]


def test_cache_path_true_means_the_default_place(fake_http, fake_clock, tmp_path):
    # mypy found it: Path(True) raised TypeError before the first lookup.
    resolve_online("Raqqa", cache_path=True)
    resolve_online("Raqqa", cache_path=True)
    assert OnlineFallback(enabled=True, cache_path=True).cache_path == default_cache_path()
    assert len(fake_http.requests) == 1 and default_cache_path().is_dir()
