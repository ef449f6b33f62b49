"""Dispatcher stage against real Kafka, PostgreSQL, herald-stage processes and the mock Cloud API.

Why these tests exist: they pin the dispatcher's promises end to end -- every recipient reaches
the API exactly once; N instances together never exceed a number's rate and still use it;
transient errors are retried until sent; permanent errors end failed with Meta's code; a template
rejection stops the campaign; an expired token holds the number instead of failing the audience;
a pause stops sends within a second; a redelivered job re-produces its event without resending;
and a kill -9 loses nobody, with duplicates bounded by the requests in flight at the crash.

The campaign and its recipients are written directly in SQL and the jobs produced by the test
(as the segmenter would), so nothing here depends on the segmenter.
"""
import json
import os
import re
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from herald_testlib import BUILD_DIR, wait_for
from herald_testlib import recipient_states as states

MOCK_BINARY = Path(os.environ.get("HERALD_BUILD_DIR", str(BUILD_DIR))) / "bin" / "herald-mock-cloud-api"
TOKEN = "dispatcher-test-token"
PNID = "1098765"
FINAL = ("accepted", "failed", "uncertain")


# ---------------------------------------------------------------------------- the mock API
class MockApi:
    """One herald-mock-cloud-api process on an ephemeral port."""

    def __init__(self, *flags):
        assert MOCK_BINARY.exists(), f"{MOCK_BINARY} missing: build target herald-mock-cloud-api"
        env = dict(os.environ, MOCK_TOKEN=TOKEN)
        self.proc = subprocess.Popen([str(MOCK_BINARY), "--listen", "127.0.0.1:0", *flags],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        line = self.proc.stdout.readline()
        assert "listening on port" in line, f"mock did not start: {line!r}"
        self.port = int(line.rsplit(" ", 1)[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def _call(self, method, path, body=None):
        import requests
        r = requests.request(method, self.url + path, json=body, timeout=30)
        assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    def config(self, **changes):
        return self._call("POST", "/mock/config", changes)

    def stats(self):
        return self._call("GET", "/mock/stats")

    def sends(self):
        out, since = [], 0
        while True:
            page = self._call("GET", f"/mock/sends?since={since}&limit=100000")
            out.extend(page)
            if len(page) < 100000:
                return out
            since += len(page)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def mock_api():
    started = []

    def start(*flags):
        m = MockApi(*flags)
        started.append(m)
        return m
    yield start
    for m in started:
        m.stop()


# ---------------------------------------------------------------------------- helpers
def make_campaign(herald, n, status="running", template="spring_sale", phone_base=4915200000000,
                  rate=None):
    """A campaign with n recipients (ids 1..n, phones phone_base+id), state queued."""
    (cid,), = herald.sql("SELECT nextval('campaign_ids')")
    herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status, "
               "rate_limit_per_second, started_at) VALUES (%s, %s, %s, %s, %s, %s, now())",
               cid, f"dispatcher test {cid}", PNID, template, status, rate)
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, name, params, "
               "state) SELECT %s, g, (%s::bigint + g)::text, 'Name' || g, "
               "jsonb_build_array('Name' || g, '20%%'), 'queued' FROM generate_series(1, %s) g",
               cid, phone_base, n)
    return cid


def job(cid, rid, phone, template="spring_sale", params=None):
    return {"campaign_id": cid, "recipient_id": rid, "phone": phone, "phone_number_id": PNID,
            "template": {"name": template, "language": "en"},
            "params": params if params is not None else [f"Name{rid}", "20%"],
            "rate_limit_per_second": None}


def produce_jobs(herald, cid, where="TRUE", template="spring_sale"):
    rows = herald.sql("SELECT recipient_id, phone FROM campaign_recipients WHERE campaign_id = %s "
                      f"AND {where} ORDER BY recipient_id", cid)
    return herald.produce_many("jobs", ((phone, job(cid, rid, phone, template)) for rid, phone in rows))


def start_dispatcher(herald, api, name="dispatcher-1", properties=None, kafka_options=None,
                     **config):
    cfg = {"api_base_url": api.url, "rate_per_second": 20000.0, "backoff_initial_ms": 50,
           "backoff_max_ms": 500, "campaign_refresh_ms": 200}
    cfg.update(config)
    st = herald.start_stage("dispatcher", plugin_config=cfg, consume=["jobs"], plugin="dispatcher",
                            name=name, env={"HERALD_WA_TOKEN": TOKEN},
                            stage_options={"tick_ms": 5, "drain_timeout_ms": 10000},
                            kafka_options=kafka_options, properties=properties)
    st.wait_healthy()
    return st


def wait_final(herald, cid, n, timeout=60.0):
    def done():
        s = states(herald, cid)
        return s if sum(s.get(k, 0) for k in FINAL) == n else None
    return wait_for(done, timeout, 0.2, f"{n} recipients of campaign {cid} final "
                                         f"(now {states(herald, cid)})")


def callback(send):
    return send["biz_opaque_callback_data"]


def rate_of(ts):
    """Sends per second between the first and the last of the sorted timestamps (ms)."""
    return (len(ts) - 1) / ((ts[-1] - ts[0]) / 1000.0)


def slope_rate(ts):
    """Sends per second as the slope of a least-squares line through the sorted timestamps
    (ms): the jitter of the two end points, which moves a first-to-last average by percents
    at these rates, barely moves a slope."""
    k = len(ts)
    mean_i, mean_t = (k - 1) / 2.0, sum(ts) / k
    slope_ms = (sum((i - mean_i) * (t - mean_t) for i, t in enumerate(ts))
                / sum((i - mean_i) ** 2 for i in range(k)))
    return 1000.0 / slope_ms


def dispatcher_metric(st, name):
    return st.metrics().get(f"herald_dispatcher_{name}", 0.0)


def events(herald, n, timeout=30.0):
    return [json.loads(v) for _, v in herald.consume("delivery-events", n, timeout)]


# ---------------------------------------------------------------------------- tests
def test_every_recipient_reaches_the_api_exactly_once(herald, mock_api):
    n = 10000
    api = mock_api()
    cid = make_campaign(herald, n)
    st = start_dispatcher(herald, api)
    assert produce_jobs(herald, cid) == n
    wait_final(herald, cid, n, timeout=120)

    assert states(herald, cid) == {"accepted": n}
    sends = api.sends()
    counts = Counter(callback(s) for s in sends)
    assert len(sends) == n, f"{len(sends) - len(counts)} duplicate send(s)"
    assert set(counts) == {f"c={cid};r={r}" for r in range(1, n + 1)}
    # the wamid stored is the one the API returned to that very recipient
    db = dict(herald.sql("SELECT 'c=' || campaign_id || ';r=' || recipient_id, wamid "
                         "FROM campaign_recipients WHERE campaign_id = %s", cid))
    assert all(db[callback(s)] == s["wamid"] for s in sends)
    first = sends[0]
    assert first["template"] == "spring_sale" and first["phone_number_id"] == PNID
    rid = int(callback(first).split("r=")[1])
    assert first["params"] == [f"Name{rid}", "20%"] and first["to"] == str(4915200000000 + rid)

    evs = [(k, json.loads(v)) for k, v in herald.consume("delivery-events", n, 60)]
    assert len(evs) == n
    assert all(k == str(cid) and e["type"] == "accepted" and e["campaign_id"] == cid
               for k, e in evs)
    assert len({e["event_id"] for _, e in evs}) == n
    assert {e["wamid"] for _, e in evs} == set(db.values())
    assert dispatcher_metric(st, "sent") == n
    st.stop()
    assert sum(herald.committed(st.group_id, "jobs").values()) == \
        sum(herald.end_offsets("jobs").values()), "every job offset committed after a clean stop"


def test_header_and_buttons_reach_the_api_in_their_components(herald, mock_api):
    """A job whose template has a media header and buttons: the values after the body's in
    `params` become the button parameters, and the mock (which checks each component's shape
    as Meta does) records what it got."""
    api = mock_api()
    cid = make_campaign(herald, 2)
    st = start_dispatcher(herald, api)
    template = {"name": "spring_sale", "language": "en",
                "header": {"type": "image", "link": "https://cdn.example.com/spring.png"},
                "buttons": [{"sub_type": "url", "index": 0}, {"sub_type": "copy_code", "index": 1}]}
    for rid in (1, 2):
        phone = str(4915200000000 + rid)
        herald.produce("jobs", phone, {**job(cid, rid, phone), "template": template,
                                       "params": [f"Name{rid}", "20%", f"c/{cid}/{rid}",
                                                  f"SAVE{rid}"]})
    wait_final(herald, cid, 2)
    assert states(herald, cid) == {"accepted": 2}
    got = {callback(s): (s["params"], s["components"]) for s in api.sends()}
    assert got == {f"c={cid};r={r}": ([f"Name{r}", "20%"],
                                      ["header:image:https://cdn.example.com/spring.png",
                                       f"button0:url:c/{cid}/{r}", f"button1:copy_code:SAVE{r}"])
                   for r in (1, 2)}
    st.stop()


def established_to(port, pid):
    """The process `pid`'s ESTABLISHED TCP connections whose remote port is `port` (IPv4).

    Counted by socket inode, each once: /proc/net/tcp is read in several chunks while other
    tests open and close connections, and a chunk may list a socket the one before it did."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed while we looked
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    seen = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if int(cols[2].split(":")[1], 16) == port and cols[3] == "01" and cols[9] in inodes:
                seen.add(cols[9])
    return len(seen)


def test_requests_beyond_the_connections_wait_their_turn_and_each_goes_once(herald, mock_api):
    # 512 claims open on 4 connections: the dispatcher queues the requests itself (libcurl's
    # own pending list made every finished request cost a walk over all the waiting ones)
    n = 3000
    api = mock_api("--latency-ms", "2", "--fail-5xx-share", "0.1")
    cid = make_campaign(herald, n)
    st = start_dispatcher(herald, api, max_concurrency=512, http_connections=4, max_attempts=15,
                          backoff_initial_ms=20, backoff_max_ms=200)
    produce_jobs(herald, cid)
    most, deadline = 0, time.time() + 90
    while time.time() < deadline:
        most = max(most, established_to(api.port, st.pid))
        if sum(states(herald, cid).get(k, 0) for k in FINAL) == n:
            break
        time.sleep(0.05)
    assert states(herald, cid) == {"accepted": n}
    assert 1 <= most <= 4, f"{most} connections to the API at once"
    sends = api.sends()
    assert len(sends) == n and len({callback(s) for s in sends}) == n
    assert api.stats()["faults"]["http_500"] > 0
    assert dispatcher_metric(st, "sent") == n
    st.stop()


def test_two_instances_never_exceed_the_number_rate_and_use_it(herald, mock_api):
    limit, n = 200, 2200
    api = mock_api("--threads", "4")  # not enforcing: its windows show what was offered
    cid = make_campaign(herald, n)
    d1 = start_dispatcher(herald, api, "dispatcher-1", rate_per_second=float(limit))
    d2 = start_dispatcher(herald, api, "dispatcher-2", rate_per_second=float(limit))
    for st in (d1, d2):  # the group settled: each owns half of the partitions
        wait_for(lambda: dispatcher_metric(st, "rate_share") == 0.5, 30, 0.2, f"share {st.name}")
    produce_jobs(herald, cid)
    wait_final(herald, cid, n, timeout=40)
    assert states(herald, cid) == {"accepted": n}

    # The limit is enforced where the dispatcher can enforce it: when a request leaves. Each
    # instance reports the most requests it sent to the number in any 1000 ms (send times);
    # their SUM bounds the combined count in any window, so this is strict (an instance that
    # took the whole number's rate, or a window bug, makes it fail).
    peaks = [dispatcher_metric(st, "send_window_peak") for st in (d1, d2)]
    stats = api.stats()
    print(f"send-time window peaks {peaks}; max sends in any 1 s window at the mock: "
          f"{stats['max_sends_in_1s_window']}")
    assert 0 < sum(peaks) <= limit, peaks
    # The mock's window uses ARRIVAL times: on this shared, loaded 2-core machine a request
    # can reach the mock's threads tens of ms late and land in the next window, so arrivals
    # bunch by a few percent (201-212 seen at 200/s) although the send times never did. The
    # real API would answer 130429, which the adaptive backoff handles. Allow 10 % of jitter
    # here: still fails if the instances did not split the rate (~400) or overshoot it.
    assert stats["max_sends_in_1s_window"] <= limit * 1.10, stats["phone_numbers"]
    # achieved rate while both instances were sending (each finishes its own partitions)
    owner = dict(herald.sql("SELECT 'c=' || campaign_id || ';r=' || recipient_id, "
                            "split_part(claimed_by, '#', 1) FROM campaign_recipients "
                            "WHERE campaign_id = %s", cid))
    ts = {}
    for s in api.sends():
        ts.setdefault(owner[callback(s)], []).append(s["ts_ms"])
    assert set(ts) == {"dispatcher-1", "dispatcher-2"}
    # steady state: from 2 s after both started (the first claims on a fresh database can take
    # a while on a loaded machine) to 2 s before the first one ran out of jobs (an instance's
    # last second or two thin out: ~70/s each in the second before its last one, seen in CI)
    start = max(min(v) for v in ts.values()) + 2000
    end = min(max(v) for v in ts.values()) - 2000
    assert end - start >= 5000, f"instances overlapped only {end - start} ms"
    inside = sorted(t for v in ts.values() for t in v if start <= t <= end)
    print(f"window of {end - start} ms; per second and instance: "
          + str({k: sorted(Counter((t - start) // 1000 for t in v).items()) for k, v in ts.items()}))
    # The rate the limiter runs at is the median whole second (both instances together): within
    # 2 % of the limit. The mean also counts seconds in which the loaded machine stalled a
    # process, and a sliding 1 s window never lets lost slots be made up: one second of 181
    # in a CI run, of 151, 180 and 94 in runs beside two other test workers here, 195-198 in all
    # the others. So the mean leaves out the slowest second and has to be within 5 %: it still
    # fails when the instances do not split the rate, overshoot it, or leave part of it unused.
    whole = [c for sec, c in sorted(Counter((t - start) // 1000 for t in inside).items())
             if start + (sec + 1) * 1000 <= end]
    median = sorted(whole)[len(whole) // 2]
    rest = sorted(whole)[1:]
    mean = sum(rest) / len(rest)
    print(f"per whole second, both instances: {whole}; median {median}; mean without the "
          f"slowest {mean:.1f}")
    assert limit * 0.98 <= median <= limit, f"median second {median} for a limit of {limit}"
    assert limit * 0.95 <= mean <= limit, f"mean second {mean:.1f} for a limit of {limit}"
    d1.stop()
    d2.stop()


def test_transient_errors_are_retried_until_sent(herald, mock_api):
    n = 400
    api = mock_api("--fail-5xx-share", "0.3", "--timeout-share", "0.1",
                   "--timeout-accepted-share", "0", "--timeout-ms", "0")
    cid = make_campaign(herald, n)
    # the mock's timeouts here never reach it (accepted share 0), so retrying them is safe
    st = start_dispatcher(herald, api, retry_ambiguous=True, max_attempts=15,
                          backoff_initial_ms=20, backoff_max_ms=200)
    produce_jobs(herald, cid)
    wait_final(herald, cid, n, timeout=60)
    assert states(herald, cid) == {"accepted": n}
    faults = api.stats()["faults"]
    assert faults["http_500"] > 0 and faults["timeouts"] > 0
    sends = api.sends()
    assert len(sends) == n and len({callback(s) for s in sends}) == n
    retried, = herald.sql("SELECT count(*) FROM campaign_recipients WHERE campaign_id = %s "
                          "AND attempts > 1", cid)[0]
    assert retried > 0
    assert dispatcher_metric(st, "retried") >= faults["http_500"]
    st.stop()


def test_ambiguous_timeouts_end_uncertain_and_are_never_resent(herald, mock_api):
    n = 200
    api = mock_api("--timeout-share", "0.2", "--timeout-accepted-share", "0.5",
                   "--timeout-ms", "3000")
    cid = make_campaign(herald, n)
    st = start_dispatcher(herald, api, request_timeout_ms=400)
    produce_jobs(herald, cid)
    s = wait_final(herald, cid, n, timeout=60)
    stats = api.stats()
    assert s.get("uncertain", 0) == stats["faults"]["timeouts"] > 0
    assert s.get("accepted", 0) + s.get("uncertain", 0) == n
    assert stats["duplicate_sends"] == 0
    # accepted by the mock = accepted here + the timeouts the mock accepted before going silent
    assert stats["accepted"] == s["accepted"] + stats["faults"]["timeouts_accepted"]
    (view,), = herald.sql("SELECT count(*) FROM dispatcher_uncertain_recipients "
                          "WHERE campaign_id = %s", cid)
    assert view == s["uncertain"]
    assert dispatcher_metric(st, "uncertain") == s["uncertain"]
    st.stop()


def test_permanent_errors_end_failed_with_their_code(herald, mock_api):
    n, base = 20, 4915300000000
    bad = {base + 3: 131026, base + 7: 131050, base + 11: 131049, base + 15: 131008}
    api = mock_api("--permanent", ",".join(f"{p}={c}" for p, c in bad.items()))
    cid = make_campaign(herald, n, phone_base=base)
    herald.sql("INSERT INTO contacts (phone, name) VALUES (%s, 'opts out')", str(base + 7))
    st = start_dispatcher(herald, api)
    produce_jobs(herald, cid)
    wait_final(herald, cid, n)
    rows = {int(p): (s, c, a) for p, s, c, a in herald.sql(
        "SELECT phone, state, error_code, attempts FROM campaign_recipients "
        "WHERE campaign_id = %s", cid)}
    for phone, code in bad.items():
        assert rows[phone] == ("failed", code, 1), (phone, rows[phone])
    assert sum(1 for s, _, _ in rows.values() if s == "accepted") == n - len(bad)
    (opted,), = herald.sql("SELECT opted_out FROM contacts WHERE phone = %s", str(base + 7))
    assert opted is True
    failed = [e for e in events(herald, n) if e["type"] == "failed"]
    assert sorted(e["error"]["code"] for e in failed) == sorted(bad.values())
    assert all(e["error"]["title"] and e["attempts"] == 1 for e in failed)
    assert len(api.sends()) == n - len(bad)
    st.stop()


def test_contacts_who_opted_out_after_the_snapshot_are_not_sent(herald, mock_api):
    """A STOP reply (or herald-ctl contacts opt-out) while a campaign runs: that contact's
    recipient, not sent yet, is never claimed; it ends failed (131050, Herald's title, no
    attempt) with a `failed` event, so the campaign still completes and analytics counts it."""
    n, base = 30, 4915400000000
    api = mock_api()
    cid = make_campaign(herald, n, phone_base=base)
    herald.sql("INSERT INTO contacts (phone, opted_out) SELECT (%s::bigint + g)::text, "
               "g %% 6 = 0 FROM generate_series(1, %s) g", base, n)
    opted = {str(base + g) for g in range(1, n + 1) if g % 6 == 0}
    st = start_dispatcher(herald, api)
    produce_jobs(herald, cid)
    wait_final(herald, cid, n)
    rows = {p: (s, c, t, a) for p, s, c, t, a in herald.sql(
        "SELECT phone, state, error_code, error_title, attempts FROM campaign_recipients "
        "WHERE campaign_id = %s", cid)}
    title = "not sent: the contact opted out after the audience snapshot"
    for phone, row in rows.items():
        if phone in opted:
            assert row == ("failed", 131050, title, 0), (phone, row)
        else:
            assert row[0] == "accepted", (phone, row)
    assert {s["to"] for s in api.sends()} == set(rows) - opted
    failed = [e for e in events(herald, n) if e["type"] == "failed"]
    assert sorted(e["phone"] for e in failed) == sorted(opted)
    assert all(e["error"] == {"code": 131050, "title": title} for e in failed)
    assert dispatcher_metric(st, "skipped_opted_out") == len(opted)
    st.stop()


def test_template_rejection_stops_the_campaign(herald, mock_api):
    n = 60
    api = mock_api("--template", "spring_sale:3")  # the campaign sends 2 parameters: 132000
    cid = make_campaign(herald, n)
    st = start_dispatcher(herald, api, rate_per_second=20.0)
    produce_jobs(herald, cid)
    wait_for(lambda: herald.sql("SELECT status FROM campaigns WHERE id = %s", cid)[0][0] == "failed",
             15, 0.1, "campaign failed")
    (reason,), = herald.sql("SELECT status_reason FROM campaigns WHERE id = %s", cid)
    assert "132000" in reason
    time.sleep(1.0)
    s = states(herald, cid)
    assert s.get("accepted", 0) == 0 and len(api.sends()) == 0
    assert 1 <= s.get("failed", 0) <= 5, s  # only what was in flight before the stop
    assert s.get("queued", 0) >= n - 5, "the rest is left unsent, not failed"
    st.wait_log("ALERT campaign")
    assert dispatcher_metric(st, "campaigns_stopped") == 1
    st.stop()


def test_a_template_meta_paused_pauses_the_campaign_and_it_goes_on_after(herald, mock_api):
    """132015 (Meta paused the template for low quality, for some hours): the campaign is
    paused, not failed, with a reason; nobody is failed or charged an attempt; once the
    template is active again a resume (here: running again and the queued rows emitted anew,
    as the segmenter's resume does) sends every recipient exactly once."""
    n = 60
    api = mock_api("--paused-templates", "spring_sale")
    cid = make_campaign(herald, n)
    st = start_dispatcher(herald, api, rate_per_second=20.0)
    produce_jobs(herald, cid)
    wait_for(lambda: herald.sql("SELECT status FROM campaigns WHERE id = %s", cid)[0][0] == "paused",
             15, 0.1, "campaign paused")
    (reason,), = herald.sql("SELECT status_reason FROM campaigns WHERE id = %s", cid)
    assert reason.startswith("template paused by Meta (code 132015: "), reason
    st.wait_log("ALERT campaign")
    assert dispatcher_metric(st, "campaigns_paused") == 1
    wait_for(lambda: states(herald, cid) == {"queued": n}, 15, 0.1, "every recipient queued")
    assert herald.sql("SELECT max(attempts) FROM campaign_recipients WHERE campaign_id = %s",
                      cid) == [(0,)]
    assert len(api.sends()) == 0
    api.config(paused_templates="")  # Meta lifted the pause
    herald.sql("UPDATE campaigns SET status = 'running', status_reason = NULL WHERE id = %s", cid)
    produce_jobs(herald, cid)
    wait_for(lambda: states(herald, cid) == {"accepted": n}, 30, 0.2, "all accepted")
    assert sorted(s["to"] for s in api.sends()) == sorted(
        p for p, in herald.sql("SELECT phone FROM campaign_recipients WHERE campaign_id = %s", cid))
    st.stop()


def test_expired_token_holds_the_number_then_resumes(herald, mock_api):
    n = 30
    api = mock_api("--token-expired")
    cid = make_campaign(herald, n)
    st = start_dispatcher(herald, api, number_recheck_ms=400)
    produce_jobs(herald, cid)
    st.wait_log("ALERT number 1098765 stopped")
    st.wait_metric("herald_dispatcher_number_blocked", 1)
    time.sleep(1.5)  # several probes fail; nobody is failed for it
    s = states(herald, cid)
    assert s.get("failed", 0) == 0 and s.get("accepted", 0) == 0
    assert s.get("queued", 0) == n, s
    assert herald.sql("SELECT max(attempts) FROM campaign_recipients WHERE campaign_id = %s",
                      cid)[0][0] == 0, "held attempts are not counted against the recipient"
    api.config(token_expired=False)
    wait_final(herald, cid, n, timeout=20)
    assert states(herald, cid) == {"accepted": n}
    assert dispatcher_metric(st, "number_blocked") == 0
    st.stop()


def test_an_account_error_holds_the_number_and_fails_nobody(herald, mock_api):
    """131042 (the account's payment method) answers every send, whoever the recipient: the
    number is held with the reason, nobody is failed or charged an attempt, and the first
    successful probe after the business fixed it sends everyone."""
    n = 30
    api = mock_api("--account-error", "131042")
    cid = make_campaign(herald, n)
    st = start_dispatcher(herald, api, number_recheck_ms=400)
    produce_jobs(herald, cid)
    st.wait_log(re.escape("ALERT number 1098765 stopped: payment method problem (business "
                          "eligibility) (code 131042"))
    time.sleep(1.5)  # several probes fail
    s = states(herald, cid)
    assert s.get("failed", 0) == 0 and s.get("queued", 0) == n, s
    assert herald.sql("SELECT max(attempts) FROM campaign_recipients WHERE campaign_id = %s",
                      cid)[0][0] == 0
    api.config(account_error=0)
    wait_final(herald, cid, n, timeout=20)
    assert states(herald, cid) == {"accepted": n}
    assert dispatcher_metric(st, "number_blocked") == 0
    st.stop()


def test_pause_stops_sends_within_a_second_and_resume_finishes(herald, mock_api):
    n = 700
    api = mock_api()
    cid = make_campaign(herald, n)
    st = start_dispatcher(herald, api, rate_per_second=100.0)
    produce_jobs(herald, cid)
    wait_for(lambda: states(herald, cid).get("accepted", 0) >= 100, 20, 0.05, "100 accepted")
    paused_at = time.time() * 1000
    herald.sql("UPDATE campaigns SET status = 'paused', paused_at = now() WHERE id = %s", cid)
    time.sleep(2.5)
    sends = api.sends()
    late = [s["ts_ms"] - paused_at for s in sends if s["ts_ms"] > paused_at + 1000]
    assert not late, f"{len(late)} send(s) more than 1 s after the pause"
    s = states(herald, cid)
    assert s.get("accepted", 0) == len(sends) < n
    assert set(s) <= {"accepted", "queued"}, s  # nothing claimed and left behind

    # resume: the segmenter would re-emit every queued recipient (jobs already done are skipped)
    herald.sql("UPDATE campaigns SET status = 'running', resumed_at = now() WHERE id = %s", cid)
    produce_jobs(herald, cid, where="state = 'queued'")
    wait_final(herald, cid, n, timeout=30)
    assert states(herald, cid) == {"accepted": n}
    sends = api.sends()
    assert len(sends) == n and len({callback(x) for x in sends}) == n
    st.stop()


def test_redelivered_and_bad_jobs(herald, mock_api):
    api = mock_api()
    cid = make_campaign(herald, 5)
    paused = make_campaign(herald, 5, status="paused", phone_base=4915400000000)
    st = start_dispatcher(herald, api)
    produce_jobs(herald, cid)
    wait_final(herald, cid, 5)
    # the same jobs again (a redelivery): events re-produced, nothing resent
    produce_jobs(herald, cid)
    st.wait_metric("herald_dispatcher_reproduced_events", 5)
    assert len(api.sends()) == 5
    evs = events(herald, 10)
    assert len(evs) == 10 and len({e["event_id"] for e in evs}) == 5
    # jobs of a paused campaign are completed without sending; the recipients stay queued
    produce_jobs(herald, paused)
    st.wait_metric("herald_dispatcher_skipped_not_running", 5)
    assert states(herald, paused) == {"queued": 5}
    # malformed jobs are refused one by one and never block the partition
    for bad in ("not json", json.dumps({"campaign_id": cid}),
                json.dumps(job(cid, 1, "+49 151", "spring_sale")),
                json.dumps(dict(job(cid, 99, "4915200000099"), phone_number_id="1/../../x"))):
        herald.produce("jobs", "4915200000001", bad)
    herald.produce("jobs", "4915200000099", job(cid, 99, "4915200000099"))  # no such recipient
    st.wait_metric("herald_dispatcher_invalid_jobs", 4)
    wait_for(lambda: st.metrics().get("herald_messages_errors_total", 0) >= 5, 10, 0.1,
             "5 jobs refused")
    assert len(api.sends()) == 5
    st.stop()
    assert sum(herald.committed(st.group_id, "jobs").values()) == \
        sum(herald.end_offsets("jobs").values())


def _crash_run(herald, mock_api, resend_uncertain):
    n, window = 3000, 64
    api = mock_api("--latency-ms", "30")
    cid = make_campaign(herald, n)
    cfg = dict(rate_per_second=2000.0, max_concurrency=window, resend_uncertain=resend_uncertain,
               # the killed member leaves the group after the session timeout, not 45 s
               properties=["session.timeout.ms=6000", "heartbeat.interval.ms=500"])
    st = start_dispatcher(herald, api, **cfg)
    produce_jobs(herald, cid)
    wait_for(lambda: states(herald, cid).get("accepted", 0) >= 800, 30, 0.02, "800 accepted")
    st.kill9()
    # a claim batch whose COMMIT was already on the wire still commits after the kill (its
    # backend finishes the statement before it notices the client is gone): let it land
    time.sleep(1.0)
    claims_at_crash = dict(herald.sql("SELECT recipient_id, claimed_at FROM campaign_recipients "
                                      "WHERE campaign_id = %s AND claim_open", cid))
    in_flight = set(claims_at_crash)
    assert 0 < len(in_flight) <= window, f"{len(in_flight)} claims open at the crash"
    st2 = start_dispatcher(herald, api, **cfg)
    s = wait_final(herald, cid, n, timeout=60)
    sends = api.sends()
    per = Counter(callback(x) for x in sends)
    dups = {k: c for k, c in per.items() if c > 1}
    # nobody lost: every recipient is accepted or reported uncertain; nothing left open
    assert sum(s.values()) == n and s.get("failed", 0) == 0
    # every recipient not in flight at the crash was sent exactly once
    assert {int(k.split("r=")[1]) for k in dups} <= in_flight
    assert len(dups) <= len(in_flight) <= window
    st2.stop()
    return s, in_flight, dups, per, (cid, claims_at_crash)


def test_kill9_mid_campaign_loses_nobody_and_resends_nothing(herald, mock_api):
    s, in_flight, dups, per, _ = _crash_run(herald, mock_api, resend_uncertain=False)
    assert not dups, f"{len(dups)} recipient(s) messaged twice"
    uncertain = {r for r, in herald.sql("SELECT recipient_id FROM campaign_recipients "
                                        "WHERE state = 'uncertain'")}
    assert uncertain == in_flight, "exactly the requests in flight at the crash are uncertain"
    assert s.get("accepted", 0) + len(uncertain) == 3000


def test_kill9_with_resend_uncertain_sends_everyone_duplicates_bounded(herald, mock_api):
    s, in_flight, dups, per, (cid, claims_at_crash) = _crash_run(herald, mock_api,
                                                                 resend_uncertain=True)
    assert s == {"accepted": 3000}
    assert len(per) == 3000
    # The takeover re-stamps claimed_at (a claim's age tells live from dead) but keeps the
    # first claim's time, where a reply to the first send starts its window (migration 054).
    now = {r: (c, f) for r, c, f in herald.sql(
        "SELECT recipient_id, claimed_at, first_claimed_at FROM campaign_recipients "
        "WHERE campaign_id = %s", cid)}
    for r, t in claims_at_crash.items():
        assert now[r][1] == t and now[r][0] > t, f"recipient {r}: {now[r]} after a claim at {t}"
    assert all(f is not None and f <= c for c, f in now.values())
    print(f"in flight at the crash: {len(in_flight)}, duplicates: {len(dups)}")


def test_graceful_stop_of_one_instance_hands_its_jobs_over(herald, mock_api):
    n = 2000
    api = mock_api()
    cid = make_campaign(herald, n)
    d1 = start_dispatcher(herald, api, "dispatcher-1", rate_per_second=400.0)
    d2 = start_dispatcher(herald, api, "dispatcher-2", rate_per_second=400.0)
    for st in (d1, d2):
        wait_for(lambda: dispatcher_metric(st, "rate_share") == 0.5, 30, 0.2, f"share {st.name}")
    produce_jobs(herald, cid)
    wait_for(lambda: states(herald, cid).get("accepted", 0) >= 300, 20, 0.05, "300 accepted")
    d2.stop()  # SIGTERM: in-flight requests finish, queued jobs are handed back uncommitted
    wait_for(lambda: dispatcher_metric(d1, "rate_share") == 1.0, 30, 0.2, "d1 owns everything")
    s = wait_final(herald, cid, n, timeout=60)
    assert s == {"accepted": n}, "a graceful stop leaves nothing uncertain"
    sends = api.sends()
    assert len(sends) == n and len({callback(x) for x in sends}) == n
    d1.stop()


def test_campaign_cap_below_the_number_rate_is_honoured(herald, mock_api):
    n, cap = 70, 20
    api = mock_api()
    cid = make_campaign(herald, n, rate=float(cap))
    st = start_dispatcher(herald, api, rate_per_second=1000.0)
    produce_jobs(herald, cid)
    wait_final(herald, cid, n, timeout=30)
    ts = sorted(s["ts_ms"] for s in api.sends())
    assert len(ts) == n
    # The cap is enforced where the number's limit is, when the request leaves: strictly, at
    # most 20 sends in any 1000 ms by send time (a check at claim time let a slow claim commit
    # release a bunch: 26 arrived in one second once).
    peak = dispatcher_metric(st, "campaign_send_window_peak")
    arrivals = api.stats()["max_sends_in_1s_window"]
    print(f"send-time window peak {peak}; max arrivals in any 1 s window at the mock {arrivals}")
    assert 0 < peak <= cap
    # Arrival times at the mock: without the cap all 70 would arrive within one second at the
    # number's 1000/s. At 20/s one send leaves every 50 ms, so a mock or network stall of 100 ms
    # moves two sends into the next window (the 200/s test allows 10 %, 20 sends, for the same
    # stall); allow 25 % here, 5 sends: it still fails for a missing or doubled cap.
    assert arrivals <= cap * 1.25
    # The rate after the first second (the cap's bucket may start with a burst of 2, which
    # would read as 20.2/s over only 70 sends), by arrival time, as the slope of a least-squares
    # line: the limiter paces at 19.9/s, and the jitter of single arrivals barely moves a slope
    # (it moved the first-to-last average by 1-2 %). Below, a process starved of CPU loses
    # send slots for good (the window never lets them be made up: 17.5/s seen with two busy
    # loops beside the test on 2 cores), hence 15 %: a cap applied twice over (10/s) or a
    # share gone wrong still fails.
    rate = slope_rate([t for t in ts if t >= ts[0] + 1000])
    print(f"rate after the first second (slope of the arrivals): {rate:.2f} msg/s")
    assert cap * 0.85 <= rate <= cap * 1.02, f"{rate:.2f} msg/s for a campaign cap of {cap}"
    st.stop()


def test_a_capped_campaign_does_not_slow_another_on_the_same_number(herald, mock_api):
    api = mock_api()
    slow = make_campaign(herald, 16, rate=4.0, phone_base=4915300000000)
    fast = make_campaign(herald, 400)
    st = start_dispatcher(herald, api, rate_per_second=1000.0)
    produce_jobs(herald, slow)  # first: its claimed jobs sit ahead of the fast ones
    produce_jobs(herald, fast)
    wait_final(herald, fast, 400, timeout=30)
    # 16 at 4/s take ~4 s; 400 at the number's 1000/s well under that, unless the cap
    # slowed the other campaign on the number down too
    assert states(herald, slow).get("accepted", 0) < 16, "the fast campaign waited for the slow"
    assert states(herald, fast) == {"accepted": 400}
    wait_final(herald, slow, 16, timeout=30)
    assert 0 < dispatcher_metric(st, "campaign_send_window_peak") <= 4
    assert len(api.sends()) == 416
    st.stop()


def test_two_campaigns_to_the_same_people_respect_the_pair_interval(herald, mock_api):
    n, interval = 40, 1500
    api = mock_api("--pair-interval-ms", str(interval - 100))  # answers 131056 when too soon
    a, b = make_campaign(herald, n), make_campaign(herald, n)  # the same 40 phones
    st = start_dispatcher(herald, api, pair_interval_ms=interval)
    produce_jobs(herald, a)
    produce_jobs(herald, b)
    wait_final(herald, a, n, timeout=30)
    wait_final(herald, b, n, timeout=30)
    assert states(herald, a) == states(herald, b) == {"accepted": n}
    # each person's second message left a whole interval after the first, and the API never
    # had to refuse one (a job admitted while the other's claim was committing must wait too)
    stats = api.stats()
    assert stats["rejected"].get("131056", 0) == 0, stats["rejected"]
    by_phone = {}
    for s in api.sends():
        by_phone.setdefault(s["to"], []).append(s["ts_ms"])
    assert len(by_phone) == n and all(len(t) == 2 for t in by_phone.values())
    gaps = sorted(abs(t[1] - t[0]) for t in by_phone.values())
    assert gaps[0] >= interval - 100, gaps[:5]
    st.stop()


def test_throughput_errors_slow_the_number_down_instead_of_hammering(herald, mock_api):
    n, real, believed = 600, 100, 300
    api = mock_api("--rate-per-second", str(real))  # answers 130429 over 100 in any second
    cid = make_campaign(herald, n)
    st = start_dispatcher(herald, api, rate_per_second=float(believed))
    produce_jobs(herald, cid)
    wait_final(herald, cid, n, timeout=60)
    assert states(herald, cid) == {"accepted": n}
    rejected = api.stats()["rejected"].get("130429", 0)
    ts = sorted(s["ts_ms"] for s in api.sends())
    rate = rate_of(ts)
    print(f"130429 answers: {rejected} for {n} sends; accepted {rate:.1f} msg/s at the mock")
    # Sending at the configured 300/s would earn two refusals per accepted send (~1,200);
    # the adaptive backoff cuts the rate on each report and settles near what the API allows,
    # probing upwards after a quiet second (~120 refusals, 20 %, seen: the probes and the
    # first second)
    assert 0 < dispatcher_metric(st, "throttled") and 0 < rejected < n * 0.4, rejected
    assert real * 0.6 <= rate <= real * 1.01, f"{rate:.1f} msg/s for an API limit of {real}"
    st.stop()


def test_batch_statements_probe_the_primary_key_instead_of_scanning_the_table(herald, mock_api):
    # 40,000 rows: the size where PostgreSQL's default cost model preferred one sequential
    # scan of campaign_recipients per resolution batch (7-18 ms each instead of ~4) to a few
    # hundred index probes (the worker sets random_page_cost for its session, and no statement
    # carries more than claim_batch rows)
    n = 40000
    api = mock_api()
    cid = make_campaign(herald, n)
    herald.sql("ANALYZE campaign_recipients")  # the worse plan: claimed rows look rare
    produce_jobs(herald, cid)

    def table_counters():
        time.sleep(1.2)  # a backend reports its table counters at most once a second
        return herald.sql("SELECT seq_scan, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                          "WHERE relname = 'campaign_recipients'")[0]
    before = table_counters()
    st = start_dispatcher(herald, api, max_concurrency=1024)
    wait_for(lambda: dispatcher_metric(st, "sent") >= n, 120, 0.5, f"{n} sent")
    st.stop()  # its backends report their counters as they end
    scans, updates, hot = (a - b for a, b in zip(table_counters(), before))
    batches = n / 500
    print(f"campaign_recipients while sending {n}: {scans} sequential scans, {updates} row "
          f"updates of which {hot} HOT")
    assert scans < 3, f"{scans} sequential scans for {n} sends in >= {batches:.0f} batches"
    # the claim writes no indexed column (migration 080), so it is a HOT update: no index
    # entry, a third of the server's CPU per send less; the resolution cannot be (wamid)
    assert updates >= 2 * n and hot >= 0.95 * n, f"{hot} HOT of {updates} updates for {n} sends"
    assert states(herald, cid) == {"accepted": n}


def test_connections_cut_by_the_database_lose_nobody_and_repeat_nobody(herald, mock_api):
    """The worker's statements are prepared once per backend; the backend after a reconnect
    has none, so they are prepared again there. The server cuts every connection of the
    dispatcher twice mid-campaign (claims and resolutions in flight, COMMIT answers lost):
    every recipient is still accepted, and sent exactly once."""
    n = 6000
    api = mock_api()
    cid = make_campaign(herald, n)
    produce_jobs(herald, cid)
    st = start_dispatcher(herald, api, rate_per_second=2000.0)
    for sent in (1000, 3000):
        wait_for(lambda: dispatcher_metric(st, "sent") >= sent, 60, 0.02, f"{sent} sent")
        cut = herald.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                         "AND backend_type = 'client backend'")[0][0]
        assert cut >= 2, f"{cut} connections cut (the stage's and its worker's expected)"
    wait_final(herald, cid, n, timeout=120)
    assert states(herald, cid) == {"accepted": n}
    counts = Counter(callback(s) for s in api.sends())
    assert len(counts) == n and max(counts.values()) == 1, counts.most_common(3)
    st.stop()


def test_retry_waiting_for_its_backoff_survives_a_crash(herald, mock_api):
    n = 40
    api = mock_api("--fail-5xx-share", "1")
    cid = make_campaign(herald, n)
    cfg = dict(backoff_initial_ms=60000, backoff_max_ms=60000,
               properties=["session.timeout.ms=6000", "heartbeat.interval.ms=500"])
    st = start_dispatcher(herald, api, **cfg)
    produce_jobs(herald, cid)
    # every first attempt failed: the claims are released, the jobs wait a minute in memory
    wait_for(lambda: herald.sql("SELECT count(*) FROM campaign_recipients WHERE campaign_id = %s "
                                "AND state = 'queued' AND NOT claim_open AND attempts = 1",
                                cid)[0][0] == n,
             20, 0.1, "all released after one failed attempt")
    assert dispatcher_metric(st, "delayed") == n
    st.kill9()
    api.config(fail_5xx_share=0)
    st2 = start_dispatcher(herald, api, **cfg)
    wait_final(herald, cid, n, timeout=30)  # far sooner than the backoff: redelivered, not lost
    assert states(herald, cid) == {"accepted": n}
    assert {a for a, in herald.sql("SELECT attempts FROM campaign_recipients "
                                   "WHERE campaign_id = %s", cid)} == {2}
    assert len(api.sends()) == n
    st2.stop()


def test_own_claim_whose_commit_answer_was_lost_is_sent_once(herald, mock_api):
    """A claim batch whose COMMIT went through but whose answer was lost (connection cut) is
    reported failed and its jobs retried; the rows are `sending` under this very process's
    claim. The retried job must take them again and send once, not complete them untouched
    (which left the campaign running forever)."""
    api = mock_api()
    cid = make_campaign(herald, 3)
    st = start_dispatcher(herald, api)
    produce_jobs(herald, cid, "recipient_id = 1")
    wait_final(herald, cid, 1)
    (claimer,), = herald.sql("SELECT claimed_by FROM campaign_recipients WHERE campaign_id = %s "
                             "AND recipient_id = 1", cid)
    assert claimer and claimer.startswith("dispatcher-1#")
    # what a lost COMMIT answer leaves behind: the claim is ours, nothing was sent
    herald.sql("UPDATE campaign_recipients SET claim_open = true, claimed_by = %s, "
               "claimed_at = now(), attempts = 1 WHERE campaign_id = %s AND state = 'queued'",
               claimer, cid)
    produce_jobs(herald, cid, "recipient_id > 1")
    wait_final(herald, cid, 3)
    assert states(herald, cid) == {"accepted": 3}
    counts = Counter(callback(s) for s in api.sends())
    assert counts == Counter({f"c={cid};r={r}": 1 for r in (1, 2, 3)})
    st.stop()


def test_leftover_claims_of_a_paused_campaign_are_settled(herald, mock_api):
    """A crash while a campaign is paused: the redelivered jobs of its `sending` rows arrive
    while it is paused. Completing them untouched would strand those rows (a resume re-emits
    only pending/queued recipients, so the campaign could never complete): a dead instance's
    claim becomes `uncertain` (nobody resends for a stopped campaign), our own orphaned claim
    (its COMMIT answer lost, never sent) goes back to `queued`; a queued row stays queued."""
    api = mock_api()
    warmup = make_campaign(herald, 1)
    st = start_dispatcher(herald, api)
    produce_jobs(herald, warmup)
    wait_final(herald, warmup, 1)
    (claimer,), = herald.sql("SELECT claimed_by FROM campaign_recipients WHERE campaign_id = %s",
                             warmup)
    paused = make_campaign(herald, 3, status="paused", phone_base=4915400000000)
    herald.sql("UPDATE campaign_recipients SET claim_open = true, claimed_at = now(), "
               "attempts = 1, claimed_by = CASE recipient_id WHEN 1 THEN 'dispatcher-1#1.1' "
               "ELSE %s END WHERE campaign_id = %s AND recipient_id IN (1, 2)", claimer, paused)
    produce_jobs(herald, paused)
    want = {1: "uncertain", 2: "queued", 3: "queued"}
    wait_for(lambda: dict(herald.sql("SELECT recipient_id, campaign_recipient_state(state, "
                                     "claim_open) FROM campaign_recipients "
                                     "WHERE campaign_id = %s", paused)) == want, 15, 0.1,
             "leftovers of the paused campaign settled")
    st.wait_metric("herald_dispatcher_skipped_not_running", 1)
    assert len(api.sends()) == 1, "nothing of the paused campaign was sent"
    st.stop()
