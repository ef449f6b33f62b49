"""The webhook plugin as a real herald-stage process against the real broker.

Why these tests exist: the webhook is Herald's only door for delivery statuses and replies;
an accepted webhook must never be lost and a forged or broken one must never reach Kafka.
Each test drives the gateway over HTTP exactly as Meta would (signed with the app secret),
then reads the topics to check what landed, with which key and payload.
"""
import hashlib
import hmac
import json
import time

import requests

SECRET = "test-app-secret"
VERIFY = "test-verify-token"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def wait_listening(url, stage, timeout=20):
    """For a stage that is not healthy on purpose (dead broker): wait for the HTTP port."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("webhook never listened:\n" + stage.log_text())


def start_webhook(herald, env=None, healthy=True, **config):
    port = herald.free_port()
    cfg = {"listen": f"127.0.0.1:{port}", "path": "/webhook", "ack_timeout_ms": 3000}
    cfg.update(config)
    st = herald.start_stage("gateway", plugin="webhook", plugin_config=cfg, consume=[],
                            name="gateway-webhook",
                            env={"HERALD_APP_SECRET": SECRET, "HERALD_VERIFY_TOKEN": VERIFY,
                                 **(env or {})})
    url = f"http://127.0.0.1:{port}/webhook"
    if healthy:
        st.wait_healthy()
    else:
        wait_listening(url, st)
    return st, url


def post(url, body: bytes, signature="auto", timeout=20):
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        signature = sign(body)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return requests.post(url, data=body, headers=headers, timeout=timeout)


def consume_exactly(herald, topic, n, idle=3):
    """Everything on `topic` (read from the beginning until `idle` seconds pass without a new
    message); asserts it is exactly n messages, so a wrongly produced one fails the test.
    The webhook answers 200 only after Kafka acknowledged, so nothing is still in flight."""
    got = herald.consume_all(topic, idle=idle)
    assert len(got) == n, f"{topic}: expected {n} messages, got {len(got)}: {got}"
    return got


def sample_payload(tag="1"):
    """Two entries, four statuses (two campaigns, one without callback data), two replies."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "WABA1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001", "phone_number_id": "1098765"},
                "statuses": [
                    {"id": f"wamid.A{tag}", "status": "delivered", "timestamp": "1764100001",
                     "recipient_id": "4915112345678", "biz_opaque_callback_data": "c=42;r=17"},
                    {"id": f"wamid.B{tag}", "status": "read", "timestamp": "1764100002",
                     "recipient_id": "4915112345679", "biz_opaque_callback_data": "c=43;r=1"},
                    {"id": f"wamid.C{tag}", "status": "failed", "timestamp": "1764100003",
                     "recipient_id": "4915100000001",
                     "errors": [{"code": 131026, "title": "Message undeliverable"}]},
                ]}}]},
            {"id": "WABA2", "changes": [
                {"field": "messages", "value": {
                    "messaging_product": "whatsapp",
                    "contacts": [{"profile": {"name": "Asha"}, "wa_id": "4915112345678"}],
                    "messages": [
                        {"from": "4915112345678", "id": f"wamid.in1{tag}",
                         "timestamp": "1764100005", "type": "text",
                         "text": {"body": "Yes please"}, "context": {"id": f"wamid.A{tag}"}},
                        {"from": "4915112345679", "id": f"wamid.in2{tag}",
                         "timestamp": "1764100006", "type": "button",
                         "button": {"payload": "STOP", "text": "Stop"}},
                    ],
                    "statuses": [
                        {"id": f"wamid.D{tag}", "status": "sent", "timestamp": "1764100007",
                         "recipient_id": "4915112345678", "biz_opaque_callback_data": "c=42;r=18"},
                    ]}},
                {"field": "account_update", "value": {"event": "VERIFIED"}},
            ]},
        ],
    }


