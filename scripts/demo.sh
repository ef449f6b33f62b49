#!/usr/bin/env bash
# Why this exists: it is the README's first command. On a fresh clone it installs what is
# missing, builds, starts Kafka and PostgreSQL, the mock WhatsApp Cloud API and the four
# stages, imports a generated set of 20,000 contacts, creates a segmented campaign (city =
# Berlin), starts it, follows it with `herald-ctl watch`, and ends with the analytics table and
# the dashboard URL. Rerunning it stops the previous demo processes first and runs a new
# campaign; the contacts are deterministic, so a rerun imports the same people, except that
# the ~1 % who answered the previous campaign with STOP (the mock's --stop-share) stay opted
# out: a rerun's audience is a little smaller, as it would be in real life.
#
#   bash scripts/demo.sh          run the demo (a few minutes)
#   bash scripts/demo.sh stop     stop the demo's stages and mock (Kafka/PostgreSQL keep running;
#                                 scripts/kafka.sh stop, scripts/postgres.sh stop end them)
#   bash scripts/demo.sh status   which demo processes are running
#
# Environment: HERALD_BUILD_DIR (build/), HERALD_DEMO_CONTACTS (20000).
# Logs: var/log/demo-<name>.log; pids: var/run/demo-<name>.pid. The demo's secrets (Cloud API
# token, app secret, verify token, control API token) are generated once into
# var/run/demo-secrets.env (mode 600), exported to the processes, and never printed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${HERALD_BUILD_DIR:-$ROOT/build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
RUN="$ROOT/var/run"
LOG="$ROOT/var/log"
DEMO="$ROOT/var/demo"
CONTACTS="${HERALD_DEMO_CONTACTS:-20000}"
STAGES=(segmenter dispatcher gateway analytics)
CTL="$BUILD/bin/herald-ctl"
MOCK_LISTEN="127.0.0.1:9180"
WEBHOOK_URL="http://127.0.0.1:8080/webhook"
DASHBOARD_URL="http://127.0.0.1:8081/"
# Berlin contacts whose sends the mock fails permanently, so the failures table has content.
MOCK_PERMANENT="4915100000005=131026,4915100000010=131026,4915100000015=131049"

say() {
    if [ -t 1 ]; then printf '\n\033[1m==> %s\033[0m\n' "$*"; else printf '\n==> %s\n' "$*"; fi
}

die() {
    printf 'demo: ERROR: %s\n' "$*" >&2
    exit 1
}

# ---- process management: only processes this script started, found by their pid files.

demo_pid_alive() { # pidfile -> true when its process runs herald code
    local pid
    pid="$(cat "$1" 2>/dev/null)" || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        ps -p "$pid" -o args= 2>/dev/null | grep -q 'herald-'
}

stop_demo() {
    local f pid name waited
    shopt -s nullglob
    for f in "$RUN"/demo-*.pid; do
        name="$(basename "$f" .pid)"
        if demo_pid_alive "$f"; then
            pid="$(cat "$f")"
            echo "stopping ${name#demo-} (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            waited=0
            while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 200 ]; do
                sleep 0.1
                waited=$((waited + 1))
            done
            if kill -0 "$pid" 2>/dev/null; then
                echo "  ${name#demo-} did not stop within 20 s; killing it"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        rm -f "$f"
    done
    shopt -u nullglob
}

status_demo() {
    local f any=0
    shopt -s nullglob
    for f in "$RUN"/demo-*.pid; do
        any=1
        if demo_pid_alive "$f"; then
            echo "$(basename "$f" .pid | sed 's/^demo-//'): running (pid $(cat "$f"))"
        else
            echo "$(basename "$f" .pid | sed 's/^demo-//'): not running"
        fi
    done
    shopt -u nullglob
    [ "$any" = 1 ] || echo "no demo processes"
}

# name command... : runs in the background, logs and pid under var/. In its own session
# (setsid), so a Ctrl-C in the demo's terminal (which ends `watch`) never reaches the stages.
start_bg() {
    local name="$1"
    shift
    : >"$LOG/demo-$name.log"
    setsid nohup "$@" >>"$LOG/demo-$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/demo-$name.pid"
}

