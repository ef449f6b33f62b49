#!/usr/bin/env bash
# analytics_bench.sh - fold throughput of the analytics stage next to raw COPY, same run.
#
# Why: the analytics goal is 200,000 events/s folded into PostgreSQL on this machine. This
# creates a scratch database with the migrations, builds analytics_bench and runs it: JSON
# parse + COPY + analytics_apply_batch() + COMMIT per batch (exactly the plugin's path), raw
# COPY of the same rows into a plain table, then recalculate as an exactness check. It reports
# wall-clock rates and events per server-CPU second (robust on a busy shared machine).
#
#   bench/analytics_bench.sh [recipients=200000] [batch=5000] [sends_per_second=500]
# Env: HERALD_BUILD_DIR (build), HERALD_PG_ADMIN_CONNINFO (host=127.0.0.1 port=19432
#      user=herald dbname=postgres).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${HERALD_BUILD_DIR:-$ROOT/build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
ADMIN="${HERALD_PG_ADMIN_CONNINFO:-host=127.0.0.1 port=19432 user=herald dbname=postgres}"
DB="herald_bench_analytics"
CONN="${ADMIN/dbname=postgres/dbname=$DB}"

cmake -S "$ROOT" -B "$BUILD" -G Ninja >/dev/null
ninja -C "$BUILD" -j2 analytics_bench >/dev/null
psql "$ADMIN" -qc "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
    -c "CREATE DATABASE $DB"
for f in "$ROOT"/migrations/[0-9]*.sql; do
    psql "$CONN" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null
done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD/bin/analytics_bench" "$CONN" "${1:-200000}" "${2:-5000}" "${3:-500}"
psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
