"""The stage host's guarantees, proven with real herald-stage processes, Kafka and PostgreSQL.

Why these tests exist: every Herald stage relies on the host for at-least-once delivery,
offset commits, rebalancing, retries and clear start-up errors. The `echo` test plugin
(tests/plugins/echo) only forwards `in` -> `out`, so every loss or duplicate seen here is
the host's doing. Payloads are {"i": n} so messages can be counted exactly.
"""

import json
import re
import subprocess
import threading
import time
from collections import Counter

import pytest

from herald_testlib import BUILD_DIR, REPO_ROOT, wait_for


def echo(herald, name="echo", **config):
    """Starts an echo stage in -> out with extra plugin config; waits until it is healthy."""
    stage_options = config.pop("stage_options", None)
    kafka_options = config.pop("kafka_options", None)
    properties = config.pop("properties", None)
    herald.create_topics("in", "out")
    st = herald.start_stage("echo", plugin_config={"output": "out", **config}, consume=["in"],
                            name=name, stage_options=stage_options,
                            kafka_options=kafka_options, properties=properties)
    return st.wait_healthy()


def produce_numbers(herald, n, start=0, topic="in"):
    return herald.produce_many(topic, ((f"k{i}", {"i": i}) for i in range(start, start + n)))


def numbers(messages):
    return [json.loads(v)["i"] for _, v in messages]


def wait_out(herald, n, timeout=60):
    """Waits until `out` holds at least n messages; returns them all."""
    def enough():
        got = herald.consume_all("out", idle=1.0, timeout=timeout)
        return got if len(got) >= n else None
    return wait_for(enough, timeout, 0.5, f"{n} messages on out")


def assert_all_committed(herald, st, topic="in"):
    committed = herald.committed(st.group_id, topic)
    ends = herald.end_offsets(topic)
    assert committed == ends, f"committed {committed} != end offsets {ends}"


# ---- traffic ------------------------------------------------------------------------------

def test_echo_passes_traffic_and_commits(herald):
    produce_numbers(herald, 300)
    st = echo(herald)
    got = herald.consume("out", 300, timeout=30)
    assert sorted(numbers(got)) == list(range(300))
    assert all(k == f"k{json.loads(v)['i']}" for k, v in got), "keys must be preserved"
    m = st.wait_metric("herald_messages_out_total", 300)
    assert m == 300
    assert st.metrics()["herald_messages_in_total"] == 300
    assert st.metrics()["herald_echo_forwarded_total"] == 300
    st.stop()
    assert_all_committed(herald, st)
    assert "owning 6 of 6" in st.log_text()  # partition_share saw all 6 partitions


def test_postgres_writes_are_durable_before_commit(herald):
    produce_numbers(herald, 120)
    st = echo(herald, pg_table="echo_seen")
    wait_out(herald, 120)
    st.stop()
    rows = herald.sql("SELECT payload FROM echo_seen")
    assert sorted(json.loads(p)["i"] for p, in rows) == list(range(120))
    assert_all_committed(herald, st)


# ---- at-least-once across shutdowns -------------------------------------------------------

def test_sigterm_drains_commits_and_loses_nothing(herald):
    n = 2000
    produce_numbers(herald, n)
    # slow and bounded: ~10 s of work, so SIGTERM lands with messages in flight
    slow = dict(delay_ms=100, kafka_options={"batch_size": 20, "max_in_flight": 60})
    st = echo(herald, **slow)
    st.wait_metric("herald_messages_out_total", 100)
    t0 = time.monotonic()
    assert st.stop(timeout=30) == 0
    assert time.monotonic() - t0 < 16, "graceful stop must be bounded by drain_timeout_ms"
    log = st.log_text()
    assert "shutdown: draining" in log and "drain timeout" not in log
    assert "offsets committed" in log
    first = numbers(herald.consume_all("out", idle=2))
    assert 0 < len(first) < n, "SIGTERM should have landed mid-stream"
    # everything processed was committed: the committed offsets account exactly for `first`
    committed = herald.committed(st.group_id, "in")
    assert sum(o for o in committed.values() if o > 0) == len(first)

    st2 = echo(herald, name="echo-2", **slow)
    wait_out(herald, n, timeout=90)
    st2.stop()
    out = numbers(herald.consume_all("out", idle=2))
    assert sorted(set(out)) == list(range(n)), "nothing lost"
    dupes = [i for i, c in Counter(out).items() if c > 1]
    assert dupes == [], f"a graceful stop must not cause redelivery: {dupes[:10]}"
    assert_all_committed(herald, st2)


