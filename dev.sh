#!/usr/bin/env bash
# Set-up and everyday commands. The README's two commands:
#   ./dev.sh demo   create the virtual environment and run the whole chain offline on SQLite
#   ./dev.sh test   install what the tests need (PostgreSQL, Chromium when root) and run them
# Also: ./dev.sh lint (ruff + mypy), ./dev.sh install (only the environment).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=${CERCABANDI_VENV:-.venv}

venv() {
    local extras=$1 stamp
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --upgrade pip
    fi
    # Reinstall only when pyproject.toml or the extras changed.
    stamp="$VENV/.cercabandi-installed"
    local want
    want="$(sha256sum pyproject.toml | cut -c1-16)$extras"
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
        "$VENV/bin/pip" install --quiet -e ".$extras"
        echo "$want" >"$stamp"
    fi
}

system_packages() {
    # The tests start a real PostgreSQL and drive Debian's Chromium. Install them when we can.
    local missing=()
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
            echo "note: ${missing[*]} not installed and no root: their tests will be skipped" >&2
            return 0
        fi
    fi
    echo "installing ${missing[*]} (apt)..." >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
}

case "${1:-help}" in
install)
    venv "[dev]"
    ;;
demo)
    shift
    venv ""
    exec "$VENV/bin/cercabandi" demo "$@"
    ;;
test)
    shift
    system_packages
    venv "[dev]"
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
lint)
    venv "[dev]"
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/ruff" check .
    "$VENV/bin/mypy"
    ;;
*)
    sed -n '2,6p' "$0"
    exit 2
    ;;
esac
