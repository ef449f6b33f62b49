#!/usr/bin/env bash
# gateway.sh - signed webhooks per second and p50/p99 latency of the gateway's webhook plugin
# under wrk, next to a bare libmicrohttpd handler and to the raw acks=all limit of Kafka, all
# measured in the same run (issue 9, result contract in bench/bench_lib.sh).
#
# Why three servers: the goal is "at least half the bare server's rate while verifying the
# HMAC, parsing and producing with acks=all". The bare server (bench/gateway_bare_mhd.c: same
# thread pool and connection limit, libmicrohttpd's automatic event loop, which measured the
# same as the webhook's poll mode there; reads the same body, answers 200) is that baseline. A POST answered only after Kafka's ack makes each connection a closed
# loop through the broker, so the webhook's rate is bounded by connections / ack round trip;
# bench/gateway_bare_kafka.c measures that bound (same producer settings, as many messages in
# flight as wrk has connections), which tells apart the cost of acks=all from our own.
#
# Fairness: same body (1000 distinct realistic signed status webhooks, round-robin, ~760
# bytes), same wrk threads and connections, same server threads; rounds alternate bare and
# webhook and each figure is the median of its rounds, because the shared 2-core machine
# (broker, PostgreSQL and other builds on the same cores) is noisy.
#
# Usage: bash bench/gateway.sh            (after scripts/up.sh, or it starts the services)
# Env:   GW_CONNS="64 256 1024" (wrk connections, one set of rows each),
#        GW_SECONDS=8 (per round),
#        GW_ROUNDS=3, GW_WRK_THREADS=2, GW_THREADS=2 (server threads),
#        GW_LINGER_MS=1 (as config/gateway.conf),
#        GW_PROPS (more producer properties, space separated),
#        GW_WEBHOOK_CONFIG (more webhook plugin settings, e.g. 'event_loop = "epoll";'),
#        HERALD_BUILD_DIR,
#        HERALD_BENCH_OUT, HERALD_KAFKA_BROKERS (127.0.0.1:19092).
# Writes: <out>/gateway.tsv, <out>/gateway-throughput.dat (req/s by connections), and the
#         raw rounds in <out>/gateway-rounds.log.
set -euo pipefail
# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

CONNS_LIST=${GW_CONNS:-64 256 1024}
SECONDS_PER_ROUND=${GW_SECONDS:-8}
ROUNDS=${GW_ROUNDS:-3}
WRK_THREADS=${GW_WRK_THREADS:-2}
THREADS=${GW_THREADS:-2}
LINGER_MS=${GW_LINGER_MS:-1}
# Nagle off: acks=all round trips are latency-bound; a small ProduceRequest must not wait
# for the previous one's TCP ACK.
PROPS="linger.ms=$LINGER_MS socket.nagle.disable=true ${GW_PROPS:-}"
BROKERS=${HERALD_KAFKA_BROKERS:-127.0.0.1:19092}
SECRET=bench-secret
GOAL_PCT=50
CONN_LIMIT=4096 # both servers; above every GW_CONNS

bench_services
bench_build herald-stage herald_webhook herald-bench-bare-mhd herald-bench-bare-kafka
command -v wrk >/dev/null || { bench_log "wrk is missing (apt-get install wrk)"; exit 1; }

WORK=$(mktemp -d /tmp/herald-gw-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
    for _ in $(seq 1 150); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    bench_log "nothing listens on port $1"
    return 1
}

# 1000 realistic status webhooks (one delivered status each), signed, as a wrk Lua script
# whose done() prints "RESULT req/s p50_ms p99_ms non2xx socket_errors".
write_lua() {
    python3 - "$SECRET" >"$WORK/webhook.lua" <<'PY'
import hashlib, hmac, json, sys
secret = sys.argv[1].encode()
print('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal bodies, sigs = {}, {}')
for i in range(1000):
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "statuses": [{"id": f"wamid.HBgLMTU1NTAxMjM0NTYVAgARGBI{i:08d}", "status": "delivered",
        "timestamp": "1764100001", "recipient_id": f"49151{i:08d}",
        "biz_opaque_callback_data": f"c=42;r={i + 1}",
        "conversation": {"id": "ebb8c8b4d3c2a1f0", "origin": {"type": "marketing"}},
        "pricing": {"billable": True, "pricing_model": "PMP", "category": "marketing"}}]}}]}]},
        separators=(",", ":")).encode()
    sig = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    print(f"bodies[{i + 1}] = {json.dumps(body.decode())}\nsigs[{i + 1}] = \"{sig}\"")