def check_sample_landed(herald, tag="1"):
    events = consume_exactly(herald, "delivery-events", 4)
    by_wamid = {json.loads(v)["wamid"]: (k, json.loads(v)) for k, v in events}
    assert set(by_wamid) == {f"wamid.{x}{tag}" for x in "ABCD"}
    key, ev = by_wamid[f"wamid.A{tag}"]
    assert key == "42"
    assert ev == {"event_id": f"wh-wamid.A{tag}-delivered", "type": "delivered",
                  "campaign_id": 42, "recipient_id": 17, "phone": "4915112345678",
                  "wamid": f"wamid.A{tag}", "ts_ms": 1764100001000}
    assert by_wamid[f"wamid.B{tag}"][0] == "43"
    key, ev = by_wamid[f"wamid.C{tag}"]
    assert key == f"wamid.C{tag}"  # no callback data: keyed by wamid
    assert ev["campaign_id"] is None and ev["type"] == "failed"
    assert ev["error"]["code"] == 131026
    assert by_wamid[f"wamid.D{tag}"][0] == "42"
    assert by_wamid[f"wamid.D{tag}"][1]["event_id"] == f"wh-wamid.D{tag}-sent"

    replies = consume_exactly(herald, "replies", 2)
    by_id = {json.loads(v)["wamid"]: (k, json.loads(v)) for k, v in replies}
    key, r = by_id[f"wamid.in1{tag}"]
    assert key == "4915112345678"
    assert r == {"wamid": f"wamid.in1{tag}", "from": "4915112345678", "ts_ms": 1764100005000,
                 "type": "text", "text": "Yes please", "context_id": f"wamid.A{tag}",
                 "profile_name": "Asha"}
    key, r = by_id[f"wamid.in2{tag}"]
    assert key == "4915112345679"
    assert r["text"] == "Stop" and r["context_id"] is None and r["button_payload"] == "STOP"


def test_verification_handshake(herald):
    st, url = start_webhook(herald)
    ok = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                   "hub.challenge": "1158201444"}, timeout=10)
    assert ok.status_code == 200 and ok.text == "1158201444"
    for params in ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
                   {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
                   {"hub.mode": "subscribe", "hub.challenge": "1"},
                   {"hub.mode": "subscribe", "hub.verify_token": VERIFY}):
        r = requests.get(url, params=params, timeout=10)
        assert r.status_code == 403, params
        assert "1158201444" not in r.text
    assert requests.get(url.replace("/webhook", "/other"), timeout=10).status_code == 404
    assert requests.put(url, data=b"{}", timeout=10).status_code == 405
    st.stop()


def test_signed_payload_lands_on_topics_with_keys(herald):
    st, url = start_webhook(herald)
    body = json.dumps(sample_payload()).encode()
    t0 = time.monotonic()
    r = post(url, body)
    assert r.status_code == 200, r.text
    assert time.monotonic() - t0 < 5
    check_sample_landed(herald)
    m = st.metrics()
    assert any("unknown_changes" in k and v >= 1 for k, v in m.items()), m
    st.stop()


def test_bad_requests_get_their_status_and_produce_nothing(herald):
    st, url = start_webhook(herald, max_body_bytes=65536)
    good = json.dumps(sample_payload()).encode()
    assert post(url, good, signature=None).status_code == 401
    assert post(url, good, signature=sign(good, "other-secret")).status_code == 401
    assert post(url, good, signature="sha256=zz").status_code == 401
    assert post(url, good + b" ", signature=sign(good)).status_code == 401  # body changed
    broken = b'{"object":"whatsapp_business_account","entry":['
    assert post(url, broken).status_code == 400
    assert post(url, b'{"object":"page","entry":[]}').status_code == 400
    assert post(url, b"[1,2]").status_code == 400
    big = b'{"object":"whatsapp_business_account","entry":[],"pad":"' + b"x" * 70000 + b'"}'
    assert post(url, big).status_code == 413
    # chunked upload (no Content-Length): refused while streaming, without buffering it all
    chunks = (b"x" * 8192 for _ in range(20))
    r = requests.post(url, data=chunks, headers={"X-Hub-Signature-256": "sha256=00"},
                      timeout=20)
    assert r.status_code == 413
    # a valid but empty payload is fine and produces nothing
    empty = b'{"object":"whatsapp_business_account","entry":[]}'
    assert post(url, empty).status_code == 200
    consume_exactly(herald, "delivery-events", 0)
    consume_exactly(herald, "replies", 0)
    st.stop()


def test_broker_down_answers_503_then_redelivery_lands(herald):
    dead = herald.free_port()  # nothing listens there
    st, url = start_webhook(herald, env={"HERALD_KAFKA_BROKERS": f"127.0.0.1:{dead}"},
                            healthy=False, ack_timeout_ms=1500)
    body = json.dumps(sample_payload("R")).encode()
    t0 = time.monotonic()
    r = post(url, body)
    assert r.status_code == 503, r.text
    assert 1.0 < time.monotonic() - t0 < 10
    st.stop()

    st, url = start_webhook(herald)  # the broker is back: Meta redelivers the same bytes
    assert post(url, body).status_code == 200
    check_sample_landed(herald, "R")
    st.stop()


