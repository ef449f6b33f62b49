# shellcheck shell=bash
# Why this exists: the service scripts (postgres.sh, kafka.sh, venv.sh, test.sh, ...) share a
# few needs — find the repository root from their own location so they work from any cwd and
# in any clone, print uniform messages, serialise concurrent callers with flock, and ask
# whether something already listens on a TCP port. Sourced, never executed.

HERALD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERALD_VAR="${HERALD_VAR_DIR:-$HERALD_ROOT/var}"
HERALD_CACHE="${HERALD_CACHE_DIR:-$HERALD_ROOT/.cache}"
export HERALD_ROOT HERALD_VAR HERALD_CACHE

herald_log() {
    printf '[%s] %s\n' "${HERALD_LOG_TAG:-herald}" "$*" >&2
}

herald_die() {
    printf '[%s] ERROR: %s\n' "${HERALD_LOG_TAG:-herald}" "$*" >&2
    exit 1
}

# herald_lock NAME — hold an exclusive lock on var/run/NAME.lock on fd 9 until the script
# exits, so two callers never initialise or start the same service at once.
herald_lock() {
    local name="$1"
    mkdir -p "$HERALD_VAR/run"
    exec 9>"$HERALD_VAR/run/$name.lock"
    if ! flock -w "${HERALD_LOCK_TIMEOUT:-300}" 9; then
        herald_die "timed out waiting for the $name lock ($HERALD_VAR/run/$name.lock)"
    fi
}

# herald_port_open PORT — true when something accepts TCP connections on 127.0.0.1:PORT.
herald_port_open() {
    local port="$1"
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
}

# herald_is_root — the service scripts drop privileges for PostgreSQL only when root.
herald_is_root() {
    [ "$(id -u)" -eq 0 ]
}