def test_kill9_and_restart_loses_nothing(herald):
    n = 4000
    produce_numbers(herald, n)
    inputs = herald.consume_all("in", idle=2, with_meta=True)
    where = {json.loads(m["value"])["i"]: (m["partition"], m["offset"]) for m in inputs}
    assert len(where) == n
    slow = dict(delay_ms=100, kafka_options={"batch_size": 100, "max_in_flight": 400},
                # a killed member holds its partitions until its session times out
                properties=["auto.commit.interval.ms=500", "consumer.session.timeout.ms=6000"])
    st = echo(herald, **slow)
    st.wait_metric("herald_messages_out_total", 600)
    time.sleep(1.0)  # let at least one auto-commit happen
    st.kill9()
    committed = herald.committed(st.group_id, "in")
    assert any(o > 0 for o in committed.values()), "something should have been committed"
    before = numbers(herald.consume_all("out", idle=2))
    assert len(before) < n

    st2 = echo(herald, name="echo-2", **slow)
    wait_out(herald, n, timeout=120)
    herald_wait_all = wait_for(lambda: len(set(numbers(herald.consume_all("out", idle=1)))) >= n,
                               60, 1, "every number on out")
    assert herald_wait_all
    # every number on `out` does not mean the new member is done: the killed one had already
    # sent the uncommitted tail, which echo-2 is still receiving again (seen once under load:
    # stopped with one partition 224 messages short of its end, so nothing to commit there)
    wait_for(lambda: herald.committed(st2.group_id, "in") == herald.end_offsets("in"), 60, 0.5,
             "echo-2 through the uncommitted tail")
    st2.stop()
    out = numbers(herald.consume_all("out", idle=2))
    assert sorted(set(out)) == list(range(n)), "a kill -9 must lose nothing"
    for i, count in Counter(out).items():
        if count > 1:
            p, off = where[i]
            assert off >= committed[p], \
                f"message {i} (p{p}@{off}) was committed ({committed[p]}) yet redelivered"
    assert_all_committed(herald, st2)


# ---- consumer groups -----------------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["range", "cooperative-sticky"])
def test_two_processes_split_partitions(herald, strategy):
    props = [f"consumer.partition.assignment.strategy={strategy}"]
    a = echo(herald, name="echo-a", properties=props)
    b = echo(herald, name="echo-b", properties=props)

    def balanced():
        owned = [a.metrics().get("herald_echo_partitions_owned", 0),
                 b.metrics().get("herald_echo_partitions_owned", 0)]
        return owned if sum(owned) == 6 and min(owned) > 0 else None
    owned = wait_for(balanced, 60, 0.2, "both processes owning partitions")
    assert sorted(owned) == [3, 3]
    n = 600
    produce_numbers(herald, n)
    out = wait_out(herald, n)
    assert sorted(set(numbers(out))) == list(range(n))
    in_a = a.metrics()["herald_messages_in_total"]
    in_b = b.metrics()["herald_messages_in_total"]
    assert in_a > 0 and in_b > 0, (in_a, in_b)
    assert in_a + in_b == n
    a.stop()
    b.stop()
    assert_all_committed(herald, a)


def test_partitions_move_to_the_survivor(herald):
    a = echo(herald, name="echo-a")
    b = echo(herald, name="echo-b")
    wait_for(lambda: b.metrics().get("herald_echo_partitions_owned", 0) > 0, 60, 0.2,
             "b owning partitions")
    b.stop()
    wait_for(lambda: a.metrics().get("herald_echo_partitions_owned", 0) == 6, 60, 0.2,
             "a owning all partitions again")
    produce_numbers(herald, 200)
    assert sorted(set(numbers(wait_out(herald, 200)))) == list(range(200))
    a.stop()


