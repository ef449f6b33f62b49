#!/usr/bin/env bash
# scaling.sh - end-to-end throughput of the same campaign with 1, 2 and 3 dispatcher
# instances in one consumer group (rate limit off), to show that a stage scales by adding
# processes. On a 2-core machine that also hosts Kafka, PostgreSQL, the mock and the other
# stages the curve flattens: the instances compete for the same two cores and the same
# PostgreSQL (see docs/performance.md). The driver is bench/e2e_campaign.py.
#
#   bash bench/scaling.sh [recipients=50000] [instances="1 2 3"]   (or HERALD_BENCH_SCALING_RECIPIENTS)
# Writes ${HERALD_BENCH_OUT:-var/bench}/scaling.tsv and scaling-throughput.dat.
set -euo pipefail
# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

bench_services
bench_build herald-stage herald_segmenter herald_dispatcher herald_webhook herald_analytics \
    herald-mock-cloud-api
mkdir -p "$BENCH_OUT"
rm -f "$BENCH_OUT/scaling.tsv"
n="${1:-${HERALD_BENCH_SCALING_RECIPIENTS:-50000}}"
# shellcheck disable=SC2086
"$BENCH_PY" "$BENCH_ROOT/bench/e2e_campaign.py" scaling --recipients "$n" --instances ${2:-1 2 3} >&2
bench_print scaling
