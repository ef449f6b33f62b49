"""The control API plugin as a real herald-stage process against real Kafka and PostgreSQL.

Why these tests exist: the API is how operators start and stop mass sends. Every write must
become exactly one command on campaign-commands (keyed by campaign id, acknowledged before
the 202), every invalid call must get the single error shape with the right status and field,
and the live progress stream must show changes quickly without one query per watcher.
No segmenter runs here: the tests create campaign rows and command outcomes themselves.
"""
import csv
import http.client
import io
import json
import os
import threading
import time
from datetime import datetime

import pytest
import requests
from herald_testlib import RECIPIENT_OUTCOMES, seed_recipient_outcomes

TOKEN = "test-api-token"


class Api:
    def __init__(self, herald, env=None, healthy=True, **config):
        self.port = herald.free_port()
        cfg = {"listen": f"127.0.0.1:{self.port}", "ack_timeout_ms": 3000}
        cfg.update(config)
        self.stage = herald.start_stage("gateway", plugin="api", plugin_config=cfg, consume=[],
                                        name="gateway-api",
                                        env={"HERALD_API_TOKEN": TOKEN, **(env or {})})
        self.base = f"http://127.0.0.1:{self.port}"
        if healthy:
            self.stage.wait_healthy()
        else:  # dead broker on purpose: wait for the port only
            end = time.monotonic() + 20
            while time.monotonic() < end:
                try:
                    requests.get(self.base + "/api/lists", timeout=1)
                    break
                except requests.RequestException:
                    time.sleep(0.1)

    def call(self, method, path, body=None, token=TOKEN, raw=None, headers=None, **kw):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return requests.request(method, self.base + path, data=data, headers=h, timeout=20,
                                **kw)


@pytest.fixture
def api(herald):
    a = Api(herald)
    yield a
    a.stage.stop()


def make_campaign(herald, status="draft", name="c", audience_size=None):
    (cid,), = herald.sql("SELECT nextval('campaign_ids')")
    herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status, "
               "audience_size) VALUES (%s, %s, '1098765', 'spring_sale', %s, %s)",
               cid, name, status, audience_size)
    return cid


def assert_error(r, status, code, field=None):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    err = r.json()["error"]
    assert err["code"] == code
    assert err["message"]
    if field is not None:
        assert err.get("field") == field, err
    return err


class Commands:
    """Hands out each new message of campaign-commands once (consume() reads from the
    beginning and partitions interleave arbitrarily, so remember what was seen)."""

    def __init__(self, herald):
        self.herald, self.seen = herald, set()

    def next(self):
        n = len(self.seen) + 1
        got = self.herald.consume("campaign-commands", n, timeout=30)
        new = [(k, v) for k, v in got if json.loads(v)["command_id"] not in self.seen]
        assert len(got) == n and len(new) == 1, f"expected one new command, have {got}"
        key, value = new[0]
        cmd = json.loads(value)
        self.seen.add(cmd["command_id"])
        return key, cmd


_commands = {}


def next_command(herald):
    return _commands.setdefault(id(herald), Commands(herald)).next()


GOOD = {"name": "Spring sale", "phone_number_id": "1098765",
        "template": {"name": "spring_sale", "language": "en",
                     "params": ["name", "attributes.discount"]},
        "audience": {"include_lists": [1], "exclude_lists": [3],
                     "rules": {"all": [{"attr": "city", "op": "eq", "value": "Berlin"}]}},
        "rate_limit_per_second": None}


def test_token_required_everywhere(api):
    for method, path in [("GET", "/api/campaigns"), ("POST", "/api/campaigns"),
                         ("GET", "/api/campaigns/1"), ("POST", "/api/campaigns/1/start"),
                         ("GET", "/api/commands/x"), ("GET", "/api/lists"),
                         ("GET", "/api/nowhere")]:
        assert_error(api.call(method, path, token=None), 401, "unauthorized")
        assert_error(api.call(method, path, token="wrong"), 401, "unauthorized")
        assert_error(api.call(method, path, token=TOKEN + "x"), 401, "unauthorized")
    r = api.call("GET", "/api/campaigns", headers={"Authorization": "Basic " + TOKEN},
                 token=None)
    assert_error(r, 401, "unauthorized")


def test_create_posts_one_command_keyed_by_campaign(herald, api):
    r = api.call("POST", "/api/campaigns", GOOD)
    assert r.status_code == 202, r.text
    reply = r.json()
    key, cmd = next_command(herald)
    assert key == str(reply["campaign_id"])
    assert cmd == {"command_id": reply["command_id"], "type": "create",
                   "campaign_id": reply["campaign_id"], "campaign": GOOD}
    (last,), = herald.sql("SELECT last_value FROM campaign_ids")
    assert last >= reply["campaign_id"]
    # the outcome is pending until a stage records it, then accepted/rejected with reason
    r = api.call("GET", f"/api/commands/{reply['command_id']}")
    assert r.json() == {"command_id": reply["command_id"], "status": "pending"}
    herald.sql("INSERT INTO command_results (command_id, campaign_id, type, outcome, reason, "
               "handled_by) VALUES (%s, %s, 'create', 'rejected', 'list 1 does not exist', "
               "'segmenter')", reply["command_id"], reply["campaign_id"])
    out = api.call("GET", f"/api/commands/{reply['command_id']}").json()
    assert out["status"] == "rejected" and out["reason"] == "list 1 does not exist"
    assert out["campaign_id"] == reply["campaign_id"] and out["type"] == "create"


