#!/usr/bin/env bash
# One development environment with everything: server, client and test dependencies.
# Usage: [VENV=path] [VERBOSE=1] bash scripts/install_dev.sh   (VERBOSE=1: pip's, apt's and npm's own output)
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
bash "$ROOT/scripts/install_server.sh"
bash "$ROOT/scripts/install_client.sh"
step "dev: test packages" editable ".[test]"
step "dev: pip check" check_consistent development
command -v npm >/dev/null || step "dev: apt packages (nodejs, npm)" apt_install nodejs npm
# npm_project LABEL DIR: `npm ci` in DIR, pinned by its package-lock.json; again only when the lockfile changes.
npm_project() {
    if [ "$2/node_modules/.package-lock.json" -nt "$2/package-lock.json" ]; then
        echo "dev: $1 (npm) up to date"
    else
        step "dev: $1 (npm ci)" bash -c 'cd "$1" && npm ci --no-audit --no-fund --loglevel=error' _ "$2"
    fi
}
# The Firebase Auth emulator that tests/auth and tests/account start (npm firebase-tools).
npm_project "firebase emulator" "$ROOT/Discovery/Server/firebase_emulator"
# The account page's build (esbuild + the Firebase JS SDK): tests/account checks the committed bundle against it.
npm_project "account page build" "$ROOT/Discovery/Server/account_page"
# Headless Chromium and its matching driver for the account page's browser tests (tests/account).
step "dev: apt packages (chromium, chromium-driver)" apt_install chromium chromium-driver
# PostgreSQL for the store's tests (tests/postgres.py runs its initdb and pg_ctl in a temporary directory).
step "dev: apt packages (postgresql)" apt_install postgresql
echo "installed in $VENV (VERBOSE=1 shows each tool's output)"