def test_concurrent_posts_each_wait_for_their_acks(herald):
    from concurrent.futures import ThreadPoolExecutor
    st, url = start_webhook(herald)
    bodies = [json.dumps(sample_payload(f"P{i}")).encode() for i in range(20)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda b: post(url, b).status_code, bodies))
    assert codes == [200] * 20
    events = consume_exactly(herald, "delivery-events", 80)
    ids = {json.loads(v)["event_id"] for _, v in events}
    assert len(ids) == 80
    consume_exactly(herald, "replies", 40)
    st.stop()


def test_gateway_conf_runs_both_plugins(herald):
    """config/gateway.conf as shipped (ports, prefix and database overridden by env) loads the
    webhook and the control API into one process; both work side by side."""
    from pathlib import Path
    conf = (Path(__file__).resolve().parents[2] / "config" / "gateway.conf").read_text()
    wport, aport = herald.free_port(), herald.free_port()
    st = herald.start_stage("gateway", config=conf, env={
        "HERALD_APP_SECRET": SECRET, "HERALD_VERIFY_TOKEN": VERIFY, "HERALD_API_TOKEN": "tok",
        "HERALD_WEBHOOK_LISTEN": f"127.0.0.1:{wport}", "HERALD_API_LISTEN": f"127.0.0.1:{aport}",
        "HERALD_METRICS_LISTEN": "127.0.0.1:0", "HERALD_TOPIC_PREFIX": herald.prefix,
        "HERALD_PG_CONNINFO": herald.conninfo, "HERALD_KAFKA_BROKERS": herald.brokers})
    st.wait_healthy()
    url = f"http://127.0.0.1:{wport}/webhook"
    assert post(url, json.dumps(sample_payload("G")).encode()).status_code == 200
    check_sample_landed(herald, "G")
    r = requests.get(f"http://127.0.0.1:{aport}/api/lists",
                     headers={"Authorization": "Bearer tok"}, timeout=10)
    assert r.status_code == 200 and r.json() == {"lists": []}
    m = st.metrics()
    assert any(k.startswith("herald_webhook_accepted_total") and v == 1 for k, v in m.items())
    assert any(k.startswith("herald_api_requests_total") and v >= 1 for k, v in m.items())
    st.stop()


def capability_update(at, field="business_capability_update", **value):
    return json.dumps({"object": "whatsapp_business_account", "entry": [
        {"id": "524126980791429", "time": at,
         "changes": [{"field": field, "value": value}]}]}).encode()