@pytest.mark.parametrize("body,field", [
    ({k: v for k, v in GOOD.items() if k != "name"}, "name"),
    ({**GOOD, "phone_number_id": "abc"}, "phone_number_id"),
    ({**GOOD, "template": {"name": "Bad Name"}}, "template.name"),
    ({**GOOD, "template": {"name": "t", "params": ["nonsense"]}}, "template.params"),
    ({**GOOD, "audience": {}}, "audience"),
    ({**GOOD, "audience": {"include_lists": ["x"]}}, "audience.include_lists"),
    ({**GOOD, "audience": {"include_lists": [1], "not_messaged_within_hours": 0}},
     "audience.not_messaged_within_hours"),
    ({**GOOD, "audience": {"from_campaign": {"campaign_id": 4, "outcomes": ["opened"]}}},
     "audience.from_campaign.outcomes[0]"),
    ({**GOOD, "audience": {"from_campaign": {"campaign_id": "4"}}},
     "audience.from_campaign.campaign_id"),
    ({**GOOD, "send_window": {"from": "9:00", "to": "20:00"}}, "send_window.from"),
    ({**GOOD, "send_window": {"from": "09:00", "to": "20:00", "time_zone": "a b"}},
     "send_window.time_zone"),
    ({**GOOD, "send_window": "09:00-20:00"}, "send_window"),
    ({**GOOD, "rate_limit_per_second": 0}, "rate_limit_per_second"),
    ({**GOOD, "colour": "red"}, "colour"),
])
def test_create_refuses_invalid_definitions(herald, api, body, field):
    assert_error(api.call("POST", "/api/campaigns", body), 400, "bad_request", field)


def test_create_accepts_a_frequency_cap(herald, api):
    body = {**GOOD, "audience": {**GOOD["audience"], "not_messaged_within_hours": 72}}
    r = api.call("POST", "/api/campaigns", body)
    assert r.status_code == 202, r.text
    assert next_command(herald)[1]["campaign"]["audience"]["not_messaged_within_hours"] == 72


def test_create_accepts_a_send_window(herald, api):
    window = {"from": "09:00", "to": "20:00", "time_zone": "Europe/Berlin"}
    r = api.call("POST", "/api/campaigns", {**GOOD, "send_window": window})
    assert r.status_code == 202, r.text
    assert next_command(herald)[1]["campaign"]["send_window"] == window
    cid = make_campaign(herald)
    herald.sql("UPDATE campaigns SET send_window = %s WHERE id = %s", json.dumps(window), cid)
    c = api.call("GET", f"/api/campaigns/{cid}").json()["campaign"]
    assert c["send_window"] == window and isinstance(c["inside_send_window"], bool)
    assert c["send_window_opens_at"] is None  # a draft waits for nothing


def test_create_and_update_carry_a_max_failure_rate(herald, api):
    r = api.call("POST", "/api/campaigns", {**GOOD, "max_failure_rate": 0.2})
    assert r.status_code == 202, r.text
    assert next_command(herald)[1]["campaign"]["max_failure_rate"] == 0.2
    r = api.call("POST", "/api/campaigns", {**GOOD, "max_failure_rate": 1.5})
    assert r.status_code == 400 and r.json()["error"]["field"] == "max_failure_rate", r.text
    cid = make_campaign(herald)
    herald.sql("UPDATE campaigns SET max_failure_rate = 0.3 WHERE id = %s", cid)
    assert api.call("GET", f"/api/campaigns/{cid}").json()["campaign"]["max_failure_rate"] == 0.3


