#!/usr/bin/env bash
# Install what a simulation server runs: ngspice (Debian) and the server-side packages.
# Usage: [VENV=path] bash scripts/install_server.sh
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
apt_install ngspice libngspice0
ensure_venv
editable Discovery/Shared Discovery/Server Example/Shared Example/Server AutoCkt/Shared AutoCkt/Ckt
check_consistent server
echo "server packages installed in $VENV"
