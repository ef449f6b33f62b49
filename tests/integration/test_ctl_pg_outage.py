"""herald-ctl watch across a PostgreSQL restart.

Why: `watch` follows a campaign that may run for hours; a database restart in between must not
end it. The lost connection is re-established (for up to --timeout seconds) and the watch goes
on to the campaign's end; if the database stays away longer, watch exits 2 with a one-line
reason. The server is really stopped, so it is a PRIVATE cluster (see
test_segmenter_pg_outage.py); the shared one is never touched.
"""
import subprocess
import time

from test_ctl import CTL, ROOT, ctl_env, make_campaign
from test_segmenter_pg_outage import OnPrivateDb, private_pg  # noqa: F401 (fixture)


def test_watch_survives_a_postgres_restart_and_gives_up_after_timeout(herald, private_pg):
    h = OnPrivateDb(herald, private_pg)
    cid = make_campaign(h, status="running")
    h.sql("UPDATE campaigns SET audience_size = 3, started_at = now() WHERE id = %s", cid)
    env = ctl_env(herald, HERALD_PG_CONNINFO=private_pg.conninfo)
    p = subprocess.Popen([CTL, "watch", str(cid), "--interval", "0.2", "--timeout", "60"],
                         env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    first = p.stdout.readline()
    assert first.startswith(f"campaign={cid} status=running audience=3 "), first
    private_pg.script("stop")
    time.sleep(2.0)
    assert p.poll() is None, "watch must not end while the database restarts"
    private_pg.script("start")
    h.sql("UPDATE campaigns SET status = 'completed', completed_at = now() WHERE id = %s", cid)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert out.splitlines()[-1] == f"campaign {cid} completed"
    assert "reconnecting for up to 60 s" in err and "reconnected to postgresql" in err

    # a database that stays away longer than --timeout ends the watch: exit 2, one reason line
    h.sql("UPDATE campaigns SET status = 'running', completed_at = NULL WHERE id = %s", cid)
    p = subprocess.Popen([CTL, "watch", str(cid), "--interval", "0.2", "--timeout", "2"],
                         env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().startswith(f"campaign={cid} status=running")
    private_pg.script("stop")
    t0 = time.monotonic()
    out, err = p.communicate(timeout=60)
    assert p.returncode == 2, err
    assert time.monotonic() - t0 < 20
    assert err.splitlines()[-1].startswith("herald-ctl: postgresql")