print('''local n = 0
request = function()
  n = n % 1000 + 1
  wrk.headers["X-Hub-Signature-256"] = sigs[n]
  return wrk.format(nil, nil, nil, bodies[n])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d\\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end''')
PY
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system, clock ticks

# port conns seconds server_pid -> "req/s p50_ms p99_ms non2xx errors cpu_us_per_request"
# (the server process's CPU time per answered request: robust to the machine's load, unlike
# the rates)
run_wrk() {
    local c0 c1 out
    c0=$(cpu_ticks "$4")
    out=$(wrk -t"$WRK_THREADS" -c"$2" -d"${3}s" --latency -s "$WORK/webhook.lua" \
        "http://127.0.0.1:$1/webhook" | awk '/^RESULT/ {print $2, $3, $4, $5, $6}')
    c1=$(cpu_ticks "$4")
    awk -v o="$out" -v d=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v s="$3" 'BEGIN {
        split(o, f, " "); n = f[1] * s
        printf "%s %.1f\n", o, (n > 0 ? d / hz * 1e6 / n : 0) }'
}

start_bare() {
    BARE_PORT=$(free_port)
    "$BENCH_BUILD/bin/herald-bench-bare-mhd" "$BARE_PORT" "$THREADS" "$CONN_LIMIT" &
    PIDS+=($!)
    BARE_PID=$!
    wait_port "$BARE_PORT"
}

start_gateway() {
    GW_PORT=$(free_port)
    METRICS_PORT=$(free_port)
    PREFIX="bench-gw-$$-"
    local props="" p
    for p in $PROPS; do props+="${props:+, }\"$p\""; done
    cat >"$WORK/gateway.conf" <<CONF
stage = { name = "gateway-bench"; tick_ms = 50; drain_timeout_ms = 15000;
          metrics_listen = "127.0.0.1:$METRICS_PORT"; };
kafka = { brokers = "$BROKERS"; group_id = "herald-gateway-bench"; topic_prefix = "$PREFIX";
          properties = [ $props ]; };
postgres = { conninfo = "host=127.0.0.1 port=19432 dbname=herald user=herald"; };
plugins = ( { name = "webhook"; consume = [ ];
              config = { listen = "127.0.0.1:$GW_PORT"; threads = $THREADS; connection_limit = $CONN_LIMIT;
                         ack_timeout_ms = 5000; ${GW_WEBHOOK_CONFIG:-} }; } );
CONF
    HERALD_APP_SECRET=$SECRET "$BENCH_BUILD/bin/herald-stage" --config "$WORK/gateway.conf" \
        >"$WORK/gateway.log" 2>&1 &
    PIDS+=($!)
    GW_PID=$!
    wait_port "$GW_PORT"
    # warm-up: topic metadata and the idempotent producer id
    wrk -t1 -c4 -d2s -s "$WORK/webhook.lua" "http://127.0.0.1:$GW_PORT/webhook" >/dev/null
}

run_kafka() { # in_flight seconds -> "msgs/s p50_ms p99_ms failed"
    # shellcheck disable=SC2086
    "$BENCH_BUILD/bin/herald-bench-bare-kafka" "$BROKERS" "${PREFIX}delivery-events" "$1" "$2" \
        $PROPS | awk '/^RESULT/ {print $2, $3, $4, $5}'
}

median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

