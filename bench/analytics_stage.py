#!/usr/bin/env python3
"""analytics_stage.py - a real analytics stage, measured: end-to-end fold rate and progress lag.

Why: bench/analytics_bench.c measures the fold alone (the plugin's code path without Kafka);
an operator gets one `herald-stage` process consuming Kafka, and the issue asks that a number
be visible in campaign_progress within 1 s of the event that changed it. This script runs the
real processes on the integration tests' isolation (own topic prefix, own database; see
tests/integration/herald_testlib.py) and prints `RESULT <name> <value>` lines for
bench/analytics.sh:

  stage_events / stage_seconds  a pre-produced stream (accepted, sent, delivered, read,
                                failures, wamid-only statuses, duplicates; shuffled) consumed
                                by a fresh stage: from the stage being assigned its partitions
                                to every message folded and committed (metric messages_total).
  lag_p50_ms / lag_p99_ms       events produced one by one at a steady rate; for each, the
                                time from just before produce() to the moment a poller
                                (every ~2 ms) sees campaign_progress.accepted include it.

    analytics_stage.py [--recipients 40000] [--lag-events 2000] [--lag-rate 400]
                       [--batch 20000] [--skip-lag]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import herald_testlib  # noqa: E402
import psycopg  # noqa: E402
import test_analytics as ta  # noqa: E402


def result(name: str, value) -> None:
    print(f"RESULT {name} {value}", flush=True)


def stage_rate(h, recipients: int, batch: int) -> None:
    cid = ta.make_campaign(h, recipients)
    evs, exp, _ = ta.stream_for(cid, recipients)
    rng = random.Random(3)
    evs = evs + rng.sample(evs, len(evs) // 20)  # Meta's and Kafka's duplicates
    rng.shuffle(evs)
    ta.produce_events(h, evs)
    st = h.start_stage("analytics", plugin_config={}, consume=ta.CONSUME, plugin="analytics",
                       name="bench-rate", kafka_options={"batch_size": batch,
                                                         "max_in_flight": 2 * batch})
    st.wait_healthy()
    t0 = time.time()
    st.wait_metric("herald_analytics_messages_total", len(evs), timeout=900)
    dt = time.time() - t0
    ta.wait_numbers(h, cid, dict(exp, pending=0), timeout=30)  # exact, not just fast
    m = st.metrics()
    result("stage_events", len(evs))
    result("stage_seconds", f"{dt:.3f}")
    result("stage_transactions", int(m.get("herald_analytics_transactions_total", 0)))
    st.stop()


def percentile(sorted_values: list[float], q: float) -> float:
    i = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[i]


def progress_lag(h, events: int, rate: float, batch: int) -> None:
    cid = ta.make_campaign(h, events + 1)
    st = h.start_stage("analytics", plugin_config={}, consume=ta.CONSUME, plugin="analytics",
                       name="bench-lag", kafka_options={"batch_size": batch,
                                                        "max_in_flight": 2 * batch})
    st.wait_healthy()
    h.produce("delivery-events", str(cid), ta.event("accepted", cid, events + 1, ta.T0))
    ta.wait_numbers(h, cid, {"accepted": 1}, timeout=30)  # warm: staging tables exist
    produced = [0.0] * (events + 1)
    seen = [0.0] * (events + 1)

    def producer():
        p = h.producer()
        topic = h.topic("delivery-events")
        start = time.time()
        for i in range(1, events + 1):
            delay = start + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            ev = ta.event("accepted", cid, i, int(time.time() * 1000))
            produced[i] = time.time()
            p.produce(topic, key=str(cid), value=json.dumps(ev))
            p.poll(0)
        p.flush(30)

    th = threading.Thread(target=producer)
    th.start()
    have = 0
    deadline = time.time() + events / rate + 60
    with psycopg.connect(h.conninfo, autocommit=True) as conn:
        while have < events and time.time() < deadline:
            (n,), = conn.execute("SELECT accepted FROM campaign_progress WHERE campaign_id = %s",
                                 (cid,)).fetchall()
            now = time.time()
            for i in range(have + 1, min(n - 1, events) + 1):  # minus the warm-up recipient
                seen[i] = now
            have = max(have, min(n - 1, events))
            time.sleep(0.002)
    th.join()
    lags = sorted((seen[i] - produced[i]) * 1000 for i in range(1, events + 1) if seen[i])
    assert len(lags) == events, f"only {len(lags)} of {events} events became visible"
    result("lag_events", events)
    result("lag_rate", rate)
    result("lag_p50_ms", f"{percentile(lags, 0.50):.1f}")
    result("lag_p99_ms", f"{percentile(lags, 0.99):.1f}")
    result("lag_max_ms", f"{lags[-1]:.1f}")
    st.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipients", type=int, default=40000)
    ap.add_argument("--lag-events", type=int, default=2000)
    ap.add_argument("--lag-rate", type=float, default=400.0)
    ap.add_argument("--batch", type=int, default=20000)  # kafka.batch_size, as shipped
    ap.add_argument("--skip-lag", action="store_true")
    a = ap.parse_args()
    # Each part on its own topics and database, so neither stage sees the other's stream.
    parts = [lambda h: stage_rate(h, a.recipients, a.batch)]
    if not a.skip_lag:
        parts.append(lambda h: progress_lag(h, a.lag_events, a.lag_rate, a.batch))
    for part in parts:
        h = herald_testlib.Herald(Path(tempfile.mkdtemp(prefix="herald-bench-analytics-")))
        h.setup()
        try:
            part(h)
        finally:
            h.teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
