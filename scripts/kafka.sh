#!/usr/bin/env bash
# Why this exists: Herald's four stages talk only through Kafka, and the tests must run
# against a real broker. This script runs a single-node Apache Kafka 4.x broker (KRaft,
# combined broker + controller) fetched from Maven Central — no tarball, no Docker — on
# 127.0.0.1:19092 (controller 19093), and creates Herald's four topics. Idempotent and safe
# to call concurrently; a start while the broker is up and the topics exist is a fast no-op.
#
#   scripts/kafka.sh start|stop|status|topics
#
# Environment: HERALD_PARTITIONS (6), HERALD_KAFKA_VERSION (4.1.1), HERALD_KAFKA_PORT (19092),
# HERALD_KAFKA_CONTROLLER_PORT (19093), HERALD_CACHE_DIR (.cache), HERALD_VAR_DIR (var),
# HERALD_KAFKA_START_TIMEOUT (seconds, 120).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERALD_LOG_TAG=kafka

KAFKA_VERSION="${HERALD_KAFKA_VERSION:-4.1.1}"
KAFKA_PORT="${HERALD_KAFKA_PORT:-19092}"
KAFKA_CTRL_PORT="${HERALD_KAFKA_CONTROLLER_PORT:-19093}"
PARTITIONS="${HERALD_PARTITIONS:-6}"
START_TIMEOUT="${HERALD_KAFKA_START_TIMEOUT:-120}"
TOPICS=(campaign-commands jobs delivery-events replies)

LIBS="$HERALD_CACHE/kafka-libs/$KAFKA_VERSION"
CONF_DIR="$HERALD_ROOT/config/kafka"
STATE="$HERALD_VAR/kafka"
DATA="$STATE/data"
PROPS="$STATE/server.properties"
PIDFILE="$STATE/kafka.pid"
LOG="$HERALD_VAR/log/kafka.log"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

# --- the jars ------------------------------------------------------------------------------

# Copies the broker, kafka-tools and a log4j2 backend into the cache once per version.
fetch_libs() {
    [ -f "$LIBS/.complete" ] && return 0
    command -v mvn >/dev/null || herald_die "mvn not found; run scripts/deps.sh"
    herald_log "fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central into $LIBS"
    local tmp="$LIBS.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    if ! mvn -q -B -f "$CONF_DIR/pom.xml" dependency:copy-dependencies \
        -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime \
        -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
        tail -n 40 "$tmp.log" >&2
        rm -rf "$tmp"
        herald_die "mvn could not fetch Kafka $KAFKA_VERSION (log tail above)"
    fi
    rm -f "$tmp.log"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    touch "$LIBS/.complete"
}

java_run() {
    java -Xms64m -Xmx256m -Dlog4j2.configurationFile="$CONF_DIR/log4j2.properties" \
        -cp "$LIBS/*" "$@"
}

# --- state -----------------------------------------------------------------------------------

render_properties() {
    mkdir -p "$STATE" "$HERALD_VAR/log"
    sed -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CTRL_PORT|g" \
        -e "s|@LOG_DIRS@|$DATA|g" -e "s|@PARTITIONS@|$PARTITIONS|g" \
        "$CONF_DIR/server.properties.template" >"$PROPS"
}

# Formats var/kafka/data once; the cluster id is kept so a re-format is never silent.
format_storage() {
    [ -f "$DATA/meta.properties" ] && return 0
    local id
    id="$(java_run kafka.tools.StorageTool random-uuid 2>>"$LOG" | tail -n 1)"
    [ -n "$id" ] || herald_die "StorageTool random-uuid gave no id; see $LOG"
    herald_log "formatting $DATA (cluster id $id)"
    echo "$id" >"$STATE/cluster.id"
    java_run kafka.tools.StorageTool format --standalone -t "$id" -c "$PROPS" >>"$LOG" 2>&1 ||
        herald_die "StorageTool format failed; see $LOG"
}

our_pid() {
    local pid
    [ -f "$PIDFILE" ] || return 1
    pid="$(cat "$PIDFILE")"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "kafka.Kafka $PROPS" || return 1
    echo "$pid"
}

# True when a Kafka broker (ours or another checkout's) answers metadata requests.
broker_answers() {
    timeout 10 kcat -L -b "$BOOTSTRAP" -m 5 >/dev/null 2>&1
}

existing_topics() {
    timeout 15 kcat -L -b "$BOOTSTRAP" -m 10 2>/dev/null |
        sed -n 's/^ *topic "\([^"]*\)" with .*/\1/p'
}

# Prints Herald's topics the broker does not list (all of them when it does not answer).
missing_topics() {
    local have t
    have="$(existing_topics)" || have=""
    for t in "${TOPICS[@]}"; do
        grep -qx -- "$t" <<<"$have" || printf ' %s' "$t"
    done
}

all_topics_exist() {
    [ -z "$(missing_topics)" ]
}