def test_a_running_campaign_outside_its_hours_says_when_they_begin(herald, api):
    """GET /api/campaigns/{id} and the list carry send_window_opens_at for a running campaign
    outside its send window (the dashboard shows it), null inside it."""
    (now_min, opens), = herald.sql(
        "SELECT (extract(hour FROM now() AT TIME ZONE 'UTC') * 60 + extract(minute FROM now() "
        "AT TIME ZONE 'UTC'))::int, date_trunc('minute', now()) + interval '90 minutes'")
    hhmm = lambda m: f"{(m // 60) % 24:02d}:{m % 60:02d}"  # noqa: E731
    closed = {"from": hhmm(now_min + 90), "to": hhmm(now_min + 150), "time_zone": "UTC"}
    inside = {"from": hhmm(now_min + 24 * 60 - 30), "to": hhmm(now_min + 30), "time_zone": "UTC"}
    waiting, running = make_campaign(herald), make_campaign(herald)
    for cid, w in ((waiting, closed), (running, inside)):
        herald.sql("UPDATE campaigns SET status = 'running', send_window = %s WHERE id = %s",
                   json.dumps(w), cid)
    c = api.call("GET", f"/api/campaigns/{waiting}").json()["campaign"]
    assert c["inside_send_window"] is False
    assert datetime.fromisoformat(c["send_window_opens_at"]) == opens
    listed = {x["id"]: x for x in api.call("GET", "/api/campaigns").json()["campaigns"]}
    assert datetime.fromisoformat(listed[waiting]["send_window_opens_at"]) == opens
    assert listed[running]["send_window_opens_at"] is None
    # held by Meta's messaging limit instead: when its next person may go
    assert listed[running]["messaging_limit_next_room_at"] is None
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state) "
               "VALUES (%s, 1, '4915100000001', 'pending')", running)
    herald.sql("SELECT messaging_limit_set(1)")
    herald.sql("INSERT INTO messaging_limit_contacts VALUES ('4915100000009', now() - "
               "interval '1 hour')")
    (next_at,), = herald.sql("SELECT next_room_at FROM messaging_limit_status()")
    c = api.call("GET", f"/api/campaigns/{running}").json()["campaign"]
    assert datetime.fromisoformat(c["messaging_limit_next_room_at"]) == next_at
    c = api.call("GET", f"/api/campaigns/{waiting}").json()["campaign"]
    assert c["messaging_limit_next_room_at"] is None  # outside its hours: the window says why


def test_messaging_limit_is_read_and_set_over_the_api(herald, api):
    r = api.call("GET", "/api/messaging-limit")
    assert r.status_code == 200, r.text
    assert r.json() == {"messaging_limit": {"people": 0, "used": None, "room": None,
                                            "next_room_at": None, "meta_announced": None}}
    herald.sql("INSERT INTO messaging_limit_contacts VALUES ('4915100000009', now() - "
               "interval '1 hour')")
    r = api.call("PUT", "/api/messaging-limit", {"people": 2000})
    assert r.status_code == 200, r.text
    assert r.json()["messaging_limit"] == {"people": 2000, "used": 1, "room": 1999,
                                           "next_room_at": None, "meta_announced": None}
    assert herald.sql("SELECT people FROM messaging_limit_setting") == [(2000,)]
    for bad in ({"people": -1}, {"people": "2000"}, {"people": 2.5}, {}, {"people": 1, "x": 2},
                {"people": 3000000000}):
        r = api.call("PUT", "/api/messaging-limit", bad)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"]["field"] == "people", r.text
    assert api.call("POST", "/api/messaging-limit", {"people": 1}).status_code == 405
    assert herald.sql("SELECT people FROM messaging_limit_setting") == [(2000,)]
    # what Meta last announced by webhook (recorded here without following it)
    herald.sql("SELECT messaging_limit_announced(0, '2026-11-28 09:20:00+00', "
               "'business_capability_update', false)")
    got = api.call("GET", "/api/messaging-limit").json()["messaging_limit"]
    assert got["people"] == 2000 and got["meta_announced"] == {
        "people": None, "announced_at": "2026-11-28T09:20:00+00:00",
        "source": "business_capability_update"}, got


def test_create_accepts_a_template_header_and_buttons(herald, api):
    """template.header and template.buttons pass the segmenter's own check, reach the command
    as given, and GET shows them as stored; a bad one is a 400 naming the field."""
    header = {"type": "image", "link": "https://cdn.example.com/spring.png"}
    buttons = [{"sub_type": "url", "param": "attributes.path"},
               {"sub_type": "copy_code", "param": "=SPRING20"}]
    body = {**GOOD, "template": {**GOOD["template"], "header": header, "buttons": buttons}}
    r = api.call("POST", "/api/campaigns", body)
    assert r.status_code == 202, r.text
    tpl = next_command(herald)[1]["campaign"]["template"]
    assert tpl["header"] == header and tpl["buttons"] == buttons
    for bad, field in (({"type": "image", "link": "javascript:x"}, "template.header.link"),
                       ({"type": "image", "id": "12ab"}, "template.header.id"),
                       ({"type": "image", "link": "https://a", "id": "12"}, "template.header"),
                       ({"type": "text"}, "template.header.param")):
        r = api.call("POST", "/api/campaigns", {**GOOD, "template": {**GOOD["template"],
                                                                    "header": bad}})
        assert_error(r, 400, "bad_request", field)
    r = api.call("POST", "/api/campaigns", {**GOOD, "template": {
        **GOOD["template"], "buttons": [{"sub_type": "url", "param": "=a", "index": 12}]}})
    assert_error(r, 400, "bad_request", "template.buttons[0].index")

    cid = make_campaign(herald)
    stored = {"header": header, "buttons": [{**buttons[0], "index": 0},
                                            {**buttons[1], "index": 1}]}
    herald.sql("UPDATE campaigns SET template_components = %s WHERE id = %s",
               json.dumps(stored), cid)
    c = api.call("GET", f"/api/campaigns/{cid}").json()["campaign"]
    assert c["template"]["header"] == header and c["template"]["buttons"] == stored["buttons"]


