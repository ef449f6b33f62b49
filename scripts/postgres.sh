#!/usr/bin/env bash
# Why this exists: Herald keeps its state in PostgreSQL, and the tests, the demo and CI need a
# real server without touching the machine's own clusters. This script runs a private
# PostgreSQL 15 cluster from Debian's `postgresql` package: data in var/pgdata (git-ignored),
# 127.0.0.1:19432, trust auth, role `herald` (superuser in this dev cluster) and database
# `herald`. Idempotent and safe to call concurrently; a start while it is up is a fast no-op.
# The port is below Linux's ephemeral range (32768-60999): a fixed port inside it (the old
# 55432) can be held, when the server starts, by any outgoing connection on the machine.
#
#   scripts/postgres.sh start|stop|status|psql [psql args]|migrate
#
# Environment: HERALD_PG_PORT (19432), HERALD_VAR_DIR (var/), HERALD_BUILD_DIR (build/).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERALD_LOG_TAG=postgres

PG_BIN="${HERALD_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${HERALD_PG_PORT:-19432}"
PG_DATA="$HERALD_VAR/pgdata"
PG_SOCK="$HERALD_VAR/pgsock"
PG_LOG="$HERALD_VAR/log/postgres.log"
PG_USER=postgres
# A probe must not hang on a port held by something that accepts but never speaks.
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}"

