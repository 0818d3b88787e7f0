#!/usr/bin/env bash
# Kept for old habits: the test command is `python3 scripts/dev.py test` (see README).
exec python3 "$(dirname "$0")/dev.py" test "$@"
