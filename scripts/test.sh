#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run all of it,
# browser tests included (they never skip: a missing browser is a failure).
#   bash scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "== installing Debian chromium and chromium-driver for the browser tests"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

echo "== installing conflictmap with its test dependencies"
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

echo "== running the test suite"
set +e
python3 -m pytest --headless -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"