def test_a_messaging_limit_meta_announces_is_followed_in_order_once(herald):
    """business_capability_update / phone_number_quality_update through a real webhook stage
    become `messaging_limit` commands that a real segmenter follows: a raised limit is set, an
    older or repeated announcement changes nothing, unlimited turns the limit off; with
    follow_meta_messaging_limit off it is recorded, not set; a malformed command is refused
    without holding up the next one."""
    from test_segmenter import start_segmenter, wait_for
    st, url = start_webhook(herald)
    seg = start_segmenter(herald)
    limit = lambda: herald.sql("SELECT people FROM messaging_limit_status()")[0][0]  # noqa: E731
    meta = "SELECT meta_people, extract(epoch FROM meta_announced_at)::bigint, meta_source " \
           "FROM messaging_limit_setting"
    t = 1764300000
    assert post(url, capability_update(t, max_daily_conversations_per_business="TIER_10K",
                                       max_phone_numbers_per_waba=25)).status_code == 200
    wait_for(lambda: limit() == 10000, what="Meta's 10K limit set")
    assert herald.sql(meta) == [(10000, t, "business_capability_update")]
    (key, cmd), = herald.consume_all("campaign-commands", idle=1)
    assert key == "messaging-limit" and json.loads(cmd) == {
        "command_id": f"meta:business_capability_update:524126980791429:{t}000:10000",
        "type": "messaging_limit", "people": 10000, "announced_at_ms": t * 1000,
        "source": "business_capability_update", "waba_id": "524126980791429"}
    # Meta's redelivery of the same webhook, then an older one arriving late (the deprecated
    # per-phone field): neither moves the limit
    assert post(url, capability_update(t, max_daily_conversations_per_business="TIER_10K",
                                       max_phone_numbers_per_waba=25)).status_code == 200
    assert post(url, capability_update(t - 60, max_daily_conversation_per_phone=2000)
                ).status_code == 200
    wait_for(lambda: seg.log_text().count("ignored: a newer announcement") == 2,
             what="two announcements ignored")
    assert limit() == 10000 and herald.sql(meta)[0][0] == 10000
    # a newer one through the other field: unlimited turns the limit off
    assert post(url, capability_update(t + 60, field="phone_number_quality_update",
                                       display_phone_number="15550001", event="UPGRADE",
                                       max_daily_conversations_per_business="TIER_UNLIMITED")
                ).status_code == 200
    wait_for(lambda: herald.sql(meta)[0][0] == 0, what="unlimited recorded")
    assert limit() == 0
    assert "messaging limit: 10000 people -> none per 24 h, as Meta's " \
           "phone_number_quality_update of" in seg.log_text()
    m = st.metrics()
    assert m.get("herald_webhook_messaging_limit_updates_total") == 4, m
    seg.stop()

    # an operator who keeps the limit in hand: recorded and logged, not set
    herald.sql("SELECT messaging_limit_set(500)")
    seg = start_segmenter(herald, name="segmenter-2", follow_meta_messaging_limit=False)
    herald.produce("campaign-commands", "messaging-limit",
                   {"command_id": "bad-1", "type": "messaging_limit", "people": "lots",
                    "announced_at_ms": 1, "source": "x"})
    assert post(url, capability_update(t + 120, max_daily_conversations_per_business=100000)
                ).status_code == 200
    # a second segmenter joins the group the first left: the rebalance may take a while
    wait_for(lambda: herald.sql(meta)[0][0] == 100000, timeout=60, what="100K recorded")
    assert limit() == 500
    log = seg.log_text()
    assert "command rejected: messaging_limit: people must be a positive integer" in log, log
    assert "follow_meta_messaging_limit is off, so the limit stays 500 people" in log, log
    seg.stop()
    st.stop()


def template_status(at, event, name="spring_sale", language="en_US", waba="524126980791429",
                    **extra):
    return json.dumps({"object": "whatsapp_business_account", "entry": [
        {"id": waba, "time": at, "changes": [
            {"field": "message_template_status_update",
             "value": {"event": event, "message_template_id": 806312974732579,
                       "message_template_name": name, "message_template_language": language,
                       **extra}}]}]}).encode()


