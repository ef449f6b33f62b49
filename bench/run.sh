#!/usr/bin/env bash
# run.sh - runs Herald's benchmarks and gathers their results in one table (issue 9).
#
#   bash bench/run.sh                    every bench: dispatcher gateway analytics e2e
#                                        scaling export segmenter
#   bash bench/run.sh dispatcher e2e     only the named ones
#
# Why one runner: on a shared, noisy machine a figure only means something next to its
# baseline measured in the same run, and the reader wants them all in one place. The runner
# starts Kafka and PostgreSQL through scripts/ (idempotent), builds once into build-bench/
# (RelWithDebInfo; HERALD_BUILD_DIR overrides), runs each bench/<name>.sh with its output in
# var/bench/<name>.log, renders every var/bench/*.dat as a PNG with gnuplot (bench/plot.py)
# and writes the Markdown table (figure, value, baseline, baseline value, ratio, goal, met?)
# to var/bench/results.md and stdout (bench/results_table.py). A bench that is missing, fails
# or writes no results appears in the table as such; the exit status is 1 then.
#
# Env: HERALD_BENCH_OUT (var/bench), HERALD_BUILD_DIR (build-bench),
#      HERALD_BENCH_TIMEOUT (seconds per bench, default 1800).
set -uo pipefail
# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

# pipeline order, except the segmenter's 1M-contact bench (the longest) last
ALL=(dispatcher gateway analytics e2e scaling export segmenter)
if [ "$#" -gt 0 ]; then
    NAMES=("$@")
else
    NAMES=("${ALL[@]}")
fi
mkdir -p "$BENCH_OUT"
STATUS="$BENCH_OUT/run-status.tsv"
: >"$STATUS"
cp /proc/loadavg "$BENCH_OUT/run-load-start.txt"

bench_log "results in $BENCH_OUT, build in $BENCH_BUILD"
if ! bench_services; then
    bench_log "services did not start: every bench will fail (see var/log/)"
fi
if bench_build; then
    export HERALD_BENCH_NO_BUILD=1 # built once here; the benches reuse it
else
    bench_log "the full build failed; each bench builds (and may fail on) its own targets"
fi

failed=0
for name in "${NAMES[@]}"; do
    script="$BENCH_ROOT/bench/$name.sh"
    log="$BENCH_OUT/$name.log"
    # never plot or tabulate what an earlier run left
    rm -f "$BENCH_OUT/$name.tsv" "$BENCH_OUT/$name"-*.dat "$BENCH_OUT/$name"-*.png \
        "$BENCH_OUT/$name"-*.gp
    if [ ! -f "$script" ]; then
        echo "bench/$name.sh does not exist" >"$log"
        printf '%s\t127\t0\n' "$name" >>"$STATUS"
        bench_log "$name: MISSING (bench/$name.sh does not exist)"
        failed=1
        continue
    fi
    bench_log "$name: running (log $log)"
    start=$(date +%s)
    timeout --kill-after=30 "${HERALD_BENCH_TIMEOUT:-1800}" bash "$script" >"$log" 2>&1
    rc=$?
    seconds=$(($(date +%s) - start))
    printf '%s\t%s\t%s\n' "$name" "$rc" "$seconds" >>"$STATUS"
    if [ "$rc" -eq 0 ] && [ -s "$BENCH_OUT/$name.tsv" ]; then
        bench_log "$name: done in ${seconds}s"
    else
        bench_log "$name: FAILED (exit $rc after ${seconds}s); last lines of $log:"
        tail -n 15 "$log" >&2
        failed=1
    fi
done

python3 "$BENCH_ROOT/bench/plot.py" "$BENCH_OUT" >&2 || bench_log "some plots failed (above)"
python3 "$BENCH_ROOT/bench/results_table.py" "$BENCH_OUT" "$STATUS" || failed=1
exit "$failed"
