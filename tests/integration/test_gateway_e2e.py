"""Webhook -> Kafka -> analytics -> campaign_progress -> SSE, with real processes.

Why this test exists: the control API's live progress is only useful if a status Meta posts
to the webhook shows up in the dashboard's stream quickly. A running campaign with three
accepted sends is set up in SQL (playing segmenter and dispatcher); the gateway (webhook + api
in one stage, like config/gateway.conf) and the analytics stage run for real; statuses and a
reply are posted signed to the webhook while an SSE stream is open, and each one must appear
in the stream's snapshots within seconds.
"""
import hashlib
import hmac
import json
import time

import requests

SECRET, TOKEN = "e2e-secret", "e2e-token"


def sign(body):
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def status(cid, r, st, ts):
    return {"id": f"wamid.E2E{cid}x{r}", "status": st, "timestamp": str(ts),
            "recipient_id": str(4915100000000 + r), "biz_opaque_callback_data": f"c={cid};r={r}"}


def webhook_body(statuses=(), messages=()):
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp",
                                        "statuses": list(statuses),
                                        "messages": list(messages)}}]}]}).encode()


def test_webhook_statuses_show_up_in_the_progress_stream(herald):
    (cid,), = herald.sql("SELECT nextval('campaign_ids')")
    herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status, "
               "audience_size, started_at) VALUES (%s, 'e2e', '1098765', 't', 'running', 3, "
               "now())", cid)
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state, wamid, "
               "accepted_at) SELECT %s, r, (4915100000000 + r)::text, 'accepted', "
               "'wamid.E2E' || %s || 'x' || r, now() FROM generate_series(1, 3) r", cid, cid)
    analytics = herald.start_stage("analytics", plugin="analytics",
                                   consume=["delivery-events", "replies", "campaign-commands"],
                                   plugin_config={"park_retry_ms": 200}, name="analytics-e2e")
    wport, aport = herald.free_port(), herald.free_port()
    gateway = herald.start_stage("gateway", name="gateway-e2e", env={
        "HERALD_APP_SECRET": SECRET, "HERALD_API_TOKEN": TOKEN}, plugins=[
        {"name": "webhook", "consume": [], "config": {"listen": f"127.0.0.1:{wport}"}},
        {"name": "api", "consume": [], "config": {"listen": f"127.0.0.1:{aport}"}}])
    analytics.wait_healthy()
    gateway.wait_healthy()
    hook = f"http://127.0.0.1:{wport}/webhook"

    stream = requests.get(f"http://127.0.0.1:{aport}/api/campaigns/{cid}/progress/stream",
                          headers={"Authorization": f"Bearer {TOKEN}"}, stream=True, timeout=30)
    assert stream.status_code == 200
    lines = stream.iter_lines(chunk_size=1, decode_unicode=True)

    def wait_snapshot(pred, timeout=10):
        deadline = time.monotonic() + timeout
        last = None
        for line in lines:
            if line.startswith("data: "):
                last = json.loads(line[6:])
                if pred(last):
                    return last
            if time.monotonic() > deadline:
                break
        raise AssertionError(f"no matching snapshot within {timeout}s; last: {last}")

    first = wait_snapshot(lambda s: True)
    assert first["delivered"] == 0 and first["audience_size"] == 3

    now = int(time.time())
    t0 = time.monotonic()
    body = webhook_body([status(cid, 1, "sent", now), status(cid, 1, "delivered", now),
                         status(cid, 2, "delivered", now)])
    assert requests.post(hook, data=body, headers={"X-Hub-Signature-256": sign(body)},
                         timeout=20).status_code == 200
    snap = wait_snapshot(lambda s: s["delivered"] == 2)
    assert time.monotonic() - t0 < 5
    body = webhook_body([status(cid, 1, "read", now + 5)],
                        [{"from": str(4915100000001), "id": "wamid.reply1", "type": "text",
                          "timestamp": str(now + 6), "text": {"body": "yes"},
                          "context": {"id": f"wamid.E2E{cid}x1"}}])
    assert requests.post(hook, data=body, headers={"X-Hub-Signature-256": sign(body)},
                         timeout=20).status_code == 200
    snap = wait_snapshot(lambda s: s["read"] == 1 and s["replied"] == 1)
    assert snap["delivered"] == 2
    stream.close()
    gateway.stop()
    analytics.stop()
