#!/usr/bin/env bash
# Shared setup for start.sh and test.sh: a .venv with the project installed, and the built UI.
# Re-running is cheap: each step is skipped while its inputs are unchanged (stamp files in .venv/ and
# frontend/node_modules/).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "Python 3.11+ is required (found $("$PY" --version 2>&1)); set PYTHON=python3.11" >&2; exit 1; }

[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.installed${extras:+-$extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing Python packages${extras:+ (with [$extras])}"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".${extras:+[$extras]}"
  touch "$stamp"
fi

if command -v npm >/dev/null 2>&1; then
  if [ ! -f frontend/node_modules/.ci-stamp ] || [ frontend/package-lock.json -nt frontend/node_modules/.ci-stamp ]; then
    echo "==> installing UI packages (npm ci)"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
    touch frontend/node_modules/.ci-stamp
  fi
  echo "==> building the UI"
  (cd frontend && npm run --silent build >/dev/null)
else
  echo "!! npm not found: the API works, but the UI at /ai/static needs Node 20 to build" >&2
fi