def test_campaigns_follow_what_meta_says_of_their_template(herald):
    """message_template_status_update through a real webhook stage and segmenter: PAUSED
    pauses the running campaigns on that template (name and language), APPROVED resumes exactly
    those and the ones the dispatcher paused on a 132015 answer (their queued recipients are
    emitted again) but not one paused by hand, an older announcement changes nothing, and
    DISABLED fails every campaign still waiting on the template. FLAGGED only warns."""
    from test_segmenter import campaign, read_jobs, start_segmenter, wait_for
    st, url = start_webhook(herald)
    seg = start_segmenter(herald)

    def make(name, status, template="spring_sale", language="en_US", template_paused=False,
             queued=0):
        (cid,), = herald.sql("SELECT nextval('campaign_ids')")
        herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, "
                   "template_language, status, template_paused_at) VALUES (%s, %s, '1098765', "
                   "%s, %s, 'draft', CASE WHEN %s THEN now() END)", cid, name, template, language,
                   template_paused)
        for rid in range(1, queued + 1):
            herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state) "
                       "VALUES (%s, %s, %s, 'queued')", cid, rid, f"49151{cid:04d}{rid:04d}")
        # one message on its way, so that a running campaign does not complete meanwhile
        herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state, "
                   "claim_open) VALUES (%s, 100, %s, 'queued', true)", cid, f"49152{cid:04d}0100")
        herald.sql("UPDATE campaigns SET status = %s WHERE id = %s", status, cid)
        return cid

    running = make("on the template", "running")
    other = make("another template", "running", template="welcome")
    other_language = make("another language", "running", language="de")
    by_hand = make("paused by hand", "paused")
    by_dispatcher = make("paused on 132015", "paused", template_paused=True, queued=3)
    status = lambda cid: campaign(herald, cid)["status"]  # noqa: E731
    reason = lambda cid: herald.sql(  # noqa: E731
        "SELECT status_reason FROM campaigns WHERE id = %s", cid)[0][0]
    t = 1764300000
    # FLAGGED changes nothing yet but is the last warning before a pause
    assert post(url, template_status(t - 120, "FLAGGED")).status_code == 200
    wait_for(lambda: "template spring_sale (en_US) flagged by Meta at 2025-11-28 03:18:00 UTC "
             "(no reason given): its quality is low" in seg.log_text(), what="the flag warned")
    assert '"level":"warn"' in next(line for line in seg.log_text().splitlines()
                                    if "flagged by Meta" in line)
    assert status(running) == "running"
    assert seg.metrics().get("herald_segmenter_templates_flagged_total") == 1
    assert post(url, template_status(t, "PAUSED", reason="LOW_QUALITY")).status_code == 200
    wait_for(lambda: status(running) == "paused", what="the campaign on the paused template")
    assert reason(running) == ("template spring_sale (en_US) paused by Meta (LOW_QUALITY): Herald "
                               "resumes the campaign when Meta approves the template again")
    assert (status(other), status(other_language)) == ("running", "running")
    assert f"campaign {running} paused: template spring_sale (en_US) paused by Meta" in \
        seg.log_text()

    assert post(url, template_status(t - 60, "APPROVED")).status_code == 200  # late, older
    wait_for(lambda: "APPROVED of 2025-11-28 03:19:00 UTC ignored" in seg.log_text(),
             what="the older approval ignored")
    assert status(running) == "paused"

    assert post(url, template_status(t + 60, "APPROVED")).status_code == 200
    wait_for(lambda: status(running) == "running" and status(by_dispatcher) == "running",
             what="both template pauses lifted")
    assert status(by_hand) == "paused"
    assert reason(running) is None
    assert herald.sql("SELECT count(*) FROM campaigns WHERE template_paused_at IS NOT NULL") == \
        [(0,)]
    wait_for(lambda: sorted(j["recipient_id"] for j in read_jobs(herald)
                            if j["campaign_id"] == by_dispatcher) == [1, 2, 3],
             timeout=30, what="the resumed campaign's queued recipients emitted again")

    assert post(url, template_status(t + 120, "DISABLED")).status_code == 200
    wait_for(lambda: status(running) == "failed", what="the disabled template's campaigns failed")
    assert status(by_hand) == "failed" and status(by_dispatcher) == "failed"
    assert reason(by_hand) == ("template spring_sale (en_US) disabled by Meta: the campaign "
                               "cannot be sent; duplicate it with another template")
    assert (status(other), status(other_language)) == ("running", "running")
    assert f"ALERT campaign {running} failed: template spring_sale (en_US) DISABLED" in \
        seg.log_text()
    assert st.metrics().get("herald_webhook_template_status_updates_total") == 5
    m = seg.metrics()
    assert (m.get("herald_segmenter_campaigns_template_paused_total"),
            m.get("herald_segmenter_campaigns_template_resumed_total"),
            m.get("herald_segmenter_campaigns_template_failed_total")) == (1, 2, 3), m
    seg.stop()

    # follow_meta_template_status off: recorded and logged, campaigns untouched
    seg = start_segmenter(herald, name="segmenter-2", follow_meta_template_status=False)
    assert post(url, template_status(t + 180, "PAUSED", name="welcome")).status_code == 200
    wait_for(lambda: herald.sql("SELECT event FROM template_status WHERE name = 'welcome'") ==
             [("PAUSED",)], timeout=60, what="the pause recorded (after the group's rebalance)")
    wait_for(lambda: "follow_meta_template_status is off" in seg.log_text(), what="the log")
    assert status(other) == "running"
    seg.stop()
    st.stop()


def status_of_number(waba, phone_number_id, at, wamid):
    """A status webhook of one business number: it names the WABA the number belongs to."""
    return json.dumps({"object": "whatsapp_business_account", "entry": [
        {"id": waba, "time": at, "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001", "phone_number_id": phone_number_id},
            "statuses": [{"id": wamid, "status": "delivered", "timestamp": str(at),
                          "recipient_id": "4915112345678"}]}}]}]}).encode()