# Runs a PostgreSQL server binary as the `postgres` OS user when we are root (the server
# refuses to run as root), as ourselves otherwise.
as_pg() {
    if herald_is_root; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_package() {
    [ -x "$PG_BIN/pg_ctl" ] && return 0
    herald_is_root || herald_die "$PG_BIN/pg_ctl missing; install Debian's postgresql package"
    herald_log "installing Debian's postgresql package"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    [ -x "$PG_BIN/pg_ctl" ] || herald_die "postgresql installed but $PG_BIN/pg_ctl still missing"
}

# The postgres user must be able to walk down to var/. Directories only get o+x (traverse),
# never read, and only when they lack it.
ensure_traversable() {
    herald_is_root || return 0
    local dir="$HERALD_VAR"
    while [ "$dir" != "/" ]; do
        if ! runuser -u "$PG_USER" -- test -x "$dir"; then
            herald_log "granting traverse (o+x) on $dir so the postgres user can reach var/"
            chmod o+x "$dir"
        fi
        dir="$(dirname "$dir")"
    done
}

prepare_dirs() {
    mkdir -p "$HERALD_VAR/log" "$PG_SOCK"
    chmod 755 "$HERALD_VAR"
    touch "$PG_LOG"
    if herald_is_root; then
        ensure_traversable
        chown "$PG_USER:" "$PG_SOCK" "$PG_LOG"
        if [ -d "$PG_DATA" ]; then chown -R "$PG_USER:" "$PG_DATA"; fi
    fi
}

pg_initialised() {
    [ -f "$PG_DATA/PG_VERSION" ]
}

init_cluster() {
    herald_log "initdb into $PG_DATA"
    rm -rf "$PG_DATA"
    mkdir -p "$PG_DATA"
    if herald_is_root; then chown "$PG_USER:" "$PG_DATA"; fi
    chmod 700 "$PG_DATA"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" --auth=trust -E UTF8 --no-locale \
        >>"$PG_LOG" 2>&1 || herald_die "initdb failed; see $PG_LOG"
    # Settings appended once; later lines win over initdb's defaults.
    cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- Herald private dev cluster (scripts/postgres.sh) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 300
shared_buffers = 256MB
log_timezone = 'UTC'
timezone = 'UTC'
EOF
}

# True when the cluster on our port answers as role herald in database herald — whoever's
# cluster it is (a second clone reuses the main checkout's running cluster).
herald_db_ready() {
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U herald -d herald -Atqc 'select 1' \
        >/dev/null 2>&1
}

psql_admin() {
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -Atq "$@"
}

ensure_role_and_db() {
    if [ "$(psql_admin -c "select 1 from pg_roles where rolname = 'herald'")" != "1" ]; then
        herald_log "creating role herald"
        psql_admin -c 'create role herald superuser login'
    fi
    if [ "$(psql_admin -c "select 1 from pg_database where datname = 'herald'")" != "1" ]; then
        herald_log "creating database herald"
        psql_admin -c 'create database herald owner herald'
    fi
}

our_server_running() {
    pg_initialised && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

cmd_start() {
    if herald_db_ready; then
        # Fast path: up and provisioned. Say so when the cluster is not this checkout's.
        our_server_running ||
            herald_log "reusing the PostgreSQL cluster already on 127.0.0.1:$PG_PORT (not this checkout's)"
        return 0
    fi
    ensure_package
    herald_lock postgres
    if herald_db_ready; then return 0; fi # another caller finished while we waited
    prepare_dirs
    if our_server_running && ! herald_port_open "$PG_PORT"; then
        # e.g. a checkout from before the default port moved out of the ephemeral range
        herald_log "this checkout's cluster runs, but not on 127.0.0.1:$PG_PORT: restarting it there"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
    fi
    if ! our_server_running; then
        if herald_port_open "$PG_PORT"; then
            herald_die "127.0.0.1:$PG_PORT is taken by something that is not our cluster" \
                "(no role herald / db herald there). Stop it or set HERALD_PG_PORT."
        fi
        pg_initialised || init_cluster
        herald_log "starting on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
        # 9>&-: the server must not inherit our lock fd, or it would hold the lock forever.
        # -p: the port asked for now wins over the one written into postgresql.conf at initdb.
        if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "-p $PG_PORT" -w -t 60 start \
            >/dev/null 9>&-; then
            tail -n 30 "$PG_LOG" >&2 || true
            herald_die "pg_ctl start failed; log tail above"
        fi
    fi
    ensure_role_and_db
    herald_db_ready || herald_die "server is up but role/db herald do not answer"
    herald_log "ready: host=127.0.0.1 port=$PG_PORT dbname=herald user=herald"
}

cmd_stop() {
    herald_lock postgres
    if our_server_running; then
        herald_log "stopping"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
    else
        herald_log "not running (from $PG_DATA)"
    fi
}

cmd_status() {
    if our_server_running; then
        echo "postgres: running (ours, $PG_DATA) on 127.0.0.1:$PG_PORT"
    elif herald_db_ready; then
        local dir
        dir="$("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U herald -d herald -Atqc \
            'show data_directory' 2>/dev/null || echo '?')"
        echo "postgres: running (another checkout's cluster, $dir) on 127.0.0.1:$PG_PORT"
    else
        echo "postgres: stopped"
        return 3
    fi
}

cmd_psql() {
    exec "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U herald -d herald "$@"
}

# Applies migrations/*.sql through the stage host, which owns the schema-version table.
cmd_migrate() {
    local build_dir="${HERALD_BUILD_DIR:-$HERALD_ROOT/build}"
    case "$build_dir" in /*) ;; *) build_dir="$HERALD_ROOT/$build_dir" ;; esac
    local stage="$build_dir/bin/herald-stage"
    local config="${HERALD_MIGRATE_CONFIG:-$HERALD_ROOT/config/segmenter.conf}"
    if [ ! -x "$stage" ]; then
        herald_log "no $stage yet; skipping migrations"
        return 0
    fi
    if [ ! -f "$config" ]; then
        config="$(find "$HERALD_ROOT/config" -maxdepth 1 -name '*.conf' | sort | head -n 1)"
        [ -n "$config" ] || herald_die "no config/*.conf to hand to herald-stage --migrate"
    fi
    cmd_start
    herald_log "applying migrations with $stage --migrate --config $config"
    HERALD_PG_CONNINFO="${HERALD_PG_CONNINFO:-host=127.0.0.1 port=$PG_PORT dbname=herald user=herald}" \
        "$stage" --migrate --config "$config"
}

main() {
    case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    psql) shift; cmd_psql "$@" ;;
    migrate) cmd_migrate ;;
    *)
        echo "usage: $0 start|stop|status|psql [args]|migrate" >&2
        exit 2
        ;;
    esac
}

main "$@"
