#!/usr/bin/env bash
# Why this exists: THE one command that tests Herald, the same on a laptop and in CI. It makes
# sure the Debian packages and the Python venv are there, builds, starts the real Kafka broker
# and PostgreSQL through the project's scripts, applies migrations, and runs ctest (cmocka
# unit tests, the fuzz corpus replays, the pytest integration and security suites) twice: a
# normal RelWithDebInfo build in build/, then an AddressSanitizer + UndefinedBehaviorSanitizer
# build in build-asan/; between the two, every libFuzzer harness runs for a short while
# (scripts/fuzz.sh, clang, build-fuzz/). It keeps going after a failure so one run shows
# everything, prints a summary, and exits non-zero if any step failed.
#
#   scripts/test.sh [--no-asan | --only-asan] [--no-fuzz] [-R ctest-regex] [-k pytest-expr]
#
# Environment: ASAN_OPTIONS (default detect_leaks=1: LeakSanitizer on), LSAN_OPTIONS (default:
# the third-party suppressions of tests/lsan.supp), HERALD_FUZZ_SECONDS (per harness, default 20),
# HERALD_TEST_WORKERS (integration tests run at once, default 4, 0 = serial), HERALD_CTEST_ARGS
# (extra ctest args), plus whatever scripts/kafka.sh and scripts/postgres.sh read.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERALD_LOG_TAG="test"
SCRIPTS="$HERALD_ROOT/scripts"

RUN_NORMAL=1
RUN_ASAN=1
RUN_FUZZ=1
CTEST_REGEX=""
PYTEST_EXPR=""
SUMMARY=()
FAILED_TESTS=()
FAILED=0

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
    exit 2
}

parse_args() {
    while [ $# -gt 0 ]; do
        case "$1" in
        --no-asan) RUN_ASAN=0 ;;
        --only-asan) RUN_NORMAL=0 ;;
        --no-fuzz) RUN_FUZZ=0 ;;
        -R) [ $# -ge 2 ] || usage; CTEST_REGEX="$2"; shift ;;
        -k) [ $# -ge 2 ] || usage; PYTEST_EXPR="$2"; shift ;;
        -h | --help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
        esac
        shift
    done
    if [ "$RUN_NORMAL" -eq 0 ] && [ "$RUN_ASAN" -eq 0 ]; then
        herald_die "--no-asan and --only-asan together leave nothing to run"
    fi
}

banner() {
    printf '\n==== %s ====\n' "$*"
}

# step NAME COMMAND... — runs one step, records PASS/FAIL and its duration; never aborts.
step() {
    local name="$1" t0=$SECONDS rc=0
    shift
    banner "$name"
    "$@" || rc=$?
    local verdict=PASS
    if [ "$rc" -ne 0 ]; then
        verdict="FAIL (exit $rc)"
        FAILED=1
    fi
    SUMMARY+=("$(printf '%-14s %-44s %5ss' "$verdict" "$name" $((SECONDS - t0)))")
    return "$rc"
}

configure_and_build() {
    local dir="$1"
    shift
    cmake -S "$HERALD_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" &&
        ninja -C "$dir"
}

# Runs ctest for one build folder; the output is also kept in var/log/ctest-<folder>.log so
# the summary can name every failed ctest entry and pytest test.
run_ctest() {
    local dir="$1"
    local args=(--test-dir "$dir" --output-on-failure)
    local log
    log="$HERALD_VAR/log/ctest-$(basename "$dir").log"
    mkdir -p "$HERALD_VAR/log"
    if [ -n "$CTEST_REGEX" ]; then args+=(-R "$CTEST_REGEX"); fi
    # shellcheck disable=SC2206 # word splitting of the extra args is intended
    if [ -n "${HERALD_CTEST_ARGS:-}" ]; then args+=(${HERALD_CTEST_ARGS}); fi
    local addopts="${PYTEST_ADDOPTS:-}"
    if [ -n "$PYTEST_EXPR" ]; then addopts="$addopts -k '$PYTEST_EXPR'"; fi
    local rc=0
    # pipefail: the pipeline's status is ctest's (tee succeeds).
    PYTEST_ADDOPTS="$addopts" HERALD_BUILD_DIR="$dir" ctest "${args[@]}" 2>&1 | tee "$log" ||
        rc=$?
    local line
    while IFS= read -r line; do
        FAILED_TESTS+=("$(basename "$dir"): ${line#"${line%%[![:space:]]*}"}")
    done < <(grep -E '^(FAILED|ERROR) |^[[:space:]]*[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted|Exception|Not Run)\)' "$log" || true)
    return "$rc"
}

