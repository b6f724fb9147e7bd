#!/usr/bin/env bash
# The README's first command: set up and run the whole stack (embedded Redis unless REDIS_URL is set,
# gateway on :8000, two workers, offline demo model, bundled sample database, the UI).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all
exec .venv/bin/python -m devstack "$@"
