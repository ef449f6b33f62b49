#!/usr/bin/env bash
# gateway_webhook.sh - load test of the webhook plugin next to a bare libmicrohttpd server.
#
# Why: the webhook must stay fast while it verifies HMAC signatures, parses JSON and waits for
# Kafka's acks=all on every POST. This drives both servers with wrk (Lua script, 1000 distinct
# signed status webhooks round-robin) in the same run and reports req/s and p99 latency, plus
# the ratio (goal: gateway >= 50 % of the bare rate). Needs Kafka and PostgreSQL running
# (scripts/kafka.sh start, scripts/postgres.sh start) and a build with herald-stage, the
# webhook plugin and herald-bench-bare-mhd.
#
# Usage: bench/gateway_webhook.sh [seconds=10] [connections=64] [wrk_threads=2]
# Env: HERALD_BUILD_DIR (default /work/main/build), THREADS (server threads, default 2),
#      LINGER_MS (producer linger.ms, default 2), EXTRA_PROPS (more librdkafka properties).
set -euo pipefail

DURATION=${1:-10}
CONNS=${2:-64}
WRK_THREADS=${3:-2}
THREADS=${THREADS:-2}
LINGER_MS=${LINGER_MS:-2}
EXTRA_PROPS=${EXTRA_PROPS:-}   # more librdkafka properties, e.g. '"socket.nagle.disable=true"'

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${HERALD_BUILD_DIR:-$ROOT/build}
WORK=$(mktemp -d /tmp/herald-gw-bench.XXXXXX)
SECRET=bench-secret
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# 1000 realistic status webhooks (one delivered status each), signed, as a wrk Lua script.
python3 - "$SECRET" > "$WORK/webhook.lua" <<'PY'
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

wait_port() {
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2
    return 1
}

run_wrk() { # url -> "req/s p50_ms p99_ms non2xx errors"
    wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$WORK/webhook.lua" "$1" \
        | awk '/^RESULT/ {print $2, $3, $4, $5, $6}'
}

# --- bare libmicrohttpd ------------------------------------------------------------------
BARE_PORT=$(free_port)
"$BUILD/bin/herald-bench-bare-mhd" "$BARE_PORT" "$THREADS" &
PIDS+=($!)
wait_port "$BARE_PORT"
read -r BARE_RPS BARE_P50 BARE_P99 BARE_NON2XX BARE_ERR < <(run_wrk "http://127.0.0.1:$BARE_PORT/webhook")
kill "${PIDS[-1]}"

# --- the gateway's webhook plugin (real Kafka, acks=all) ------------------------------------
GW_PORT=$(free_port)
METRICS_PORT=$(free_port)
PREFIX="bench-gw-$$-"
cat > "$WORK/gateway.conf" <<CONF
stage = { name = "gateway-bench"; tick_ms = 20; drain_timeout_ms = 15000;
          metrics_listen = "127.0.0.1:$METRICS_PORT"; };
kafka = { brokers = "127.0.0.1:19092"; group_id = "herald-gateway-bench"; topic_prefix = "$PREFIX";
          properties = [ "linger.ms=$LINGER_MS"${EXTRA_PROPS:+, $EXTRA_PROPS} ]; };
postgres = { conninfo = "host=127.0.0.1 port=55432 dbname=herald user=herald"; };
plugins = ( { name = "webhook"; consume = [ ];
              config = { listen = "127.0.0.1:$GW_PORT"; threads = $THREADS; ack_timeout_ms = 5000; }; } );
CONF
HERALD_APP_SECRET=$SECRET "$BUILD/bin/herald-stage" --config "$WORK/gateway.conf" > "$WORK/gateway.log" 2>&1 &
PIDS+=($!)
wait_port "$GW_PORT"
# warm-up: topic metadata and the idempotent producer id
wrk -t1 -c4 -d2s -s "$WORK/webhook.lua" "http://127.0.0.1:$GW_PORT/webhook" > /dev/null
read -r GW_RPS GW_P50 GW_P99 GW_NON2XX GW_ERR < <(run_wrk "http://127.0.0.1:$GW_PORT/webhook")
ACCEPTED=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk '/^herald_webhook_accepted_total/ {print $2}')
kill -TERM "${PIDS[-1]}"

RATIO=$(python3 -c "print(f'{100 * $GW_RPS / $BARE_RPS:.0f}')")
printf '\nwebhook load: %ss, %s connections, %s wrk threads, %s server threads, %s\n' \
    "$DURATION" "$CONNS" "$WRK_THREADS" "$THREADS" "$(nproc) cores"
printf '%-34s %10s %9s %9s %8s %7s\n' server req/s p50_ms p99_ms non-2xx errors
printf '%-34s %10s %9s %9s %8s %7s\n' "bare libmicrohttpd (no work)" "$BARE_RPS" "$BARE_P50" "$BARE_P99" "$BARE_NON2XX" "$BARE_ERR"
printf '%-34s %10s %9s %9s %8s %7s\n' "gateway webhook (HMAC+JSON+acks)" "$GW_RPS" "$GW_P50" "$GW_P99" "$GW_NON2XX" "$GW_ERR"
printf 'gateway/bare = %s %%  (goal >= 50 %%); POSTs answered 200 after Kafka acks: %s\n' "$RATIO" "$ACCEPTED"
echo "topics used: ${PREFIX}delivery-events (left on the broker); log: $WORK/gateway.log"
