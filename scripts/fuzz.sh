#!/usr/bin/env bash
# Why this exists: the parsers that read untrusted bytes (webhook payload and signature, the
# segmenter's command parser, the audience compiler, the stage config loader) are fuzzed with
# libFuzzer on every CI run, not only when someone remembers. This builds the harnesses of
# tests/fuzz/ with clang (-fsanitize=fuzzer,address,undefined) in build-fuzz/ and runs each
# for N seconds, starting from the committed seed corpus and every regression input.
#
#   scripts/fuzz.sh [seconds-per-harness (default 60)] [harness...]
#
# Harnesses: webhook_payload webhook_signature command_parse segment_rules stage_config.
# New interesting inputs go to build-fuzz/corpus/<h>/ (never into the repository). On a crash,
# leak, timeout or broken invariant libFuzzer saves the reproducer as
# build-fuzz/artifacts/<h>/crash-* (or leak-*, timeout-*, oom-*); the script names it and exits
# non-zero. To keep it fixed forever: fix the code, then copy the file to
# tests/fuzz/regressions/<h>/ (ctest's fuzz_<h> replays it on the gcc builds).
# Leaks are findings too, minus the third-party ones listed in tests/lsan.supp.
# Environment: HERALD_FUZZ_BUILD_DIR (default build-fuzz), HERALD_JOBS (ninja -j, default 2),
# HERALD_FUZZ_JOBS (harnesses fuzzed at once, default: the number of cores).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERALD_LOG_TAG="fuzz"

ALL_HARNESSES=(webhook_payload webhook_signature command_parse segment_rules stage_config)
SECONDS_EACH="${1:-60}"
if [ $# -gt 0 ]; then shift; fi
HARNESSES=("$@")
if [ "${#HARNESSES[@]}" -eq 0 ]; then HARNESSES=("${ALL_HARNESSES[@]}"); fi
case "$SECONDS_EACH" in
'' | *[!0-9]*) herald_die "seconds must be a whole number, got '$SECONDS_EACH'" ;;
esac

BUILD="${HERALD_FUZZ_BUILD_DIR:-$HERALD_ROOT/build-fuzz}"
FUZZ_SRC="$HERALD_ROOT/tests/fuzz"

dict_for() {
    case "$1" in
    stage_config) echo "$FUZZ_SRC/libconfig.dict" ;;
    webhook_signature) echo "" ;;
    *) echo "$FUZZ_SRC/json.dict" ;;
    esac
}

build() {
    command -v clang >/dev/null || herald_die "clang not found (apt-get install clang)"
    local targets=()
    for h in "${HARNESSES[@]}"; do
        [ -f "$FUZZ_SRC/fuzz_$h.c" ] || herald_die "unknown harness '$h' (${ALL_HARNESSES[*]})"
        targets+=("fuzz_$h")
    done
    # fuzzer-no-link instruments the code under test for coverage; the harness executables
    # add -fsanitize=fuzzer at link time (tests/fuzz/CMakeLists.txt). HERALD_SANITIZE adds
    # ASan + UBSan (no recovery) exactly as for the ASan ctest flavour.
    cmake -S "$HERALD_ROOT" -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER=clang \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHERALD_SANITIZE=ON -DHERALD_FUZZ=ON \
        -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
    ninja -C "$BUILD" -j"${HERALD_JOBS:-2}" "${targets[@]}"
}

# run_one HARNESS — returns libFuzzer's status (0 = no finding in the time given).
run_one() {
    local h="$1"
    local work="$BUILD/corpus/$h" artifacts="$BUILD/artifacts/$h/"
    mkdir -p "$work" "$artifacts"
    local args=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536
        -print_final_stats=1 -artifact_prefix="$artifacts")
    local dict
    dict="$(dict_for "$h")"
    if [ -n "$dict" ]; then args+=(-dict="$dict"); fi
    herald_log "fuzz_$h for ${SECONDS_EACH}s"
    # The first folder receives new inputs; the committed seeds and regressions are read only.
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
        LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$HERALD_ROOT/tests/lsan.supp:print_suppressions=0}" \
        UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
        "$BUILD/bin/fuzz_$h" "${args[@]}" "$work" "$FUZZ_SRC/corpus/$h" "$FUZZ_SRC/regressions/$h" \
        2>"$BUILD/fuzz_$h.log"
}

# report_one HARNESS RC — prints the harness's final stats; on a finding, what to do next.
report_one() {
    local h="$1" rc="$2"
    { printf 'fuzz_%s: ' "$h"; grep -E '^(stat::|#[0-9]+ +DONE)' "$BUILD/fuzz_$h.log" | tr '\n' ' '; echo; } >&2 || true
    if [ "$rc" -ne 0 ]; then
        herald_log "fuzz_$h FAILED (exit $rc); log $BUILD/fuzz_$h.log:"
        grep -E 'ERROR|SUMMARY|invariant broken|Test unit written' "$BUILD/fuzz_$h.log" | head -20 >&2 || true
        herald_log "reproduce: $BUILD/bin/fuzz_$h $BUILD/artifacts/$h/<file>; after the fix copy it to tests/fuzz/regressions/$h/"
    fi
}

# Each libFuzzer process is single-threaded: harnesses run HERALD_FUZZ_JOBS at a time (default:
# the number of cores), the same fuzzing time each in a fraction of the wall time.
main() {
    build
    local jobs="${HERALD_FUZZ_JOBS:-$(nproc)}"
    local failed=() h rc running=0
    local t0=$SECONDS
    for h in "${HARNESSES[@]}"; do
        if [ "$running" -ge "$jobs" ]; then
            wait -n || true
            running=$((running - 1))
        fi
        rm -f "$BUILD/fuzz_$h.rc"
        (
            rc=0
            run_one "$h" || rc=$?
            echo "$rc" >"$BUILD/fuzz_$h.rc"
        ) &
        running=$((running + 1))
    done
    wait
    for h in "${HARNESSES[@]}"; do
        rc="$(cat "$BUILD/fuzz_$h.rc" 2>/dev/null || echo 1)"
        report_one "$h" "$rc"
        if [ "$rc" -ne 0 ]; then failed+=("$h"); fi
    done
    herald_log "${#HARNESSES[@]} harnesses x ${SECONDS_EACH}s, $jobs at a time, in $((SECONDS - t0))s"
    if [ "${#failed[@]}" -gt 0 ]; then
        herald_die "findings in: ${failed[*]}"
    fi
}

main "$@"