def test_create_accepts_a_retargeted_audience(herald, api):
    from_campaign = {"campaign_id": 4, "outcomes": ["delivered", "sent"], "replied": False}
    r = api.call("POST", "/api/campaigns", {**GOOD, "audience": {"from_campaign": from_campaign}})
    assert r.status_code == 202, r.text
    assert next_command(herald)[1]["campaign"]["audience"] == {"from_campaign": from_campaign}


def test_malformed_bodies_and_unknown_routes(herald, api):
    assert_error(api.call("POST", "/api/campaigns", raw="{not json"), 400, "bad_request")
    assert_error(api.call("POST", "/api/campaigns", raw="[1]"), 400, "bad_request")
    assert_error(api.call("POST", "/api/campaigns", raw=""), 400, "bad_request")
    assert_error(api.call("GET", "/api/nowhere"), 404, "not_found")
    assert_error(api.call("GET", "/api/campaigns/abc"), 404, "not_found")
    r = api.call("DELETE", "/api/campaigns/1")
    assert_error(r, 405, "method_not_allowed")
    assert "PATCH" in r.headers["Allow"]
    assert_error(api.call("POST", "/api/campaigns", raw="x" * (2 << 20)), 413,
                 "payload_too_large")
    # nothing above may have produced a command
    assert herald.consume_all("campaign-commands", idle=3) == []


def test_lifecycle_commands_404_409_202(herald, api):
    assert_error(api.call("POST", "/api/campaigns/999999/start"), 404, "not_found")
    assert_error(api.call("GET", "/api/campaigns/999999"), 404, "not_found")
    assert_error(api.call("GET", "/api/campaigns/999999/progress"), 404, "not_found")
    assert_error(api.call("PATCH", "/api/campaigns/999999", {"name": "x"}), 404, "not_found")

    done = make_campaign(herald, "completed")
    for action in ("pause", "resume", "start", "cancel"):
        err = assert_error(api.call("POST", f"/api/campaigns/{done}/{action}"), 409, "conflict")
        assert "completed" in err["message"]
    assert_error(api.call("PATCH", f"/api/campaigns/{done}", {"name": "x"}), 409, "conflict")

    running = make_campaign(herald, "running")
    assert_error(api.call("POST", f"/api/campaigns/{running}/resume"), 409, "conflict")
    r = api.call("POST", f"/api/campaigns/{running}/pause")
    assert r.status_code == 202, r.text
    key, cmd = next_command(herald)
    assert key == str(running)
    assert cmd == {"command_id": r.json()["command_id"], "type": "pause", "campaign_id": running}

    draft = make_campaign(herald, "draft")
    assert_error(api.call("POST", f"/api/campaigns/{draft}/schedule", {"at": "tomorrow"}), 400,
                 "bad_request", "at")
    assert_error(api.call("POST", f"/api/campaigns/{draft}/schedule", {}), 400, "bad_request",
                 "at")
    r = api.call("POST", f"/api/campaigns/{draft}/schedule", {"at": "2099-01-01T10:00:00+02:00"})
    assert r.status_code == 202, r.text
    _, cmd = next_command(herald)
    assert cmd["type"] == "schedule" and cmd["at"] == "2099-01-01T08:00:00Z"

    r = api.call("PATCH", f"/api/campaigns/{draft}", {"rate_limit_per_second": 5})
    assert r.status_code == 202, r.text
    _, cmd = next_command(herald)
    assert cmd["type"] == "update" and cmd["campaign"] == {"rate_limit_per_second": 5}
    assert_error(api.call("PATCH", f"/api/campaigns/{draft}", {}), 400, "bad_request")

    r = api.call("POST", f"/api/campaigns/{done}/duplicate")
    assert r.status_code == 202, r.text
    new_id = r.json()["new_campaign_id"]
    key, cmd = next_command(herald)
    assert key == str(done) and new_id > done
    assert cmd == {"command_id": r.json()["command_id"], "type": "duplicate",
                   "campaign_id": done, "new_campaign_id": new_id}

    for action in ("start", "cancel"):
        assert api.call("POST", f"/api/campaigns/{draft}/{action}").status_code == 202
        assert next_command(herald)[1]["type"] == action

    paused = make_campaign(herald, "paused")
    assert_error(api.call("POST", f"/api/campaigns/{paused}/pause"), 409, "conflict")
    r = api.call("POST", f"/api/campaigns/{paused}/resume")
    assert r.status_code == 202, r.text
    key, cmd = next_command(herald)
    assert key == str(paused) and cmd["type"] == "resume" and cmd["campaign_id"] == paused


