#!/usr/bin/env bash
# Creates the virtualenv the ROMA client tests use: `test/python/setup-venv.sh <dir>`. Run by .ci/run before the
# suite, and by the tests themselves when the folder is missing. The python is $PYTHON, else python3.
set -euo pipefail
dir="$1"
here="$(cd "$(dirname "$0")" && pwd)"
py="${PYTHON:-python3}"
rm -rf "$dir"
"$py" -m venv "$dir"
# One retry: an index that cannot be reached should fail quickly, not after minutes of back-off.
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check --retries 1 --timeout 20 -r "$here/requirements-mcp.txt"
# Written last: a folder without it is a half-made venv and is made again.
cp "$here/requirements-mcp.txt" "$dir/ptc-requirements.txt"