wait_http() { # name url seconds
    local name="$1" url="$2" seconds="$3" i
    for ((i = 0; i < seconds * 10; i++)); do
        if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then
            return 0
        fi
        if ! demo_pid_alive "$RUN/demo-$name.pid"; then
            tail -n 20 "$LOG/demo-$name.log" >&2 || true
            die "$name exited during start-up (log: var/log/demo-$name.log)"
        fi
        sleep 0.1
    done
    tail -n 20 "$LOG/demo-$name.log" >&2 || true
    die "$name not healthy at $url after ${seconds}s (log: var/log/demo-$name.log)"
}

# ---- steps

load_secrets() {
    local f="$RUN/demo-secrets.env"
    mkdir -p "$RUN"
    if [ ! -s "$f" ]; then
        (
            umask 077
            {
                echo "HERALD_WA_TOKEN=demo-$(openssl rand -hex 16)"
                echo "HERALD_APP_SECRET=demo-$(openssl rand -hex 16)"
                echo "HERALD_VERIFY_TOKEN=demo-$(openssl rand -hex 8)"
                echo "HERALD_API_TOKEN=demo-$(openssl rand -hex 16)"
            } >"$f"
        )
    fi
    set -a
    # shellcheck disable=SC1090
    source "$f"
    set +a
    export MOCK_TOKEN="$HERALD_WA_TOKEN" MOCK_APP_SECRET="$HERALD_APP_SECRET"
}

install_and_build() {
    say "Installing what is missing"
    if [ -f scripts/deps.sh ]; then
        bash scripts/deps.sh
    else
        echo "(scripts/deps.sh not present; assuming the build dependencies are installed)"
    fi
    say "Building into ${BUILD#"$ROOT"/}"
    mkdir -p "$LOG"
    if ! { cmake -S . -B "$BUILD" -G Ninja && ninja -C "$BUILD"; } >"$LOG/demo-build.log" 2>&1; then
        tail -n 30 "$LOG/demo-build.log" >&2
        die "build failed (log: var/log/demo-build.log)"
    fi
    local bin
    for bin in herald-stage herald-ctl herald-mock-cloud-api; do
        [ -x "$BUILD/bin/$bin" ] || die "the build produced no $bin"
    done
}

start_services() {
    say "Starting Kafka and PostgreSQL"
    [ -f scripts/kafka.sh ] || die "scripts/kafka.sh is missing"
    # side by side: the broker takes ~10 s, PostgreSQL ~1 s
    local kafka_pid
    bash scripts/kafka.sh start &
    kafka_pid=$!
    bash scripts/postgres.sh start || die "PostgreSQL did not start (var/log/postgres.log)"
    wait "$kafka_pid" || die "Kafka did not start (scripts/kafka.sh status)"
    say "Applying migrations"
    HERALD_BUILD_DIR="$BUILD" bash scripts/postgres.sh migrate
}

metrics_url() { # stage -> http://host:port/healthz from its config file
    local listen
    listen="$(sed -n 's/^[[:space:]]*metrics_listen[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' \
        "config/$1.conf" | head -n 1)"
    [ -n "$listen" ] || die "config/$1.conf has no stage.metrics_listen"
    echo "http://$listen/healthz"
}

start_processes() {
    say "Starting the mock Cloud API and the four stages"
    mkdir -p "$RUN" "$LOG"
    start_bg mock "$BUILD/bin/herald-mock-cloud-api" --listen "$MOCK_LISTEN" \
        --webhook-url "$WEBHOOK_URL" --reply-share 0.1 --stop-share 0.1 --webhook-delay-ms 200 \
        --permanent "$MOCK_PERMANENT"
    wait_http mock "http://$MOCK_LISTEN/healthz" 20
    local s
    for s in "${STAGES[@]}"; do # every config checked before anything starts
        [ -f "config/$s.conf" ] || die "config/$s.conf is missing"
        "$BUILD/bin/herald-stage" --config "config/$s.conf" --dry-run >/dev/null ||
            die "config/$s.conf was refused (the line above says why)"
    done
    for s in "${STAGES[@]}"; do
        start_bg "$s" "$BUILD/bin/herald-stage" --config "config/$s.conf"
    done
    for s in "${STAGES[@]}"; do
        wait_http "$s" "$(metrics_url "$s")" 30
        echo "$s: healthy (log var/log/demo-$s.log)"
    done
}