# --- commands --------------------------------------------------------------------------------

launch_broker() {
    herald_log "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (controller :$KAFKA_CTRL_PORT, log: $LOG)"
    echo "----- $(date -u +%FT%TZ) scripts/kafka.sh start -----" >>"$LOG"
    # setsid: the broker outlives the caller's process group (ctest, CI step);
    # 9>&-: it must not inherit our lock fd, or it would hold the lock forever.
    setsid java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$CONF_DIR/log4j2.properties" \
        -Dkafka.logs.dir="$HERALD_VAR/log" \
        -cp "$LIBS/*" kafka.Kafka "$PROPS" </dev/null >>"$LOG" 2>&1 9>&- &
    echo $! >"$PIDFILE"
}

wait_until_ready() {
    local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
    while [ $SECONDS -lt $deadline ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 40 "$LOG" >&2
            herald_die "the broker exited during startup; log tail above ($LOG)"
        fi
        if herald_port_open "$KAFKA_PORT" && broker_answers; then
            return 0
        fi
        sleep 0.5
    done
    tail -n 40 "$LOG" >&2
    herald_die "the broker did not answer on $BOOTSTRAP within ${START_TIMEOUT}s; log tail above"
}

# One JVM per missing topic (TopicCommand creates one at a time), run side by side because
# each spends ~5 s starting up.
create_topics() {
    local t pids=() failed=0
    for t in $(missing_topics); do
        herald_log "creating topic $t ($PARTITIONS partitions)"
        java_run org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create \
            --if-not-exists --topic "$t" --partitions "$PARTITIONS" --replication-factor 1 \
            >>"$LOG" 2>&1 &
        pids+=("$!")
    done
    for t in "${pids[@]}"; do wait "$t" || failed=1; done
    [ "$failed" -eq 0 ] || herald_die "TopicCommand failed; see $LOG"
}

# A topic TopicCommand just created can take a moment to show in the metadata kcat reads
# (the broker's cache is updated asynchronously from the controller), so poll for it.
wait_for_topics() {
    local deadline=$((SECONDS + 60))
    until all_topics_exist; do
        [ $SECONDS -lt $deadline ] ||
            herald_die "topics still missing 60s after creation:$(missing_topics); see $LOG"
        sleep 1
    done
}

cmd_start() {
    if our_pid >/dev/null && all_topics_exist; then
        return 0 # fast path: our broker is up with its topics
    fi
    herald_lock kafka
    if ! our_pid >/dev/null; then
        if herald_port_open "$KAFKA_PORT" || herald_port_open "$KAFKA_CTRL_PORT"; then
            if broker_answers; then
                herald_log "reusing the Kafka broker already on $BOOTSTRAP (not started by this checkout)"
            else
                herald_die "127.0.0.1:$KAFKA_PORT or :$KAFKA_CTRL_PORT is taken by something that" \
                    "is not a Kafka broker. Stop it or set HERALD_KAFKA_PORT/HERALD_KAFKA_CONTROLLER_PORT."
            fi
        else
            command -v java >/dev/null || herald_die "java not found; run scripts/deps.sh"
            command -v kcat >/dev/null || herald_die "kcat not found; run scripts/deps.sh"
            fetch_libs
            render_properties
            format_storage
            local t0=$SECONDS
            launch_broker
            wait_until_ready "$(cat "$PIDFILE")"
            herald_log "broker answered after $((SECONDS - t0))s"
        fi
    fi
    all_topics_exist || create_topics
    wait_for_topics
    herald_log "ready: $BOOTSTRAP, topics ${TOPICS[*]}"
}

cmd_stop() {
    herald_lock kafka
    local pid
    if ! pid="$(our_pid)"; then
        herald_log "not running (from this checkout)"
        rm -f "$PIDFILE"
        return 0
    fi
    herald_log "stopping broker (pid $pid)"
    kill -TERM "$pid"
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
        herald_log "still alive after 60s; sending SIGKILL"
        kill -KILL "$pid"
    fi
    rm -f "$PIDFILE"
}

cmd_status() {
    local pid
    if pid="$(our_pid)"; then
        echo "kafka: running (ours, pid $pid) on $BOOTSTRAP"
    elif broker_answers; then
        echo "kafka: running (not started by this checkout) on $BOOTSTRAP"
    else
        echo "kafka: stopped"
        return 3
    fi
}

# Lists every topic with its partition count (starting the broker if needed).
cmd_topics() {
    cmd_start
    timeout 15 kcat -L -b "$BOOTSTRAP" -m 10 | sed -n 's/^ *topic "\([^"]*\)" with \([0-9]*\) partitions.*/\1 \2/p' |
        sort
}

main() {
    case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    topics) cmd_topics ;;
    *)
        echo "usage: $0 start|stop|status|topics" >&2
        exit 2
        ;;
    esac
}

main "$@"
