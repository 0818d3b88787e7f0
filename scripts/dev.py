#!/usr/bin/env python3
"""The two commands a newcomer needs, on a fresh machine with only Python 3.11+:

    python3 scripts/dev.py serve [EVENTS] [--port N ...]   the app on the bundled events.yaml
    python3 scripts/dev.py test [PYTEST ARGS ...]           ruff, mypy, lint-imports, then the whole suite

Each creates (or reuses) the project's virtual environment ``.venv`` and
installs conflictmap into it (editable; with uv, itself installed into
``.venv`` by pip, and with pip alone where uv cannot be had), and nothing
anywhere else: not into
the system Python (which Debian and Ubuntu mark externally managed), not into
a virtual environment that happens to be active. The install is skipped when
pyproject.toml has not changed since the last one (a stamp file in .venv),
so the second run starts at once.

Where ``python3 -m venv`` cannot install pip (Debian/Ubuntu without the
python3-venv package: "ensurepip is not available"), the venv is made
without pip and pip is bootstrapped from its wheel on PyPI (or
$PIP_INDEX_URL), checked against the index's sha256.

``test`` needs Chromium and chromedriver on PATH (or $BROWSER_PATH); it
never installs them: it names the packages and stops. It runs the browser
tests (in two pytest-xdist workers) and the others in pytest processes at
once, then prints the ten slowest tests and the time.

This file runs on the system Python before anything is installed, so it
uses the standard library only and stays readable by old Pythons long
enough to say which version it needs.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

MIN_PYTHON = (3, 11)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv")
VENV_PYTHON = os.path.join(VENV, "bin", "python")
STAMP = os.path.join(VENV, ".conflictmap-install.json")
EXTRAS = {"serve": [], "test": ["test", "lint"]}
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
DEFAULT_INDEX = "https://pypi.org/simple"


def say(message):
    print("dev.py: " + message, flush=True)


def fail(message, code=1):
    print("dev.py: " + message, file=sys.stderr, flush=True)
    sys.exit(code)


# ---------------------------------------------------------------- Python and the venv


def check_python():
    if sys.version_info >= MIN_PYTHON:
        return
    newer = next((name for name in ("python3.13", "python3.12", "python3.11") if runs_new_enough(name)), None)
    hint = f" {newer} is here: run `{newer} scripts/dev.py ...`." if newer else ""
    version = ".".join(map(str, sys.version_info[:3]))
    fail(
        f"conflictmap needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer (it is developed and tested on 3.11); "
        f"this is Python {version} ({sys.executable}).{hint}"
    )


def runs_new_enough(name):
    if not shutil.which(name):
        return False
    try:
        probe = subprocess.run([name, "-c", "import sys; sys.exit(sys.version_info < (3, 11))"], capture_output=True)
    except OSError:
        return False
    return probe.returncode == 0


def venv_python_version():
    """(major, minor) of .venv's Python, or None if there is no working one."""
    if not os.path.exists(VENV_PYTHON):
        return None
    try:
        out = subprocess.run(
            [VENV_PYTHON, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.split()
    return int(major), int(minor)


def has_pip():
    return subprocess.run([VENV_PYTHON, "-m", "pip", "--version"], capture_output=True).returncode == 0


def ensure_venv():
    version = venv_python_version()
    if version is not None and version >= MIN_PYTHON:
        if not has_pip():
            say(".venv has no pip (made without it earlier); bootstrapping pip")
            bootstrap_pip()
        return
    if os.path.exists(VENV):
        reason = "its Python is gone" if version is None else "it has Python {}.{}".format(*version)
        say(f"recreating .venv ({reason})")
        shutil.rmtree(VENV)
    say(f"creating the virtual environment .venv with {sys.executable} (Python {sys.version.split()[0]})")
    made = subprocess.run([sys.executable, "-m", "venv", VENV], capture_output=True, text=True)
    if made.returncode == 0:
        return
    output = (made.stdout + made.stderr).strip()
    if "ensurepip" in output:
        reason = "ensurepip is not available (Debian/Ubuntu ship it in the python3-venv package)"
    else:
        reason = " ".join(output.splitlines()[:3]) or f"exit {made.returncode}"
    say(f"`python3 -m venv` could not install pip into .venv: {reason}")
    say(
        "so .venv is made without pip, and pip is installed into it from its wheel on the package index "
        "(on Debian/Ubuntu, `sudo apt-get install python3-venv` makes this step unnecessary)"
    )
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", VENV], check=True)
    bootstrap_pip()


def bootstrap_pip():
    """Install pip into .venv from the newest pip wheel on the index, checked against its sha256."""
    index = os.environ.get("PIP_INDEX_URL", DEFAULT_INDEX).rstrip("/")
    page_url = index + "/pip/"
    say("fetching the list of pip releases from " + page_url)
    request = urllib.request.Request(page_url, headers={"Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=60) as response:
        page = response.read().decode("utf-8", "replace")
    wheels = []
    for href in re.findall(r'href="([^"]+)"', page):
        name = href.split("#")[0].rsplit("/", 1)[-1]
        match = re.fullmatch(r"pip-(\d+(?:\.\d+)*)-py3-none-any\.whl", name)
        if match and "#sha256=" in href:
            wheels.append((tuple(int(x) for x in match.group(1).split(".")), href))
    if not wheels:
        fail(f"found no pip wheel at {page_url}; install python3-venv (Debian/Ubuntu) and run again")
    version, href = max(wheels)
    url, digest = href.split("#sha256=")
    url = urllib.request.urljoin(page_url, url)
    with tempfile.TemporaryDirectory(prefix="conflictmap-pip-") as folder:
        wheel = os.path.join(folder, url.rsplit("/", 1)[-1].split("?")[0])
        say("downloading pip {}".format(".".join(map(str, version))))
        with urllib.request.urlopen(url, timeout=120) as response, open(wheel, "wb") as out:
            shutil.copyfileobj(response, out)
        with open(wheel, "rb") as f:
            actual = hashlib.sha256(f.read()).hexdigest()
        if actual != digest:
            fail(f"the pip wheel's sha256 {actual} is not the index's {digest}; not installing it")
        # A wheel is a zip Python can run from: pip installs itself from its own wheel.
        subprocess.run(
            [VENV_PYTHON, os.path.join(wheel, "pip"), "install", "--quiet", "--no-index", wheel],
            check=True,
            env=pip_env(),
        )
    say("pip installed into .venv")


# ---------------------------------------------------------------- installing conflictmap


def pyproject_hash():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_stamp():
    try:
        with open(STAMP, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def pip_env():
    env = dict(os.environ)
    env.pop("PIP_USER", None)  # a user-wide `user = true` would aim pip outside .venv
    env["PIP_USER"] = "0"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.pop("PYTHONPATH", None)
    return env


def ensure_installed(extras):
    stamp = read_stamp()
    wanted = sorted(set(extras) | set(stamp.get("extras", [])))
    if stamp.get("pyproject") == pyproject_hash() and set(extras) <= set(stamp.get("extras", [])):
        say("dependencies up to date (pyproject.toml unchanged since the last install)")
        return
    target = ".[{}]".format(",".join(wanted)) if wanted else "."
    say(f"installing conflictmap{target[1:]} into .venv (a minute the first time)")
    started = time.monotonic()
    if not install_with_uv(target):
        subprocess.run(
            [VENV_PYTHON, "-m", "pip", "install", "--quiet", "--editable", target], cwd=ROOT, check=True, env=pip_env()
        )
    with open(STAMP, "w", encoding="utf-8") as f:
        json.dump({"pyproject": pyproject_hash(), "extras": wanted}, f)
    say(f"installed in {duration(time.monotonic() - started)}")


def install_with_uv(target):
    """Install ``target`` into .venv with uv (installed into .venv by pip first): about 20 s where pip
    takes 40-50 s on this project. False, having said why, when uv cannot be had or fails: pip then
    does the install.

    Byte-compiled at install, as pip does: compiled at first import instead, under the test suite's
    ``-W error``, a dependency's invalid escape sequence (a SyntaxWarning) fails the import.
    """
    has_uv = subprocess.run([VENV_PYTHON, "-m", "uv", "--version"], capture_output=True).returncode == 0
    if not has_uv:
        got = subprocess.run(
            [VENV_PYTHON, "-m", "pip", "install", "--quiet", "uv"], cwd=ROOT, env=pip_env(), capture_output=True
        )
        if got.returncode != 0:
            say("could not install uv into .venv; pip installs the dependencies instead")
            return False
    env = pip_env()
    if os.environ.get("PIP_INDEX_URL") and not os.environ.get("UV_DEFAULT_INDEX"):
        env["UV_DEFAULT_INDEX"] = os.environ["PIP_INDEX_URL"]  # the index pip was told to use
    done = subprocess.run(
        [VENV_PYTHON, "-m", "uv", "pip", "install", "--quiet", "--compile-bytecode", "--python", VENV_PYTHON]
        + ["--editable", target],
        cwd=ROOT,
        env=env,
    )
    if done.returncode != 0:
        say(f"uv could not install the dependencies (exit {done.returncode}); pip installs them instead")
        return False
    return True


def duration(seconds):
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


# ---------------------------------------------------------------- the commands


def serve(args):
    ensure_venv()
    ensure_installed(EXTRAS["serve"])
    command = [os.path.join(VENV, "bin", "conflictmap"), "serve"] + args
    say("starting: conflictmap serve {}(Ctrl+C to stop)".format(" ".join(args) + " " if args else ""))
    os.execv(command[0], command)


def find_browsers():
    chromium = os.environ.get("BROWSER_PATH") or next(filter(None, map(shutil.which, BROWSER_NAMES)), None)
    driver = shutil.which("chromedriver")
    if driver is None and chromium:
        for folder in {os.path.dirname(chromium), os.path.dirname(os.path.realpath(chromium))}:
            candidate = os.path.join(folder, "chromedriver")
            if os.access(candidate, os.X_OK):
                driver = candidate
    return chromium, driver


def test(args):
    chromium, driver = find_browsers()
    if not chromium or not driver:
        missing = " and ".join(n for n, p in (("Chromium", chromium), ("chromedriver", driver)) if not p)
        fail(
            f"the test suite needs {missing} (browser tests drive the app in headless Chromium).\n"
            "  Debian/Ubuntu: sudo apt-get install chromium chromium-driver\n"
            "  elsewhere: install Chrome or Chromium and its chromedriver, put both on PATH "
            "(or set BROWSER_PATH to the browser)",
            code=2,
        )
    ensure_venv()
    ensure_installed(EXTRAS["test"])
    started = time.monotonic()
    say(f"using {chromium} and {driver}")
    bin_dir = os.path.join(VENV, "bin")
    env = dict(
        os.environ, PATH=bin_dir + os.pathsep + os.path.dirname(driver) + os.pathsep + os.environ.get("PATH", "")
    )
    env.pop("PYTHONPATH", None)
    for name, command in (
        ("ruff check", [os.path.join(bin_dir, "ruff"), "check", "."]),
        ("ruff format --check", [os.path.join(bin_dir, "ruff"), "format", "--check", "."]),
        ("mypy", [os.path.join(bin_dir, "mypy")]),
        ("lint-imports", [os.path.join(bin_dir, "lint-imports")]),  # the layer contracts in pyproject.toml
    ):
        say("== " + name)
        if subprocess.run(command, cwd=ROOT, env=env).returncode != 0:
            fail(
                f"{name} failed: fix what it reports above (ruff: `.venv/bin/ruff check --fix . && "
                ".venv/bin/ruff format .`)"
            )
    say("== pytest: the browser tests (two workers) and the others, at once")
    sys.exit(run_suite(args, env, started))


# The two halves of the suite: tests/conftest.py marks every test that drives Chromium `browser`.
HALVES = (("browser", "browser"), ("other", "not browser"))
# The browser half runs in two pytest-xdist workers (a Chromium each), tests handed out as workers
# free up: one page load keeps about one core busy in bursts (the page's scripts, then the map drawn
# in software WebGL) and waits in between, so two Chromiums fill the gaps.
BROWSER_WORKERS = ["-n", "2", "--dist", "worksteal"]


def run_suite(args, env, started):
    """Run the browser tests and the rest side by side; print the time and the ten slowest; return the exit code.

    The browser tests (a Chromium per worker, the map drawn in software WebGL) are most
    of the time; the others run beside them in a second pytest. The
    browser half prints as it goes; the other half's output is kept and printed when
    both are done. Either failing fails the command, and so does a half that
    collects no test when the whole suite was asked for (a browser test is never
    skipped: without Chromium they fail).
    """
    tests_started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="conflictmap-test-") as folder:
        reports = {name: os.path.join(folder, name + ".xml") for name, _ in HALVES}
        commands = {
            name: [VENV_PYTHON, "-m", "pytest", "--headless", "-p", "no:cacheprovider", "-m", marks]
            + ["--junitxml", reports[name], "-o", "junit_family=xunit1"]
            + (BROWSER_WORKERS if name == "browser" and not args else [])
            + args
            for name, marks in HALVES
        }
        other_log = os.path.join(folder, "other.log")
        with open(other_log, "w", encoding="utf-8") as log:
            other = subprocess.Popen(commands["other"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            codes = {"browser": subprocess.run(commands["browser"], cwd=ROOT, env=env).returncode}
            codes["other"] = other.wait()
        say("== pytest, the tests that drive no browser (they ran beside the browser tests):")
        with open(other_log, encoding="utf-8") as log:
            sys.stdout.write(log.read())
        slowest = ten_slowest(reports.values())
    if slowest:
        say("the ten slowest tests (setup, call and teardown):")
        for seconds, test in slowest:
            print(f"  {seconds:7.1f} s  {test}")
    say(
        "tests took {} ({}); the whole command {}".format(
            duration(time.monotonic() - tests_started),
            ", ".join(f"{n}: exit {c}" for n, c in codes.items()),
            duration(time.monotonic() - started),
        )
    )
    return verdict(codes, whole_suite=not args)


def verdict(codes, whole_suite):
    """The command's exit code from the halves': any failure fails; collecting nothing fails."""
    failed = {name: code for name, code in codes.items() if code not in (0, 5)}
    if failed:
        say("failed: " + ", ".join(f"the {name} tests (exit {code})" for name, code in failed.items()))
        return max(failed.values())
    empty = [name for name, code in codes.items() if code == 5]
    if empty and (whole_suite or len(empty) == len(codes)):
        say("pytest collected no {} tests: that is a failure here".format(" and no ".join(empty)))
        return 5
    return 0


def ten_slowest(reports):
    """The ten longest tests of the JUnit XML reports, as (seconds, test id)."""
    import xml.etree.ElementTree as ET

    times = []
    for report in reports:
        try:
            root = ET.parse(report).getroot()
        except (OSError, ET.ParseError):
            continue
        for case in root.iter("testcase"):
            test = "{}::{}".format(case.get("file") or case.get("classname", ""), case.get("name", ""))
            times.append((float(case.get("time") or 0), test))
    return sorted(times, reverse=True)[:10]


def main(argv):
    check_python()
    if not argv or argv[0] not in ("serve", "test"):
        print("usage:\n" + __doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    try:
        if command == "serve":
            serve(rest)
        else:
            test(rest)
    except subprocess.CalledProcessError as exc:
        fail("`{}` failed (exit {})".format(" ".join(map(str, exc.cmd)), exc.returncode))
    except OSError as exc:  # e.g. no network for the first install
        fail(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
