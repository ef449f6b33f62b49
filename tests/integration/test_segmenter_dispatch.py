"""Segmenter + dispatcher + mock Cloud API: pause and resume of a 10k-recipient campaign.

Why: issue 3's promise "resume continues exactly where it stopped: no recipient skipped, no
recipient sent twice" only holds when the segmenter's re-emission on resume and the
dispatcher's idempotent claim work together. Real herald-stage processes for both stages, the
real broker and database, the mock API counting every send.
"""
import json
import os
import subprocess
import time
from collections import Counter
from pathlib import Path

import requests

from herald_testlib import BUILD_DIR
from test_segmenter import (add_contacts, campaign, command, count_messages, create, definition,
                            list_id, new_campaign_id, start_segmenter, states, wait_for)

MOCK = Path(os.environ.get("HERALD_BUILD_DIR", str(BUILD_DIR))) / "bin" / "herald-mock-cloud-api"
TOKEN = "segmenter-joint-token"
WINDOW = 500


class Mock:
    def __init__(self, *flags):
        assert MOCK.exists(), f"{MOCK} missing: build target herald-mock-cloud-api"
        self.proc = subprocess.Popen([str(MOCK), "--listen", "127.0.0.1:0", *flags],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=dict(os.environ, MOCK_TOKEN=TOKEN))
        line = self.proc.stdout.readline()
        assert "listening on port" in line, line
        self.url = "http://127.0.0.1:" + line.rsplit(" ", 1)[1].strip()

    def sends(self):
        out = []
        while True:
            page = requests.get(f"{self.url}/mock/sends?since={len(out)}&limit=100000",
                                timeout=30).json()
            out.extend(page)
            if len(page) < 100000:
                return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def test_pause_resume_of_10k_sends_every_recipient_exactly_once(herald):
    n = 10000
    add_contacts(herald, n, "big")
    mock = Mock()
    try:
        seg = start_segmenter(herald, lookahead_seconds=1.0, lookahead_min=WINDOW,
                              lookahead_max=WINDOW, emit_batch_max=WINDOW)
        disp = herald.start_stage(
            "dispatcher", plugin="dispatcher", consume=["jobs"], name="dispatcher-1",
            plugin_config={"api_base_url": mock.url, "rate_per_second": 1500.0,
                           "campaign_refresh_ms": 200},
            env={"HERALD_WA_TOKEN": TOKEN}, stage_options={"tick_ms": 5})
        disp.wait_healthy()
        cid = create(herald, {"include_lists": [list_id(herald, "big")]})
        command(herald, "start", cid)
        wait_for(lambda: states(herald, cid).get("accepted", 0) >= 3000, timeout=60,
                 what="3000 accepted")

        command(herald, "pause", cid)
        paused_ms = time.time() * 1000
        time.sleep(2.0)
        emitted_while_paused = count_messages(herald, "jobs")
        late = [s for s in mock.sends() if s["ts_ms"] > paused_ms + 1000]
        assert not late, f"{len(late)} sends more than 1 s after the pause"
        s = states(herald, cid)
        assert set(s) <= {"accepted", "queued", "pending"}, s
        assert s.get("accepted", 0) < n
        time.sleep(1.0)
        assert count_messages(herald, "jobs") == emitted_while_paused, "emitted while paused"

        command(herald, "resume", cid)
        wait_for(lambda: campaign(herald, cid)["status"] == "completed", timeout=120,
                 what=f"completion (now {states(herald, cid)})")
        assert states(herald, cid) == {"accepted": n}
        sends = mock.sends()
        counts = Counter(x["biz_opaque_callback_data"] for x in sends)
        assert set(counts) == {f"c={cid};r={r}" for r in range(1, n + 1)}, "recipient skipped"
        assert len(sends) == n, f"{len(sends) - n} recipient(s) sent twice"
        # bounded: only the resume re-emits, at most one window more than the audience
        assert n <= count_messages(herald, "jobs") <= n + WINDOW
        disp.stop()
        seg.stop()
    finally:
        mock.stop()


