#!/usr/bin/env bash
# e2e.sh - a 100,000-recipient campaign through all four stages and the mock Cloud API (sent,
# delivered, read statuses, 10 % replies), rate limit off: wall time from the `start` command
# to the last status folded (goal < 30 s) and where the time goes (snapshot, first/last send,
# completion, CPU seconds per process). The driver is bench/e2e_campaign.py.
#
#   bash bench/e2e.sh [recipients=100000] [dispatchers=1]   (or HERALD_BENCH_E2E_RECIPIENTS)
# Writes ${HERALD_BENCH_OUT:-var/bench}/e2e.tsv, e2e-progress.dat, e2e-cpu.dat; builds into
# build-bench/ (RelWithDebInfo) unless HERALD_BUILD_DIR is set. HERALD_BENCH_E2E_WINDOW sets the
# segmenter window (lookahead_max, 20000). HERALD_BENCH_E2E_PERF=1 also
# profiles every process with perf into e2e-perf.txt (slower: a profile run, not a timing run).
set -euo pipefail
# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

bench_services
bench_build herald-stage herald_segmenter herald_dispatcher herald_webhook herald_analytics \
    herald-mock-cloud-api
mkdir -p "$BENCH_OUT"
rm -f "$BENCH_OUT/e2e.tsv"
n="${1:-${HERALD_BENCH_E2E_RECIPIENTS:-100000}}"
"$BENCH_PY" "$BENCH_ROOT/bench/e2e_campaign.py" e2e --recipients "$n" --dispatchers "${2:-1}" \
    ${HERALD_BENCH_E2E_PERF:+--perf} >&2
bench_print e2e
