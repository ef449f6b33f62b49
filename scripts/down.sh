#!/usr/bin/env bash
# Why this exists: the counterpart of scripts/up.sh — stops the Kafka broker and the private
# PostgreSQL cluster that this checkout started (a broker or cluster reused from another
# checkout is left alone). Data in var/ is kept; delete var/ to start from scratch.
#
#   scripts/down.sh
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SCRIPTS="$HERALD_ROOT/scripts"

main() {
    local rc=0
    bash "$SCRIPTS/kafka.sh" stop || rc=1
    bash "$SCRIPTS/postgres.sh" stop || rc=1
    return "$rc"
}

main "$@"
