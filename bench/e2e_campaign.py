#!/usr/bin/env python3
"""e2e_campaign.py - one campaign through every Herald stage, timed, for bench/e2e.sh and
bench/scaling.sh.

Why: each stage has its own bench against its own dependency; this one answers the operator's
question "how long does a 100,000-recipient campaign take, and where does the time go?". It
runs the real processes - segmenter, N dispatchers (one consumer group), the gateway's webhook
plugin and analytics, each a `herald-stage` - against the mock Cloud API (sent, delivered and
read statuses, 10 % replies, webhooks signed and posted back to the gateway), with the rate
limit off, on the integration tests' isolation (own topic prefix, own database; see
tests/integration/herald_testlib.py), and measures from the `start` command:
  time to snapshot (campaigns.started_at), first and last send (campaign_recipients.accepted_at),
  completion (campaigns.completed_at) and the last status folded (campaign_progress.updated_at
  once every webhook was posted and analytics consumed every message),
plus the CPU seconds each process (and the PostgreSQL backends serving this database) burnt
in that time, read from /proc.

    e2e_campaign.py e2e [--recipients 100000] [--dispatchers 1]     -> <out>/e2e.tsv, .dat
    e2e_campaign.py scaling [--recipients 50000] [--instances 1 2 3] -> <out>/scaling.tsv, .dat
    e2e_campaign.py expansion [--contacts 1000000]   the segmenter stage alone (segmenter.sh)
<out> is $HERALD_BENCH_OUT (default var/bench); the build is $HERALD_BUILD_DIR.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import herald_testlib  # noqa: E402

OUT = Path(os.environ.get("HERALD_BENCH_OUT", str(REPO / "var" / "bench")))
TOKEN = "bench-e2e-token"
SECRET = "bench-e2e-app-secret"
PNID = "1098765"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Segmenter window with the rate limit off (lookahead_max; config/segmenter.conf's cap).
WINDOW = int(os.environ.get("HERALD_BENCH_E2E_WINDOW", "20000"))
TSV_HEADER = "figure\tvalue\tunit\tbaseline\tbaseline_value\tgoal\tmet"


# ------------------------------------------------------------------------------ /proc
def proc_cpu(pid: int) -> float:
    """utime + stime of a process (all its threads) in seconds; 0 when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (all cores)."""
    v = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = v[3] + v[4]
    return (sum(v) - idle) / CLK_TCK, sum(v) / CLK_TCK


def kafka_broker_pid() -> int | None:
    """The shared broker of scripts/kafka.sh (not a private one a chaos test runs)."""
    mine = str(Path(os.environ.get("HERALD_VAR_DIR", REPO / "var")) / "kafka").encode()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes()
            except OSError:
                continue
            if b"kafka.Kafka" in cmd and mine in cmd:
                return int(d.name)
    return None


def local_ports(pid: int) -> set[int]:
    """Local TCP ports of the sockets a process holds (to tell its PostgreSQL backends)."""
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                link = os.readlink(fd)
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return set()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) > 9 and f[9] in inodes:
                ports.add(int(f[1].rsplit(":", 1)[1], 16))
    return ports


def backends_by_owner(db, pids: dict) -> dict[int, str]:
    """{backend pid: name of the process whose connection it serves} for this database."""
    owner_of_port = {port: name for name, pid in pids.items() for port in local_ports(pid)}
    rows = db.execute("SELECT pid, client_port FROM pg_stat_activity WHERE datname = "
                      "current_database() AND pid <> pg_backend_pid()").fetchall()
    return {pid: owner_of_port.get(port, "other") for pid, port in rows}


# ------------------------------------------------------------------------------ mock
class Mock:
    """herald-mock-cloud-api on an ephemeral port, posting webhooks to the gateway."""

    def __init__(self, webhook_url: str):
        binary = herald_testlib.BUILD_DIR / "bin" / "herald-mock-cloud-api"
        env = dict(os.environ, MOCK_TOKEN=TOKEN, MOCK_APP_SECRET=SECRET)
        self.proc = subprocess.Popen(
            [str(binary), "--listen", "127.0.0.1:0", "--webhook-url", webhook_url,
             "--reply-share", "0.1", "--seed", "42"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        line = self.proc.stdout.readline()
        if "listening on port" not in line:
            raise RuntimeError(f"mock did not start: {line!r}")
        self.url = "http://127.0.0.1:" + line.rsplit(" ", 1)[1].strip()

    def stats(self) -> dict:
        import requests
        return requests.get(self.url + "/mock/stats", timeout=30).json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


# ------------------------------------------------------------------------------ world
def add_contacts(h, n: int) -> int:
    """n contacts in one list; returns the list id (setup, not timed)."""
    h.sql("INSERT INTO contact_lists (name) VALUES ('bench')")
    h.sql("INSERT INTO contacts (phone, name, attributes) SELECT (4915100000000 + g)::text, "
          "'Person ' || g, jsonb_build_object('city', 'Berlin', 'discount', (g %% 50) || '%%') "
          "FROM generate_series(1, %s) g", n)
    h.sql("INSERT INTO contact_list_members (list_id, contact_id) SELECT l.id, c.id "
          "FROM contacts c, contact_lists l WHERE l.name = 'bench'")
    h.sql("ANALYZE")
    return h.sql("SELECT id FROM contact_lists WHERE name = 'bench'")[0][0]


def start_stages(h, mock: Mock, webhook_port: int, dispatchers: int) -> dict:
    """The four stages with the configs of config/*.conf, rate limit off."""
    st = {}
    st["segmenter"] = h.start_stage(
        "segmenter", plugin="segmenter", consume=["campaign-commands"], name="segmenter-1",
        plugin_config={"default_rate_per_second": 1e7, "lookahead_max": WINDOW,
                       "emit_batch_max": 5000},
        stage_options={"tick_ms": 100}, kafka_options={"batch_size": 100, "max_in_flight": 1000},
        properties=["producer.linger.ms=5"])
    for i in range(1, dispatchers + 1):
        st[f"dispatcher-{i}"] = h.start_stage(
            "dispatcher", plugin="dispatcher", consume=["jobs"], name=f"dispatcher-{i}",
            plugin_config={"api_base_url": mock.url, "rate_per_second": 1e7,
                           "max_concurrency": 256, "campaign_refresh_ms": 200},
            env={"HERALD_WA_TOKEN": TOKEN}, stage_options={"tick_ms": 5},
            kafka_options={"batch_size": 500, "max_in_flight": 20000},
            properties=["producer.linger.ms=5", "producer.enable.idempotence=true"])
    st["gateway"] = h.start_stage(
        "gateway", name="gateway", env={"HERALD_APP_SECRET": SECRET},
        plugins=[{"name": "webhook", "consume": [],
                  "config": {"listen": f"127.0.0.1:{webhook_port}", "threads": 2}}],
        properties=["linger.ms=1", "socket.nagle.disable=true"])
    st["analytics"] = h.start_stage(
        "analytics", plugin="analytics", consume=["delivery-events", "replies",
                                                  "campaign-commands"],
        name="analytics", kafka_options={"batch_size": 5000, "max_in_flight": 20000})
    for s in st.values():
        s.wait_healthy(90)
    return st


def command(h, cmd_type: str, cid: int, **fields) -> str:
    cmd_id = f"bench-{uuid.uuid4()}"
    h.produce("campaign-commands", str(cid), {"command_id": cmd_id, "type": cmd_type,
                                              "campaign_id": cid, **fields})
    return cmd_id


def wait_accepted(h, cmd_id: str, timeout: float = 60) -> None:
    def outcome():
        r = h.sql("SELECT outcome, reason FROM command_results WHERE command_id = %s", cmd_id)
        return r[0] if r else None
    result, reason = herald_testlib.wait_for(outcome, timeout, 0.05, f"command {cmd_id}")
    if result != "accepted":
        raise RuntimeError(f"command refused: {reason}")


# ------------------------------------------------------------------------------ one run
PROGRESS_SQL = """
SELECT c.status, extract(epoch FROM c.started_at), extract(epoch FROM c.completed_at),
       coalesce(p.accepted, 0), coalesce(p.sent, 0), coalesce(p.delivered, 0),
       coalesce(p.read, 0), coalesce(p.failed, 0), coalesce(p.replied, 0),
       extract(epoch FROM p.updated_at)
  FROM campaigns c LEFT JOIN campaign_progress p ON p.campaign_id = c.id WHERE c.id = %s"""


def all_folded(h, st: dict, mock: Mock) -> bool:
    """Every webhook posted and answered, and analytics consumed every message there is."""
    if mock.stats()["webhooks"]["pending"] != 0:
        return False
    if st["gateway"].metrics().get("herald_webhook_waiting_requests", 0) != 0:
        return False
    total = sum(sum(h.end_offsets(t).values())
                for t in ("delivery-events", "replies", "campaign-commands"))
    return st["analytics"].metrics().get("herald_analytics_messages_total", 0) >= total


def start_perf(out: Path) -> subprocess.Popen:
    """perf record (cpu-clock, call graphs) of the whole machine while the run lasts; the
    report is cut per process afterwards (backends opened later are included that way)."""
    return subprocess.Popen(["perf", "record", "-a", "-e", "cpu-clock", "-F", "499", "-g",
                             "-o", str(out.with_suffix(".data"))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def finish_perf(perf: subprocess.Popen, pids: dict, owners: dict, out: Path) -> None:
    """Stops perf and writes, per process, its hottest symbols (self time) to `out`."""
    import signal
    perf.send_signal(signal.SIGINT)
    perf.wait(60)
    names = {p: name for name, p in pids.items()}
    names.update({p: f"postgres backend for {o}" for p, o in owners.items()})
    with open(out, "w") as f:
        for pid, name in names.items():
            r = subprocess.run(["perf", "report", "-i", str(out.with_suffix(".data")), "--stdio",
                                "--no-children", "-g", "none", "--percent-limit", "1.5",
                                "--percentage", "relative",
                                "--sort", "dso,sym", f"--pid={pid}"],
                               capture_output=True, text=True)
            body = [ln for ln in r.stdout.splitlines() if ln and not ln.startswith("#")]
            samples = re.search(r"# Samples: (\S+)", r.stdout)
            f.write(f"== {name} (pid {pid}), {samples.group(1) if samples else 0} samples\n")
            f.write("\n".join(body[:25]) + "\n\n")


def run_campaign(n: int, dispatchers: int, series_path: Path | None, timeout: float,
                 perf_out: Path | None = None) -> dict:
    """One campaign of n recipients; returns the measurements (seconds relative to start)."""
    import psycopg
    h = herald_testlib.Herald(Path(tempfile.mkdtemp(prefix="herald-bench-e2e-")))
    h.setup()
    h.create_topics("dead-letters")
    mock = None
    try:
        t_setup = time.time()
        list_id = add_contacts(h, n)
        print(f"  {n} contacts in {time.time() - t_setup:.1f} s (setup, not timed)", flush=True)
        wport = h.free_port()
        mock = Mock(f"http://127.0.0.1:{wport}/webhook")
        st = start_stages(h, mock, wport, dispatchers)
        cid = h.sql("SELECT nextval('campaign_ids')")[0][0]
        wait_accepted(h, command(h, "create", cid, campaign={
            "name": "bench e2e", "phone_number_id": PNID,
            "template": {"name": "spring_sale", "language": "en",
                         "params": ["name", "attributes.discount"]},
            "audience": {"include_lists": [list_id]}, "rate_limit_per_second": None}))
        db = psycopg.connect(h.conninfo, autocommit=True)
        pids = {name: s.pid for name, s in st.items()}
        pids["mock"] = mock.proc.pid
        kafka = kafka_broker_pid()
        if kafka:
            pids["kafka broker (shared)"] = kafka
        owners = backends_by_owner(db, pids)
        backends = list(owners)
        cpu0 = {k: proc_cpu(p) for k, p in pids.items()}
        pg0 = {p: proc_cpu(p) for p in backends}
        busy0, total0 = machine_busy()

        perf = start_perf(perf_out) if perf_out else None
        t0 = time.time()
        command(h, "start", cid)
        series, row, folded_checks, t_running = [], None, 0, None
        deadline = t0 + timeout
        while time.time() < deadline:
            row = db.execute(PROGRESS_SQL, (cid,)).fetchone()
            now = time.time()
            if t_running is None:
                if row[0] == "draft":  # snapshot not committed yet: watch it closely
                    time.sleep(0.02)
                    continue
                t_running = now  # started_at is the transaction's start, not its commit
            series.append((now - t0, *row[3:9]))
            if row[0] == "completed" and row[5] > 0 and all_folded(h, st, mock):
                folded_checks += 1
                if folded_checks >= 2:
                    break
            else:
                folded_checks = 0
            time.sleep(0.25)
        else:
            raise RuntimeError(f"campaign not finished after {timeout} s: {row}")
        t_end = time.time()
        cpu = {k: max(proc_cpu(p) - cpu0[k], 0.0) for k, p in pids.items()}
        owners.update({p: o for p, o in backends_by_owner(db, pids).items() if p not in owners})
        if perf:
            finish_perf(perf, pids, owners, perf_out)
        for p, owner in owners.items():
            key = f"postgres for {owner}"
            cpu[key] = cpu.get(key, 0.0) + max(proc_cpu(p) - pg0.get(p, 0.0), 0.0)
        busy1, total1 = machine_busy()
        first, last = db.execute(
            "SELECT extract(epoch FROM min(accepted_at)), extract(epoch FROM max(accepted_at)) "
            "FROM campaign_recipients WHERE campaign_id = %s", (cid,)).fetchone()
        states = dict(db.execute("SELECT state, count(*) FROM campaign_recipients WHERE "
                                 "campaign_id = %s GROUP BY state", (cid,)).fetchall())
        row = db.execute(PROGRESS_SQL, (cid,)).fetchone()
        db.close()
        stats = mock.stats()
        for s in st.values():
            s.stop(expect=None)
        res = {
            "recipients": n, "dispatchers": dispatchers,
            "snapshot": t_running - t0, "completed": float(row[2]) - t0,
            "first_send": float(first) - t0, "last_send": float(last) - t0,
            "last_fold": float(row[9]) - t0, "detected": t_end - t0,
            "accepted": row[3], "sent": row[4], "delivered": row[5], "read": row[6],
            "failed": row[7], "replied": row[8], "states": states,
            "mock_accepted": stats["accepted"], "duplicate_sends": stats["duplicate_sends"],
            "webhook_posts": stats["webhooks"]["posts"],
            "cpu": cpu, "machine_busy": busy1 - busy0, "machine_total": total1 - total0,
        }
        res["send_rate"] = n / max(res["last_send"] - res["first_send"], 1e-3)
        if series_path:
            with open(series_path, "w") as f:
                f.write("# seconds accepted sent delivered read failed replied\n")
                for r in series:
                    f.write(f"{r[0]:.2f} " + " ".join(str(x) for x in r[1:]) + "\n")
        return res
    finally:
        if mock:
            mock.stop()
        h.teardown()


# ------------------------------------------------------------------------------ output
def tsv(name: str, rows: list[tuple]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"{name}.tsv", "w") as f:
        f.write(TSV_HEADER + "\n")
        for r in rows:
            f.write("\t".join("-" if c is None or c == "" else str(c) for c in r) + "\n")


def fmt(x: float) -> str:
    return f"{x:.2f}"


def e2e(args) -> int:
    n = args.recipients
    print(f"e2e: {n} recipients, {args.dispatchers} dispatcher(s), rate limit off", flush=True)
    perf_out = OUT / "e2e-perf.txt" if args.perf else None
    r = run_campaign(n, args.dispatchers, OUT / "e2e-progress.dat", args.timeout, perf_out)
    wall = r["last_fold"]
    cores = os.cpu_count() or 1
    label = f"{n:,} recipients"
    rows = [
        (f"e2e wall time, {label} (start -> last status folded)", fmt(wall), "s", "-", "-",
         "< 30 s", "yes" if wall < 30 else "no"),
        ("e2e audience snapshot committed (seen by polling every 20 ms)", fmt(r["snapshot"]), "s", "-", "-", "-", "-"),
        ("e2e first send", fmt(r["first_send"]), "s", "-", "-", "-", "-"),
        ("e2e last send", fmt(r["last_send"]), "s", "-", "-", "-", "-"),
        ("e2e campaign completed", fmt(r["completed"]), "s", "-", "-", "-", "-"),
        ("e2e sends/s (first -> last send)", f"{r['send_rate']:.0f}", "sends/s", "-", "-", "-",
         "-"),
        ("e2e recipients accepted and sent", r["sent"], "recipients", "-", "-", f"= {n}",
         "yes" if r["accepted"] == n and r["sent"] == n else "no"),
        ("e2e delivered / read / replied folded",
         f"{r['delivered']}/{r['read']}/{r['replied']}", "recipients", "-", "-", "-", "-"),
        ("e2e duplicate sends at the mock", r["duplicate_sends"], "sends", "-", "-", "= 0",
         "yes" if r["duplicate_sends"] == 0 else "no"),
    ]
    busy_share = r["machine_busy"] / max(r["machine_total"], 1e-9)
    rows.append((f"e2e machine CPU busy ({cores} cores)", f"{100 * busy_share:.0f}", "%", "-",
                 "-", "-", "-"))
    # The CPU the pipeline needs per recipient bounds the wall time on this machine whatever
    # the stages do in parallel: cores / (CPU per recipient) recipients per second at best.
    per = sum(r["cpu"].values()) / n
    ceiling = cores / per
    rows.append(("e2e CPU per recipient, all processes (stages, mock, PostgreSQL, broker)",
                 f"{per * 1e6:.0f}", "us", "-", "-", "-", "-"))
    rows.append((f"e2e best wall time this CPU cost allows on {cores} cores",
                 fmt(n / ceiling), "s", "-", "-", "< 30 s", "yes" if n / ceiling < 30 else "no"))
    with open(OUT / "e2e-cpu.dat", "w") as f:
        f.write("# process cpu_seconds share_of_one_core_over_the_run\n")
        for name, sec in sorted(r["cpu"].items(), key=lambda kv: -kv[1]):
            rows.append((f"e2e CPU {name}", fmt(sec), "CPU s", "-", "-", "-", "-"))
            f.write(f"\"{name}\" {sec:.2f} {sec / max(r['detected'], 1e-9):.3f}\n")
    tsv("e2e", rows)
    print(json.dumps(r, indent=1, default=str))
    return 0


def scaling(args) -> int:
    n = args.recipients
    rows, results = [], []
    for k in args.instances:
        print(f"scaling: {n} recipients, {k} dispatcher(s)", flush=True)
        try:
            r = run_campaign(n, k, None, args.timeout)
        except Exception as e:  # one failed point is reported, the others still run
            print(f"scaling: {k} dispatcher(s) failed: {e}", flush=True)
            rows.append((f"scaling e2e recipients/s, {k} dispatcher(s)", "FAILED", "-", "-",
                         "-", "-", "no"))
            continue
        results.append((k, r))
        print(f"  wall {r['last_fold']:.1f} s, sends/s {r['send_rate']:.0f}", flush=True)
    base = results[0][1] if results and results[0][0] == 1 else None
    with open(OUT / "scaling-throughput.dat", "w") as f:
        f.write("# dispatchers sends_per_s e2e_recipients_per_s wall_s dispatchers_cpu_s "
                "postgres_cpu_s\n")
        for k, r in results:
            e2e_rate = n / r["last_fold"]
            dcpu = sum(v for name, v in r["cpu"].items() if name.startswith("dispatcher"))
            pcpu = sum(v for name, v in r["cpu"].items() if name.startswith("postgres"))
            f.write(f"{k} {r['send_rate']:.0f} {e2e_rate:.0f} {r['last_fold']:.2f} {dcpu:.2f} "
                    f"{pcpu:.2f}\n")
            for what, value, bval in (("sends/s (first -> last send)", r["send_rate"],
                                       base and base["send_rate"]),
                                      ("e2e recipients/s", e2e_rate,
                                       base and n / base["last_fold"])):
                rows.append((f"scaling {what}, {k} dispatcher(s)", f"{value:.0f}",
                             "recipients/s" if "e2e" in what else "sends/s",
                             "1 dispatcher" if k != 1 and base else "-",
                             f"{bval:.0f}" if k != 1 and base else "-", "-", "-"))
    tsv("scaling", rows)
    return 0 if len(results) == len(args.instances) else 1


def expansion(args) -> int:
    """The segmenter stage alone: start -> snapshot -> every job produced and acknowledged,
    with an unbounded window (no dispatcher consumes), on the audience of
    bench/segmenter_expansion.c. Prints `RESULT stage_expansion <rows> <seconds>` and
    `RESULT stage_snapshot <rows> <seconds>` for bench/segmenter.sh."""
    import psycopg
    n = args.contacts
    h = herald_testlib.Herald(Path(tempfile.mkdtemp(prefix="herald-bench-expansion-")))
    h.setup()
    try:
        h.sql("INSERT INTO contact_lists (id, name) VALUES (1, 'all')")
        h.sql("INSERT INTO contacts (phone, name, attributes, tags) SELECT "
              "(4910000000000 + i)::text, 'Person ' || i, jsonb_build_object('city', "
              "(ARRAY['Berlin','Hamburg','Munich','Cologne'])[i %% 4 + 1], 'age', "
              "(18 + i %% 60)::text, 'discount', (i %% 50) || '%%'), CASE WHEN i %% 10 = 0 "
              "THEN ARRAY['vip'] ELSE ARRAY[]::text[] END FROM generate_series(1, %s) i", n)
        h.sql("INSERT INTO contact_list_members (list_id, contact_id) SELECT 1, id FROM contacts")
        h.sql("ANALYZE")
        seg = h.start_stage(
            "segmenter", plugin="segmenter", consume=["campaign-commands"], name="segmenter-1",
            plugin_config={"default_rate_per_second": 1e9, "lookahead_max": 100000000,
                           "emit_batch_max": 5000},
            stage_options={"tick_ms": 10}, properties=["producer.linger.ms=5"])
        seg.wait_healthy(90)
        cid = h.sql("SELECT nextval('campaign_ids')")[0][0]
        wait_accepted(h, command(h, "create", cid, campaign={
            "name": "bench expansion", "phone_number_id": PNID,
            "template": {"name": "spring_sale", "language": "en",
                         "params": ["name", "attributes.discount"]},
            "audience": {"include_lists": [1], "rules": {"all": [
                {"attr": "city", "op": "ne", "value": "Munich"},
                {"any": [{"attr": "age", "op": "gte", "value": 25},
                         {"op": "has_tag", "value": "vip"}]}]}},
            "rate_limit_per_second": None}))
        db = psycopg.connect(h.conninfo, autocommit=True)
        t0 = time.time()
        command(h, "start", cid)
        t_snap = None
        deadline = t0 + args.timeout
        while time.time() < deadline:
            status, size = db.execute("SELECT status, audience_size FROM campaigns WHERE id = %s",
                                      (cid,)).fetchone()
            if status != "draft":
                t_snap = time.time()
                break
            time.sleep(0.02)
        while time.time() < deadline:
            m = seg.metrics()
            if (m.get("herald_segmenter_jobs_emitted_total", 0) >= size
                    and m.get("herald_segmenter_jobs_in_flight", 1) == 0):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"expansion not finished after {args.timeout} s")
        t_end = time.time()
        db.close()
        seg.stop(expect=None)
        print(f"RESULT stage_snapshot {size} {t_snap - t0:.3f}")
        print(f"RESULT stage_expansion {size} {t_end - t0:.3f}")
        return 0
    finally:
        h.teardown()


def main() -> int:
    import signal
    # bench/run.sh's timeout sends SIGTERM: unwind so `finally` stops the stages and the mock
    # and drops the topics and database
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    a = sub.add_parser("e2e")
    a.add_argument("--recipients", type=int, default=100000)
    a.add_argument("--dispatchers", type=int, default=1)
    a.add_argument("--timeout", type=float, default=600)
    a.add_argument("--perf", action="store_true",
                   help="profile every process with perf (slows the run; not for timing)")
    b = sub.add_parser("scaling")
    b.add_argument("--recipients", type=int, default=50000)
    b.add_argument("--instances", type=int, nargs="+", default=[1, 2, 3])
    b.add_argument("--timeout", type=float, default=600)
    c = sub.add_parser("expansion")
    c.add_argument("--contacts", type=int, default=1000000)
    c.add_argument("--timeout", type=float, default=1200)
    args = ap.parse_args()
    return {"e2e": e2e, "scaling": scaling, "expansion": expansion}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
