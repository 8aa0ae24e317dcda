#!/usr/bin/env bash
# The main job, from a fresh clone: install everything, serve the AutoCkt circuits locally
# (no auth, loopback only), train a PPO agent on the two-stage op-amp, validate it on unseen
# targets (greedy, then sampling actions as AutoCkt's validation did), stop the server.
# About 15 minutes on 2 cores. It prints one line per install step, a progress line while it
# trains and validates, and ends with a summary: reached targets, env steps, wall clock, where
# the checkpoint, the TensorBoard logs and the plots (learning_curve.png, reached.png) are.
# Usage: bash scripts/main.sh
#   AUTOCKT_MAIN_STEPS    env-step budget of the training (default 140000: about 11 min here)
#   AUTOCKT_MAIN_SPECS    unseen targets to validate on (default 1000)
#   AUTOCKT_MAIN_PORT     server port (default: a free one)
#   AUTOCKT_MAIN_INSTALL  0: skip the install (already done)
#   AUTOCKT_MAIN_VERBOSE  1: everything Ray, RLlib and Tune print (the training's --verbose)
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
[ "${AUTOCKT_MAIN_INSTALL:-1}" = 0 ] || bash "$ROOT/scripts/install_dev.sh"
cd "$ROOT"
PY="$VENV/bin/python"
STEPS="${AUTOCKT_MAIN_STEPS:-140000}"
SPECS="${AUTOCKT_MAIN_SPECS:-1000}"
PORT="${AUTOCKT_MAIN_PORT:-$("$PY" -c 'from discovery_server import free_port; print(free_port())')}"
URL="http://127.0.0.1:$PORT"
SERVER_LOG="$(mktemp -t autockt-server.XXXXXX.log)"
VERBOSE_FLAG=()
[ "${AUTOCKT_MAIN_VERBOSE:-0}" = 1 ] && VERBOSE_FLAG=(--verbose)

echo "AutoCkt server: starting on $URL (log: $SERVER_LOG)"
"$PY" AutoCkt/scripts/start_server.py --host 127.0.0.1 --port "$PORT" --auth none >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT
# GET /readyz answers 200 once every simulator worker is warm; give up if the server exits or 120 s pass.
"$PY" - "$URL/readyz" "$SERVER_PID" <<'PY' || { echo "the AutoCkt server did not get ready; the end of its log:" >&2; tail -n 20 "$SERVER_LOG" >&2; exit 1; }
import os, sys, time, httpx
url, pid, deadline = sys.argv[1], int(sys.argv[2]), time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        if httpx.get(url, timeout=2).status_code == 200:
            sys.exit(0)
    except httpx.TransportError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:  # the server exited
            break
    time.sleep(0.2)
sys.exit(1)
PY
echo "AutoCkt server: ready"

"$PY" AutoCkt/scripts/train_general.py --server-url "$URL" --experiment autockt_main \
    --max-env-steps "$STEPS" --moves -3 -1 0 1 3 --validate "$SPECS" --validate-actions both "${VERBOSE_FLAG[@]}"
