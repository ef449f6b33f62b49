#!/usr/bin/env bash
# export.sh - how fast Herald hands a campaign's recipients and the contacts back out, next to
# a raw PostgreSQL COPY of the same table in the same run.
#
#   herald-ctl campaign recipients ID          (CSV: COPY of the outcomes view, which joins the
#   herald-ctl campaign recipients ID --json    dispatcher's rows with the webhook steps and the
#                                               replies; NDJSON: single-row mode)
#   herald-ctl contacts export                 (single-row mode + libcsv, one column per key)
# against `psql \copy (SELECT * FROM campaign_recipients WHERE campaign_id = ...) TO ... CSV`
# and the same of `contacts`: the ratio is what the join and the client cost over the server's
# own CSV writer. Data: a private database (dropped at the end) with N recipients (default
# 1,000,000) that all have delivery rows, a reply for every tenth, and N contacts with three
# attributes. Output to /dev/null; wall-clock seconds of each, best of two.
#
#   bash bench/export.sh [recipients=1000000]
# Env: HERALD_BUILD_DIR (build-bench), HERALD_PG_ADMIN_CONNINFO (host=127.0.0.1 port=19432
#      user=herald dbname=postgres).
set -euo pipefail
# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

bench_services
bench_build herald-ctl
n="${1:-1000000}"
log="$BENCH_OUT/export.log"
mkdir -p "$BENCH_OUT"
: >"$log"
bench_private_db export
conn="$BENCH_DB_CONN"

bench_log "data: $n recipients (delivery rows, a reply per 10) and $n contacts"
psql "$conn" -q -v ON_ERROR_STOP=1 -v n="$n" >/dev/null <<'SQL'
INSERT INTO campaigns (id, name, phone_number_id, template_name, status)
VALUES (1, 'bench', '1098765', 'spring_sale', 'completed');
INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, name, params, state, attempts,
                                 wamid, accepted_at)
SELECT 1, g, (4915000000000 + g)::text, 'Customer ' || g, jsonb_build_array('Customer ' || g),
       'accepted', 1, 'wamid.bench.' || g, now() - interval '1 hour'
FROM generate_series(1, :n) g;
INSERT INTO analytics_recipient_delivery (campaign_id, recipient_id, wamid, phone, accepted_at,
                                          sent_at, delivered_at, read_at)
SELECT 1, g, 'wamid.bench.' || g, (4915000000000 + g)::text, now() - interval '1 hour',
       now() - interval '59 minutes', now() - interval '58 minutes',
       CASE WHEN g % 2 = 0 THEN now() - interval '50 minutes' END
FROM generate_series(1, :n) g;
INSERT INTO analytics_replies (wamid, from_phone, received_at, type, body, campaign_id,
                               recipient_id, attribution)
SELECT 'wamid.in.' || g, (4915000000000 + g)::text, now() - interval '40 minutes', 'text',
       'Yes, tell me more', 1, g, 'context'
FROM generate_series(1, :n, 10) g;
INSERT INTO contacts (phone, name, tags, attributes)
SELECT (4915000000000 + g)::text, 'Customer ' || g, '{newsletter}',
       jsonb_build_object('city', 'Berlin', 'age', (20 + g % 50)::text, 'discount', '10%')
FROM generate_series(1, :n) g;
VACUUM ANALYZE;
SQL

export HERALD_PG_CONNINFO="$conn"
ctl="$BENCH_BUILD/bin/herald-ctl"
seconds() { # label command... -> RESULT label seconds (best of two)
    local label="$1" best="" t
    shift
    for _ in 1 2; do
        local t0
        t0="$(date +%s.%N)"
        "$@" >/dev/null
        t="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')"
        best="$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')"
    done
    echo "RESULT $label $best" | tee -a "$log" >&2
}
seconds raw_recipients psql "$conn" -qc \
    "\\copy (SELECT * FROM campaign_recipients WHERE campaign_id = 1 ORDER BY recipient_id) TO STDOUT CSV HEADER"
seconds ctl_csv "$ctl" campaign recipients 1
seconds ctl_ndjson "$ctl" campaign recipients 1 --json
seconds raw_contacts psql "$conn" -qc "\\copy (SELECT * FROM contacts ORDER BY id) TO STDOUT CSV HEADER"
seconds ctl_contacts "$ctl" contacts export

rate() { # label -> rows/s
    awk -v n="$n" -v k="$1" '$1 == "RESULT" && $2 == k { printf "%.0f", n / $3 }' "$log"
}
bench_tsv_start export
bench_row export "campaign recipients CSV (outcomes view, herald-ctl) rows/s" "$(rate ctl_csv)" \
    "rows/s" "raw COPY of campaign_recipients (psql \\copy)" "$(rate raw_recipients)" "-" "-"
bench_row export "campaign recipients NDJSON (herald-ctl --json) rows/s" "$(rate ctl_ndjson)" \
    "rows/s" "raw COPY of campaign_recipients (psql \\copy)" "$(rate raw_recipients)" "-" "-"
bench_row export "contacts export CSV (herald-ctl, 3 attribute columns) rows/s" \
    "$(rate ctl_contacts)" "rows/s" "raw COPY of contacts (psql \\copy)" "$(rate raw_contacts)" \
    "-" "-"
bench_print export
