#!/usr/bin/env bash
# Lint, format and type checks, as configured in the root pyproject.toml ([tool.ruff], [tool.mypy]).
# scripts/test.sh runs this before the tests; run it alone after `bash scripts/install_dev.sh`.
# To fix what ruff can: .venv/bin/ruff check --fix . && .venv/bin/ruff format .
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
cd "$ROOT"
INSTALL_COMMAND="bash scripts/check.sh"
step "ruff check (lint)" "$VENV/bin/ruff" check .
step "ruff format --check" "$VENV/bin/ruff" format --check .
step "mypy (packages)" "$VENV/bin/python" -m mypy
# Scripts and benchmarks, one directory per run: both hold a start_server.py, and one run refuses two modules of one name.
step "mypy (AutoCkt/scripts)" "$VENV/bin/python" -m mypy AutoCkt/scripts
step "mypy (Example/scripts)" "$VENV/bin/python" -m mypy Example/scripts
step "mypy (benchmarks)" "$VENV/bin/python" -m mypy benchmarks
