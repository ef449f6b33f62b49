#!/usr/bin/env bash
# dispatcher.sh - the dispatcher's throughput with the rate limit off next to a bare
# libcurl-multi loop against the same mock Cloud API, and its achieved-rate accuracy at 80,
# 1,000 and 5,000 msg/s over 60 s, all in one run (issue 9, result contract in bench_lib.sh).
#
# Why a wrapper: bench/run.sh and a fresh clone need one entry point that starts the services,
# builds what the bench needs into build-bench/ (RelWithDebInfo; HERALD_BUILD_DIR overrides)
# and writes the contract's files; the measuring itself is bench/dispatcher_bench.py (it
# reuses the integration-test fixtures: own topics, own database, real herald-stage).
#
# Usage: bash bench/dispatcher.sh [dispatcher_bench.py flags, e.g. --seconds 10 --rates 80,1000]
# Writes: <out>/dispatcher.tsv, <out>/dispatcher-rate-<R>.dat (sends per second at the mock).
set -euo pipefail
# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

bench_services
bench_build herald-stage herald_dispatcher herald-mock-cloud-api herald-bench-raw-curl
bench_tsv_start dispatcher
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BENCH_PY" "$BENCH_ROOT/bench/dispatcher_bench.py" "$@"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
column -t -s $'\t' "$BENCH_OUT/dispatcher.tsv"
