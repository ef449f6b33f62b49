"""The dashboard in a real browser against a real running campaign.

Why this test exists: the dashboard is how operators watch and steer a send, and only a real
browser proves that the page, the gateway's static files, the control API, the SSE stream and
the stages fit together. Everything here is real: Kafka and PostgreSQL (isolated per test by
the integration fixtures), segmenter, dispatcher (a modest rate, so the campaign lasts the
whole test), gateway (webhook + api serving web/dashboard exactly as config/gateway.conf
says), analytics and the mock Cloud API posting signed status webhooks back.

The browser part is dashboard_scenario.mjs (Node, playwright-core, Debian's
/usr/bin/chromium). It asserts the page loads and lists the campaign, numbers move while it
runs, pause freezes them and shows "paused", resume makes them move again, duplicate creates
a draft that appears in the list, and cancel ends it. This file then checks the database
agrees with what the page showed, and that the gateway stops cleanly (exit 0, which under
an ASan build with detect_leaks=1 also means no leak report).
"""
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from herald_testlib import BUILD_DIR, REPO_ROOT, wait_for
from test_segmenter import add_contacts, list_id, start_segmenter

MOCK = BUILD_DIR / "bin" / "herald-mock-cloud-api"
CHROMIUM = os.environ.get("HERALD_CHROMIUM", "/usr/bin/chromium")
SCENARIO = Path(__file__).resolve().parent / "dashboard_scenario.mjs"
API_TOKEN = "dash-api-token-7f3a"
WA_TOKEN = "dash-wa-token"
APP_SECRET = "dash-app-secret"
AUDIENCE = 2000
RATE = 20.0  # sends/s: 2000 recipients last ~100 s, longer than the scenario
# Phones the mock refuses permanently, early in the audience, so failures show up at once.
PERMANENT = {"4915100000002": 131026, "4915100000003": 131049}


def static_dir_from_config():
    """The static_dir of the api plugin in config/gateway.conf (the test serves exactly it)."""
    text = (REPO_ROOT / "config" / "gateway.conf").read_text()
    m = re.search(r'^\s*static_dir\s*=\s*"([^"]*)"', text, re.M)
    assert m and m.group(1), "config/gateway.conf sets no static_dir for the dashboard"
    return m.group(1)


def node_modules():
    """Installs playwright-core through scripts/node.sh (fast when already done)."""
    out = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "node.sh")], check=True,
                         capture_output=True, text=True, timeout=600)
    return out.stdout.strip().splitlines()[-1]


class Mock:
    def __init__(self, tmp, webhook_url):
        assert MOCK.exists(), f"{MOCK} missing: build target herald-mock-cloud-api"
        self.log = open(tmp / "mock.log", "w")
        permanent = ",".join(f"{p}={c}" for p, c in PERMANENT.items())
        self.proc = subprocess.Popen(
            [str(MOCK), "--listen", "127.0.0.1:0", "--webhook-url", webhook_url,
             "--reply-share", "0.2", "--webhook-delay-ms", "200", "--permanent", permanent],
            stdout=subprocess.PIPE, stderr=self.log, text=True,
            env=dict(os.environ, MOCK_TOKEN=WA_TOKEN, MOCK_APP_SECRET=APP_SECRET))
        line = self.proc.stdout.readline()
        assert "listening on port" in line, line
        self.url = "http://127.0.0.1:" + line.rsplit(" ", 1)[1].strip()

    def sends(self):
        return requests.get(f"{self.url}/mock/sends?limit=100000", timeout=30).json()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None):
        r = requests.request(method, self.base + path, json=body, timeout=20,
                             headers={"Authorization": f"Bearer {API_TOKEN}"})
        return r

    def command(self, method, path, body=None):
        """Posts a command and waits until a stage accepted it; returns the 202 body."""
        r = self.call(method, path, body)
        assert r.status_code == 202, (r.status_code, r.text)
        posted = r.json()

        def outcome():
            st = self.call("GET", f"/api/commands/{posted['command_id']}").json()
            return st if st["status"] != "pending" else None
        st = wait_for(outcome, 30, 0.1, f"outcome of {method} {path}")
        assert st["status"] == "accepted", st
        return posted


@pytest.fixture
def pipeline(herald):
    """All four stages and the mock, wired like the demo; yields (api base URL, Api)."""
    add_contacts(herald, AUDIENCE, "dash")
    wport, aport = herald.free_port(), herald.free_port()
    gateway = herald.start_stage(
        "gateway", name="gateway-dash",
        env={"HERALD_APP_SECRET": APP_SECRET, "HERALD_VERIFY_TOKEN": "v",
             "HERALD_API_TOKEN": API_TOKEN},
        plugins=[{"name": "webhook", "consume": [],
                  "config": {"listen": f"127.0.0.1:{wport}"}},
                 {"name": "api", "consume": [],
                  "config": {"listen": f"127.0.0.1:{aport}",
                             "static_dir": static_dir_from_config()}}])
    mock = Mock(herald.tmp, f"http://127.0.0.1:{wport}/webhook")
    stages = []
    try:
        stages.append(start_segmenter(herald, default_rate_per_second=RATE,
                                      lookahead_seconds=2.0, lookahead_min=40,
                                      lookahead_max=200))
        dispatcher = herald.start_stage(
            "dispatcher", plugin="dispatcher", consume=["jobs"], name="dispatcher-dash",
            plugin_config={"api_base_url": mock.url, "rate_per_second": RATE,
                           "campaign_refresh_ms": 200},
            env={"HERALD_WA_TOKEN": WA_TOKEN})
        analytics = herald.start_stage(
            "analytics", plugin="analytics",
            consume=["delivery-events", "replies", "campaign-commands"],
            plugin_config={"park_retry_ms": 200}, name="analytics-dash")
        stages += [dispatcher, analytics]
        for st in (gateway, dispatcher, analytics):
            st.wait_healthy()
        yield f"http://127.0.0.1:{aport}", Api(f"http://127.0.0.1:{aport}"), mock
        # The gateway is this suite's component: it must stop cleanly (under ASan with
        # detect_leaks=1 a leak report turns the exit status non-zero).
        gateway.stop()
    finally:
        for st in stages:
            st.stop(expect=None)
        mock.stop()


