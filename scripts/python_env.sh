# Sourced by the install scripts: the virtual environment, how packages go into it, and how each
# install step reports: one line per step ("server: python packages (editable) ok (12 s)"), the
# tools' own output (pip, setuptools, apt, npm) only with VERBOSE=1 or when the step fails.
# VENV (default: .venv at the repository root), PYTHON (default: python3) and VERBOSE may be set by the caller.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
VERBOSE="${VERBOSE:-0}"

# The command a failed step tells the user to re-run: the install script they started (inherited by
# the scripts it runs), with the VENV they chose.
if [ -z "${INSTALL_COMMAND:-}" ]; then
    case "$(basename "$0")" in
    install_*.sh)
        INSTALL_COMMAND="bash scripts/$(basename "$0")"
        [ "$VENV" = "$ROOT/.venv" ] || INSTALL_COMMAND="VENV=$VENV $INSTALL_COMMAND"
        export INSTALL_COMMAND
        ;;
    esac
fi

# step LABEL COMMAND...: run one install step, COMMAND under `set -e` in a subshell. Prints "LABEL ok (N s)";
# with VERBOSE=1 COMMAND's output too. On failure: what failed, COMMAND's output, how to retry; exits.
step() {
    local label="$1" started=$SECONDS rc log=""
    shift
    set +e
    if [ "$VERBOSE" = 1 ]; then
        echo "--- $label: $*"
        (set -e; "$@")
        rc=$?
    else
        log="$(mktemp -t cktgym-install.XXXXXX)"
        (set -e; "$@") >"$log" 2>&1
        rc=$?
    fi
    set -e
    if [ "$rc" -ne 0 ]; then
        {
            echo "$label FAILED (exit $rc) in: $*"
            if [ -n "$log" ]; then
                local lines
                lines=$(wc -l <"$log")
                if [ "$lines" -gt 150 ]; then
                    echo "--- its output, last 150 of $lines lines (all of it: $log) ---"
                    tail -n 150 "$log"
                else
                    echo "--- its output ---"
                    cat "$log"
                    rm -f "$log"
                fi
                echo "---"
            fi
            echo "To retry with every tool's output shown: VERBOSE=1 ${INSTALL_COMMAND:-bash scripts/install_dev.sh}"
        } >&2
        exit "$rc"
    fi
    [ -z "$log" ] || rm -f "$log"
    echo "$label ok ($((SECONDS - started)) s)"
}

PIP_QUIET=(-q)  # pip's own progress only with VERBOSE=1
if [ "$VERBOSE" = 1 ]; then PIP_QUIET=(); fi

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install "${PIP_QUIET[@]}" --disable-pip-version-check --upgrade pip setuptools wheel
}

# pip_install ARGS...: pip inside the venv, under the repository's version constraints.
pip_install() {
    "$VENV/bin/python" -m pip install "${PIP_QUIET[@]}" --disable-pip-version-check -c "$ROOT/constraints.txt" "$@"
}

# check_consistent WHAT: fail the install if the environment's requirements disagree (see constraints.txt).
check_consistent() {
    if ! "$VENV/bin/python" -m pip check; then
        echo "error: the $1 install in $VENV is inconsistent (above); constraints.txt should prevent this: fix it there, then re-run" >&2
        return 1
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
