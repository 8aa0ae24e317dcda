#!/usr/bin/env bash
# Install what an ML client runs: the client-side packages, with PyTorch's CPU build first
# (any other torch pulls gigabytes of CUDA packages).
# Usage: [VENV=path] bash scripts/install_client.sh
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
ensure_venv
pip_install torch==2.13.0
editable Discovery/Shared Discovery/Client Example/Shared Example/Client AutoCkt/Shared AutoCkt/Auto
check_consistent client
echo "client packages installed in $VENV"
