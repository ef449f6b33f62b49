"""One whole Herald pipeline running a real campaign, plus the faults and the final verdict.

Why: every chaos scenario is the same campaign (segmenter -> two dispatchers -> mock Cloud API
-> signed webhooks -> gateway -> analytics) with a different fault injected mid-way, judged by
the same rules. Keeping the pipeline, the fault helpers and the verdict in one place means a
scenario reads as "start, wait for 30 %, break X, repair X, verify".

Truth comes from outside Herald: the mock's own record of accepted sends (GET /mock/sends) and
its configuration (which numbers fail permanently; every accepted message is delivered, read
and answered by one inbound reply - half of them quoting the message through `context.id`, half
plain text that analytics must attribute through the 72-hour window), so the expected analytics
numbers are computed independently of the code under test.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from herald_testlib import BUILD_DIR, wait_for

MOCK_BINARY = Path(os.environ.get("HERALD_BUILD_DIR", str(BUILD_DIR))) / "bin" / \
    "herald-mock-cloud-api"
TOKEN = "chaos-token"
APP_SECRET = "chaos-app-secret"
PNID = "1098765"
PHONE_BASE = 4915100000000
# Every consumer leaves its group 6 s after a kill -9 instead of 45 s.
FAST_GROUP = ["session.timeout.ms=6000", "heartbeat.interval.ms=500"]
FINAL = ("accepted", "failed", "uncertain")


def now_ms() -> float:
    return time.time() * 1000.0


class Mock:
    """herald-mock-cloud-api on an ephemeral port, posting signed webhooks to the gateway."""

    def __init__(self, tmp: Path, webhook_url: str, flags: list[str]):
        assert MOCK_BINARY.exists(), f"{MOCK_BINARY} missing: build herald-mock-cloud-api"
        self.log_path = tmp / "mock.log"
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(MOCK_BINARY), "--listen", "127.0.0.1:0", "--webhook-url", webhook_url, *flags],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=dict(os.environ, MOCK_TOKEN=TOKEN, MOCK_APP_SECRET=APP_SECRET))
        log.close()

        def port():
            assert self.proc.poll() is None, self.log_path.read_text()
            m = re.search(r"listening on port (\d+)", self.log_path.read_text())
            return int(m.group(1)) if m else None
        self.url = f"http://127.0.0.1:{wait_for(port, 20, 0.05, 'mock listening')}"

    def _call(self, method: str, path: str, body=None):
        r = requests.request(method, self.url + path, json=body, timeout=60)
        assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    def config(self, **changes):
        return self._call("POST", "/mock/config", changes)

    def stats(self) -> dict:
        return self._call("GET", "/mock/stats")

    def sends(self) -> list[dict]:
        out: list[dict] = []
        while True:
            page = self._call("GET", f"/mock/sends?since={len(out)}&limit=100000")
            out.extend(page)
            if len(page) < 100000:
                return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Pipeline:
    """A campaign of `n` recipients through every stage, at `rate` messages per second."""

    def __init__(self, herald, n: int = 20000, rate: float = 1000.0, window: int = 64,
                 permanent_every: int = 1000, mock_flags: list[str] | None = None,
                 dispatcher_config: dict | None = None):
        self.h = herald
        self.n, self.rate, self.window = n, rate, window
        self.faults: list[dict] = []          # {"what", "start_ms", "end_ms"}
        self.in_flight: set[int] = set()      # recipients in flight at any dispatcher kill
        self.kills = 0
        self.permanent_phones = {str(PHONE_BASE + g) for g in range(permanent_every, n + 1,
                                                                    permanent_every)}
        self.webhook_port = herald.free_port()
        flags = ["--latency-ms", "20", "--latency-jitter-ms", "30",
                 "--delivered-share", "1", "--read-share", "1", "--reply-share", "1",
                 "--fail-share", "0", "--webhook-delay-ms", "200", "--webhook-jitter-ms", "100",
                 # Meta retries for days; a short backoff keeps the scenarios short
                 "--retry-initial-ms", "300", "--retry-max-ms", "3000",
                 "--retry-max-attempts", "100", "--webhook-timeout-ms", "10000"]
        if self.permanent_phones:
            flags += ["--permanent", ",".join(f"{p}=131026" for p in sorted(self.permanent_phones))]
        self.mock = Mock(herald.tmp, f"http://127.0.0.1:{self.webhook_port}/webhook",
                         flags + list(mock_flags or []))
        self.dispatcher_config = {
            "api_base_url": self.mock.url, "rate_per_second": rate, "max_concurrency": window,
            # the two settings that trade "possibly twice" for "never lost" (docs/dispatcher.md)
            "resend_uncertain": True, "retry_ambiguous": True,
            "stale_claim_ms": 12000, "request_timeout_ms": 5000, "max_attempts": 20,
            "backoff_initial_ms": 200, "backoff_max_ms": 2000, "campaign_refresh_ms": 200,
            **(dispatcher_config or {})}
        self.stages: dict = {}
        self.reemissions = 0   # events that let the segmenter re-emit its window (restart,
                               # a database outage cutting an emission step off)
        self.emission_window = int(rate * 1.0)   # segmenter lookahead_seconds = 1
        self.cid: int | None = None
        self.t_start_ms = 0.0

    # ---- stages -------------------------------------------------------------------------
    def _spec(self, role: str) -> dict:
        if role == "segmenter":
            return dict(stage="segmenter", plugin="segmenter", consume=["campaign-commands"],
                        plugin_config={"default_rate_per_second": self.rate,
                                       "lookahead_seconds": 1.0, "lookahead_min": 200,
                                       "lookahead_max": 20000, "emit_batch_max": 2000,
                                       "completion_check_ms": 200})
        if role.startswith("dispatcher"):
            return dict(stage="dispatcher", plugin="dispatcher", consume=["jobs"],
                        plugin_config=self.dispatcher_config, env={"HERALD_WA_TOKEN": TOKEN},
                        stage_options={"tick_ms": 5, "drain_timeout_ms": 10000})
        if role == "gateway":
            return dict(stage="gateway", env={"HERALD_APP_SECRET": APP_SECRET}, plugins=[
                {"name": "webhook", "consume": [],
                 "config": {"listen": f"127.0.0.1:{self.webhook_port}"}}])
        if role == "analytics":
            return dict(stage="analytics", plugin="analytics",
                        consume=["delivery-events", "replies", "campaign-commands"],
                        plugin_config={"park_retry_ms": 200})
        raise ValueError(role)

    def start_stage(self, role: str):
        st = self.h.start_stage(name=role, properties=FAST_GROUP,
                                kafka_options={"dead_letter_topic": "dead-letters"},
                                **self._spec(role))
        self.stages[role] = st
        return st

    def start(self) -> None:
        for role in ("analytics", "gateway", "dispatcher-1", "dispatcher-2", "segmenter"):
            self.start_stage(role)
        for st in self.stages.values():
            st.wait_healthy(90)
        self._add_contacts()
        self.cid = self._create_and_start()

    def restart(self, role: str, healthy_timeout: float = 90):
        st = self.start_stage(role)
        st.wait_healthy(healthy_timeout)
        return st

    # ---- campaign -----------------------------------------------------------------------
    def sql(self, query: str, *params):
        return self.h.sql(query, *params)

    def _add_contacts(self) -> None:
        self.sql("INSERT INTO contact_lists (name) VALUES ('chaos')")
        self.sql("INSERT INTO contacts (phone, name, attributes) SELECT (%s::bigint + g)::text, "
                 "'c' || g, '{}'::jsonb FROM generate_series(1, %s) g", PHONE_BASE, self.n)
        self.sql("INSERT INTO contact_list_members (list_id, contact_id) SELECT l.id, c.id "
                 "FROM contacts c, contact_lists l WHERE l.name = 'chaos'")

    def _command(self, cmd_type: str, cid: int, **fields) -> None:
        command_id = f"chaos-{uuid.uuid4()}"
        self.h.produce("campaign-commands", str(cid),
                       {"command_id": command_id, "type": cmd_type, "campaign_id": cid, **fields})
        rows = wait_for(lambda: self.sql("SELECT outcome, reason FROM command_results WHERE "
                                         "command_id = %s", command_id), 30, 0.05,
                        f"outcome of {cmd_type}")
        assert rows[0][0] == "accepted", f"{cmd_type}: {rows[0][1]}"

    def _create_and_start(self) -> int:
        (cid,), = self.sql("SELECT nextval('campaign_ids')")
        (list_id,), = self.sql("SELECT id FROM contact_lists WHERE name = 'chaos'")
        self._command("create", cid, campaign={
            "name": "chaos", "phone_number_id": PNID,
            "template": {"name": "spring_sale", "language": "en", "params": ["name"]},
            "audience": {"include_lists": [list_id]}, "rate_limit_per_second": None})
        self.t_start_ms = now_ms()
        self._command("start", cid)
        return cid

    def settled(self) -> int:
        """Recipients accepted or failed so far (0 while the database is unreachable)."""
        try:
            (k,), = self.sql("SELECT count(*) FROM campaign_recipients WHERE campaign_id = %s "
                             "AND state IN ('accepted', 'failed')", self.cid)
            return k
        except Exception:
            return 0

    def wait_settled(self, share: float, timeout: float = 120) -> None:
        want = int(self.n * share)
        wait_for(lambda: self.settled() >= want, timeout, 0.05, f"{want} settled")

    def status(self) -> str | None:
        try:
            return self.sql("SELECT status FROM campaigns WHERE id = %s", self.cid)[0][0]
        except Exception:
            return None

    # ---- faults -------------------------------------------------------------------------
    def fault(self, what: str, start_ms: float, end_ms: float) -> None:
        self.faults.append({"what": what, "start_ms": start_ms, "end_ms": end_ms})

    def kill_and_restart(self, role: str, down_s: float = 1.0) -> None:
        """kill -9, stay down `down_s`, start again with the same name and config. For a
        dispatcher the claims it held at the instant of the kill are recorded as in flight."""
        st = self.stages[role]
        assert st.alive(), f"{role} died before its kill\n{st.log_tail()}"
        pid = st.pid
        t0 = now_ms()
        st.kill9()
        if role.startswith("dispatcher"):
            self.kills += 1
            rows = self.sql("SELECT recipient_id FROM campaign_recipients WHERE campaign_id = %s "
                            "AND claim_open AND state IN ('pending', 'queued') "
                            "AND claimed_by LIKE %s",
                            self.cid, f"{role}#{pid}.%")
            self.in_flight |= {r for r, in rows}
            assert len(rows) <= self.window, f"{len(rows)} claims open > window {self.window}"
        if role == "segmenter":
            self.reemissions += 1
        time.sleep(down_s)
        t1 = now_ms()
        self.restart(role)
        self.fault(f"kill -9 {role}", t0, t1)

    # ---- verdict ------------------------------------------------------------------------
    def wait_completed(self, timeout: float = 180) -> None:
        def done():
            return self.status() == "completed"
        try:
            wait_for(done, timeout, 0.2, "campaign completed")
        except AssertionError:
            states = dict(self.sql("SELECT state, count(*) FROM campaign_recipients WHERE "
                                   "campaign_id = %s GROUP BY state", self.cid))
            raise AssertionError(f"campaign {self.cid} is {self.status()} after {timeout}s, "
                                 f"recipients {states}\n{self._stuck_report()}") from None

    def _stuck_report(self, limit: int = 8) -> str:
        """Where the unfinished recipients' jobs are: their rows, their job messages in
        `jobs` (partition, offset, time) and the dispatcher group's committed offsets."""
        rows = self.sql("SELECT recipient_id, state, attempts, claimed_by, updated_at FROM "
                        "campaign_recipients WHERE campaign_id = %s AND state NOT IN "
                        "('accepted', 'failed') ORDER BY recipient_id", self.cid)
        ids = {r[0] for r in rows}
        jobs: dict[int, list] = {}
        for m in self.h.consume_all("jobs", with_meta=True):
            rid = json.loads(m["value"]).get("recipient_id")
            if rid in ids:
                jobs.setdefault(rid, []).append((m["partition"], m["offset"], m["timestamp_ms"]))
        committed = self.h.committed(self.stages["dispatcher-1"].group_id, "jobs")
        lines = [f"{len(rows)} unfinished; {sum(1 for r in ids if r not in jobs)} have no job "
                 f"in `jobs`; dispatcher group committed {committed}"]
        lines += [f"  r={r[0]} {r[1]} attempts={r[2]} by={r[3]} at={r[4]} jobs={jobs.get(r[0])}"
                  for r in rows[:limit]]
        return "\n".join(lines)

    def verify(self, scenario: str, duplicates_allowed: bool = False) -> dict:
        """Asserts the scenario's promises and returns its table row."""
        self.wait_completed()
        t_completed = now_ms()
        sends = [s for s in self.mock.sends()
                 if (s.get("biz_opaque_callback_data") or "").startswith(f"c={self.cid};")]
        per = Counter(int(s["biz_opaque_callback_data"].split("r=")[1]) for s in sends)
        rows = self.sql("SELECT recipient_id, phone, state, wamid, error_code FROM "
                        "campaign_recipients WHERE campaign_id = %s", self.cid)
        assert len(rows) == self.n, f"audience {len(rows)} != {self.n}"
        permanent = {r for r, phone, *_ in rows if phone in self.permanent_phones}
        expected = {r for r, *_ in rows} - permanent
        lost = expected - set(per)
        unexpected = set(per) - expected
        dups = {r: c - 1 for r, c in per.items() if c > 1}
        states = Counter(state for _, _, state, _, _ in rows)
        wamids: dict[int, set] = {}
        for s in sends:
            wamids.setdefault(int(s["biz_opaque_callback_data"].split("r=")[1]), set()).add(
                s["wamid"])
        wrong_wamid = [r for r, _, state, wamid, _ in rows
                       if state == "accepted" and wamid not in wamids.get(r, ())]
        row = {"scenario": scenario, "recipients": self.n, "sent": len(per),
               "failed": len(permanent), "duplicates": sum(dups.values()),
               "in_flight": len(self.in_flight) if self.kills else None, "lost": len(lost),
               "recover_s": self.recovery_s(sends)}
        rel = lambda t: round((t - self.t_start_ms) / 1000, 1)  # noqa: E731
        ts = sorted(s["ts_ms"] for s in sends) or [self.t_start_ms]
        print(f"\n{scenario}: first send {rel(ts[0])} s, last send {rel(ts[-1])} s, completed "
              f"seen {rel(t_completed)} s, faults at "
              f"{[(f['what'], rel(f['start_ms']), rel(f['end_ms'])) for f in self.faults]}")
        print(f"{scenario}: {json.dumps(row)} states={dict(states)} faults="
              f"{[(f['what'], round((f['end_ms'] - f['start_ms']) / 1000, 1)) for f in self.faults]}")

        assert not lost, f"{len(lost)} recipient(s) never sent, e.g. {sorted(lost)[:10]}"
        assert not unexpected, f"sends for permanent failures / unknown ids: {sorted(unexpected)[:10]}"
        assert dict(states) == {"accepted": len(expected), "failed": len(permanent)}, dict(states)
        assert not wrong_wamid, f"{len(wrong_wamid)} accepted rows with a wamid the mock never gave"
        if duplicates_allowed:
            outside = set(dups) - self.in_flight
            assert not outside, f"duplicates not in flight at a kill: {sorted(outside)[:10]}"
            assert sum(dups.values()) <= self.kills * self.window
        else:
            assert not dups, f"{len(dups)} recipient(s) sent twice, e.g. {sorted(dups)[:10]}"
        self._verify_analytics(len(expected), len(permanent), row)
        last_send = max(s["ts_ms"] for s in sends)
        row["analytics_s"] = max(0.0, (row.pop("_exact_ms") - max(last_send, t_completed)) / 1000)
        row["total_s"] = (now_ms() - self.t_start_ms) / 1000
        self._stop_all()
        return row

    def _verify_analytics(self, accepted: int, failed: int, row: dict) -> None:
        truth = {"status": "completed", "audience_size": self.n, "pending": 0,
                 "accepted": accepted, "sent": accepted, "delivered": accepted,
                 "read": accepted, "failed": failed, "replied": accepted}
        cols = list(truth)
        last = {}

        def exact():
            nonlocal last
            r = self.sql(f"SELECT {', '.join(cols)} FROM campaign_progress WHERE campaign_id = %s",
                         self.cid)
            a = self.sql(f"SELECT {', '.join(cols)} FROM campaign_analytics WHERE campaign_id = %s",
                         self.cid)
            last = {"progress": dict(zip(cols, r[0])) if r else None,
                    "analytics": dict(zip(cols, a[0])) if a else None}
            return last["progress"] == truth and last["analytics"] == truth
        try:
            wait_for(exact, 120, 0.25, "analytics equal to the truth")
        except AssertionError:
            stats = self.mock.stats()["webhooks"]
            raise AssertionError(f"analytics never matched the mock's truth {truth}; last "
                                 f"{last}; mock webhooks {stats}") from None
        row["_exact_ms"] = now_ms()
        # every reply answers one of this campaign's messages: none may end attributed to
        # nobody, not even one to a message sent twice after a kill (migration 054). (A reply
        # quoting the first of two sends, whose wamid Herald never recorded, stays `pending`
        # for reply_park_timeout_seconds, then falls back to the window rule.)
        how = dict(self.sql("SELECT attribution, count(*) FROM analytics_replies "
                            "GROUP BY attribution"))
        row["replies"] = "/".join(str(how.get(k, 0)) for k in ("context", "window", "pending"))
        assert "none" not in how, f"reply attributions {how}"
        # the minute series must add up to the same truth
        series = self.sql("SELECT coalesce(sum(accepted), 0), coalesce(sum(sent), 0), "
                          "coalesce(sum(delivered), 0), coalesce(sum(read), 0), "
                          "coalesce(sum(failed), 0), coalesce(sum(replied), 0) "
                          "FROM campaign_timeseries WHERE campaign_id = %s", self.cid)[0]
        assert tuple(series) == (accepted, accepted, accepted, accepted, failed, accepted), series
        queued, delivery, read, failure = self.sql(
            "SELECT queued, delivery_rate, read_rate, failure_rate FROM campaign_analytics "
            "WHERE campaign_id = %s", self.cid)[0]
        assert (queued, delivery, read) == (0, 1.0, 1.0), (queued, delivery, read)
        assert abs(failure - failed / self.n) < 1e-9, failure
        fails = self.sql("SELECT error_code, recipients FROM campaign_failures WHERE "
                         "campaign_id = %s", self.cid)
        assert dict(fails) == ({131026: failed} if failed else {}), fails
        row["_mock"] = self.mock.stats()
        w = row["_mock"]["webhooks"]
        assert w["given_up"] == 0 and w["queue_dropped"] == 0 and w["events_dropped"] == 0, w

    def recovery_s(self, sends: list[dict]) -> float | None:
        """Longest time, over the faults, from the end of a fault until the mock sees sends
        at >= 80 % of the pre-fault rate again (1-second sliding window), or until the
        campaign's last send if it finished first."""
        if not self.faults or not sends:
            return None
        ts = sorted(s["ts_ms"] for s in sends)
        first_fault = min(f["start_ms"] for f in self.faults)
        before = [t for t in ts if ts[0] + 1000 <= t < first_fault]
        span = (before[-1] - before[0]) / 1000 if len(before) > 1 else 0
        base = min(self.rate, len(before) / span) if span >= 1 else self.rate
        need = 0.8 * base
        worst = 0.0
        for f in self.faults:
            lo = 0
            rec = None
            for i, t in enumerate(ts):
                while ts[lo] <= t - 1000:
                    lo += 1
                if t >= f["end_ms"] and i - lo + 1 >= need:
                    rec = t - f["end_ms"]
                    break
            if rec is None:
                rec = max(0.0, ts[-1] - f["end_ms"])
            worst = max(worst, rec / 1000)
        return worst

    def _stop_all(self) -> None:
        """Graceful stop of every stage (each must still be alive and exit 0), then: nothing
        dead-lettered, and every consumer group committed up to the end of its topics (no
        message left unprocessed anywhere in the pipeline)."""
        dead = [r for r, st in self.stages.items() if not st.alive()]
        assert not dead, "stage(s) died: " + "; ".join(
            self.stages[r].log_tail(30) for r in dead)
        for st in self.stages.values():      # all drain at once, then each must exit 0
            st.proc.send_signal(signal.SIGTERM)
        for st in self.stages.values():
            st.stop(timeout=30)
        self.mock.stop()
        jobs = sum(self.h.end_offsets("jobs").values())
        print(f"jobs produced: {jobs} for {self.n} recipients ({self.reemissions} "
              f"re-emission(s) allowed)")
        # emission is bounded: each recipient once, plus at most one window re-emitted per
        # segmenter restart or database outage (docs/segmenter.md, "Marked before produce")
        assert jobs <= self.n + self.reemissions * self.emission_window, \
            f"{jobs} jobs for {self.n} recipients, {self.reemissions} re-emission(s) allowed"
        assert sum(self.h.end_offsets("dead-letters").values()) == 0, \
            [v for _, v in self.h.consume_all("dead-letters")][:5]
        for role, topic in (("segmenter", "campaign-commands"), ("dispatcher-1", "jobs"),
                            ("analytics", "delivery-events")):
            group = self.stages[role].group_id
            ends = self.h.end_offsets(topic)
            done = self.h.committed(group, topic)
            behind = {p: ends[p] - done.get(p, 0) for p in ends
                      if ends[p] > 0 and done.get(p, 0) != ends[p]}
            assert not behind, f"{group} left {topic} unconsumed: {behind}"

    def close(self) -> None:
        self.mock.stop()
