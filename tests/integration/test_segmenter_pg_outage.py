"""Segmenter against a PostgreSQL server that goes away and comes back.

Why: the segmenter keeps all state in PostgreSQL, so an outage must cost time, never data:
commands that arrive while the server is down are retried (not rejected, not skipped, the
stage keeps running and its partition is not lost), every command ends with exactly one
recorded outcome once the server is back, emission and completion pick up where they were,
and every recipient is emitted. The server is stopped for real (pg_ctl stop -m fast, so
open connections are cut), which needs a PRIVATE cluster: scripts/postgres.sh with its own
HERALD_VAR_DIR and HERALD_PG_PORT; the shared server on 19432 is never touched.
"""
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

import test_segmenter as seg

ROOT = Path(__file__).resolve().parents[2]


class PrivatePostgres:
    """A throwaway cluster run by scripts/postgres.sh (initdb, role and db `herald`)."""

    def __init__(self, port: int):
        self.port = port
        self.var = tempfile.mkdtemp(prefix="herald-pg-outage-")
        self.env = {**os.environ, "HERALD_VAR_DIR": self.var, "HERALD_PG_PORT": str(port)}
        self.conninfo = f"host=127.0.0.1 port={port} dbname=herald user=herald"

    def script(self, action: str) -> None:
        r = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), action],
                           env=self.env, capture_output=True, text=True, timeout=180)
        assert r.returncode == 0, f"postgres.sh {action}: {r.stderr[-2000:]}"

    def up(self) -> bool:
        try:
            psycopg.connect(self.conninfo, connect_timeout=2).close()
            return True
        except psycopg.OperationalError:
            return False

    def remove(self) -> None:
        try:
            self.script("stop")
        finally:
            shutil.rmtree(self.var, ignore_errors=True)


class OnPrivateDb:
    """The `herald` fixture with sql() and conninfo moved to the private cluster, so the
    helpers of test_segmenter.py (create, command, states, read_jobs...) work unchanged;
    topics and stages still come from the fixture."""

    def __init__(self, herald, pg: PrivatePostgres):
        self._herald = herald
        self.conninfo = pg.conninfo

    def __getattr__(self, name):
        return getattr(self._herald, name)

    def sql(self, query, *params):
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            cur = conn.execute(query, params or None)
            return cur.fetchall() if cur.description else []


@pytest.fixture
def private_pg(herald):
    pg = PrivatePostgres(herald.free_port())
    try:
        pg.script("start")
        r = herald.run_stage(["--migrate"], env={"HERALD_PG_CONNINFO": pg.conninfo})
        assert r.returncode == 0, r.stderr[-2000:]
        yield pg
    finally:
        pg.remove()


def test_commands_and_emission_survive_a_postgres_outage(herald, private_pg):
    h = OnPrivateDb(herald, private_pg)
    seg.add_contacts(h, 150, "l")
    lid = seg.list_id(h, "l")
    cfg = herald.stage_config("segmenter", plugin_config=seg.SEGMENTER_CONFIG,
                              consume=["campaign-commands"], plugin="segmenter")
    cfg["postgres"]["conninfo"] = private_pg.conninfo
    st = herald.start_stage("segmenter", config=cfg).wait_healthy()

    a = seg.create(h, {"include_lists": [lid]})
    seg.command(h, "start", a)
    seg.wait_for(lambda: seg.states(h, a).get("queued") == seg.WINDOW, what="window full")
    b = seg.new_campaign_id(h)
    jobs_before = seg.count_messages(h, "jobs")

    # --- the server goes away (open connections are cut) ----------------------------------
    private_pg.script("stop")
    assert not private_pg.up()
    sent = {
        "create": seg.send(h, "create", b, campaign=seg.definition({"include_lists": [lid]})),
        "start": seg.send(h, "start", b),
        "bad": seg.send(h, "resume", a),  # illegal: A is running -> rejected, once
        "pause": seg.send(h, "pause", a),
    }
    # the stage keeps running, says the database is gone and retries the commands
    seg.wait_for(lambda: st.healthz()[1].get("postgres") is False, timeout=15,
                 what="/healthz reporting postgres down")
    st.wait_metric("herald_messages_retries_total", 4, timeout=15)
    time.sleep(2.0)
    assert st.alive()
    assert st.metrics()["herald_segmenter_commands_rejected_total"] == 0
    assert seg.count_messages(h, "jobs") == jobs_before  # nothing emitted blind

    # --- it comes back ----------------------------------------------------------------------
    private_pg.script("start")
    outcomes = {k: seg.outcome(h, cid, timeout=30) for k, cid in sent.items()}
    assert outcomes["create"] == ("accepted", None)
    assert outcomes["start"] == ("accepted", None)
    assert outcomes["bad"] == ("rejected", "cannot resume a running campaign")
    assert outcomes["pause"] == ("accepted", None)
    assert h.sql("SELECT count(*) FROM command_results WHERE command_id = ANY(%s)",
                 list(sent.values())) == [(4,)]
    assert seg.campaign(h, a)["status"] == "paused"
    assert seg.campaign(h, b)["status"] == "running"
    assert seg.campaign(h, b)["audience_size"] == 150
    seg.wait_for(lambda: st.healthz()[1].get("postgres") is True, timeout=15,
                 what="/healthz reporting postgres back")
    seg.command(h, "resume", a)

    # --- both campaigns run to completion; every recipient was emitted ----------------------
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        done = [seg.simulate_dispatcher(h, c, 30) for c in (a, b)]
        if not any(done) and all(seg.campaign(h, c)["status"] == "completed" for c in (a, b)):
            break
        time.sleep(0.1)
    for c in (a, b):
        assert seg.campaign(h, c)["status"] == "completed", seg.states(h, c)
        assert seg.states(h, c) == {"accepted": 150}
    jobs = seg.read_jobs(h)
    for c in (a, b):
        ids = [j["recipient_id"] for j in jobs if j["campaign_id"] == c]
        assert set(ids) == set(range(1, 151)), f"campaign {c}: recipients never emitted"
    assert st.alive()
    assert "postgres" in st.log_text()  # the outage was logged
    st.stop()
    # libpq's own messages ("FATAL: terminating connection ...") went through the JSON log
    assert all(line.startswith("{") for line in st.log_text().splitlines()), st.log_text()
