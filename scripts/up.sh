#!/usr/bin/env bash
# Why this exists: one command that brings a machine to "Herald can run here": Debian packages,
# the private PostgreSQL cluster and the Kafka broker (through their scripts), a build in
# build/ (RelWithDebInfo), and the schema migrations. Idempotent — a second run only checks.
# The demo/runner scripts build on this; scripts/down.sh undoes the services part.
#
#   scripts/up.sh [--no-build]
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERALD_LOG_TAG="up"
SCRIPTS="$HERALD_ROOT/scripts"
BUILD_DIR="${HERALD_BUILD_DIR:-$HERALD_ROOT/build}"

build() {
    herald_log "building $BUILD_DIR"
    cmake -S "$HERALD_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    ninja -C "$BUILD_DIR"
}

main() {
    local do_build=1
    case "${1:-}" in
    --no-build) do_build=0 ;;
    "") ;;
    *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
    esac
    bash "$SCRIPTS/deps.sh"
    # The two services start independently; run them side by side (Kafka takes ~10 s).
    bash "$SCRIPTS/postgres.sh" start &
    local pg=$!
    bash "$SCRIPTS/kafka.sh" start &
    local kafka=$!
    wait "$pg" || herald_die "PostgreSQL did not start"
    wait "$kafka" || herald_die "Kafka did not start"
    if [ "$do_build" -eq 1 ]; then
        build
    fi
    HERALD_BUILD_DIR="$BUILD_DIR" bash "$SCRIPTS/postgres.sh" migrate
    herald_log "up: Kafka 127.0.0.1:${HERALD_KAFKA_PORT:-19092}," \
        "PostgreSQL host=127.0.0.1 port=${HERALD_PG_PORT:-19432} dbname=herald user=herald," \
        "binaries in $BUILD_DIR/bin"
}

main "$@"
