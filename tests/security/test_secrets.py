"""Secrets never appear in a stage log or in /metrics, even at debug level.

Why: logs and metrics are shipped to places with far wider access than the secrets (log
aggregation, Prometheus, screenshots in tickets). A whole campaign runs through every stage
with log_level debug and distinctive secrets - the app secret, the verify token, the API
token, the Cloud API access token and a PostgreSQL password in every conninfo (the dev
cluster uses trust auth, so the password is carried but ignored) - including the paths
that tend to print them: refused signatures and tokens, a wrong access token answered 401 by
the Cloud API, a database that cannot be reached. Then every stage log and every /metrics
page is searched for each secret.
"""
import os
import subprocess
import time
from pathlib import Path

import requests

from security_helpers import (ACCESS_TOKEN, API_TOKEN, APP_SECRET, PG_PASSWORD, SECRETS,
                              VERIFY_TOKEN, Gateway, sign, status_payload)

BUILD = Path(os.environ.get("HERALD_BUILD_DIR", str(Path(__file__).resolve().parents[2]
                                                    / "build")))
MOCK = BUILD / "bin" / "herald-mock-cloud-api"
N = 20


def wait_for(pred, timeout=60.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def leaks_in(text):
    return [label for label, secret in SECRETS.items() if secret in text]


class Mock:
    """The Cloud API stand-in: needs ACCESS_TOKEN, signs its webhooks with APP_SECRET."""

    def __init__(self, tmp, webhook_url, token=ACCESS_TOKEN):
        self.log = open(tmp / "mock.log", "wb")
        self.proc = subprocess.Popen(
            [str(MOCK), "--listen", "127.0.0.1:0", "--webhook-url", webhook_url,
             "--webhook-delay-ms", "20", "--reply-share", "0.5", "--pair-interval-ms", "0"],
            stdout=subprocess.PIPE, stderr=self.log, text=True,
            env=dict(os.environ, MOCK_TOKEN=token, MOCK_APP_SECRET=APP_SECRET))
        line = self.proc.stdout.readline()
        assert "listening on port" in line, line
        self.url = "http://127.0.0.1:" + line.rsplit(" ", 1)[1].strip()

    def sends(self):
        return requests.get(self.url + "/mock/sends", timeout=10).json()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def with_password(conninfo):
    return f"{conninfo} password={PG_PASSWORD}"


def test_no_secret_in_any_log_or_metrics_at_debug_level(herald, tmp_path):
    conninfo = with_password(herald.conninfo)
    debug = {"log_level": "debug"}
    herald.sql("INSERT INTO contacts (phone, name) SELECT (4915100000000 + g)::text, 'c' || g "
               "FROM generate_series(1, %s) g", N)
    gw = Gateway(herald, log_level="debug", conninfo=conninfo)
    mock = Mock(tmp_path, gw.webhook_url)
    stages = [gw.stage]
    try:
        def start(stage, consume, config, env=None):
            cfg = herald.stage_config(stage, plugin_config=config, consume=consume,
                                      stage_options=debug)
            cfg["postgres"]["conninfo"] = conninfo
            st = herald.start_stage(stage, config=cfg, env=env)
            stages.append(st)
            st.wait_healthy()
            return st

        start("segmenter", ["campaign-commands"], {"lookahead_min": 50, "lookahead_max": 50})
        start("analytics", ["delivery-events", "replies", "campaign-commands"], {})
        disp = start("dispatcher", ["jobs"], {"api_base_url": mock.url,
                                              "rate_per_second": 200.0},
                     env={"HERALD_WA_TOKEN": ACCESS_TOKEN})

        def run_campaign(name):
            r = gw.api("POST", "/api/campaigns", {
                "name": name, "phone_number_id": "1098765",
                "template": {"name": "t_secret", "language": "en", "params": ["name"]},
                "audience": {"rules": {"field": "phone", "op": "starts_with", "value": "49"}}})
            assert r.status_code == 202, r.text
            cid = r.json()["campaign_id"]
            wait_for(lambda: herald.sql("SELECT status FROM campaigns WHERE id = %s", cid),
                     what="campaign row")
            wait_for(lambda: gw.api("POST", f"/api/campaigns/{cid}/start").status_code == 202,
                     what="start accepted")
            return cid

        # a campaign end to end through the control API
        cid = run_campaign("secrets")
        wait_for(lambda: len(mock.sends()) >= N, what=f"{N} sends")
        wait_for(lambda: herald.sql("SELECT delivered FROM campaign_progress WHERE "
                                    "campaign_id = %s", cid)[0][0] >= 1, what="a delivery")

        # the paths that are tempted to print what they refuse or fail with
        body = status_payload()
        assert gw.post_webhook(body, signature=sign(body, "wrong")).status_code == 401
        assert gw.post_webhook(body, signature=None).status_code == 401
        assert gw.api("GET", "/api/lists", token=API_TOKEN + "x").status_code == 401
        r = requests.get(gw.webhook_url, params={"hub.mode": "subscribe", "hub.challenge": "c",
                                                 "hub.verify_token": VERIFY_TOKEN + "x"})
        assert r.status_code == 403
        # a dispatcher whose access token the Cloud API refuses (HTTP 401 from the mock)
        disp.stop()
        wrong = start("dispatcher", ["jobs"], {"api_base_url": mock.url},
                      env={"HERALD_WA_TOKEN": ACCESS_TOKEN + "-revoked"})
        run_campaign("secrets-2")
        wait_for(lambda: '"level":"warn"' in wrong.log_text()
                 or '"level":"error"' in wrong.log_text(), what="the refused token logged")
        # a stage whose database cannot be reached (the password travels in the conninfo)
        dead = herald.free_port()
        cfg = herald.stage_config("segmenter", consume=["campaign-commands"],
                                  stage_options=debug, name="segmenter-deaddb")
        cfg["postgres"]["conninfo"] = f"host=127.0.0.1 port={dead} dbname=x user=x " \
                                      f"password={PG_PASSWORD}"
        deaddb = herald.start_stage("segmenter", config=cfg)
        stages.append(deaddb)
        time.sleep(3)

        pages = {st.name + " /metrics": st.metrics_text() for st in stages
                 if st.alive() and st is not deaddb}
        for st in stages:
            if st.alive():
                st.stop(expect=None)
    finally:
        mock.stop()
    logs = {st.name + " log": st.log_text() for st in stages}
    assert sum(len(t) for t in logs.values()) > 3000, "the stages logged next to nothing"
    assert any('"level":"debug"' in t for t in logs.values()), "debug level not in effect"
    found = {where: leaks_in(text) for where, text in {**logs, **pages}.items() if leaks_in(text)}
    assert not found, f"secrets printed: {found}"
