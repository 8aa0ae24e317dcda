#!/usr/bin/env bash
# One development environment with everything: server, client and test dependencies.
# Usage: [VENV=path] bash scripts/install_dev.sh
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
bash "$ROOT/scripts/install_server.sh"
bash "$ROOT/scripts/install_client.sh"
editable ".[test]"
