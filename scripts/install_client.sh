#!/usr/bin/env bash
# Install what an ML client runs: the client-side packages, with PyTorch's CPU build first
# (any other torch pulls gigabytes of CUDA packages), and Hdl21 for building circuits that
# simulate_on_the_server runs (autockt_shared[hdl21]).
# Usage: [VENV=path] [VERBOSE=1] bash scripts/install_client.sh
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
step "client: virtualenv $VENV" ensure_venv
step "client: torch (CPU build)" pip_install torch==2.13.0
step "client: python packages (editable)" editable Discovery/Shared Discovery/Client Example/Shared Example/Client "AutoCkt/Shared[hdl21]" AutoCkt/Auto
step "client: pip check" check_consistent client
