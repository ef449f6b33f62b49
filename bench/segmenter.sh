#!/usr/bin/env bash
# segmenter.sh - audience expansion of 1,000,000 contacts into `jobs`, next to a raw PostgreSQL
# COPY of the same recipient rows and a raw librdkafka produce of the same messages, all in
# one run (issue 9). bench/segmenter_expansion.c runs the segmenter's own statements (the
# audience snapshot INSERT ... SELECT and the emission step pending -> queued + produce + acks,
# without lookahead pacing: raw capacity) on a fresh database; then the same audience goes
# through a real segmenter stage (herald-stage + plugin, window unbounded, no dispatcher:
# bench/e2e_campaign.py expansion). The RESULT lines of both become
# ${HERALD_BENCH_OUT:-var/bench}/segmenter.tsv.
#
#   bash bench/segmenter.sh [contacts=1000000] [batch=5000]   (or HERALD_BENCH_SEGMENTER_CONTACTS)
# Env: HERALD_BUILD_DIR (build-bench), HERALD_KAFKA_BROKERS (127.0.0.1:19092).
set -euo pipefail
# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

bench_services
bench_build segmenter_expansion herald-stage herald_segmenter
mkdir -p "$BENCH_OUT"
rm -f "$BENCH_OUT/segmenter.tsv"
log="$BENCH_OUT/segmenter-expansion.log"
contacts="${1:-${HERALD_BENCH_SEGMENTER_CONTACTS:-1000000}}"
bash "$BENCH_ROOT/bench/segmenter_expansion.sh" "$contacts" "${2:-5000}" | tee "$log" >&2
# The same audience through a real segmenter stage (start command -> every job acked).
"$BENCH_PY" "$BENCH_ROOT/bench/e2e_campaign.py" expansion --contacts "$contacts" | tee -a "$log" >&2

result() { # step field(2=rows,3=seconds)
    awk -v s="$1" -v f="$2" '$1 == "RESULT" && $2 == s { print $(f + 1) }' "$log"
}
rate() { # step -> rows/s
    awk -v r="$(result "$1" 2)" -v t="$(result "$1" 3)" 'BEGIN { printf "%.0f", r / t }'
}
rows="$(result snapshot 2)"
snap="$(rate snapshot)"
emit="$(rate emission)"
whole="$(awk -v r="$rows" -v a="$(result snapshot 3)" -v b="$(result emission 3)" \
    'BEGIN { printf "%.0f", r / (a + b) }')"
raw_whole="$(awk -v r="$rows" -v a="$(result recipients_copy 3)" -v b="$(result raw_produce 3)" \
    'BEGIN { printf "%.0f", r / (a + b) }')"
label="$rows recipients of $contacts contacts"
bench_tsv_start segmenter
bench_row segmenter "segmenter snapshot rows/s ($label)" "$snap" "rows/s" \
    "raw COPY of the same recipient rows" "$(rate recipients_copy)" "-" "-"
bench_row segmenter "segmenter emission jobs/s (pending->queued + produce + acks)" "$emit" \
    "jobs/s" "raw librdkafka produce, same messages" "$(rate raw_produce)" "-" "-"
bench_row segmenter "segmenter emission jobs/s under a messaging limit (all new people)" \
    "$(rate emission_limited)" "jobs/s" "the same emission without a limit, same run" "$emit" "-" "-"
bench_row segmenter "segmenter expansion end to end (snapshot + emission)" "$whole" \
    "recipients/s" "raw COPY + raw produce of the same" "$raw_whole" "-" "-"
bench_row segmenter "segmenter stage: start command -> every job acked (window unbounded)" \
    "$(rate stage_expansion)" "recipients/s" "raw COPY + raw produce of the same" "$raw_whole" \
    "-" "-"
bench_row segmenter "segmenter stage: start command -> audience snapshot committed" \
    "$(result stage_snapshot 3)" "s" "-" "-" "-" "-"
bench_row segmenter "raw COPY of the contacts themselves (setup)" "$(rate contacts_copy)" \
    "rows/s" "-" "-" "-" "-"
bench_print segmenter