def test_a_rebalance_while_input_is_paused_leaves_no_partition_paused(herald):
    # Backpressure pauses the assigned partitions. A member joining revokes them; their
    # in-flight work finishes during the revoke and input resumes while nothing is assigned.
    # librdkafka keeps a partition's pause across unassign/assign, so a partition paused then
    # and assigned back used to never fetch again: half the input stalled for good.
    n = 400
    produce_numbers(herald, n)
    # 40 messages of 1.5 s each in flight: input is paused nearly all the time, and the revoke
    # (which waits up to 3 s for them) ends with nothing in flight, so input resumes at once
    slow = dict(delay_ms=1500, kafka_options={"batch_size": 20, "max_in_flight": 40})
    a = echo(herald, name="echo-a", **slow)
    wait_for(lambda: a.metrics().get("herald_input_paused", 0) == 1, 30, 0.05,
             "echo-a pausing its input (backpressure)")
    b = echo(herald, name="echo-b", **slow)
    wait_for(lambda: a.metrics().get("herald_rebalances_total", 0) >= 3, 60, 0.2,
             "echo-a going through the rebalance")
    out = wait_out(herald, n, timeout=120)
    assert sorted(set(numbers(out))) == list(range(n)), "nothing lost, nothing stalled"
    b.stop()
    a.stop()
    assert_all_committed(herald, a)


def test_two_plugins_in_one_stage_each_get_their_topics(herald):
    herald.create_topics("in", "out", "in2", "out2")
    st = herald.start_stage("duo", plugins=[
        {"name": "echo", "consume": ["in"], "config": {"output": "out"}},
        {"name": "echo", "consume": ["in2"], "config": {"output": "out2"}},
    ]).wait_healthy()
    produce_numbers(herald, 30)
    produce_numbers(herald, 20, start=100, topic="in2")
    assert sorted(numbers(herald.consume("out", 30))) == list(range(30))
    assert sorted(numbers(herald.consume("out2", 20))) == list(range(100, 120))
    st.wait_metric("herald_echo_forwarded_total", 50)  # both instances share the metric
    st.stop()
    assert_all_committed(herald, st, "in")
    assert_all_committed(herald, st, "in2")


def test_stage_without_consumed_topics_runs_producer_and_ticks(herald):
    st = herald.start_stage("idle", plugin="echo", plugin_config={"output": "out"},
                            consume=[]).wait_healthy()
    assert "kafka consumer" not in st.log_text()
    code, body = st.healthz()
    assert code == 200 and body["running"]
    st.stop()


# ---- retries, errors, backpressure ---------------------------------------------------------

def test_retry_is_delivered_without_blocking_the_partition(herald):
    herald.produce("in", "r", "RETRY-me", partition=0)
    for i in range(50):
        herald.produce("in", f"k{i}", {"i": i}, partition=0, flush=False)
    herald.flush()
    st = echo(herald, retry_marker="RETRY", retry_times=3,
              stage_options={"retry": {"initial_ms": 400, "max_ms": 2000}})
    out = wait_out(herald, 51, timeout=60)
    st.wait_metric("herald_messages_retries_total", 3)
    assert st.metrics()["herald_echo_retried_total"] == 3
    meta = herald.consume_all("out", idle=1, with_meta=True)
    retried = [m for m in meta if m["value"] == "RETRY-me"]
    others = [m for m in meta if m["value"] != "RETRY-me"]
    assert len(retried) == 1 and len(others) == 50
    assert max(m["timestamp_ms"] for m in others) < retried[0]["timestamp_ms"], \
        "later messages of the partition must not wait for the retried one"
    wait_for(lambda: herald.committed(st.group_id, "in")[0] == 51, 30, 0.5,
             "partition 0 committed past the retried message")
    st.stop()
    assert len(out) == 51


def test_error_goes_to_dead_letter_and_does_not_block(herald):
    herald.produce("in", "bad", "POISON pill", partition=2)
    produce_numbers(herald, 20)
    st = echo(herald, error_marker="POISON", kafka_options={"dead_letter_topic": "dead-letters"})
    wait_out(herald, 20)
    dead = herald.consume("dead-letters", 1, timeout=30)
    assert dead == [("bad", "POISON pill")]
    meta = herald.consume_all("dead-letters", idle=1, with_meta=True)[0]
    assert meta["headers"]["herald.reason"] == "echo: payload carries the error marker"
    assert meta["headers"]["herald.topic"] == "in"
    assert st.metrics()["herald_messages_errors_total"] == 1
    assert st.metrics()["herald_dead_letters_total"] == 1
    st.stop()
    assert_all_committed(herald, st)
    assert "failed permanently: echo: payload carries the error marker" in st.log_text()


