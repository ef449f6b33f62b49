"""The service scripts (scripts/kafka.sh, scripts/postgres.sh) are idempotent.

Why (issue 2): the demo, the tests and CI all call `start` whether or not the services run,
often concurrently; a second start must be a fast no-op that succeeds, and the broker must
carry the four topics with the default 6 partitions. A fresh private PostgreSQL cluster
(initdb, role and database, stop, start again) is exercised on its own port by
test_segmenter_pg_outage.py; the shared services are only probed here, never stopped.
"""
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from confluent_kafka.admin import AdminClient

from herald_testlib import BROKERS, REPO_ROOT


def script(name, *args, timeout=120):
    t0 = time.monotonic()
    r = subprocess.run(["bash", str(REPO_ROOT / "scripts" / name), *args],
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, time.monotonic() - t0, r.stdout + r.stderr


def test_second_start_is_a_fast_no_op_even_concurrently(herald_services):
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda s: script(s, "start"),
                             ["kafka.sh", "kafka.sh", "postgres.sh", "postgres.sh"]))
    for rc, took, out in runs:
        assert rc == 0, out
        assert took < 10, f"a start with the service up took {took:.1f}s: {out}"
    for name in ("kafka.sh", "postgres.sh"):
        rc, _, out = script(name, "status")
        assert rc == 0 and "running" in out, out


def test_broker_has_the_four_topics_with_default_partitions(herald_services):
    md = AdminClient({"bootstrap.servers": BROKERS}).list_topics(timeout=10)
    for topic in ("campaign-commands", "jobs", "delivery-events", "replies"):
        assert topic in md.topics, f"{topic} missing"
        assert len(md.topics[topic].partitions) == 6, topic


def test_unknown_action_is_a_usage_error():
    for name in ("kafka.sh", "postgres.sh"):
        rc, _, out = script(name, "frobnicate")
        assert rc != 0 and "usage" in out.lower(), out


def test_postgres_restarts_on_the_port_asked_for_now(herald):
    """A cluster initialised on one port and started later with another HERALD_PG_PORT (a
    checkout reused with other ports) listens where it is asked to, not where initdb wrote."""
    from test_segmenter_pg_outage import PrivatePostgres
    pg = PrivatePostgres(herald.free_port())
    try:
        pg.script("start")
        assert pg.up()
        pg.script("stop")
        moved = PrivatePostgres(herald.free_port())
        shutil.rmtree(moved.var)  # same cluster folder, other port
        moved.var, moved.env["HERALD_VAR_DIR"] = pg.var, pg.var
        moved.script("start")
        assert moved.up(), f"not listening on {moved.port} after a start asked for it"
        assert not pg.up(), f"still listening on the old port {pg.port}"
        moved.script("stop")
    finally:
        pg.remove()