def test_a_template_with_header_and_buttons_goes_out_whole(herald):
    """End to end: a campaign whose template has an image header, a text-from-attribute URL
    button and a literal quick reply, defined through campaign-commands, snapshotted,
    emitted, sent: the mock (which checks each component as Meta does) records every
    recipient's own values, and nothing fails. Then the same with the image as an uploaded
    media's ID."""
    n = 20
    add_contacts(herald, n, "hb")
    # the approved template, as the mock checks it: 1 body parameter, an image header, a URL
    # button at 0, a static button at 1, a quick reply at 2
    mock = Mock("--template", "spring_sale:1:image:url,-,quick_reply")
    try:
        seg = start_segmenter(herald)
        disp = herald.start_stage(
            "dispatcher", plugin="dispatcher", consume=["jobs"], name="dispatcher-hb",
            plugin_config={"api_base_url": mock.url, "campaign_refresh_ms": 200},
            env={"HERALD_WA_TOKEN": TOKEN}, stage_options={"tick_ms": 5})
        disp.wait_healthy()
        cid = new_campaign_id(herald)
        d = definition({"include_lists": [list_id(herald, "hb")]}, params=("name",))
        d["template"]["header"] = {"type": "image", "link": "https://cdn.example.com/a.png"}
        d["template"]["buttons"] = [{"sub_type": "url", "param": "attributes.discount"},
                                    {"sub_type": "quick_reply", "param": "=stop", "index": 2}]
        command(herald, "create", cid, campaign=d)
        command(herald, "start", cid)
        wait_for(lambda: campaign(herald, cid)["status"] == "completed", timeout=60,
                 what=f"completion (now {states(herald, cid)})")
        assert states(herald, cid) == {"accepted": n}
        got = {s["to"]: (s["params"], s["components"]) for s in mock.sends()}
        assert got == {str(4915100000000 + g): (
            [f"c{g}"], ["header:image:https://cdn.example.com/a.png",
                        f"button0:url:{g % 50}%", "button2:quick_reply:stop"])
            for g in range(1, n + 1)}

        # the same image uploaded once beforehand: its media ID instead of the link
        by_id = new_campaign_id(herald)
        d["template"]["header"] = {"type": "image", "id": "1013859600285441"}
        command(herald, "create", by_id, campaign=d)
        command(herald, "start", by_id)
        wait_for(lambda: campaign(herald, by_id)["status"] == "completed", timeout=60,
                 what=f"completion (now {states(herald, by_id)})")
        assert states(herald, by_id) == {"accepted": n}
        headers = Counter(s["components"][0] for s in mock.sends())
        assert headers == {"header:image:https://cdn.example.com/a.png": n,
                           "header:image:1013859600285441": n}, headers
        disp.stop()
        seg.stop()
    finally:
        mock.stop()


def test_a_send_window_that_closes_stops_sending_and_the_rest_goes_out_when_it_opens(herald):
    """The jobs already emitted when the window closes (up to one emission window, here 200
    at 100 msg/s: two seconds of sending) are not sent after it: the dispatcher stops within
    its campaign refresh, the segmenter puts the unsent rows back to pending, and when the
    window opens (the stored window is moved, as the clock would) every recipient gets its
    message exactly once."""
    n = 600
    add_contacts(herald, n, "win")
    mock = Mock()
    try:
        seg = start_segmenter(herald, lookahead_seconds=2.0, lookahead_min=200,
                              lookahead_max=200, emit_batch_max=200)
        disp = herald.start_stage(
            "dispatcher", plugin="dispatcher", consume=["jobs"], name="dispatcher-win",
            plugin_config={"api_base_url": mock.url, "rate_per_second": 100.0,
                           "campaign_refresh_ms": 200},
            env={"HERALD_WA_TOKEN": TOKEN}, stage_options={"tick_ms": 5})
        disp.wait_healthy()
        (now_min,), = herald.sql("SELECT (extract(hour FROM now() AT TIME ZONE 'UTC') * 60 + "
                                 "extract(minute FROM now() AT TIME ZONE 'UTC'))::int")
        hhmm = lambda m: f"{(m // 60) % 24:02d}:{m % 60:02d}"  # noqa: E731
        open_now = {"from": hhmm(now_min + 24 * 60 - 60), "to": hhmm(now_min + 60),
                    "time_zone": "UTC"}
        closed = {"from": hhmm(now_min + 120), "to": hhmm(now_min + 180), "time_zone": "UTC"}
        cid = new_campaign_id(herald)
        command(herald, "create", cid, campaign={
            **definition({"include_lists": [list_id(herald, "win")]}), "send_window": open_now})
        command(herald, "start", cid)
        wait_for(lambda: states(herald, cid).get("accepted", 0) >= 100, timeout=30,
                 what="100 accepted")
        assert states(herald, cid).get("queued", 0) > 50  # jobs out, waiting for the limiter

        herald.sql("UPDATE campaigns SET send_window = %s WHERE id = %s", json.dumps(closed),
                   cid)
        closed_ms = time.time() * 1000
        wait_for(lambda: "queued" not in states(herald, cid), timeout=15,
                 what=f"queued rows back to pending (now {states(herald, cid)})")
        time.sleep(1.0)
        late = [x for x in mock.sends() if x["ts_ms"] > closed_ms + 1000]
        assert not late, f"{len(late)} sends more than 1 s after the window closed"
        s = states(herald, cid)
        assert set(s) == {"accepted", "pending"} and s["accepted"] < n - 100, s
        jobs = count_messages(herald, "jobs")
        time.sleep(1.0)
        assert count_messages(herald, "jobs") == jobs, "emitted while the window is closed"
        assert campaign(herald, cid)["status"] == "running"

        herald.sql("UPDATE campaigns SET send_window = %s WHERE id = %s", json.dumps(open_now),
                   cid)
        wait_for(lambda: campaign(herald, cid)["status"] == "completed", timeout=60,
                 what=f"completion (now {states(herald, cid)})")
        assert states(herald, cid) == {"accepted": n}
        counts = Counter(x["biz_opaque_callback_data"] for x in mock.sends())
        assert set(counts) == {f"c={cid};r={r}" for r in range(1, n + 1)}, "recipient skipped"
        assert max(counts.values()) == 1, "a recipient sent twice"
        disp.stop()
        seg.stop()
    finally:
        mock.stop()