def test_a_template_announcement_reaches_only_its_own_wabas_campaigns(herald):
    """Two WABAs of one portfolio each have a spring_sale (en_US). The status webhooks tell the
    gateway which WABA each number belongs to; it passes each pair on once (not with every
    webhook), the segmenter records it, and a PAUSED or APPROVED of one WABA's template then
    leaves the other WABA's campaigns alone. A campaign on a number no webhook has named yet is
    matched by name and language, as before."""
    from test_segmenter import campaign, start_segmenter, wait_for
    st, url = start_webhook(herald)
    seg = start_segmenter(herald)
    t = 1764300000
    for i, (waba, number) in enumerate((("WABA-A", "111"), ("WABA-B", "222"))):
        for n in range(3):  # the same pair again: passed on once
            assert post(url, status_of_number(waba, number, t, f"wamid.{i}{n}")).status_code == 200
    wait_for(lambda: herald.sql("SELECT phone_number_id, waba_id FROM whatsapp_numbers "
                                "ORDER BY 1") == [("111", "WABA-A"), ("222", "WABA-B")],
             what="both numbers' WABAs recorded")
    assert st.metrics().get("herald_webhook_waba_number_updates_total") == 2

    def make(name, number):
        (cid,), = herald.sql("SELECT nextval('campaign_ids')")
        herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, "
                   "template_language, status) VALUES (%s, %s, %s, 'spring_sale', 'en_US', "
                   "'draft')", cid, name, number)
        herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state, "
                   "claim_open) VALUES (%s, 1, %s, 'queued', true)", cid, f"4915200{cid:06d}")
        herald.sql("UPDATE campaigns SET status = 'running' WHERE id = %s", cid)
        return cid

    a, b, unknown = make("brand A", "111"), make("brand B", "222"), make("new number", "333")
    status = lambda cid: campaign(herald, cid)["status"]  # noqa: E731
    assert post(url, template_status(t + 10, "PAUSED", waba="WABA-B")).status_code == 200
    wait_for(lambda: status(b) == "paused" and status(unknown) == "paused",
             what="WABA-B's pause reached its campaign and the unknown number's")
    time.sleep(1.0)
    assert status(a) == "running"
    # an approval of WABA-A's template is no answer to WABA-B's pause (and not "older" than it)
    assert post(url, template_status(t + 20, "APPROVED", waba="WABA-A")).status_code == 200
    wait_for(lambda: status(unknown) == "running", what="the unknown number's campaign resumed")
    assert status(b) == "paused"
    assert post(url, template_status(t + 30, "APPROVED", waba="WABA-B")).status_code == 200
    wait_for(lambda: status(b) == "running", what="WABA-B's approval resumed its campaign")
    assert herald.sql("SELECT waba_id, event FROM template_status ORDER BY 1") == [
        ("WABA-A", "APPROVED"), ("WABA-B", "APPROVED")]
    # the number moved to WABA-A: passed on again at once
    assert post(url, status_of_number("WABA-A", "222", t + 40, "wamid.moved")).status_code == 200
    wait_for(lambda: herald.sql("SELECT waba_id FROM whatsapp_numbers WHERE phone_number_id = "
                                "'222'") == [("WABA-A",)], what="the move recorded")
    assert "phone number 222 now belongs to WABA WABA-A" in seg.log_text()
    seg.stop()
    st.stop()


def test_a_pair_whose_command_kafka_refused_goes_again_with_the_redelivery(herald):
    """A (number, WABA) pair counts as passed on only if Kafka took its command: while
    campaign-commands refuses it (a topic whose max.message.bytes is too small for it), the
    webhook is answered 503 and every redelivery carries the pair again; once the topic takes
    it, the next delivery lands it exactly once."""
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource
    topic = herald.topic("campaign-commands")

    def max_message_bytes(n):
        entry = ConfigEntry("max.message.bytes", str(n),
                            incremental_operation=AlterConfigOpType.SET)
        for f in herald.admin().incremental_alter_configs(
                [ConfigResource("topic", topic, incremental_configs=[entry])]).values():
            f.result(timeout=30)
    max_message_bytes(64)
    st, url = start_webhook(herald, ack_timeout_ms=5000)
    body = status_of_number("WABA-A", "111", 1764300000, "wamid.refused")
    for attempt in (1, 2):
        assert post(url, body).status_code == 503, attempt
        assert st.metrics().get("herald_webhook_waba_number_updates_total") == attempt
    max_message_bytes(1048588)
    wait_for_ok = time.monotonic() + 30
    while post(url, body).status_code != 200:  # until the broker applied the new limit
        assert time.monotonic() < wait_for_ok, "campaign-commands still refuses the command"
        time.sleep(0.5)
    (key, cmd), = consume_exactly(herald, "campaign-commands", 1)
    assert key == "number:111"
    assert json.loads(cmd)["waba_id"] == "WABA-A"
    assert post(url, body).status_code == 200  # passed on: not again within the hour
    consume_exactly(herald, "campaign-commands", 1)
    st.stop()
