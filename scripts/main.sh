#!/usr/bin/env bash
# The main job, from a fresh clone: install everything, serve the AutoCkt circuits locally
# (no auth, loopback only), train a PPO agent on the two-stage op-amp, validate it on unseen
# targets (greedy, then sampling actions as AutoCkt's validation did), print the reached
# fractions and where the TensorBoard logs are, stop the server.
# About 15 minutes on 2 cores.
# Usage: bash scripts/main.sh
#   AUTOCKT_MAIN_STEPS   env-step budget of the training (default 140000: about 11 min here)
#   AUTOCKT_MAIN_SPECS   unseen targets to validate on (default 1000)
#   AUTOCKT_MAIN_PORT    server port (default: a free one)
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
bash "$ROOT/scripts/install_dev.sh"
cd "$ROOT"
PY="$VENV/bin/python"
STEPS="${AUTOCKT_MAIN_STEPS:-140000}"
SPECS="${AUTOCKT_MAIN_SPECS:-1000}"
PORT="${AUTOCKT_MAIN_PORT:-$("$PY" -c 'from discovery_server import free_port; print(free_port())')}"
URL="http://127.0.0.1:$PORT"
EXPERIMENT_DIR="$HOME/ray_results/autockt_main"
SERVER_LOG="$(mktemp -t autockt-server.XXXXXX.log)"

"$PY" AutoCkt/scripts/start_server.py --host 127.0.0.1 --port "$PORT" --auth none >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT
"$PY" - "$URL" "$SERVER_PID" <<'PY'
import os, sys, time, httpx
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        if httpx.get(url + "/", timeout=2).status_code == 200:
            sys.exit(0)
    except httpx.TransportError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("the AutoCkt server exited before answering")
    time.sleep(0.2)
sys.exit(f"the AutoCkt server did not answer on {url}")
PY
echo "AutoCkt server on $URL (log: $SERVER_LOG)"

"$PY" AutoCkt/scripts/train_general.py --server-url "$URL" --experiment autockt_main \
    --max-env-steps "$STEPS" --moves -3 -1 0 1 3
"$PY" AutoCkt/scripts/validate.py "$EXPERIMENT_DIR" --server-url "$URL" --n-specs "$SPECS"
"$PY" AutoCkt/scripts/validate.py "$EXPERIMENT_DIR" --server-url "$URL" --n-specs "$SPECS" --sample
echo "TensorBoard logs: $EXPERIMENT_DIR  (tensorboard --logdir ~/ray_results)"
