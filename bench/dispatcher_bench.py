#!/usr/bin/env python3
"""Dispatcher benchmark: sends/s with the rate limit off against the mock Cloud API, next to a
raw libcurl-multi loop against the same mock in the same run, and rate-limit accuracy at 80 and
1000 msg/s.

Why: the dispatcher's throughput only means something next to the same HTTP stack without the
dispatcher's work (Kafka, PostgreSQL claim + resolution per recipient, rate limiting), and the
limiter's promise is two-sided: never over the limit in any 1 s window, and close to it on
average.

Run (services up, build in $HERALD_BUILD_DIR, default build/):
    .cache/venv/bin/python bench/dispatcher_bench.py [--sends 20000]
Uses the integration-test fixtures (tests/integration/herald_testlib.py): its own topics and
database, removed afterwards.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import herald_testlib  # noqa: E402
import test_dispatcher as td  # noqa: E402


def world():
    h = herald_testlib.Herald(Path(tempfile.mkdtemp(prefix="dispatcher-bench-")))
    h.setup()
    return h


def mock(*flags):
    return td.MockApi(*flags)


def steady_rate(ts, trim_ms=500):
    ts = sorted(ts)
    lo, hi = ts[0] + trim_ms, ts[-1] - trim_ms
    inside = [t for t in ts if lo <= t <= hi]
    return (len(inside) - 1) / ((inside[-1] - inside[0]) / 1000.0)


def raw_curl(n, concurrency):
    api = mock()
    try:
        out = subprocess.run([str(herald_testlib.BUILD_DIR / "bin" / "herald-bench-raw-curl"),
                              f"{api.url}/v23.0/{td.PNID}/messages", td.TOKEN, str(n),
                              str(concurrency)], capture_output=True, text=True, check=True)
        return float(out.stdout.split("rate=")[1])
    finally:
        api.stop()


def dispatcher_run(n, rate, **config):
    h, api = world(), mock()
    try:
        cid = td.make_campaign(h, n)
        st = td.start_dispatcher(h, api, rate_per_second=rate, **config)
        td.produce_jobs(h, cid)
        td.wait_final(h, cid, n, timeout=600)
        sends = api.sends()
        ts = [s["ts_ms"] for s in sends]
        whole = (len(ts) - 1) / ((max(ts) - min(ts)) / 1000.0)
        st.stop()
        return whole, steady_rate(ts), api.stats()["max_sends_in_1s_window"], len(sends)
    finally:
        api.stop()
        h.teardown()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sends", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=256)
    a = ap.parse_args()
    raw = raw_curl(a.sends, 64)
    whole, _, _, sent = dispatcher_run(a.sends, 1e7, max_concurrency=a.concurrency)
    print("| measurement | result |\n|---|---|")
    print(f"| raw libcurl multi (64 connections), {a.sends} sends | {raw:,.0f} sends/s |")
    print(f"| dispatcher, limit off, {sent} recipients end to end | {whole:,.0f} sends/s |")
    for rate, n in ((80, 640), (1000, 8000)):
        whole, steady, maxw, sent = dispatcher_run(n, float(rate))
        print(f"| dispatcher at {rate} msg/s, {sent} recipients | steady {steady:,.1f} msg/s "
              f"({100 * (steady - rate) / rate:+.1f} %), max {maxw} in any 1 s window |")


if __name__ == "__main__":
    main()