def test_backpressure_bounds_in_flight(herald):
    # librdkafka 2.0.2 resumes a paused partition's fetching only on its next fetch cycle
    # (~0.5-1 s), so this test keeps the number of pause/resume rounds small
    produce_numbers(herald, 150)
    st = echo(herald, delay_ms=100, kafka_options={"batch_size": 5, "max_in_flight": 10})
    peak = 0
    paused_seen = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        m = st.metrics()
        peak = max(peak, m["herald_messages_in_flight"])
        paused_seen |= m["herald_input_paused"] == 1
        if m["herald_messages_out_total"] >= 150:
            break
        time.sleep(0.05)
    assert st.metrics()["herald_messages_out_total"] == 150
    assert paused_seen, "input should have been paused"
    assert peak <= 15, f"in-flight peaked at {peak} with max_in_flight=10, batch_size=5"
    st.stop()
    assert_all_committed(herald, st)


# ---- start-up errors ------------------------------------------------------------------------

def refused(herald, config, env=None):
    """Runs herald-stage on a config that must be refused; returns its one error line."""
    path = herald.write_config(config, "bad.conf")
    r = herald.run_stage(["--config", str(path)], env=env, timeout=30)
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected exactly one error line, got:\n{r.stderr}"
    return lines[0], str(path)


def test_missing_required_key_is_refused(herald):
    cfg = herald.stage_config("echo", plugin_config={}, consume=["in"])
    line, path = refused(herald, cfg)
    assert line == f"herald-stage: {path}: plugins[0].config.output: required"


def test_misspelt_plugin_option_is_refused_not_defaulted(herald):
    cfg = herald.stage_config("echo", plugin_config={"output": "out", "delay_sm": 100},
                              consume=["in"])
    line, path = refused(herald, cfg)
    assert re.fullmatch(rf"herald-stage: {re.escape(path)}:\d+: plugins\[0\]\.config\.delay_sm: "
                        r"not an option of plugin 'echo' \(herald-stage --help-config echo "
                        r"lists them\)", line), line


def test_syntax_error_is_refused_with_line(herald):
    cfg = herald.stage_config("echo", plugin_config={"output": "out"}, consume=["in"])
    text = herald.write_config(cfg).read_text().replace("tick_ms = 50;", "tick_ms = = 50;")
    line, path = refused(herald, text)
    assert re.match(rf"herald-stage: {re.escape(path)}:\d+: syntax error: ", line), line


def test_wrong_type_is_refused_with_key(herald):
    cfg = herald.stage_config("echo", plugin_config={"output": "out"}, consume=["in"])
    cfg["kafka"]["batch_size"] = "many"
    line, path = refused(herald, cfg)
    assert re.match(rf"herald-stage: {re.escape(path)}:\d+: kafka.batch_size: expected an "
                    "integer$", line), line


def test_unparsable_conninfo_is_refused_not_retried(herald):
    # a typo in postgres.conninfo is a config error: retrying it forever would only hide it
    cfg = herald.stage_config("echo", plugin_config={"output": "out"}, consume=["in"])
    cfg["postgres"]["conninfo"] = "host=127.0.0.1 passwrd=hunter2"
    line, _ = refused(herald, cfg)
    assert line == 'herald-stage: postgres.conninfo: invalid connection option "passwrd"'


@pytest.mark.parametrize("plugin,expect", [
    ("nosuch", r"cannot load plugin 'nosuch' from .*/herald_nosuch\.so: .*No such file.*; "
               r"build it with `ninja -C build` or set stage\.plugin_dir"),
    ("bad_abi", r"plugin 'bad_abi' \(.*herald_bad_abi\.so\) was built for plugin ABI 999 but "
                r"this herald-stage speaks ABI 1; rebuild the plugin"),
    ("no_entry", r"plugin 'no_entry' \(.*herald_no_entry\.so\) does not export "
                 r"herald_plugin_register\(\)"),
])
def test_bad_plugin_is_refused(herald, plugin, expect):
    cfg = herald.stage_config("x", plugin=plugin, consume=["in"])
    line, _ = refused(herald, cfg)
    assert re.search(expect, line), line


