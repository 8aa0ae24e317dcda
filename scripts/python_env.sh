# Sourced by the install scripts: the virtual environment and how packages go into it.
# VENV (default: .venv at the repository root) and PYTHON (default: python3) may be set by the caller.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --upgrade pip setuptools wheel
}

# pip_install ARGS...: quiet pip inside the venv, under the repository's version constraints.
pip_install() {
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c "$ROOT/constraints.txt" "$@"
}

# check_consistent WHAT: fail the install if the environment's requirements disagree (see constraints.txt).
check_consistent() {
    if ! "$VENV/bin/python" -m pip check >/dev/null; then
        "$VENV/bin/python" -m pip check || true
        echo "error: the $1 install in $VENV is inconsistent (above); constraints.txt should prevent this: fix it there, then re-run" >&2
        exit 1
    fi
}

# editable PATH...: install the monorepo's own packages, editable, by path from the root.
editable() {
    local args=()
    for path in "$@"; do args+=(-e "$ROOT/$path"); done
    pip_install "${args[@]}"
}

# apt_install PACKAGE...: Debian packages, once (needs root or sudo).
apt_install() {
    local missing=()
    for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}
