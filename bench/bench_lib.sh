# shellcheck shell=bash
# bench_lib.sh - what every bench/<name>.sh needs, sourced (never executed): the repository
# root, the build folder (build-bench/, RelWithDebInfo, unless HERALD_BUILD_DIR is set), the
# result folder (HERALD_BENCH_OUT, default var/bench), services started through scripts/, the
# Python venv of the integration tests, and writers for the result contract of issue 9:
#   <out>/<name>.tsv   header `figure value unit baseline baseline_value goal met`, one row per
#                      figure (tab separated; `-` for an empty cell)
#   <out>/<name>-<what>.dat   whitespace columns with a `#` header line, for the plots
# Why a shared file: the runner (bench/run.sh) and every bench must agree on these paths and
# on the exact header, and a bench must stay runnable on its own on a fresh clone.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_BUILD="${HERALD_BUILD_DIR:-$BENCH_ROOT/build-bench}"
case "$BENCH_BUILD" in /*) ;; *) BENCH_BUILD="$BENCH_ROOT/$BENCH_BUILD" ;; esac
BENCH_OUT="${HERALD_BENCH_OUT:-$BENCH_ROOT/var/bench}"
case "$BENCH_OUT" in /*) ;; *) BENCH_OUT="$BENCH_ROOT/$BENCH_OUT" ;; esac
BENCH_PY="$BENCH_ROOT/.cache/venv/bin/python"
BENCH_TSV_HEADER=$'figure\tvalue\tunit\tbaseline\tbaseline_value\tgoal\tmet'
export HERALD_BUILD_DIR="$BENCH_BUILD" HERALD_BENCH_OUT="$BENCH_OUT"

bench_log() {
    printf '[bench] %s\n' "$*" >&2
}

# bench_services: Debian packages, Kafka and PostgreSQL up (idempotent, safe next to other
# callers) and the venv with confluent-kafka/psycopg/requests for the Python drivers.
bench_services() {
    if [ -n "${BENCH_SERVICES_READY:-}" ]; then
        return 0
    fi
    # a fresh clone: compilers, libraries, PostgreSQL, Java, gnuplot, wrk, perf (a no-op when
    # everything is there)
    bash "$BENCH_ROOT/scripts/deps.sh" >&2 || return 1
    bash "$BENCH_ROOT/scripts/postgres.sh" start >&2 &
    local pg=$!
    bash "$BENCH_ROOT/scripts/kafka.sh" start >&2 || {
        bench_log "Kafka did not start"
        return 1
    }
    wait "$pg" || {
        bench_log "PostgreSQL did not start"
        return 1
    }
    if [ ! -x "$BENCH_PY" ]; then
        bash "$BENCH_ROOT/scripts/venv.sh" >&2 || return 1
    fi
    export BENCH_SERVICES_READY=1
}

# bench_build TARGET...: configure build-bench (RelWithDebInfo) once and build the targets.
# HERALD_BENCH_NO_BUILD=1 uses the binaries already there (bench/run.sh builds once for all).
bench_build() {
    if [ -n "${HERALD_BENCH_NO_BUILD:-}" ]; then
        return 0
    fi
    if [ ! -f "$BENCH_BUILD/build.ninja" ]; then
        cmake -S "$BENCH_ROOT" -B "$BENCH_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            >/dev/null || return 1
    fi
    ninja -C "$BENCH_BUILD" -j"${BENCH_JOBS:-2}" "$@" >&2
}

# bench_private_db NAME: a database of this run's own (herald_bench_NAME_<pid>) with every
# migration applied, dropped when the script exits (an EXIT trap). Sets BENCH_DB_ADMIN (the
# admin conninfo, HERALD_PG_ADMIN_CONNINFO or the local cluster) and BENCH_DB_CONN.
bench_private_db() {
    BENCH_DB_ADMIN="${HERALD_PG_ADMIN_CONNINFO:-host=127.0.0.1 port=19432 user=herald dbname=postgres}"
    BENCH_DB="herald_bench_$1_$$"
    BENCH_DB_CONN="${BENCH_DB_ADMIN/dbname=postgres/dbname=$BENCH_DB}"
    trap bench_drop_private_db EXIT
    psql "$BENCH_DB_ADMIN" -qc "SET client_min_messages = warning" -c "CREATE DATABASE $BENCH_DB" \
        >/dev/null
    local f
    for f in "$BENCH_ROOT"/migrations/[0-9]*.sql; do
        psql "$BENCH_DB_CONN" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null
    done
}

bench_drop_private_db() {
    psql "$BENCH_DB_ADMIN" -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null 2>&1 ||
        true
}

# bench_tsv_start NAME: a fresh <out>/NAME.tsv holding only the header.
bench_tsv_start() {
    mkdir -p "$BENCH_OUT"
    printf '%s\n' "$BENCH_TSV_HEADER" >"$BENCH_OUT/$1.tsv"
}

# bench_row NAME figure value unit baseline baseline_value goal met: one row; empty -> "-".
bench_row() {
    local name="$1" f out=()
    shift
    for f in "$@"; do
        f="${f//$'\t'/ }"
        out+=("${f:--}")
    done
    while [ "${#out[@]}" -lt 7 ]; do out+=("-"); done
    (
        IFS=$'\t'
        printf '%s\n' "${out[*]:0:7}"
    ) >>"$BENCH_OUT/$name.tsv"
}

# bench_print NAME: the TSV as an aligned human table on stdout.
bench_print() {
    column -t -s $'\t' "$BENCH_OUT/$1.tsv" 2>/dev/null || cat "$BENCH_OUT/$1.tsv"
}

# bench_met VALUE OP GOAL -> yes / no (numeric comparison, OP is >= or <).
bench_met() {
    awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN {
        if (v == "" || v == "-") { print "no"; exit }
        if (op == ">=") print (v + 0 >= g + 0) ? "yes" : "no"
        else print (v + 0 < g + 0) ? "yes" : "no"
    }'
}