def test_help_config_lists_plugin_options(herald):
    r = herald.run_stage(["--help-config", "echo"],
                         env={"HERALD_PLUGIN_DIR": str(herald.plugin_dir)})
    assert r.returncode == 0, r.stderr
    assert re.search(r"output\s+string\s+required", r.stdout)
    assert re.search(r"retry_times\s+integer\s+optional, default \"2\"", r.stdout)


# ---- --dry-run ------------------------------------------------------------------------------

@pytest.fixture
def silent_listener():
    """A listening socket that counts who connected to it: a dry run must leave it alone."""
    import socket
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.setblocking(False)
    yield srv
    srv.close()


def connections_to(srv):
    """How many clients connected to srv so far (accepting them)."""
    n = 0
    while True:
        try:
            srv.accept()[0].close()
            n += 1
        except BlockingIOError:
            return n


@pytest.mark.parametrize("conf", ["analytics", "dispatcher", "example-echo", "gateway",
                                  "segmenter"])
def test_dry_run_checks_each_shipped_config_and_connects_to_nothing(herald, silent_listener,
                                                                     conf):
    port = silent_listener.getsockname()[1]
    env = {"HERALD_KAFKA_BROKERS": f"127.0.0.1:{port}",
           "HERALD_PG_CONNINFO": f"host=127.0.0.1 port={port} dbname=x user=y password=hunter2",
           "HERALD_WA_TOKEN": "t", "HERALD_APP_SECRET": "s", "HERALD_VERIFY_TOKEN": "v",
           "HERALD_API_TOKEN": "a"}
    r = herald.run_stage(["--config", str(REPO_ROOT / "config" / f"{conf}.conf"), "--dry-run"],
                         env=env, timeout=30)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].endswith(f"config/{conf}.conf: configuration OK (nothing was connected to)")
    plugin = "echo" if conf == "example-echo" else "webhook" if conf == "gateway" else conf
    assert re.search(rf"^  plugin    {plugin} \(.*herald_{plugin}\.so\)", r.stdout, re.M), r.stdout
    assert f"  kafka     127.0.0.1:{port}, group " in r.stdout
    assert f"  postgres  host 127.0.0.1, port {port}, dbname x, user y" in r.stdout
    assert "hunter2" not in r.stdout + r.stderr
    time.sleep(0.5)  # a client started in the background would have dialled by now
    assert connections_to(silent_listener) == 0


@pytest.mark.parametrize("change,expect", [
    (lambda c: c["plugins"][0]["config"].update(delay_sm=100),
     r"herald-stage: .*bad\.conf:\d+: plugins\[0\]\.config\.delay_sm: not an option of plugin "
     r"'echo' \(herald-stage --help-config echo lists them\)"),
    (lambda c: c["kafka"]["properties"].append("consumer.fetch.wait.max.ms=soon"),
     r"herald-stage: kafka\.properties: 'consumer\.fetch\.wait\.max\.ms=soon': Invalid value for "
     r"configuration property \"fetch\.wait\.max\.ms\""),
    (lambda c: c["kafka"]["properties"].append("no.such.property=1"),
     r"herald-stage: kafka\.properties: 'no\.such\.property=1': No such configuration property: "
     r"\"no\.such\.property\""),
    (lambda c: c["postgres"].update(conninfo="host=db passwrd=hunter2"),
     r"herald-stage: postgres\.conninfo: invalid connection option \"passwrd\""),
    (lambda c: c["stage"].update(metrics_listen="127.0.0.1:http"),
     r"herald-stage: stage\.metrics_listen: .*"),
])
def test_dry_run_refuses_a_bad_config_with_one_line(herald, change, expect):
    cfg = herald.stage_config("echo", plugin_config={"output": "out"}, consume=["in"])
    change(cfg)
    path = herald.write_config(cfg, "bad.conf")
    r = herald.run_stage(["--config", str(path), "--dry-run"], timeout=30)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and re.fullmatch(expect, lines[0]), r.stderr
    assert "hunter2" not in r.stderr