def test_reads_list_get_progress(herald, api):
    a = make_campaign(herald, "running", "first", audience_size=10)
    b = make_campaign(herald, "draft", "second")
    r = api.call("GET", "/api/campaigns")
    assert r.status_code == 200, r.text
    rows = r.json()["campaigns"]
    assert [c["id"] for c in rows] == [b, a]
    first = rows[1]
    assert first["name"] == "first" and first["status"] == "running"
    assert first["progress"]["audience_size"] == 10 and first["progress"]["pending"] == 10
    assert [c["id"] for c in api.call("GET", "/api/campaigns?status=draft").json()["campaigns"]] == [b]
    assert [c["id"] for c in api.call("GET", "/api/campaigns?limit=1").json()["campaigns"]] == [b]
    assert [c["id"] for c in api.call("GET", f"/api/campaigns?before={b}").json()["campaigns"]] == [a]
    assert_error(api.call("GET", "/api/campaigns?limit=0"), 400, "bad_request", "limit")
    assert_error(api.call("GET", "/api/campaigns?status=zzz"), 400, "bad_request", "status")

    one = api.call("GET", f"/api/campaigns/{a}").json()
    assert one["campaign"]["id"] == a
    assert one["campaign"]["template"] == {"name": "spring_sale", "language": "en", "params": []}
    assert one["progress"]["campaign_id"] == a
    assert isinstance(one["failures"], list) and isinstance(one["timeseries"], list)
    assert "analytics" in one

    p = api.call("GET", f"/api/campaigns/{a}/progress").json()
    for col in ("campaign_id", "status", "audience_size", "pending", "accepted", "sent",
                "delivered", "read", "failed", "replied", "rate_per_second", "eta_seconds"):
        assert col in p, col
    assert p["status"] == "running"


class Sse:
    """Reads Server-Sent Events from a streaming response as they arrive (byte by byte, so a
    small event is not held back waiting for a full read buffer)."""

    def __init__(self, resp):
        self.resp = resp
        self.lines = resp.iter_lines(chunk_size=1, decode_unicode=True)

    def events(self, n, timeout):
        out, deadline = [], time.monotonic() + timeout
        for line in self.lines:
            if line and line.startswith("data: "):
                out.append(json.loads(line[6:]))
                if len(out) == n:
                    break
            if time.monotonic() > deadline:
                break
        return out

    def close(self):
        self.resp.close()


def open_stream(api, cid):
    r = api.call("GET", f"/api/campaigns/{cid}/progress/stream", stream=True)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/event-stream")
    return Sse(r)


def test_progress_stream_pushes_changes(herald, api):
    cid = make_campaign(herald, "running", audience_size=100)
    assert_error(api.call("GET", "/api/campaigns/999999/progress/stream"), 404, "not_found")
    sse = open_stream(api, cid)
    first = sse.events(1, 10)
    assert first and first[0]["audience_size"] == 100 and first[0]["status"] == "running"
    for size in (250, 400):
        time.sleep(0.5)
        herald.sql("UPDATE campaigns SET audience_size = %s, updated_at = now() WHERE id = %s",
                   size, cid)
        t0 = time.monotonic()
        changed = sse.events(1, 10)
        assert changed and changed[0]["audience_size"] == size
        assert time.monotonic() - t0 < 1.0  # visible within a second of the change
    herald.sql("UPDATE campaigns SET status = 'paused' WHERE id = %s", cid)
    assert sse.events(1, 10)[0]["status"] == "paused"
    sse.close()


def test_many_watchers_share_one_poller(herald, api):
    ids = [make_campaign(herald, "running", audience_size=5) for _ in range(2)]
    streams = [open_stream(api, ids[i % 2]) for i in range(12)]
    for s in streams:
        assert s.events(1, 10)

    def polls():
        m = api.stage.metrics()
        return sum(v for k, v in m.items() if "progress_polls" in k)
    p0, t0 = polls(), time.monotonic()
    time.sleep(3)
    rate = (polls() - p0) / (time.monotonic() - t0)
    assert 1 <= rate <= 8, rate  # ~4/s for 12 watchers on 2 campaigns, not 48/s
    # and every watcher still gets each change
    herald.sql("UPDATE campaigns SET audience_size = 6 WHERE id = %s", ids[0])
    for s in streams[::2]:
        assert s.events(1, 5)[0]["audience_size"] == 6
    for s in streams:
        s.close()