def test_failure_guard_pauses_a_campaign_sent_to_a_stale_list(herald):
    """End to end: 40 % of a 2,000-people list are not on WhatsApp (the mock answers 131026).
    The dispatcher fails them, the analytics stage counts them, and the segmenter's failure
    guard (20 % after 100 settled) pauses the campaign long before the list is through."""
    n = 2000
    add_contacts(herald, n, "stale")
    stale = [f"{4915100000000 + r}=131026" for r in range(1, n + 1) if r % 5 in (0, 1)]
    mock = Mock("--permanent", ",".join(stale))
    try:
        seg = start_segmenter(herald, pause_above_failure_rate=0.2, failure_guard_min_settled=100,
                              lookahead_min=100, lookahead_max=100)
        analytics = herald.start_stage("analytics", plugin="analytics",
                                       consume=["delivery-events", "replies", "campaign-commands"],
                                       name="analytics-guard")
        disp = herald.start_stage(
            "dispatcher", plugin="dispatcher", consume=["jobs"], name="dispatcher-guard",
            plugin_config={"api_base_url": mock.url, "rate_per_second": 100.0,
                           "campaign_refresh_ms": 200},
            env={"HERALD_WA_TOKEN": TOKEN})
        analytics.wait_healthy()
        disp.wait_healthy()
        cid = create(herald, {"include_lists": [list_id(herald, "stale")]})
        command(herald, "start", cid)
        wait_for(lambda: campaign(herald, cid)["status"] == "paused", timeout=60,
                 what="the campaign paused by the failure guard")
        (reason,), = herald.sql("SELECT status_reason FROM campaigns WHERE id = %s", cid)
        assert reason.startswith("paused by the failure guard: "), reason
        time.sleep(2.0)  # what was in flight settles; nothing more goes out
        sent = len(mock.sends())
        time.sleep(2.0)
        assert len(mock.sends()) == sent
        assert sent < n // 2, f"{sent} of {n} requests before the pause"
        failed = herald.sql("SELECT count(*) FROM campaign_recipients WHERE campaign_id = %s "
                            "AND state = 'failed' AND error_code = 131026", cid)[0][0]
        assert failed >= 20, failed
        for st in (disp, analytics, seg):
            st.stop()
    finally:
        mock.stop()


def test_a_template_meta_pauses_and_approves_again_pauses_and_resumes_the_campaign(herald):
    """End to end, Meta played by the mock: the campaign's template is paused (the mock answers
    132015), so the dispatcher pauses the campaign and fails nobody; then the pause ends (the
    mock takes the template back and posts a signed message_template_status_update APPROVED to
    the webhook gateway), the segmenter resumes the campaign by itself, and every recipient is
    sent exactly once."""
    from test_gateway_webhook import SECRET, start_webhook
    n = 300
    add_contacts(herald, n, "tpl")
    gateway, hook = start_webhook(herald)
    mock = Mock("--paused-templates", "spring_sale", "--webhook-url", hook, "--app-secret", SECRET)
    try:
        seg = start_segmenter(herald, lookahead_min=100, lookahead_max=100)
        disp = herald.start_stage(
            "dispatcher", plugin="dispatcher", consume=["jobs"], name="dispatcher-tpl",
            plugin_config={"api_base_url": mock.url, "rate_per_second": 200.0,
                           "campaign_refresh_ms": 200},
            env={"HERALD_WA_TOKEN": TOKEN})
        disp.wait_healthy()
        cid = create(herald, {"include_lists": [list_id(herald, "tpl")]})
        command(herald, "start", cid)
        wait_for(lambda: campaign(herald, cid)["status"] == "paused", timeout=60,
                 what="the campaign paused on 132015")
        (reason, marked), = herald.sql("SELECT status_reason, template_paused_at IS NOT NULL "
                                       "FROM campaigns WHERE id = %s", cid)
        assert reason.startswith("template paused by Meta (code 132015: ") and marked, reason
        assert len(mock.sends()) == 0
        wait_for(lambda: "failed" not in states(herald, cid) and "sending" not in
                 states(herald, cid), what="what was in flight back in the queue")

        requests.post(f"{mock.url}/mock/config", json={"paused_templates": ""}, timeout=10)
        r = requests.post(f"{mock.url}/mock/announce", timeout=10, json={
            "field": "message_template_status_update",
            "value": {"event": "APPROVED", "message_template_id": 806312974732579,
                      "message_template_name": "spring_sale", "message_template_language": "en",
                      "reason": None}})
        assert r.status_code == 200, r.text
        wait_for(lambda: campaign(herald, cid)["status"] == "completed", timeout=90,
                 what="the campaign resumed by Meta's approval and completed")
        assert states(herald, cid) == {"accepted": n}
        sends = [s["to"] for s in mock.sends()]
        assert len(sends) == n and len(set(sends)) == n
        assert f"campaign {cid} resumed: template spring_sale (en) approved again by Meta" in \
            seg.log_text()
        for st in (disp, seg, gateway):
            st.stop()
    finally:
        mock.stop()
