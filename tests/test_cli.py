"""The ``conflictmap`` command line: version, help, locate, export options, serve's port check, progress.

Run in process through ``conflictmap_cli.main`` (fast), and as real processes
where the terminal or the network port is what is being tested.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import conflictmap
from conflictmap import progress
from conflictmap_cli import build_parser, main
from geodata.countries import UnknownCountryError, country_code, require_country_code, split_country

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events.yaml"
BRIEFING = "deir-ez-zor-october-2017"


@pytest.fixture(scope="module")
def dataset():
    from conflictmap.pipeline import load_dataset

    return load_dataset(EVENTS)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- version and help


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"conflictmap {conflictmap.__version__}"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_building_the_command_line_imports_no_data_or_app_library():
    """Every command's options are read without pandas, numpy, pyarrow, Dash or plotly (the export
    command's choices once imported the exporters, and the control command's default the control
    model: 0.7 s before ``conflictmap --help`` or any command could answer)."""
    probe = (
        "import sys\n"
        "from conflictmap_cli import build_parser\n"
        "build_parser()\n"
        "heavy = {'pandas', 'numpy', 'pyarrow', 'dash', 'plotly', 'kaleido'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_every_argument_of_every_command_has_help():
    commands = _subparsers(build_parser())
    assert set(commands) == {"validate", "geocode", "locate", "import", "control", "serve", "export", "draft"}
    missing = [
        f"{name} {action.dest}"
        for name, sub in commands.items()
        for action in sub._actions
        if not isinstance(action, argparse._HelpAction) and not (action.help or "").strip()
    ]
    assert missing == []


def test_help_lists_positional_arguments_with_their_help(capsys):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    out = capsys.readouterr().out
    assert "EVENTS" in out and "the events file to export" in out
    assert "--side SIDE" in out and "--lanes {faction,side}" in out


# ---------------------------------------------------------------- locate


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Abu Kamal, Syria", ("Abu Kamal", "SY")),
        ("Mosul, IQ", ("Mosul", "IQ")),
        ("Mosul, iraq", ("Mosul", "IQ")),
        ("Raqqa, Syrian Arab Republic", ("Raqqa", "SY")),
        ("Deir ez-Zor, Syria", ("Deir ez-Zor", "SY")),
        ("Deir ez-Zor", ("Deir ez-Zor", None)),
        ("Al Karamah, Jordan Valley", ("Al Karamah, Jordan Valley", None)),  # no country: left whole
        ("Gaziantep, Turkey", ("Gaziantep", "TR")),
    ],
)
def test_split_country_on_the_last_comma(query, expected):
    assert split_country(query) == expected


def test_country_codes():
    assert country_code("SYR") == "SY" and country_code("Türkiye") == "TR" and country_code("XX") is None
    assert require_country_code("iq") == "IQ"
    with pytest.raises(UnknownCountryError, match="did you mean IQ"):
        require_country_code("Iraq")
    with pytest.raises(UnknownCountryError, match="'XX' is not an ISO 3166"):
        require_country_code("XX")
    with pytest.raises(UnknownCountryError, match="'QQ'"):
        split_country("Mosul, QQ")


def test_locate_name_with_country(capsys):
    code, out, _ = run(capsys, "locate", "--json", "Abu Kamal, Syria", "Mosul, IQ")
    first, second = (json.loads(line) for line in out.splitlines())
    assert code == 0
    assert first["query"] == "Abu Kamal, Syria" and first["status"] == "resolved" and first["country"] == "SY"
    assert second["query"] == "Mosul, IQ" and second["status"] == "resolved" and second["country"] == "IQ"


def test_locate_country_in_the_name_must_agree_with_the_option(capsys):
    code, out, _ = run(capsys, "locate", "--json", "--country", "IQ", "Raqqa, Syria")
    record = json.loads(out)
    assert code == 0 and record["status"] == "unresolved" and "--country is IQ" in record["error"]


@pytest.mark.parametrize("bad", ["Iraq", "XX", "IRQ"])
def test_locate_refuses_an_unknown_country_code(capsys, bad):
    code, out, err = run(capsys, "locate", "--country", bad, "Mosul")
    assert code == 1 and out == ""
    assert f"'{bad}' is not an ISO 3166 two-letter country code" in err and "Traceback" not in err


def test_the_events_file_refuses_the_value_locate_refuses(tmp_path, capsys):
    text = EVENTS.read_text(encoding="utf-8").replace("country: SY", "country: Syria", 1)
    assert "country: Syria" in text
    (tmp_path / "seeds").symlink_to(REPO / "seeds")
    (tmp_path / "events.yaml").write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "validate", tmp_path / "events.yaml")
    assert code == 1 and "'Syria' is not an ISO 3166 two-letter country code" in err


def test_locate_plain_text_shows_candidates(capsys):
    code, out, _ = run(capsys, "locate", "Al Karamah", "Xylophonia")
    ambiguous, unknown = out.splitlines()
    assert code == 0
    assert ambiguous.startswith("Al Karamah\tambiguous: candidates ")
    assert "(JO)" in ambiguous and "(SY)" in ambiguous
    assert unknown == "Xylophonia\tunresolved: no candidates"
    _, out, _ = run(capsys, "locate", "--country", "SY", "Mosul")  # found only in Iraq
    assert out.startswith("Mosul\tunresolved: candidates Mosul (IQ) 36.")


# ---------------------------------------------------------------- geocode


def test_geocode_creates_the_output_folder(tmp_path, capsys):
    out = tmp_path / "out" / "deeper" / "events.geojson"
    code, stdout, _ = run(capsys, "geocode", EVENTS, "-o", out, "--report", tmp_path / "reports" / "r.csv")
    assert code == 0 and out.exists() and (tmp_path / "reports" / "r.csv").exists()
    assert f"{out}: 14 events" in stdout


# ---------------------------------------------------------------- export options


def export(capsys, fmt, out, *options):
    return run(capsys, "export", EVENTS, "--format", fmt, "-o", out, *options)


@pytest.mark.parametrize("fmt", ["csv", "geojson", "kml", "gif", "mp4"])
def test_briefing_refused_where_it_would_be_ignored(capsys, tmp_path, fmt):
    out = tmp_path / f"x.{fmt}"
    code, _, err = export(capsys, fmt, out, "--briefing", BRIEFING)
    assert code == 1 and not out.exists()
    assert f"--briefing does not apply to {fmt}" in err


@pytest.mark.parametrize("fmt", ["csv", "geojson", "kml", "timelinejs"])
def test_lanes_refused_where_no_timeline_is_drawn(capsys, tmp_path, fmt):
    code, _, err = export(capsys, fmt, tmp_path / "x.out", "--lanes", "side")
    assert code == 1 and f"--lanes does not apply to {fmt}" in err


@pytest.mark.parametrize("option", [("--faction", "sdf"), ("--side", "Daesh"), ("--q", "oil"), ("--lanes", "side")])
def test_step_formats_refuse_view_options_with_a_briefing(capsys, tmp_path, option):
    code, _, err = export(capsys, "png", tmp_path / "x.png", "--briefing", BRIEFING, *option)
    assert code == 1 and f"{option[0]} cannot be combined with --briefing for png" in err


def test_unknown_briefing_lists_the_briefings_that_exist(capsys, tmp_path):
    code, _, err = export(capsys, "html", tmp_path / "x.html", "--briefing", "nope")
    assert code == 1 and not (tmp_path / "x.html").exists()
    assert f"no briefing 'nope' beside {EVENTS} (known: {BRIEFING})" in err


def test_unknown_values_list_the_known_ones(capsys, tmp_path):
    code, _, err = export(capsys, "csv", tmp_path / "x.csv", "--side", "Martians")
    assert code == 1 and "unknown side 'Martians' (known: " in err and "Daesh" in err
    code, _, err = export(capsys, "csv", tmp_path / "x.csv", "--faction", "nobody")
    assert code == 1 and "unknown faction 'nobody' (known: " in err and "sdf" in err


def test_every_value_the_link_would_ignore_is_an_error_worded_from_the_structured_notice(capsys, tmp_path):
    """The export words its own messages from the view's notices (kind, parameter, value), never from the page's."""
    out = tmp_path / "x.csv"
    code, _, err = export(capsys, "csv", out, "--from", "26/10/2017", "--type", "battle,parade")
    assert code == 1 and not out.exists()
    assert err.splitlines() == [
        "conflictmap export: unknown event type 'parade'; nothing written",
        "conflictmap export: 'from=26/10/2017': not a date (YYYY-MM-DD); nothing written",
    ]
    code, _, err = export(capsys, "csv", out, "--from", "2017-10-26", "--to", "2017-10-01")
    assert code == 1 and not out.exists()
    assert (
        err == "conflictmap export: Swapped the dates: 'from' 2017-10-26 was after 'to' 2017-10-01; nothing written\n"
    )
    code, _, err = export(capsys, "csv", out, "--from", "1800-01-01")
    assert code == 1 and not out.exists()
    assert err == (
        "conflictmap export: Moved 'from' from 1800-01-01 to 2007-01-01: "
        "the timeline shows 2007-01-01 to 2027-12-31; nothing written\n"
    )


def test_the_view_says_what_it_ignored_as_values(dataset):
    from conflictmap.view import ViewNotice, parse_view_state

    state = parse_view_state("faction=sdf,nobody&from=26/10/2017&to=1800-01-01&lanes=diagonal", dataset)
    assert state.factions == ("sdf",)
    assert [(n.kind, n.parameter, n.value, n.detail) for n in state.ignored] == [
        ("unknown", "faction", "nobody", ""),
        ("not-a-date", "from", "26/10/2017", ""),
        ("moved", "to", "1800-01-01", "2007-01-01"),
        ("unknown", "lanes", "diagonal", ""),
    ]
    assert state.notices == tuple(n.text for n in state.ignored)  # the page's sentences, unchanged
    assert state.notices[0] == "Ignored unknown faction 'nobody' in the link."
    many = parse_view_state("faction=" + ",".join(f"nobody{i}" for i in range(8)), dataset)
    assert len(many.ignored) == 8 and len(many.notices) == 6 and many.notices[-1] == "… and 3 more ignored."
    assert all(isinstance(n, ViewNotice) for n in many.ignored)


def test_side_filters_like_the_app(capsys, tmp_path):
    from conflictmap.pipeline import load_dataset
    from conflictmap.view import filter_events, parse_view_state

    out = tmp_path / "made" / "here" / "side.csv"
    code, _, err = export(capsys, "csv", out, "--side", "Daesh", "--side", "US-backed")
    assert code == 0, err
    with out.open(encoding="utf-8", newline="") as f:
        ids = {row["id"] for row in csv.DictReader(f)}
    dataset = load_dataset(EVENTS)
    expected = set(filter_events(dataset, parse_view_state("side=Daesh,US-backed", dataset)).index)
    assert ids == expected and 0 < len(ids) < len(dataset.events)


def test_query_string_is_the_apps_url():
    from dashboard.exports.request import query_string

    args = argparse.Namespace(
        faction="sdf,daesh",
        side=["US-backed, Kurdish-led", "Daesh"],
        type=None,
        date_from="2017-10-16",
        date_to=None,
        q="oil field",
        lanes="side",
    )
    assert (
        query_string(args)
        == "faction=sdf,daesh&side=US-backed%2C%20Kurdish-led,Daesh&from=2017-10-16&q=oil%20field&lanes=side"
    )


def test_lanes_by_side_reach_the_timeline_of_the_export(capsys, tmp_path, monkeypatch):
    import dashboard.exports.page as page

    lanes = []
    drawn = page.timeline_figure

    def spy(dataset, visible, state, *args, **kwargs):
        lanes.append(state.lanes)
        return drawn(dataset, visible, state, *args, **kwargs)

    monkeypatch.setattr(page, "timeline_figure", spy)
    code, _, err = export(capsys, "html", tmp_path / "lanes.html", "--lanes", "side")
    assert code == 0, err
    assert lanes == ["side"]


# ---------------------------------------------------------------- serve


def test_serve_on_a_busy_port_fails_before_dash_says_it_is_running():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "conflictmap_cli", "serve", str(EVENTS), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in proc.stderr and "--port" in proc.stderr
    assert "Dash is running" not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr


def test_serve_without_an_argument_finds_the_bundled_example(tmp_path, monkeypatch):
    from conflictmap.paths import default_events_path

    monkeypatch.chdir(tmp_path)  # no events.yaml here
    found = default_events_path()
    assert found.name == "events.yaml" and found.is_file()
    assert (found.parent / "seeds").is_dir() and (found.parent / "briefings").is_dir()
    (tmp_path / "events.yaml").write_text("format: conflictmap/events@1\n", encoding="utf-8")
    assert default_events_path() == Path("events.yaml")  # the current folder's own file comes first


# ---------------------------------------------------------------- one command line


def test_every_command_that_shows_progress_has_the_same_flag():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    helps = {
        name: next(a.help for a in sub._actions if "--progress" in a.option_strings)
        for name, sub in commands.items()
        if any("--progress" in a.option_strings for a in sub._actions)
    }
    assert {"geocode", "import", "export"} <= set(helps)
    assert len(set(helps.values())) == 1, helps


def test_validate_does_not_import_the_app():
    """serve and export import Dash and plotly only when they run: `conflictmap validate` stays fast."""
    probe = (
        "import sys\n"
        "from conflictmap_cli import main\n"
        f"code = main(['validate', {str(EVENTS)!r}])\n"
        "heavy = sorted(m for m in ('dash', 'plotly', 'dashboard.app') if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "0 []"


def test_a_typed_error_is_a_message_and_a_bug_is_a_traceback(capsys):
    from conflictmap.errors import ConflictmapError
    from conflictmap_cli.common import EXIT_INTERRUPTED, EXIT_INVALID, report_error

    assert report_error(ConflictmapError("the file is gone")) == EXIT_INVALID
    assert capsys.readouterr().err == "conflictmap: the file is gone\n"
    assert report_error(KeyboardInterrupt()) == EXIT_INTERRUPTED
    assert report_error(ZeroDivisionError("a bug")) is None and capsys.readouterr().err == ""


# ---------------------------------------------------------------- progress


def test_progress_is_shown_only_when_asked_or_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert progress.should_show(None, Terminal()) is True
    assert progress.should_show(None, io.StringIO()) is False
    assert progress.should_show(True, io.StringIO()) is True
    assert progress.should_show(False, Terminal()) is False


def test_progress_reports_each_task_when_asked_and_nothing_otherwise():
    stream = io.StringIO()
    with progress.reporting(True, stream):
        with progress.task("Rendering 3 frames", total=3) as advance:
            for _ in range(3):
                advance()
        with progress.task("Geocoding places") as advance:
            advance(5)
    text = stream.getvalue()
    assert "Rendering 3 frames" in text and "3/3" in text
    assert "Geocoding places" in text and "5/5" in text

    quiet = io.StringIO()
    with progress.reporting(False, quiet), progress.task("Rendering", total=2) as advance:
        advance()
    with progress.task("outside any reporting", total=1) as advance:  # library code run from tests or the app
        advance()
    assert quiet.getvalue() == ""


def test_geocode_progress_on_request_and_silent_by_default(tmp_path):
    def geocode(*extra):
        return subprocess.run(
            [sys.executable, "-m", "conflictmap_cli", "geocode", str(EVENTS), "-o", str(tmp_path / "g.csv"), *extra],
            capture_output=True,
            text=True,
            timeout=120,
        )

    quiet, loud = geocode(), geocode("--progress")
    assert quiet.returncode == loud.returncode == 0
    assert "Geocoding places" not in quiet.stderr  # stderr is a pipe here, not a terminal
    assert "Geocoding places" in loud.stderr
