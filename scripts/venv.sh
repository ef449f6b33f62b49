#!/usr/bin/env bash
# Why this exists: Herald's integration tests are Python (pytest driving real herald-stage
# processes, Kafka and PostgreSQL). Their packages live in a project-local virtualenv,
# .cache/venv, so nothing is installed into the system Python. Idempotent; when the venv is
# complete it returns at once. Prints the venv path on stdout.
#
#   scripts/venv.sh            -> /path/to/.cache/venv
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERALD_LOG_TAG=venv

VENV="$HERALD_CACHE/venv"
PACKAGES=(pytest pytest-xdist confluent-kafka "psycopg[binary]" requests pyyaml promql-parser)
# Written last: its presence means every package above was installed.
STAMP="$VENV/.herald-packages"

wanted_stamp() {
    printf '%s\n' "${PACKAGES[@]}"
}

venv_complete() {
    [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(wanted_stamp)" ]
}

create_venv() {
    herald_log "creating $VENV"
    if ! python3 -m venv "$VENV"; then
        herald_die "python3 -m venv failed; install python3-venv (scripts/deps.sh)"
    fi
}

install_packages() {
    herald_log "installing ${PACKAGES[*]}"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PACKAGES[@]}" >&2 ||
        herald_die "pip install failed"
    wanted_stamp >"$STAMP"
}

main() {
    if ! venv_complete; then
        mkdir -p "$HERALD_CACHE"
        herald_lock venv
        if ! venv_complete; then
            [ -x "$VENV/bin/python" ] || create_venv
            install_packages
        fi
    fi
    echo "$VENV"
}

main "$@"