# Deterministic contacts: phone 4915100000001.., a name, a city (every 5th is Berlin), tags,
# a discount and an age; plus three broken rows so the import shows its rejections.
generate_contacts() {
    mkdir -p "$DEMO"
    awk -v n="$CONTACTS" 'BEGIN {
        split("Berlin Hamburg Munich Cologne Frankfurt", city, " ")
        split("Asha Ben Chloe David Emre Fatima Greta Hiro Ines Jonas Kemal Lena Mia Noah Olga Paul", first, " ")
        split("Novak Schmidt Yilmaz Weber Rossi Tanaka Okafor Berg", last, " ")
        print "phone,name,city,tags,discount,age"
        for (i = 1; i <= n; i++) {
            tags = (i % 3 == 0) ? "vip;newsletter" : "newsletter"
            printf "49151%08d,%s %s,%s,%s,%d%%,%d\n", i, first[i % 16 + 1], last[i % 8 + 1],
                   city[i % 5 + 1], tags, 10 + (i % 4) * 5, 18 + (i * 7) % 60
        }
        print "12ab34,Broken Phone,Berlin,newsletter,10%,30"
        print ",No Phone,Berlin,newsletter,10%,30"
        print "0049151,Too Short,Berlin,newsletter,10%,30"
    }' >"$DEMO/contacts.csv"
}

import_contacts() {
    say "Importing $CONTACTS generated contacts (var/demo/contacts.csv) into list 'demo'"
    generate_contacts
    local rc=0
    "$CTL" contacts import --list demo "$DEMO/contacts.csv" || rc=$?
    # 1 = some rows rejected (the three broken rows are there on purpose); 2 = infrastructure
    [ "$rc" -le 1 ] || die "contacts import failed"
    "$CTL" lists
}

# A campaign an earlier, interrupted demo left running would share the send rate with the new
# one; cancel those (only campaigns named "Demo ...").
cancel_earlier_demos() {
    local status id
    for status in running paused scheduled; do
        for id in $("$CTL" campaign list --status "$status" | awk 'NR > 2 && $2 == "Demo" { print $1 }'); do
            echo "cancelling campaign $id, left $status by an earlier demo"
            "$CTL" cancel "$id" || true
        done
    done
}

run_campaign() {
    local list_id audience cid
    cancel_earlier_demos
    list_id="$("$CTL" lists | awk '$2 == "demo" { print $1 }')"
    [ -n "$list_id" ] || die "list 'demo' not found after the import"
    audience="{\"include_lists\":[$list_id],\"rules\":{\"attr\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"}}"

    say "Segment preview: contacts in list 'demo' with city = Berlin"
    "$CTL" segment preview --audience "$audience" --sample 5

    say "Creating the campaign"
    cid="$("$CTL" campaign create -q --name "Demo $(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        --phone-number-id 1098765 --template spring_sale --language en \
        --param name --param attributes.discount --audience "$audience")" ||
        die "campaign create failed"
    echo "campaign $cid created"

    say "Starting campaign $cid"
    "$CTL" start "$cid"

    say "Watching campaign $cid (Ctrl-C stops watching, not the campaign)"
    "$CTL" watch "$cid" || true

    say "Campaign $cid"
    sleep 2 # let the last webhooks land in analytics
    "$CTL" campaign show "$cid"

    say "Done"
    if curl -fsS -o /dev/null --max-time 2 "$DASHBOARD_URL" 2>/dev/null; then
        echo "Dashboard:       $DASHBOARD_URL (control API token in var/run/demo-secrets.env)"
    else
        echo "Dashboard:       $DASHBOARD_URL - not answering; see var/log/demo-gateway.log"
    fi
    echo "Who got what:    $CTL campaign recipients $cid --outcome failed,read > recipients.csv"
    echo "What they said:  $CTL campaign replies $cid"
    echo "More:            $CTL campaign list | watch $cid | duplicate $cid | --help"
    echo "Stop the demo:   bash scripts/demo.sh stop"
}

main() {
    case "${1:-run}" in
    run)
        stop_demo
        load_secrets
        install_and_build
        start_services
        start_processes
        import_contacts
        run_campaign
        ;;
    stop) stop_demo ;;
    status) status_demo ;;
    *)
        echo "usage: bash scripts/demo.sh [run|stop|status]" >&2
        exit 1
        ;;
    esac
}

main "$@"
