"""The stage host's failure paths that test_core.py does not reach.

Why these tests exist (issue 2): "a message that could not be delivered is an error that is
surfaced, never dropped" and "SIGTERM: ... exit 0 within a bounded time" must hold when things
go wrong, not only on the happy path. The echo test plugin forwards `in` -> `out`; here its
output cannot be delivered (the producer alone points at a closed port), or its work never
finishes before the drain deadline. Either way nothing may be committed past what was done,
and a healthy restart must deliver every message.
"""
import time

from herald_testlib import wait_for
from test_core import echo, numbers, produce_numbers, wait_out


def committed_count(herald, st, topic="in"):
    return sum(o for o in herald.committed(st.group_id, topic).values() if o > 0)


def test_undeliverable_output_is_surfaced_retried_and_never_committed(herald):
    n = 20
    herald.create_topics("in", "out")
    produce_numbers(herald, n)
    dead = herald.free_port()
    st = herald.start_stage(
        "echo", plugin_config={"output": "out"}, consume=["in"], name="echo-undeliverable",
        properties=[f"producer.bootstrap.servers=127.0.0.1:{dead}",
                    "producer.message.timeout.ms=1500"])
    # every delivery failure is counted and logged, and turns its input into a retry
    st.wait_metric("herald_produce_errors_total", n, timeout=60)
    st.wait_metric("herald_messages_retries_total", n, timeout=30)
    assert "delivery to" in st.log_text() and "failed" in st.log_text()
    assert st.alive()
    assert st.metrics().get("herald_messages_out_total", 0) == 0
    time.sleep(1.5)  # well past an auto-commit
    assert committed_count(herald, st) == 0, "an undelivered message must never be committed"
    assert st.stop() == 0

    st2 = echo(herald, name="echo-2")
    out = wait_out(herald, n)
    assert sorted(set(numbers(out))) == list(range(n)), "nothing lost"
    wait_for(lambda: committed_count(herald, st2) == n, 30, 0.5, "all committed")
    st2.stop()


def test_graceful_stop_is_bounded_when_work_cannot_finish(herald):
    n = 5
    produce_numbers(herald, n)
    # every message would be completed 10 minutes after it arrived: the drain cannot finish
    st = echo(herald, name="echo-stuck", delay_ms=600000,
              stage_options={"drain_timeout_ms": 2000})
    st.wait_metric("herald_messages_in_total", n)
    t0 = time.monotonic()
    assert st.stop(timeout=30) == 0
    took = time.monotonic() - t0
    assert took < 8, f"SIGTERM took {took:.1f}s with drain_timeout_ms = 2000"
    assert "drain timeout" in st.log_text()
    assert committed_count(herald, st) == 0, "unfinished work must not be committed"

    st2 = echo(herald, name="echo-2")
    out = wait_out(herald, n)
    assert sorted(set(numbers(out))) == list(range(n)), "nothing lost"
    st2.stop()
