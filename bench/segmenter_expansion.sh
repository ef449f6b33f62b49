#!/usr/bin/env bash
# segmenter_expansion.sh - runs the audience expansion benchmark (bench/segmenter_expansion.c)
# on a fresh database with the segmenter's schema, against the local Kafka broker, and prints
# a Markdown table. Usage: bench/segmenter_expansion.sh [contacts=1000000] [batch=5000]
# Env: HERALD_BUILD_DIR (build), HERALD_KAFKA_BROKERS (127.0.0.1:19092), PG on 127.0.0.1:19432.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${HERALD_BUILD_DIR:-$ROOT/build}"
BROKERS="${HERALD_KAFKA_BROKERS:-127.0.0.1:19092}"
DB="herald_bench_segmenter"
ADMIN="host=127.0.0.1 port=19432 dbname=herald user=herald"
CONN="host=127.0.0.1 port=19432 dbname=$DB user=herald"
TOPIC="bench-segmenter-jobs-$$"

psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
# every migration, as production has them (080 changed campaign_recipients for the dispatcher:
# claim_open, fillfactor 50, and the segmenter's statements read it)
HERALD_PG_CONNINFO="$CONN" HERALD_MIGRATIONS_DIR="$ROOT/migrations" "$BUILD/bin/herald-stage" \
    --migrate >/dev/null
echo "segmenter expansion benchmark, $(date -u +%FT%TZ), $(nproc) cores, topic $TOPIC"
"$BUILD/bin/segmenter_expansion" "$CONN" "$BROKERS" "$TOPIC" "${1:-1000000}" "${2:-5000}"
psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