def create_and_start(herald, api):
    definition = {"name": "Browser test sale", "phone_number_id": "1098765",
                  "template": {"name": "spring_sale", "language": "en",
                               "params": ["name", "attributes.discount"],
                               "header": {"type": "image",
                                          "link": "https://cdn.example.com/spring.png"},
                               "buttons": [{"sub_type": "quick_reply", "param": "=stop"}]},
                  "audience": {"include_lists": [list_id(herald, "dash")]}}
    cid = api.command("POST", "/api/campaigns", definition)["campaign_id"]
    api.command("POST", f"/api/campaigns/{cid}/start")
    return cid


def test_dashboard_follows_and_steers_a_running_campaign(herald, pipeline):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/deps.sh (Debian package chromium)")
    if not shutil.which("node"):
        pytest.fail("node missing: run scripts/deps.sh (Debian package nodejs)")
    modules = node_modules()
    base, api, mock = pipeline

    # Served files never carry the secret, and the API itself still wants the token.
    page = requests.get(base + "/", timeout=10)
    assert page.status_code == 200 and "<title>Herald dashboard</title>" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for f in ("/", "/app.js", "/api.js", "/charts.js", "/style.css", "/campaigns/1"):
        r = requests.get(base + f, timeout=10)
        assert r.status_code == 200, f
        assert API_TOKEN not in r.text
    assert requests.get(base + "/api/campaigns", timeout=10).status_code == 401

    # A messaging limit with room for everyone: the campaign is emitted through the limit's
    # ledger by the real segmenter, and the list shows how much of it the day used.
    api.call("PUT", "/api/messaging-limit", {"people": 1000000})
    cid = create_and_start(herald, api)
    wait_for(lambda: (api.call("GET", f"/api/campaigns/{cid}/progress").json()
                      .get("accepted") or 0) > 0, 60, 0.2, "first accepted send")

    # A second running campaign whose sending hours begin in two hours, with one pending
    # recipient (written here, as a snapshot would): the segmenter holds it, emits nothing.
    # Running only once its recipient is there: the segmenter's completion check completes a
    # running campaign without open recipients, and would win a race between the inserts.
    (waiting,), = herald.sql("SELECT nextval('campaign_ids')")
    herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status, "
               "send_window) SELECT %s, 'Waits for its hours', '1098765', 'spring_sale', "
               "'draft', jsonb_build_object('from', to_char(now() AT TIME ZONE 'UTC' + "
               "interval '2 hours', 'HH24:MI'), 'to', to_char(now() AT TIME ZONE 'UTC' + "
               "interval '3 hours', 'HH24:MI'), 'time_zone', 'UTC')", waiting)
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone) "
               "VALUES (%s, 1, '4915199999999')", waiting)
    herald.sql("UPDATE campaigns SET status = 'running', audience_size = 1 WHERE id = %s",
               waiting)
    env = dict(os.environ, NODE_PATH=modules, DASHBOARD_URL=base, DASHBOARD_TOKEN=API_TOKEN,
               CAMPAIGN_ID=str(cid), WAITING_ID=str(waiting), CHROMIUM=CHROMIUM,
               FAILURE_CODE=str(min(PERMANENT.values())),
               LOOKUP_PHONE=min(PERMANENT, key=PERMANENT.get),
               SCREENSHOT_DIR=str(herald.tmp))
    proc = subprocess.run(["node", str(SCENARIO)], env=env, capture_output=True, text=True,
                          timeout=300)
    print(proc.stdout)
    print(proc.stderr)
    assert proc.returncode == 0, f"browser scenario failed:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])

    # What the page showed is what PostgreSQL holds.
    new_id = result["duplicate_id"]
    rows = herald.sql("SELECT status, duplicated_from, name FROM campaigns WHERE id = %s",
                      new_id)
    assert rows == [("draft", cid, "Browser test sale")], rows
    assert herald.sql("SELECT status FROM campaigns WHERE id = %s", cid) == [("cancelled",)]
    (paused_at, resumed_at), = herald.sql(
        "SELECT paused_at, resumed_at FROM campaigns WHERE id = %s", cid)
    assert paused_at is not None and resumed_at is not None and resumed_at > paused_at
    # The page's frozen number was real: the mock's sends stopped soon after the page showed
    # "pause: accepted" and nothing was sent for seconds before the resume (the page held
    # the number >= 8 s). Both clocks are this host's.
    (resumed_ms,), = herald.sql("SELECT extract(epoch FROM resumed_at) * 1000 FROM campaigns "
                                "WHERE id = %s", cid)
    resumed_ms, seen_ms = float(resumed_ms), result["pause_seen_ms"]
    last_ms = max(x["ts_ms"] for x in mock.sends() if x["ts_ms"] < resumed_ms)
    print(f"last send before the resume: {last_ms - seen_ms:.0f} ms after the page showed "
          f"the pause accepted; resume {resumed_ms - seen_ms:.0f} ms after it")
    # (the 1-second pause promise is the dispatcher's own test; this only proves the page's
    # frozen number matched sends that had stopped)
    assert last_ms - seen_ms < 5000, "sends went on for 5 s after the pause was accepted"
    assert resumed_ms - last_ms > 2000, "sends went on until the resume"
    assert result["frozen_accepted"] < result["resumed_accepted"] < AUDIENCE
