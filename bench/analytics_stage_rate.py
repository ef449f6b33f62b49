"""End-to-end rate of a real analytics stage: Kafka -> herald-stage + herald_analytics.so ->
PostgreSQL, on the shared test fixture.

Why: analytics_bench measures the fold alone; this measures what an operator gets from one
stage process (consumer, JSON parsing, COPY, fold, commit, offset commits), for a stream whose
events arrive grouped by recipient (several steps per row write) and for the same stream
shuffled (one row write per event). Run:

    HERALD_BUILD_DIR=build pytest -s -p no:cacheprovider bench/analytics_stage_rate.py
"""
import importlib.util
import random
import sys
import time
from pathlib import Path

import pytest

INTEGRATION = Path(__file__).resolve().parent.parent / "tests" / "integration"
sys.path.insert(0, str(INTEGRATION))
_spec = importlib.util.spec_from_file_location("herald_conftest", INTEGRATION / "conftest.py")
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
herald_services = _conftest.herald_services
herald = _conftest.herald

import test_analytics as ta  # noqa: E402


@pytest.mark.parametrize("order", ["grouped", "shuffled"])
def test_stage_rate(herald, order):
    n = 40000
    cid = ta.make_campaign(herald, n)
    evs, exp, _ = ta.stream_for(cid, n)
    if order == "shuffled":
        random.Random(3).shuffle(evs)
    ta.produce_events(herald, evs)
    t0 = time.time()
    st = herald.start_stage("analytics", plugin_config={}, consume=ta.CONSUME,
                            plugin="analytics", name="rate", kafka_options={"batch_size": 5000})
    st.wait_healthy()
    st.wait_metric("herald_analytics_messages_total", len(evs), timeout=600)
    dt = time.time() - t0
    m = st.metrics()
    print(f"\n{order}: {len(evs)} events in {dt:.2f} s including process start: "
          f"{len(evs) / dt:,.0f} events/s; {m['herald_analytics_transactions_total']:.0f} "
          f"transactions, {m['herald_analytics_recipient_changes_total']:.0f} row changes")
    ta.wait_numbers(herald, cid, dict(exp, pending=0), timeout=5)
    st.stop()
