#!/usr/bin/env bash
# One development environment with everything: server, client and test dependencies.
# Usage: [VENV=path] bash scripts/install_dev.sh
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
bash "$ROOT/scripts/install_server.sh"
bash "$ROOT/scripts/install_client.sh"
editable ".[test]"
check_consistent development
# The Firebase Auth emulator that tests/auth starts (npm firebase-tools, pinned by its package-lock.json); reinstalled when the lockfile changes.
EMULATOR="$ROOT/Discovery/Server/firebase_emulator"
command -v npm >/dev/null || apt_install nodejs npm
[ "$EMULATOR/node_modules/.package-lock.json" -nt "$EMULATOR/package-lock.json" ] || (cd "$EMULATOR" && npm ci --no-audit --no-fund --loglevel=error)
