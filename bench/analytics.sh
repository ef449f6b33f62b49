#!/usr/bin/env bash
# analytics.sh - the analytics figures of issue 9, next to raw PostgreSQL COPY in the same run.
#
# Why: the goal is >= 200,000 delivery events/s folded into PostgreSQL on this machine and a
# number visible within 1 s of its event. Timings on the shared 2-core machine are noisy, so
# every throughput figure comes with raw COPY of the same rows measured in the same run:
#   1. bench/analytics_bench.c: the plugin's own path (JSON parse + per-recipient merge, COPY
#      into staging, analytics_apply_batch(), COMMIT per batch) for a realistic stream and for
#      the worst case (every event its own row write), each next to raw COPY of the same
#      events (one row each) into a plain table; recalculate afterwards must find the numbers
#      unchanged (a fast but wrong fold fails the bench).
#   2. bench/analytics_stage.py: a real herald-stage consuming Kafka (end-to-end events/s)
#      and the progress lag from produce to campaign_progress (p50/p99).
# Writes ${HERALD_BENCH_OUT:-var/bench}/analytics.tsv (contract in bench/bench_lib.sh).
#
#   bash bench/analytics.sh [recipients=200000] [batch=20000]
# Env: HERALD_BUILD_DIR (build-bench), HERALD_PG_ADMIN_CONNINFO (host=127.0.0.1 port=19432
#      user=herald dbname=postgres), HERALD_BENCH_ANALYTICS_STAGE_RECIPIENTS (40000).
set -euo pipefail
# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

bench_services
bench_build analytics_bench herald-stage herald_analytics
mkdir -p "$BENCH_OUT"
rm -f "$BENCH_OUT/analytics.tsv"
recipients="${1:-200000}"
batch="${2:-20000}"   # = config/analytics.conf
log="$BENCH_OUT/analytics.log"
: >"$log"
bench_private_db analytics
conn="$BENCH_DB_CONN"

fold_run() { # label sends_per_second
    bench_log "fold, $1: $recipients recipients, batch $batch (load $(cut -d' ' -f1 /proc/loadavg))"
    "$BENCH_BUILD/bin/analytics_bench" "$conn" "$recipients" "$batch" "$2" |
        sed "s/^RESULT /RESULT $1_/" | tee -a "$log" >&2
}
fold_run dense 500
fold_run worst 100000
bench_log "stage end to end and progress lag"
"$BENCH_PY" "$BENCH_ROOT/bench/analytics_stage.py" \
    --recipients "${HERALD_BENCH_ANALYTICS_STAGE_RECIPIENTS:-40000}" | tee -a "$log" >&2

get() { awk -v k="$1" '$1 == "RESULT" && $2 == k { v = $3 } END { print v }' "$log"; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "-" }'; }
goal=200000
bench_tsv_start analytics
for kind in dense worst; do
    if [ "$(get "${kind}_exact")" != 1 ]; then
        bench_log "recalculate disagreed with the $kind fold: figures are not valid"
        exit 1
    fi
done
label_dense="stream 500 sends/s (steps of a recipient often share a batch)"
label_worst="stream 100000 sends/s (every event its own row write)"
for kind in dense worst; do
    label="label_$kind"
    v="$(get "${kind}_fold_parse_eps")"
    bench_row analytics "analytics fold events/s incl. JSON parse, ${!label}, batch $batch" \
        "$v" "events/s" "raw COPY of the same rows, same run" "$(get "${kind}_raw_wall_eps")" \
        ">= $goal events/s" "$(bench_met "$v" ">=" "$goal")"
    v="$(get "${kind}_fold_cpu_eps")"
    bench_row analytics "analytics fold per PostgreSQL CPU second, ${!label}" "$v" \
        "events/CPU-s" "raw COPY of the same rows per CPU second" \
        "$(get "${kind}_raw_cpu_eps")" "-" "-"
done
v="$(div "$(get stage_events)" "$(get stage_seconds)")"
bench_row analytics "analytics stage end to end (Kafka -> herald-stage -> PostgreSQL), $(get stage_events) shuffled events" \
    "$v" "events/s" "raw COPY of the same rows (dense run)" "$(get dense_raw_wall_eps)" \
    ">= $goal events/s" "$(bench_met "$v" ">=" "$goal")"
for q in p50 p99; do
    v="$(get "lag_${q}_ms")"
    bench_row analytics "analytics progress lag $q, produce -> campaign_progress, $(get lag_rate) events/s" \
        "$v" "ms" "-" "-" "< 1000 ms" "$(bench_met "$v" "<" 1000)"
done
bench_print analytics