write_lua
start_bare
start_gateway
LOG="$BENCH_OUT/gateway-rounds.log"
mkdir -p "$BENCH_OUT"
printf '# conns round server req_per_s p50_ms p99_ms non2xx errors [server_cpu_us_per_req]\n' >"$LOG"
bench_tsv_start gateway
DAT="$BENCH_OUT/gateway-throughput.dat"
printf '# connections bare_libmicrohttpd_req_s webhook_req_s bare_kafka_acks_msg_s\n' >"$DAT"
ACCEPTED_BEFORE=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk '/^herald_webhook_accepted_total/ {print $2}')
BAD=0
declare -A M=()

for C in $CONNS_LIST; do
    declare -A R=()
    for r in $(seq 1 "$ROUNDS"); do
        for server in bare webhook kafka; do
            case $server in
            bare) line=$(run_wrk "$BARE_PORT" "$C" "$SECONDS_PER_ROUND" "$BARE_PID") ;;
            webhook) line=$(run_wrk "$GW_PORT" "$C" "$SECONDS_PER_ROUND" "$GW_PID") ;;
            kafka) line=$(run_kafka "$C" "$SECONDS_PER_ROUND") ;;
            esac
            echo "$C $r $server $line" >>"$LOG"
            bench_log "conns $C round $r $server: $line"
            read -r rps p50 p99 non2xx errs cpu <<<"$line"
            R[$server.rps]+="$rps "
            R[$server.p50]+="$p50 "
            R[$server.p99]+="$p99 "
            [ "$server" = kafka ] || R[$server.cpu]+="$cpu "
            if [ "$server" != kafka ] && { [ "${non2xx:-1}" != 0 ] || [ "${errs:-1}" != 0 ]; }; then
                BAD=1
            fi
        done
    done
    for k in "${!R[@]}"; do M[$C.$k]=$(median <<<"${R[$k]}"); done
    unset R
    b=${M[$C.bare.rps]} w=${M[$C.webhook.rps]} k=${M[$C.kafka.rps]}
    pct=$(awk -v w="$w" -v b="$b" 'BEGIN {printf "%.0f", (b > 0 ? 100 * w / b : 0)}')
    printf '%s %s %s %s\n' "$C" "$b" "$w" "$k" >>"$DAT"
    bench_row gateway "webhooks/s, $C conns (HMAC+JSON+acks=all)" "$w" "req/s" \
        "bare libmicrohttpd, same threads/conns/body" "$b" ">= $GOAL_PCT % of baseline" \
        "$(bench_met "$pct" ">=" "$GOAL_PCT")"
    bench_row gateway "webhook p50 latency, $C conns" "${M[$C.webhook.p50]}" ms \
        "bare libmicrohttpd p50" "${M[$C.bare.p50]}" - -
    bench_row gateway "webhook p99 latency, $C conns" "${M[$C.webhook.p99]}" ms \
        "bare libmicrohttpd p99" "${M[$C.bare.p99]}" - -
    bench_row gateway "webhook CPU per request, $C conns" "${M[$C.webhook.cpu]}" "us" \
        "bare libmicrohttpd CPU per request" "${M[$C.bare.cpu]}" - -
    bench_row gateway "webhooks/s, $C conns, vs raw Kafka acks=all" "$w" "req/s" \
        "bare librdkafka acks=all, $C in flight" "$k" - -
done

ACCEPTED=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk '/^herald_webhook_accepted_total/ {print $2}')
kill -TERM "$GW_PID"
wait "$GW_PID" || { bench_log "the gateway did not stop cleanly: $WORK/gateway.log"; BAD=1; }

echo
printf 'gateway webhook bench: %s s x %s rounds (median), %s wrk threads, %s server threads, %s cores, producer: %s\n' \
    "$SECONDS_PER_ROUND" "$ROUNDS" "$WRK_THREADS" "$THREADS" "$(nproc)" "$PROPS"
bench_print gateway
printf 'POSTs answered 200 after Kafka acks during the run: %.0f; rounds: %s\n' \
    "$(awk -v a="$ACCEPTED" -v b="$ACCEPTED_BEFORE" 'BEGIN {print a - b}')" "$LOG"
if [ "$BAD" != 0 ]; then
    bench_log "some requests failed (non-2xx or socket errors): see $LOG and $WORK/gateway.log"
    exit 1
fi
