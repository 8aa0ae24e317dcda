#!/usr/bin/env bash
# Install everything (idempotent), run the lint/format/type checks (scripts/check.sh), then the whole
# test suite. Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
bash "$ROOT/scripts/install_dev.sh"
bash "$ROOT/scripts/check.sh"
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