# ---- observability, producer guarantees, migrations ------------------------------------------

def test_metrics_and_healthz(herald):
    st = echo(herald)
    code, body = st.healthz()
    assert code == 200
    assert body["status"] == "ok" and body["kafka"] and body["postgres"]
    assert body["stage"] == "echo"
    text = st.metrics_text()
    assert "# TYPE herald_messages_in_total counter" in text
    assert 'herald_messages_in_flight{stage="echo"} ' in text
    assert "# TYPE herald_echo_partitions_owned gauge" in text
    produce_numbers(herald, 10)
    st.wait_metric("herald_messages_out_total", 10)
    assert st._get("/nope")[0] == 404
    # every log line is JSON with ts, level, stage
    for rec in st.log_lines():
        assert {"ts", "level", "stage", "msg"} <= rec.keys()
    st.stop()
    assert all(l.startswith("{") for l in st.log_text().splitlines())


def test_healthz_reports_an_unreachable_database(herald):
    port = herald.free_port()  # nothing listens there
    cfg = herald.stage_config("echo", plugin_config={"output": "out"}, consume=["in"])
    cfg["postgres"]["conninfo"] = f"host=127.0.0.1 port={port} user=herald dbname=x"
    st = herald.start_stage("echo", config=cfg)

    def degraded():
        try:
            code, body = st.healthz()
        except OSError:
            return None
        return (code, body) if body.get("running") else None
    code, body = wait_for(degraded, 30, 0.2, "the loop running")
    assert code == 503
    assert body["status"] == "degraded" and body["postgres"] is False
    produce_numbers(herald, 5)  # a plugin that does not need the database keeps working
    assert len(herald.consume("out", 5)) == 5
    assert "postgres: cannot connect" in st.log_text()
    st.stop()


def test_version(herald):
    r = herald.run_stage(["--version"])
    assert r.returncode == 0
    assert re.match(r"herald-stage \S+ \(plugin ABI 1, librdkafka 2\.", r.stdout), r.stdout
    # jemalloc is the stage's allocator, except in the sanitizer build (its own allocator)
    sanitized = "HERALD_SANITIZE:BOOL=ON" in (BUILD_DIR / "CMakeCache.txt").read_text()
    allocator = "glibc" if sanitized else "jemalloc 5."
    assert f"malloc {allocator}" in r.stdout, r.stdout


def test_idempotent_producer_is_really_enabled(herald):
    st = echo(herald, properties=["producer.debug=eos"])
    produce_numbers(herald, 5)
    wait_out(herald, 5)
    # librdkafka logs the producer id it acquired from the broker for idempotence
    st.wait_log(r"(?i)acquired pid|ProducerId|PID\{Id:\d+", timeout=20)
    st.stop()


def test_migrate_is_idempotent_and_safe_concurrently(herald):
    before = herald.sql("SELECT version FROM herald_schema_migrations ORDER BY 1")
    assert ("001_core",) in before
    env = {"HERALD_PG_CONNINFO": herald.conninfo}
    procs = [subprocess.Popen([str(herald.build_dir / "bin" / "herald-stage"), "--migrate"],
                              env={**herald.base_env(), **env}, stderr=subprocess.PIPE)
             for _ in range(3)]
    assert [p.wait(60) for p in procs] == [0, 0, 0]
    assert herald.sql("SELECT version FROM herald_schema_migrations ORDER BY 1") == before


def test_migrate_fresh_database_concurrently(herald):
    dbname = herald.dbname + "_m"
    herald._admin_sql(f'CREATE DATABASE "{dbname}"')
    try:
        conninfo = herald._conninfo_for(dbname)
        results = []

        def run():
            results.append(herald.run_stage(["--migrate"], env={"HERALD_PG_CONNINFO": conninfo}))
        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
        import psycopg
        with psycopg.connect(conninfo, autocommit=True) as c:
            versions = c.execute("SELECT version FROM herald_schema_migrations").fetchall()
        files = sorted(p.stem for p in (REPO_ROOT / "migrations").glob("[0-9]*_*.sql"))
        assert sorted(v for v, in versions) == files
    finally:
        herald._admin_sql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