# Builds one flavour, applies migrations with its herald-stage, runs its tests. A failed build
# skips that flavour's tests (they would only fail for the same reason).
test_flavour() {
    local label="$1" dir="$2"
    shift 2
    if ! step "$label: configure + build ($(basename "$dir")/)" configure_and_build "$dir" "$@"; then
        SUMMARY+=("$(printf '%-14s %-44s' SKIPPED "$label: tests (build failed)")")
        return 0
    fi
    step "$label: migrate (herald db)" env HERALD_BUILD_DIR="$dir" bash "$SCRIPTS/postgres.sh" migrate || true
    step "$label: ctest" run_ctest "$dir" || true
}

print_summary() {
    banner "summary"
    printf '%s\n' "${SUMMARY[@]}"
    if [ "${#FAILED_TESTS[@]}" -gt 0 ]; then
        echo "failed tests:"
        printf '  %s\n' "${FAILED_TESTS[@]}"
    fi
    if [ "$FAILED" -eq 0 ]; then
        echo "ALL PASSED"
    else
        echo "FAILED — see the sections above; service logs: $HERALD_VAR/log/"
    fi
}

main() {
    parse_args "$@"
    local t0=$SECONDS
    # The integration tests read these; derive them from the ports the scripts use so a run on
    # other ports (HERALD_KAFKA_PORT / HERALD_PG_PORT) tests against the right services.
    export HERALD_KAFKA_BROKERS="${HERALD_KAFKA_BROKERS:-127.0.0.1:${HERALD_KAFKA_PORT:-19092}}"
    export HERALD_PG_ADMIN_CONNINFO="${HERALD_PG_ADMIN_CONNINFO:-host=127.0.0.1 port=${HERALD_PG_PORT:-19432} user=herald dbname=postgres}"
    # Without these nothing below can run: stop at the first failure.
    step "deps (scripts/deps.sh)" bash "$SCRIPTS/deps.sh" || { print_summary; exit 1; }
    step "venv (scripts/venv.sh)" bash "$SCRIPTS/venv.sh" || { print_summary; exit 1; }
    step "postgres (scripts/postgres.sh start)" bash "$SCRIPTS/postgres.sh" start || { print_summary; exit 1; }
    step "kafka (scripts/kafka.sh start)" bash "$SCRIPTS/kafka.sh" start || { print_summary; exit 1; }

    if [ "$RUN_NORMAL" -eq 1 ]; then
        test_flavour "RelWithDebInfo" "$HERALD_ROOT/build"
    fi
    # The fuzz step ignores -R/-k: it is skipped when a subset of tests was asked for.
    if [ "$RUN_FUZZ" -eq 1 ] && [ -z "$CTEST_REGEX$PYTEST_EXPR" ]; then
        step "fuzz (scripts/fuzz.sh ${HERALD_FUZZ_SECONDS:-20}s each)" \
            bash "$SCRIPTS/fuzz.sh" "${HERALD_FUZZ_SECONDS:-20}" || true
    fi
    if [ "$RUN_ASAN" -eq 1 ]; then
        # Leaks fail tests: at a stage's exit (herald_testlib checks every stage log) and in
        # every unit test and fuzz replay.
        export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
        # Allocations inside third-party libraries Herald cannot free, each explained there.
        export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$HERALD_ROOT/tests/lsan.supp:print_suppressions=0}"
        export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
        test_flavour "ASan+UBSan" "$HERALD_ROOT/build-asan" -DHERALD_SANITIZE=ON
    fi
    print_summary
    echo "total $((SECONDS - t0))s"
    [ "$FAILED" -eq 0 ]
}

main "$@"