def test_lists_import_and_preview(herald, api):
    r = api.call("POST", "/api/lists", {"name": "berlin"})
    assert r.status_code == 201, r.text
    list_id = r.json()["id"]
    assert_error(api.call("POST", "/api/lists", {"name": "berlin"}), 409, "conflict", "name")
    assert_error(api.call("POST", "/api/lists", {"name": ""}), 400, "bad_request", "name")

    csv = ("phone,name,city,tags\n"
           "+49 151 12345678,Asha,Berlin,vip\n"
           "4915100000002,Jo,Hamburg,\n"
           "12,Broken,Berlin,\n")
    r = api.call("POST", f"/api/contacts/import?list_id={list_id}", raw=csv,
                 headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["inserted"] == 2 and out["updated"] == 0 and out["rejected"] == 1
    assert out["rejects"][0]["line"] == 4 and out["list_id"] == list_id
    rows = herald.sql("SELECT phone, name, attributes->>'city', tags FROM contacts ORDER BY phone")
    assert rows == [("4915100000002", "Jo", "Hamburg", []),
                    ("4915112345678", "Asha", "Berlin", ["vip"])]
    r = api.call("POST", "/api/contacts/import?list=new-list", raw="phone,city\n4915112345678,Bonn\n")
    assert r.json()["updated"] == 1
    assert herald.sql("SELECT attributes->>'city' FROM contacts WHERE phone='4915112345678'") == [("Bonn",)]
    assert_error(api.call("POST", "/api/contacts/import", raw="name\nx\n"), 400, "bad_request")
    assert_error(api.call("POST", "/api/contacts/import?list_id=999999", raw="phone\n4915112345678\n"),
                 404, "not_found")

    lists = {l["name"]: l for l in api.call("GET", "/api/lists").json()["lists"]}
    assert lists["berlin"]["members"] == 2 and lists["new-list"]["members"] == 1

    r = api.call("POST", "/api/segments/preview",
                 {"audience": {"include_lists": [list_id],
                               "rules": {"all": [{"attr": "city", "op": "eq", "value": "Hamburg"}]}},
                  "sample_limit": 5})
    if r.status_code == 501:
        pytest.skip("built without the segmenter's rule compiler")
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 1
    assert [s["phone"] for s in r.json()["sample"]] == ["4915100000002"]
    assert_error(api.call("POST", "/api/segments/preview", {"audience": 5}), 400, "bad_request",
                 "audience")


def test_contacts_opt_out_and_opt_in(herald, api):
    herald.sql("INSERT INTO contacts (phone) VALUES ('4915100000001')")
    r = api.call("POST", "/api/contacts/opt-out",
                 {"phones": ["+49 151 0000 0001", "4915100000002", "x1"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"results": [
        {"phone": "4915100000001", "result": "opted out"},
        {"phone": "4915100000002", "result": "opted out (new contact)"},
        {"phone": "x1", "result": "refused: not E.164 digits"}]}
    assert herald.sql("SELECT phone, opted_out FROM contacts ORDER BY phone") == [
        ("4915100000001", True), ("4915100000002", True)]
    r = api.call("POST", "/api/contacts/opt-in", {"phones": ["4915100000001", "4915100000003"]})
    assert r.status_code == 200, r.text
    assert r.json()["results"] == [{"phone": "4915100000001", "result": "opted in"},
                                   {"phone": "4915100000003", "result": "not a contact"}]
    assert herald.sql("SELECT phone, opted_out FROM contacts ORDER BY phone") == [
        ("4915100000001", False), ("4915100000002", True)]
    for body in ({}, {"phones": []}, {"phones": "4915100000001"},
                 {"phones": ["4915100000001", 5]}, {"phones": ["4915100000001"] * 1001}):
        assert_error(api.call("POST", "/api/contacts/opt-out", body), 400, "bad_request", "phones")
    assert_error(api.call("POST", "/api/contacts/opt-in", raw="{"), 400, "bad_request")
    r = api.call("GET", "/api/contacts/opt-in")
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert api.call("POST", "/api/contacts/opt-out", {"phones": ["1"]}, token=None).status_code \
        == 401


def test_campaign_recipients_pages_by_key_and_filters_by_outcome(herald, api):
    cid = make_campaign(herald, status="completed")
    seed_recipient_outcomes(herald, cid)
    seen, after, pages = [], None, 0
    while True:
        r = api.call("GET", f"/api/campaigns/{cid}/recipients?limit=4"
                     + (f"&after={after}" if after else ""))
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["campaign_id"] == cid
        seen += [(x["recipient_id"], x["outcome"]) for x in doc["recipients"]]
        pages += 1
        after = doc["next_after"]
        if after is None:
            break
        assert after == seen[-1][0]
    assert (seen, pages) == (RECIPIENT_OUTCOMES, 3)

    r = api.call("GET", f"/api/campaigns/{cid}/recipients?outcome=failed,%20delivered")
    assert r.status_code == 200, r.text
    rows = r.json()["recipients"]
    assert [(x["recipient_id"], x["outcome"]) for x in rows] == [
        (5, "failed"), (8, "delivered"), (10, "failed"), (11, "delivered")]
    assert rows[1]["name"] == 'Ann "Annie", Jr.' and rows[2]["error_code"] == 131047
    assert r.json()["next_after"] is None

    err = assert_error(api.call("GET", f"/api/campaigns/{cid}/recipients?outcome=bogus"), 400,
                       "bad_request", "outcome")
    assert "unknown outcome 'bogus'" in err["message"] and "delivered" in err["message"]
    for query, field in (("limit=0", "limit"), ("limit=1001", "limit"), ("after=x", "after"),
                         ("outcome=,", "outcome")):
        assert_error(api.call("GET", f"/api/campaigns/{cid}/recipients?{query}"), 400,
                     "bad_request", field)
    assert_error(api.call("GET", "/api/campaigns/987654/recipients"), 404, "not_found")
    r = api.call("POST", f"/api/campaigns/{cid}/recipients")
    assert r.status_code == 405 and r.headers["Allow"] == "GET"
    assert api.call("GET", f"/api/campaigns/{cid}/recipients", token=None).status_code == 401


def test_campaign_recipients_as_one_csv_download(herald):
    api = Api(herald, db_pool_size=1)  # one connection: a stream must give it back clean
    try:
        cid = make_campaign(herald, status="completed")
        seed_recipient_outcomes(herald, cid)
        r = api.call("GET", f"/api/campaigns/{cid}/recipients?format=csv")
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert r.headers["Content-Disposition"] == \
            f'attachment; filename="campaign-{cid}-recipients.csv"'
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert [(int(x["recipient_id"]), x["outcome"]) for x in rows] == RECIPIENT_OUTCOMES
        assert rows[7]["name"] == 'Ann "Annie", Jr.' and rows[8]["opted_out"] == "t"
        assert rows[8]["read_at"] == "2026-11-20 10:00:03+00"
        r = api.call("GET", f"/api/campaigns/{cid}/recipients?format=csv&outcome=read")
        assert [x["phone"] for x in csv.DictReader(io.StringIO(r.text))] == ["4915100000009"]
        for query, field in (("format=xml", "format"), ("format=csv&limit=5", "limit"),
                             ("format=csv&after=3", "after"), ("format=csv&outcome=nope",
                                                                "outcome")):
            assert_error(api.call("GET", f"/api/campaigns/{cid}/recipients?{query}"), 400,
                         "bad_request", field)
        assert_error(api.call("GET", "/api/campaigns/987654/recipients?format=csv"), 404,
                     "not_found")

        # a download in progress holds a connection of its own, not the pool's only one; a
        # client that hangs up mid-way cancels the COPY
        big = make_campaign(herald, status="completed", name="big")
        herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state) "
                   "SELECT %s, g, (4915000000000 + g)::text, 'queued' "
                   "FROM generate_series(1, 200000) g", big)
        with api.call("GET", f"/api/campaigns/{big}/recipients?format=csv", stream=True) as r:
            assert r.status_code == 200
            first = next(r.iter_lines())
            assert first.startswith(b"campaign_id,recipient_id,phone,name,outcome")
            t0 = time.monotonic()
            during = api.call("GET", f"/api/campaigns/{cid}/recipients?limit=1")
            assert during.status_code == 200 and time.monotonic() - t0 < 2, during.text
        r = api.call("GET", f"/api/campaigns/{cid}/recipients?limit=2")
        assert r.status_code == 200, r.text
        assert [x["recipient_id"] for x in r.json()["recipients"]] == [1, 2]
        r = api.call("GET", f"/api/campaigns/{big}/recipients?format=csv&outcome=queued")
        assert r.status_code == 200 and r.text.count("\n") == 200001
        assert "api: recipients CSV" not in api.stage.log_text()
    finally:
        api.stage.stop()


def test_campaign_replies_newest_first_in_pages(herald, api):
    cid = make_campaign(herald, status="completed")
    other = make_campaign(herald, status="completed")
    # seven replies, three sharing one second (Meta's timestamps are whole seconds), one image
    for n, second in enumerate([1, 2, 2, 2, 3, 4, 5]):
        herald.sql("INSERT INTO analytics_replies (wamid, from_phone, received_at, type, body, "
                   "campaign_id, recipient_id, attribution, opt) VALUES (%s, %s, "
                   "'2026-11-20 10:00:00+00'::timestamptz + make_interval(secs => %s), %s, %s, "
                   "%s, %s, 'window', %s)", f"wamid.in.{n}", f"49151000000{n:02d}", second,
                   "image" if n == 6 else "text", None if n == 6 else f"answer {n}", cid, n + 1,
                   "out" if n == 4 else None)
    herald.sql("INSERT INTO analytics_replies (wamid, from_phone, received_at, body, campaign_id, "
               "attribution) VALUES ('wamid.in.other', '4915100000099', now(), 'elsewhere', %s, "
               "'context')", other)
    seen, before, pages = [], None, 0
    while True:
        r = api.call("GET", f"/api/campaigns/{cid}/replies?limit=3"
                     + (f"&before={before}" if before else ""))
        assert r.status_code == 200, r.text
        seen += r.json()["replies"]
        pages += 1
        before = r.json()["next_before"]
        if before is None:
            break
    assert pages == 3
    assert [x["wamid"] for x in seen] == [f"wamid.in.{n}" for n in (6, 5, 4, 3, 2, 1, 0)]
    assert seen[0]["type"] == "image" and seen[0]["body"] is None
    assert seen[2]["opt"] == "out" and seen[1]["body"] == "answer 5"
    assert seen[1]["received_at"].startswith("2026-11-20T10:00:04")
    for query in ("before=nonsense", "before=12%7Cx%7Cy&limit=0", "limit=201", "before=abc%7Cw"):
        r = api.call("GET", f"/api/campaigns/{cid}/replies?{query}")
        assert r.status_code == 400, (query, r.text)
    assert_error(api.call("GET", "/api/campaigns/987654/replies"), 404, "not_found")


def test_contacts_erase(herald, api):
    herald.sql("INSERT INTO contacts (phone, name) VALUES ('4915100000004', 'Dora')")
    r = api.call("POST", "/api/contacts/erase", {"phones": ["+49 151 0000 0004", "4915100000005"]})
    assert r.status_code == 200, r.text
    assert r.json()["results"] == [{"phone": "4915100000004", "result": "erased"},
                                   {"phone": "4915100000005", "result": "not found"}]
    assert herald.sql("SELECT name, opted_out FROM contacts") == [(None, True)]
    assert_error(api.call("POST", "/api/contacts/erase", {"phones": []}), 400, "bad_request",
                 "phones")
    r = api.call("GET", "/api/contacts/erase")
    assert r.status_code == 405 and r.headers["Allow"] == "POST"


def test_contact_show_answers_did_they_get_it(herald, api):
    cid = make_campaign(herald, status="completed", name="Spring")
    seed_recipient_outcomes(herald, cid)
    herald.sql("INSERT INTO contacts (phone, name, tags) VALUES ('4915100000009', 'Ida', '{vip}')")
    herald.sql("INSERT INTO contact_lists (name) VALUES ('berlin')")
    herald.sql("INSERT INTO contact_list_members SELECT l.id, c.id FROM contact_lists l, contacts c")
    r = api.call("GET", "/api/contacts/%2B49%20151%200000%200009")  # "+49 151 0000 0009"
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["contact"]["name"], doc["contact"]["tags"], doc["contact"]["opted_out"]) == \
        ("Ida", ["vip"], False)
    assert [x["name"] for x in doc["lists"]] == ["berlin"]
    (m,) = doc["messages"]
    assert (m["campaign_id"], m["campaign"], m["outcome"], m["replies"], m["opted_out"]) == \
        (cid, "Spring", "read", 2, True)
    assert [x["body"] for x in doc["replies"]] == ["STOP", "hello?"]
    # a recipient who is no contact still has their messages; a stranger is 404
    r = api.call("GET", "/api/contacts/4915100000005")
    assert r.status_code == 200 and r.json()["contact"] is None
    assert r.json()["messages"][0]["error_code"] == 131026
    err = assert_error(api.call("GET", "/api/contacts/4915100000077"), 404, "not_found")
    assert "neither a contact nor a recipient" in err["message"]
    assert_error(api.call("GET", "/api/contacts/49151x"), 404, "not_found")
    r = api.call("POST", "/api/contacts/4915100000009")
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def test_static_files_stay_inside_the_folder(herald, tmp_path):
    (tmp_path / "index.html").write_text("<h1>dash</h1>")
    (tmp_path / "app.js").write_text("console.log(1)")
    secret = tmp_path.parent / "secret.txt"
    secret.write_text("do not serve")
    (tmp_path / "link.txt").symlink_to(secret)
    a = Api(herald, static_dir=str(tmp_path))
    try:
        r = requests.get(a.base + "/", timeout=10)
        assert r.status_code == 200 and "dash" in r.text
        assert r.headers["Content-Type"].startswith("text/html")
        r = requests.get(a.base + "/app.js", timeout=10)
        assert r.headers["Content-Type"].startswith("text/javascript")
        assert requests.get(a.base + "/campaigns/42", timeout=10).text == "<h1>dash</h1>"
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/link.txt", "/.hidden",
                     "/..%2fsecret.txt"):
            conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
            conn.request("GET", path)  # raw: no client-side normalisation of ".."
            resp = conn.getresponse()
            body = resp.read().decode()
            assert resp.status == 404, (path, resp.status)
            assert "do not serve" not in body
            conn.close()
    finally:
        a.stage.stop()


def test_commands_get_503_when_kafka_is_down(herald):
    dead = herald.free_port()
    a = Api(herald, env={"HERALD_KAFKA_BROKERS": f"127.0.0.1:{dead}"}, healthy=False,
            ack_timeout_ms=1000)
    try:
        cid = make_campaign(herald, "running")
        r = a.call("POST", f"/api/campaigns/{cid}/pause")
        err = assert_error(r, 503, "unavailable")
        assert "/api/commands/" in err["message"]
    finally:
        a.stage.stop()
