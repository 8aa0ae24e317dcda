#!/usr/bin/env bash
# One development environment with everything: server, client and test dependencies.
# Usage: [VENV=path] [VERBOSE=1] bash scripts/install_dev.sh   (VERBOSE=1: pip's, apt's and npm's own output)
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
bash "$ROOT/scripts/install_server.sh"
bash "$ROOT/scripts/install_client.sh"
step "dev: test packages" editable ".[test]"
step "dev: pip check" check_consistent development
# The Firebase Auth emulator that tests/auth starts (npm firebase-tools, pinned by its package-lock.json); reinstalled when the lockfile changes.
EMULATOR="$ROOT/Discovery/Server/firebase_emulator"
command -v npm >/dev/null || step "dev: apt packages (nodejs, npm)" apt_install nodejs npm
if [ "$EMULATOR/node_modules/.package-lock.json" -nt "$EMULATOR/package-lock.json" ]; then
    echo "dev: firebase emulator (npm) up to date"
else
    step "dev: firebase emulator (npm ci)" bash -c 'cd "$1" && npm ci --no-audit --no-fund --loglevel=error' _ "$EMULATOR"
fi
echo "installed in $VENV (VERBOSE=1 shows each tool's output)"
