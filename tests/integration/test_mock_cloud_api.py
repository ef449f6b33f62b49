"""Integration tests of herald-mock-cloud-api, the WhatsApp Cloud API stand-in.

They start the real binary from $HERALD_BUILD_DIR/bin (default /work/main/build) on an
ephemeral port and talk HTTP to it; webhooks go to a small HTTP receiver inside the test,
which verifies X-Hub-Signature-256 with Python's own HMAC. No Kafka or PostgreSQL needed.
"""

import bisect
import concurrent.futures
import hashlib
import hmac
import http.client
import http.server
import json
import os
import subprocess
import threading
import time

import pytest

BUILD_DIR = os.environ.get("HERALD_BUILD_DIR", "/work/main/build")
BINARY = os.path.join(BUILD_DIR, "bin", "herald-mock-cloud-api")
TOKEN = "itest-token"
SECRET = "itest-app-secret"
PNID = "106540352242922"


def template_body(to, name="spring_sale", params=("Asha", "20%"), callback=None):
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": "en"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
            ],
        },
    }
    if callback is not None:
        body["biz_opaque_callback_data"] = callback
    return body


class MockCloudApi:
    """One running mock process plus tiny HTTP helpers (one connection per call)."""

    def __init__(self, *flags):
        assert os.path.exists(BINARY), f"{BINARY} missing: build target herald-mock-cloud-api"
        env = dict(os.environ, MOCK_TOKEN=TOKEN, MOCK_APP_SECRET=SECRET)
        self.proc = subprocess.Popen(
            [BINARY, "--listen", "127.0.0.1:0", *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        assert "listening on port" in line, f"mock did not start: {line!r} {self.proc.stderr.read()}"
        self.port = int(line.rsplit(" ", 1)[1])

    def stop(self):
        self.proc.terminate()
        assert self.proc.wait(timeout=10) == 0, self.proc.stderr.read()

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
            conn.request(method, path, body=data, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
            ctype = resp.getheader("Content-Type", "")
            return resp.status, (json.loads(raw) if "json" in ctype else raw.decode())
        finally:
            conn.close()

    def send(self, to, token=TOKEN, pnid=PNID, version="v23.0", **kw):
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = kw.pop("raw", None) or template_body(to, **kw)
        return self.request("POST", f"/{version}/{pnid}/messages", body, headers)

    def config(self, **changes):
        status, body = self.request("POST", "/mock/config", changes)
        assert status == 200, body
        return body

    def stats(self):
        return self.request("GET", "/mock/stats")[1]

    def sends(self, query=""):
        return self.request("GET", "/mock/sends" + query)[1]


class WebhookSink:
    """Receives webhooks like Herald's gateway would, recording raw bodies and signatures."""

    def __init__(self):
        self.posts = []  # (signature header, raw body bytes)
        self.fail_first = 0
        self.lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                with sink.lock:
                    failing = sink.fail_first > 0
                    if failing:
                        sink.fail_first -= 1
                    else:
                        sink.posts.append((self.headers.get("X-Hub-Signature-256"), raw))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def payloads(self):
        with self.lock:
            return [json.loads(raw) for _, raw in self.posts]

    def statuses(self):
        return [s for p in self.payloads() for e in p["entry"] for c in e["changes"]
                for s in c["value"].get("statuses", [])]

    def messages(self):
        return [m for p in self.payloads() for e in p["entry"] for c in e["changes"]
                for m in c["value"].get("messages", [])]

    def wait_for(self, predicate, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError("webhooks did not arrive in time")


@pytest.fixture
def mockapi_factory():
    started = []

    def start(*flags):
        m = MockCloudApi(*flags)
        started.append(m)
        return m

    yield start
    for m in started:
        m.stop()


@pytest.fixture
def mockapi_webhook_sink():
    sink = WebhookSink()
    yield sink
    sink.stop()


def error_of(status_body):
    status, body = status_body
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["type"] == "OAuthException"
    assert err["error_data"]["messaging_product"] == "whatsapp"
    assert isinstance(err["error_data"]["details"], str) and err["error_data"]["details"]
    assert len(err["fbtrace_id"]) == 11
    return status, err


def test_accepted_send_has_cloud_api_shape_and_is_recorded(mockapi_factory):
    m = mockapi_factory()
    status, body = m.send("+4915112345678", callback="c=42;r=9917")
    assert status == 200
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+4915112345678", "wa_id": "4915112345678"}]
    (msg,) = body["messages"]
    assert msg["id"].startswith("wamid.") and msg["message_status"] == "accepted"
    (rec,) = m.sends()
    assert rec["wamid"] == msg["id"]
    assert rec["phone_number_id"] == PNID and rec["to"] == "4915112345678"
    assert rec["template"] == "spring_sale" and rec["language"] == "en"
    assert rec["params"] == ["Asha", "20%"]
    assert rec["biz_opaque_callback_data"] == "c=42;r=9917"
    assert abs(rec["ts_ms"] - time.time() * 1000) < 10000
    ids = {m.send(f"49151000{i:05d}")[1]["messages"][0]["id"] for i in range(50)}
    assert len(ids) == 50 and msg["id"] not in ids


def test_token_missing_wrong_or_expired_is_190_with_401(mockapi_factory):
    m = mockapi_factory()
    for token in (None, "wrong"):
        status, err = error_of(m.send("4915112345678", token=token))
        assert (status, err["code"]) == (401, 190)
    m.config(token_expired=True)
    status, err = error_of(m.send("4915112345678"))
    assert (status, err["code"], err["error_subcode"]) == (401, 190, 463)
    m.config(token_expired=False, token_expires_at_ms=int(time.time() * 1000) - 1)
    assert error_of(m.send("4915112345678"))[1]["code"] == 190
    m.config(token_expires_at_ms=0)
    assert m.send("4915112345678")[0] == 200
    assert m.stats()["rejected"]["190"] == 4


def test_payload_validation_codes(mockapi_factory):
    m = mockapi_factory("--template", "spring_sale:2", "--template", "welcome:0")
    ok = template_body("4915112345678")
    cases = [
        ({**ok, "messaging_product": "sms"}, 400, 100),
        ({k: v for k, v in ok.items() if k != "to"}, 400, 131008),
        ({**ok, "to": "49-151"}, 400, 100),
        ({k: v for k, v in ok.items() if k != "template"}, 400, 131008),
        ({**ok, "template": {"name": "spring_sale"}}, 400, 131008),
        (template_body("4915112345678", name="unknown"), 404, 132001),
        (template_body("4915112345678", params=("only one",)), 400, 132000),
        (template_body("4915112345678", name="welcome"), 400, 132000),
        (template_body("4915112345678", params=("a\tb", "c")), 400, 132018),
        ({**ok, "biz_opaque_callback_data": "x" * 513}, 400, 100),
    ]
    for body, want_status, want_code in cases:
        status, err = error_of(m.send(None, raw=body))
        assert (status, err["code"]) == (want_status, want_code), (body, err)
        assert err["message"].startswith(f"(#{want_code}) ")
    status, err = error_of(m.request("POST", f"/v23.0/{PNID}/messages", b"{not json",
                                     {"Authorization": f"Bearer {TOKEN}"}))
    assert (status, err["code"]) == (400, 100)
    assert error_of(m.send("4915112345678", version="latest"))[1]["code"] == 2500
    assert error_of(m.send("4915112345678", pnid="abc"))[1]["code"] == 100
    assert m.send("4915112345678")[0] == 200
    assert m.stats()["accepted"] == 1 and m.sends()[0]["template"] == "spring_sale"


def test_throughput_limit_answers_130429_and_window_never_exceeds_rate(mockapi_factory):
    m = mockapi_factory("--rate-per-second", "50")
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda i: m.send(f"4915200{i:06d}"), range(150)))
    elapsed = time.time() - t0
    codes = [r[1]["error"]["code"] for r in results if r[0] != 200]
    accepted = sum(1 for r in results if r[0] == 200)
    assert 50 <= accepted < 150
    if elapsed < 0.95:  # the whole burst fell into one window (true unless the host is busy)
        assert accepted == 50
    assert codes and set(codes) == {130429}
    assert all(r[0] == 429 for r in results if r[0] != 200)
    stats = m.stats()
    assert stats["phone_numbers"][PNID]["max_sends_in_1s_window"] <= 50
    assert stats["rejected"]["130429"] == len(codes)
    # The recorded timestamps agree: no 1000 ms window holds more than the limit.
    ts = sorted(r["ts_ms"] for r in m.sends())
    assert max(bisect.bisect_right(ts, t) - bisect.bisect_right(ts, t - 1000) for t in ts) \
        == stats["phone_numbers"][PNID]["max_sends_in_1s_window"]
    # Another phone number has its own budget; the first one recovers after a second.
    assert m.send("4915300000001", pnid="999000111")[0] == 200
    time.sleep(1.05)
    assert m.send("4915300000002")[0] == 200
    # Paced at the limit, everything passes.
    m.config(rate_per_second=20)
    time.sleep(1.05)
    statuses = []
    for i in range(30):
        statuses.append(m.send(f"4915400{i:06d}")[0])
        time.sleep(0.055)
    assert statuses == [200] * 30


def test_pair_rate_limit_answers_131056(mockapi_factory):
    m = mockapi_factory("--pair-interval-ms", "400")
    assert m.send("4915112345678")[0] == 200
    status, err = error_of(m.send("4915112345678"))
    assert (status, err["code"]) == (400, 131056)
    assert m.send("4915112345679")[0] == 200  # other recipients are not slowed
    time.sleep(0.45)
    assert m.send("4915112345678")[0] == 200
    m.config(pair_interval_ms=0)
    assert m.send("4915112345678")[0] == 200


def test_permanent_errors_per_recipient(mockapi_factory, mockapi_webhook_sink):
    m = mockapi_factory("--permanent", "4915100000001=131026,4915100000002=131050",
                           "--webhook-url", mockapi_webhook_sink.url, "--webhook-delay-ms", "20",
                           "--reply-share", "0")
    assert error_of(m.send("4915100000001"))[1]["code"] == 131026
    assert error_of(m.send("+4915100000002"))[1]["code"] == 131050
    assert m.send("4915100000003")[0] == 200
    # Reported through a failed status webhook instead, as Meta does for undeliverable.
    m.config(permanent_via_webhook=True)
    status, body = m.send("4915100000001", callback="c=1;r=1")
    assert status == 200
    wamid = body["messages"][0]["id"]
    mockapi_webhook_sink.wait_for(lambda: any(s["id"] == wamid and s["status"] == "failed"
                                      for s in mockapi_webhook_sink.statuses()))
    failed = [s for s in mockapi_webhook_sink.statuses() if s["id"] == wamid and s["status"] == "failed"]
    assert failed[0]["errors"][0]["code"] == 131026
    assert failed[0]["errors"][0]["title"] == "Message undeliverable"


def test_injected_5xx_timeouts_and_latency(mockapi_factory):
    m = mockapi_factory("--fail-5xx-share", "1")
    status, err = error_of(m.send("4915112345678"))
    assert status == 500 and err["code"] in (131000, 1, 2)
    m.config(fail_5xx_share=0, timeout_share=1, timeout_ms=300)
    t0 = time.time()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        m.send("4915112345678")
    assert 0.25 <= time.time() - t0 < 5
    m.config(timeout_ms=0)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        m.send("4915112345678")
    assert m.sends() == []  # nothing accepted by plain timeouts
    m.config(timeout_accepted_share=1)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        m.send("4915112345678")
    assert len(m.sends()) == 1  # the ambiguous case: accepted, answer lost
    m.config(timeout_share=0, latency_ms=200, latency_jitter_ms=50)
    t0 = time.time()
    assert m.send("4915112345679")[0] == 200
    assert 0.2 <= time.time() - t0 < 2
    faults = m.stats()["faults"]
    assert faults == {"http_500": 1, "timeouts": 3, "timeouts_accepted": 1}


def verify_signature(sig, raw):
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return sig is not None and hmac.compare_digest(sig, expected)


def test_status_and_reply_webhooks_are_signed_and_shaped(mockapi_factory, mockapi_webhook_sink):
    m = mockapi_factory("--webhook-url", mockapi_webhook_sink.url, "--webhook-delay-ms", "30",
                           "--webhook-jitter-ms", "10", "--delivered-share", "1",
                           "--read-share", "1", "--reply-share", "1", "--fail-share", "0")
    wamids = {}
    for i in range(40):
        body = m.send(f"4915500{i:06d}", callback=f"c=7;r={i}")[1]
        wamids[body["messages"][0]["id"]] = (f"4915500{i:06d}", f"c=7;r={i}")
    mockapi_webhook_sink.wait_for(lambda: len(mockapi_webhook_sink.statuses()) >= 120
                          and len(mockapi_webhook_sink.messages()) >= 40)
    for sig, raw in mockapi_webhook_sink.posts:
        assert verify_signature(sig, raw), "bad X-Hub-Signature-256"
    for p in mockapi_webhook_sink.payloads():
        assert p["object"] == "whatsapp_business_account"
        for entry in p["entry"]:
            for change in entry["changes"]:
                assert change["field"] == "messages"
                assert change["value"]["messaging_product"] == "whatsapp"
                assert change["value"]["metadata"]["phone_number_id"] == PNID
    seen = {}
    for s in mockapi_webhook_sink.statuses():
        to, cb = wamids[s["id"]]
        assert s["recipient_id"] == to and s["biz_opaque_callback_data"] == cb
        assert s["timestamp"].isdigit()
        seen.setdefault(s["id"], set()).add(s["status"])
    assert all(seen[w] == {"sent", "delivered", "read"} for w in wamids)
    replies = mockapi_webhook_sink.messages()
    assert {r["from"] for r in replies} == {to for to, _ in wamids.values()}
    quoted = [r for r in replies if "context" in r]
    assert all(r["context"]["id"] in wamids for r in quoted)
    assert 0 < len(quoted) < len(replies)  # half quote the message, half do not
    assert all(r["type"] in ("text", "button") for r in replies)
    wh = m.stats()["webhooks"]
    assert wh["statuses_delivered"] >= 120 and wh["replies_delivered"] >= 40
    assert wh["failed"] == 0 and wh["queue_dropped"] == 0


def test_stop_share_makes_replies_opt_outs(mockapi_factory, mockapi_webhook_sink):
    """--stop-share: that share of the replies is an opt-out, typed ("STOP") or the marketing
    template's quick reply ("Stop promotions"); the others keep their ordinary texts."""
    m = mockapi_factory("--webhook-url", mockapi_webhook_sink.url, "--webhook-delay-ms", "20",
                        "--delivered-share", "1", "--read-share", "0", "--reply-share", "1",
                        "--fail-share", "0", "--stop-share", "1")
    for i in range(30):
        m.send(f"4915600{i:06d}")
    mockapi_webhook_sink.wait_for(lambda: len(mockapi_webhook_sink.messages()) >= 30)
    replies = mockapi_webhook_sink.messages()
    texts = {(r["type"], r["button"]["text"] if r["type"] == "button" else r["text"]["body"])
             for r in replies}
    assert texts <= {("button", "Stop promotions"), ("text", "STOP")}, texts
    assert {t for t, _ in texts} == {"button", "text"}  # 30 replies: both styles appear
    assert m.stats()["webhooks"]["stop_replies_delivered"] == 30
    m.config(stop_share=0.0)
    for i in range(30, 40):
        m.send(f"4915600{i:06d}")
    mockapi_webhook_sink.wait_for(lambda: len(mockapi_webhook_sink.messages()) >= 40)
    later = [r for r in mockapi_webhook_sink.messages() if r not in replies]
    assert all(r.get("text", {}).get("body") != "STOP" and r["type"] in ("text", "button")
               and r.get("button", {}).get("text") != "Stop promotions" for r in later)
    assert m.stats()["webhooks"]["stop_replies_delivered"] == 30


def test_webhook_retried_with_backoff_until_200(mockapi_factory, mockapi_webhook_sink):
    mockapi_webhook_sink.fail_first = 3
    m = mockapi_factory("--webhook-url", mockapi_webhook_sink.url, "--webhook-delay-ms", "10",
                           "--delivered-share", "0", "--reply-share", "0", "--fail-share", "0",
                           "--retry-initial-ms", "100", "--batch-share", "0")
    wamid = m.send("4915112345678")[1]["messages"][0]["id"]
    t0 = time.time()
    mockapi_webhook_sink.wait_for(lambda: mockapi_webhook_sink.statuses())
    assert time.time() - t0 >= 0.05 + 0.1 + 0.2  # jittered backoff: >= d/2 each time
    (status,) = mockapi_webhook_sink.statuses()
    assert status["id"] == wamid and status["status"] == "sent"
    wh = m.stats()["webhooks"]
    assert (wh["posts"], wh["failed"], wh["retried"], wh["sent"]) == (4, 3, 3, 1)
    assert wh["last_error"] == "HTTP 500"


def test_duplicates_reordering_and_batching(mockapi_factory, mockapi_webhook_sink):
    m = mockapi_factory("--webhook-url", mockapi_webhook_sink.url, "--webhook-delay-ms", "40",
                           "--webhook-jitter-ms", "5", "--delivered-share", "1",
                           "--read-share", "0", "--reply-share", "0", "--fail-share", "0",
                           "--duplicate-share", "1", "--reorder-share", "1",
                           "--batch-share", "0")
    wamids = [m.send(f"4915600{i:06d}")[1]["messages"][0]["id"] for i in range(20)]
    mockapi_webhook_sink.wait_for(lambda: len(mockapi_webhook_sink.statuses()) >= 80)
    statuses = mockapi_webhook_sink.statuses()
    for w in wamids:
        mine = [s["status"] for s in statuses if s["id"] == w]
        assert sorted(mine) == ["delivered", "delivered", "sent", "sent"]
    first_arrival = {}
    for s in statuses:
        first_arrival.setdefault(s["id"], s["status"])
    assert any(v == "delivered" for v in first_arrival.values()), "no reordering seen"
    stats = m.stats()["webhooks"]
    assert stats["duplicated"] == 40 and stats["reordered"] == 20

    mockapi_webhook_sink.posts.clear()
    m.config(duplicate_share=0, reorder_share=0, batch_share=1, batch_max=10,
             delivered_share=0)
    for i in range(30):
        m.send(f"4915700{i:06d}")
    mockapi_webhook_sink.wait_for(lambda: len(mockapi_webhook_sink.statuses()) >= 30)
    sizes = [len(c["value"]["statuses"]) for p in mockapi_webhook_sink.payloads()
             for e in p["entry"] for c in e["changes"]]
    assert max(sizes) > 1 and max(sizes) <= 10


def test_records_paging_duplicates_reset_and_metrics(mockapi_factory):
    m = mockapi_factory()
    for i in range(30):
        assert m.send(f"4915800{i:06d}", callback=f"c=1;r={i}")[0] == 200
    m.send("4915800000003", callback="c=1;r=3")  # same recipient and callback again
    page = m.sends("?since=10&limit=5")
    assert [r["seq"] for r in page] == [10, 11, 12, 13, 14]
    assert len(m.sends("?since=25")) == 6
    assert m.request("GET", "/mock/sends?since=x")[0] == 400
    stats = m.stats()
    assert stats["accepted"] == 31 and stats["duplicate_sends"] == 1
    assert stats["duplicate_keys"] == [{"count": 2, "phone_number_id": PNID,
                                        "to": "4915800000003",
                                        "biz_opaque_callback_data": "c=1;r=3"}]
    assert sum(c for _, c in stats["phone_numbers"][PNID]["per_second"]) == 31
    status, text = m.request("GET", "/metrics")
    assert status == 200 and "herald_mock_accepted_total 31" in text
    assert m.request("GET", "/healthz")[0] == 200
    assert m.request("GET", "/healthz")[1]["status"] == "ok"
    assert m.request("POST", "/mock/reset")[0] == 200
    assert m.sends() == [] and m.stats()["accepted"] == 0
    assert m.send("4915800000003", callback="c=1;r=3")[0] == 200
    assert m.stats()["duplicate_sends"] == 0
    assert m.request("POST", "/mock/config", {"no_such_key": 1})[0] == 400
    assert m.request("GET", "/v23.0/nothing")[0] == 404


def test_webhook_queue_is_bounded_and_drops_are_counted(mockapi_factory, mockapi_webhook_sink):
    m = mockapi_factory("--webhook-url", mockapi_webhook_sink.url, "--webhook-queue", "1",
                           "--webhook-delay-ms", "5000")
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda i: m.send(f"4915900{i:06d}")[0], range(300)))
    assert results == [200] * 300  # the send path never waits for webhooks
    wh = m.stats()["webhooks"]
    assert wh["enqueued"] + wh["queue_dropped"] == 300


def test_held_timeouts_do_not_block_other_requests(mockapi_factory):
    m = mockapi_factory("--threads", "2", "--timeout-share", "1", "--timeout-ms", "3000")

    def hang(i):
        try:
            m.send(f"4915110{i:06d}")
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return "closed"
        return "answered"

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        hanging = [pool.submit(hang, i) for i in range(8)]
        time.sleep(0.3)
        m.config(timeout_share=0)
        t0 = time.time()
        assert m.send("4915112345678")[0] == 200
        assert time.time() - t0 < 2.0  # 8 held connections, 2 worker threads, still fast
        assert [f.result() for f in hanging] == ["closed"] * 8
    assert m.stats()["faults"]["timeouts"] == 8
