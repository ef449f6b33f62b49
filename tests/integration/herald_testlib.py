"""Test harness for Herald's integration tests: real Kafka, real PostgreSQL, real herald-stage.

Why this module exists: every component's integration tests need the same things — an
isolated slice of the shared broker and database server, a way to run `herald-stage`
processes from a config written in Python, and helpers to talk to Kafka and PostgreSQL.
`conftest.py` turns `Herald` into the function-scoped `herald` fixture; this module holds the
implementation so it can be read (and imported) on its own.

Isolation: each test gets a random topic prefix (``t1a2b3c4-``), its topics are created with
6 partitions and deleted afterwards, consumer group ids carry the prefix too, and it gets a
fresh database ``herald_t1a2b3c4`` with every migration applied by ``herald-stage --migrate``,
dropped afterwards. Stage processes still alive at teardown are killed.

Environment (all optional):
  HERALD_BUILD_DIR           build folder holding bin/herald-stage and lib/ (default /work/main/build)
  HERALD_KAFKA_BROKERS       broker the tests and stages use (default 127.0.0.1:19092)
  HERALD_PG_ADMIN_CONNINFO   conninfo used to create/drop test databases
                             (default host=127.0.0.1 port=19432 user=herald dbname=postgres)
  HERALD_TEST_KEEP_DB=1      keep test databases (for debugging)
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterable

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("HERALD_BUILD_DIR", str(REPO_ROOT / "build")))
HERALD_STAGE = BUILD_DIR / "bin" / "herald-stage"
PLUGIN_DIR = BUILD_DIR / "lib"
BROKERS = os.environ.get("HERALD_KAFKA_BROKERS", "127.0.0.1:19092")
PG_ADMIN = os.environ.get("HERALD_PG_ADMIN_CONNINFO",
                          "host=127.0.0.1 port=19432 user=herald dbname=postgres")
PARTITIONS = 6
# What AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer print when they find
# something (builds with -DHERALD_SANITIZE=ON).
SANITIZER_REPORT = re.compile(r"ERROR: (LeakSanitizer|AddressSanitizer)|runtime error: ")
# The topics every test gets without asking (the architecture's four, plus a dead-letter topic).
STANDARD_TOPICS = ("campaign-commands", "jobs", "delivery-events", "replies", "dead-letters")
# Environment variables that override a stage's config file: never inherited from the shell
# running pytest, so a stray export cannot break a test's isolation. Pass them via env={...}.
OVERRIDE_ENV = ("HERALD_KAFKA_BROKERS", "HERALD_PG_CONNINFO", "HERALD_TOPIC_PREFIX",
                "HERALD_STAGE_NAME", "HERALD_METRICS_LISTEN", "HERALD_PLUGIN_DIR",
                "HERALD_LOG_LEVEL")


# ---------------------------------------------------------------------------------------------
# libconfig writer
# ---------------------------------------------------------------------------------------------

def _lc_scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v}L" if not -2**31 <= v < 2**31 else str(v)
    if isinstance(v, float):
        text = repr(v)
        if text in ("inf", "-inf", "nan"):
            raise ValueError("libconfig cannot express inf/nan")
        if "." not in text and "e" not in text:
            text += ".0"
        if "e" in text and "." not in text.split("e")[0]:
            mant, exp = text.split("e")
            text = f"{mant}.0e{exp}"
        return text
    if isinstance(v, str):
        return json.dumps(v)  # libconfig strings use the same escapes for what we write
    raise TypeError(f"cannot write {type(v).__name__} to libconfig: {v!r}")


def to_libconfig(value: Any, indent: int = 0) -> str:
    """Renders a Python value as libconfig: dict -> group, list of dicts -> list ( ),
    list of scalars -> array [ ], str/int/float/bool -> scalar. None values are skipped."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        body = "".join(f"{pad}{k} = {to_libconfig(v, indent + 1)};\n"
                       for k, v in value.items() if v is not None)
        return "{\n" + body + "  " * indent + "}"
    if isinstance(value, (list, tuple)):
        if any(isinstance(x, (dict, list, tuple)) for x in value):
            items = ",\n".join(pad + to_libconfig(x, indent + 1) for x in value)
            return "(\n" + items + "\n" + "  " * indent + ")"
        return "[ " + ", ".join(_lc_scalar(x) for x in value) + " ]"
    return _lc_scalar(value)


def render_config(sections: dict) -> str:
    """A whole stage file: top-level settings are `name = value;` lines."""
    return "".join(f"{k} = {to_libconfig(v)};\n" for k, v in sections.items() if v is not None)


# ---------------------------------------------------------------------------------------------
# small utilities
# ---------------------------------------------------------------------------------------------

def free_port(lo: int = 11000, hi: int = 19000) -> int:
    """A TCP port in [lo, hi) free on 127.0.0.1 right now, BELOW the kernel's ephemeral range
    (32768+).

    Why not bind(0): that hands out an ephemeral port, and between this call and the stage's
    own bind any bind(0) or outgoing connection on the machine may take it (seen in CI: the
    stage's metrics server, bound to port 0 a millisecond earlier, got the very port picked for
    its webhook listener). The default 11000-18999 stays clear of the project's fixed ports
    (8080-8081, 9101-9180, 19092-19093, 19432) and of the chaos suite's 21000-29999
    (tests/chaos/conftest.py)."""
    rng = random.Random()
    while True:
        port = rng.randrange(lo, hi)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    """Polls predicate() until it returns something truthy (returned) or raises
    AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text -> {metric_name: value}, summing samples that differ only in labels
    (every Herald metric carries just stage="..."), e.g. m["herald_messages_in_total"]."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if m:
            out[m.group(1)] = out.get(m.group(1), 0.0) + float(m.group(3))
    return out


def _watermarks(consumer, topic: str, partition: int) -> tuple[int, int]:
    """(low, high) offsets, retrying the transient errors of a topic created a moment ago
    (leader not elected yet)."""
    from confluent_kafka import KafkaException, TopicPartition
    deadline = time.monotonic() + 20
    while True:
        try:
            return consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
        except KafkaException:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def _decode(b: bytes | None) -> str | None:
    return None if b is None else b.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------
# one herald-stage process
# ---------------------------------------------------------------------------------------------

class Stage:
    """A running (or finished) herald-stage process started by Herald.start_stage().

    Attributes: name, config_path, log_path, group_id, proc (subprocess.Popen).
    """

    def __init__(self, name: str, config_path: Path, log_path: Path, group_id: str,
                 proc: subprocess.Popen):
        self.name = name
        self.config_path = config_path
        self.log_path = log_path
        self.group_id = group_id
        self.proc = proc
        self._port: int | None = None

    # ---- process ------------------------------------------------------------------------
    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_exit(self, timeout: float = 30.0) -> int:
        """Waits for the process to end by itself; returns its exit status."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"stage {self.name} still running after {timeout}s\n"
                                 + self.log_tail()) from None

    def stop(self, timeout: float = 30.0, expect: int | None = 0) -> int:
        """Graceful stop: SIGTERM, wait, assert the exit status is `expect` (None: any).
        Idempotent: stopping a finished process just checks its status."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"stage {self.name} ignored SIGTERM for {timeout}s\n"
                                     + self.log_tail()) from None
        rc = self.proc.returncode
        if expect is not None and rc != expect:
            raise AssertionError(f"stage {self.name} exited {rc}, expected {expect}\n"
                                 + self.log_tail())
        return rc

    def kill9(self) -> None:
        """SIGKILL: no drain, no flush, no commit — the crash case."""
        if self.alive():
            self.proc.kill()
        self.proc.wait()

    # ---- logs ---------------------------------------------------------------------------
    def log_text(self) -> str:
        """Everything the process wrote to stdout/stderr so far (JSON lines + plain errors)."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_lines(self) -> list[dict]:
        """The JSON log lines, parsed (plain-text lines are skipped)."""
        out = []
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def log_tail(self, n: int = 40) -> str:
        lines = self.log_text().splitlines()[-n:]
        return f"--- last {len(lines)} log lines of {self.name} ({self.log_path}) ---\n" + \
            "\n".join(lines)

    def wait_log(self, pattern: str, timeout: float = 30.0) -> re.Match:
        """Waits until a log line matches the regex `pattern`; returns the match."""
        rx = re.compile(pattern)

        def find():
            return rx.search(self.log_text())
        try:
            return wait_for(find, timeout, 0.1, f"log /{pattern}/ in {self.name}")
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.log_tail()}") from None

    # ---- HTTP endpoint ------------------------------------------------------------------
    @property
    def metrics_port(self) -> int:
        """Port of /metrics and /healthz (read from the 'metrics listening' log line)."""
        if self._port is None:
            def find():
                if not self.alive():
                    raise AssertionError(f"stage {self.name} exited with "
                                         f"{self.proc.returncode} before listening\n"
                                         + self.log_tail())
                m = re.search(r'"metrics_port":(\d+)', self.log_text())
                return int(m.group(1)) if m else None
            self._port = wait_for(find, 30, 0.05, f"metrics port of {self.name}")
        return self._port

    def _get(self, path: str, timeout: float = 5.0) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.metrics_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def healthz(self) -> tuple[int, dict]:
        """(HTTP status, parsed JSON body) of /healthz."""
        code, body = self._get("/healthz")
        return code, json.loads(body)

    def wait_healthy(self, timeout: float = 60.0) -> "Stage":
        """Waits until /healthz answers 200 (running, Kafka and PostgreSQL reachable) and
        the consumer, if any, has its partitions assigned. Raises with the log tail if the
        process exits first or the timeout passes."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"stage {self.name} exited with {self.proc.returncode}\n"
                                     + self.log_tail())
            try:
                code, body = self.healthz()
                last = (code, body)
                if code == 200 and self._assigned_if_consuming():
                    return self
            except (OSError, ValueError) as e:
                last = e
            time.sleep(0.1)
        raise AssertionError(f"stage {self.name} not healthy after {timeout}s (last: {last})\n"
                             + self.log_tail())

    def _assigned_if_consuming(self) -> bool:
        text = self.log_text()
        if "kafka consumer: subscribing" not in text:
            return True
        return "partition(s) assigned" in text

    def metrics_text(self) -> str:
        code, body = self._get("/metrics")
        assert code == 200, f"/metrics answered {code}"
        return body

    def metrics(self) -> dict[str, float]:
        """/metrics parsed: {name: value}, e.g. st.metrics()["herald_messages_out_total"]."""
        return parse_metrics(self.metrics_text())

    def wait_metric(self, name: str, at_least: float, timeout: float = 30.0) -> float:
        """Waits until metric `name` is >= at_least; returns its value."""
        def check():
            v = self.metrics().get(name, 0.0)
            return v if v >= at_least else None
        try:
            return wait_for(check, timeout, 0.1, f"{name} >= {at_least} on {self.name}")
        except AssertionError as e:
            raise AssertionError(f"{e} (now {self.metrics().get(name)})\n"
                                 + self.log_tail()) from None


# ---------------------------------------------------------------------------------------------
# the per-test world
# ---------------------------------------------------------------------------------------------

class Herald:
    """One test's isolated slice of Kafka and PostgreSQL (the `herald` fixture)."""

    def __init__(self, tmp_path: Path):
        self.prefix = "t" + uuid.uuid4().hex[:8] + "-"
        self.tmp = tmp_path
        self.brokers = BROKERS
        self.build_dir = BUILD_DIR
        self.plugin_dir = PLUGIN_DIR
        self.dbname = "herald_" + self.prefix.rstrip("-")
        self.conninfo = self._conninfo_for(self.dbname)
        self.stages: list[Stage] = []
        self._topics: set[str] = set()
        self._producer = None
        self._admin = None
        self._db_created = False

    # ---- setup / teardown (called by conftest) --------------------------------------------
    def setup(self) -> None:
        self.create_topics(*STANDARD_TOPICS)
        self._create_database()

    def teardown(self) -> None:
        # Under LeakSanitizer, stages still running are stopped gracefully (bounded) so their
        # exit-time leak check runs and is seen below; otherwise they are simply killed.
        graceful = "detect_leaks=1" in os.environ.get("ASAN_OPTIONS", "")
        for st in self.stages:
            if st.alive():
                if graceful:
                    st.proc.send_signal(signal.SIGTERM)
                else:
                    st.kill9()
        for st in self.stages:
            try:
                st.proc.wait(20)
            except subprocess.TimeoutExpired:
                st.kill9()
        if self._producer is not None:
            self._producer.flush(5)
        self._delete_topics()
        if self._db_created and not os.environ.get("HERALD_TEST_KEEP_DB"):
            self._drop_database()
        # A sanitizer report (leak at exit, ASan, UBSan) in any stage log fails the test, even
        # when the test did not check that stage's exit status.
        reports = [st.log_tail(80) for st in self.stages if SANITIZER_REPORT.search(st.log_text())]
        if reports:
            raise AssertionError("sanitizer report in a stage log:\n" + "\n".join(reports))

    # ---- naming ---------------------------------------------------------------------------
    def topic(self, logical: str) -> str:
        """Full Kafka topic name of a logical topic: herald.topic("jobs") -> "t1a2b3c4-jobs"."""
        return self.prefix + logical

    def group(self, label: str) -> str:
        """A consumer group id private to this test."""
        return self.prefix + label

    @staticmethod
    def free_port() -> int:
        return free_port()

    # ---- Kafka ----------------------------------------------------------------------------
    def admin(self):
        if self._admin is None:
            from confluent_kafka.admin import AdminClient
            self._admin = AdminClient({"bootstrap.servers": self.brokers})
        return self._admin

    def create_topics(self, *logical: str, partitions: int = PARTITIONS) -> None:
        """Creates prefixed topics (idempotent) and waits until their metadata is visible."""
        from confluent_kafka.admin import NewTopic
        from confluent_kafka import KafkaException
        new = [self.topic(t) for t in logical if self.topic(t) not in self._topics]
        if not new:
            return
        futures = self.admin().create_topics(
            [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in new],
            operation_timeout=30, request_timeout=30)
        for t, f in futures.items():
            try:
                f.result(timeout=30)
            except KafkaException as e:
                if "TOPIC_ALREADY_EXISTS" not in str(e):
                    raise
            self._topics.add(t)

        def visible():
            md = self.admin().list_topics(timeout=10)
            return all(t in md.topics and len(md.topics[t].partitions) > 0 for t in new)
        wait_for(visible, 30, 0.1, f"topics {new}")

    def _delete_topics(self) -> None:
        if not self._topics:
            return
        try:
            futures = self.admin().delete_topics(sorted(self._topics), operation_timeout=10)
            for f in futures.values():
                try:
                    f.result(timeout=15)
                except Exception:
                    pass
        except Exception:
            pass

    def producer(self):
        if self._producer is None:
            from confluent_kafka import Producer
            self._producer = Producer({"bootstrap.servers": self.brokers,
                                       "enable.idempotence": True, "linger.ms": 2})
        return self._producer

    def produce(self, logical: str, key: str | bytes | None, value: Any,
                headers: dict | None = None, partition: int | None = None,
                flush: bool = True) -> None:
        """Produces one message to a prefixed topic. `value` may be a dict/list (sent as
        JSON), str or bytes. Waits for the ack unless flush=False (then call flush())."""
        self.create_topics(logical)
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        errors = []

        def on_delivery(err, msg):
            if err is not None:
                errors.append(err)
        kw = {"key": key, "value": value, "on_delivery": on_delivery}
        if headers:
            kw["headers"] = list(headers.items())
        if partition is not None:
            kw["partition"] = partition
        self.producer().produce(self.topic(logical), **kw)
        if flush:
            self.flush()
        assert not errors, f"produce to {logical} failed: {errors}"

    def produce_many(self, logical: str, items: Iterable[tuple[Any, Any]]) -> int:
        """Produces (key, value) pairs and waits for all acks; returns the count."""
        n = 0
        for key, value in items:
            self.produce(logical, key, value, flush=False)
            n += 1
            if n % 10000 == 0:
                self.producer().poll(0)
        self.flush()
        return n

    def flush(self, timeout: float = 30.0) -> None:
        left = self.producer().flush(timeout)
        assert left == 0, f"{left} message(s) not acknowledged by Kafka after {timeout}s"

    def _consumer(self, group: str | None):
        from confluent_kafka import Consumer
        return Consumer({"bootstrap.servers": self.brokers,
                         "group.id": group or self.group("check-" + uuid.uuid4().hex[:6]),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "enable.partition.eof": False})

    def _read(self, logical: str, stop, timeout: float, until_end: bool,
              with_meta: bool = False) -> list:
        """Reads a prefixed topic from the beginning of every partition until stop(out) is
        true, or (until_end) every partition reached the end offsets seen at the start."""
        from confluent_kafka import TopicPartition, OFFSET_BEGINNING
        self.create_topics(logical)
        c = self._consumer(None)
        try:
            t = self.topic(logical)
            md = c.list_topics(t, timeout=10)
            parts = sorted(md.topics[t].partitions)
            todo = {}
            if until_end:
                for p in parts:
                    lo, hi = _watermarks(c, t, p)
                    if hi > lo:
                        todo[p] = hi
                if not todo:
                    return []
            c.assign([TopicPartition(t, p, OFFSET_BEGINNING) for p in parts])
            out: list = []
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not stop(out):
                if until_end and not todo:
                    break
                msg = c.poll(0.2)
                if msg is None or msg.error():
                    continue
                if until_end and msg.partition() in todo and msg.offset() + 1 >= todo[msg.partition()]:
                    del todo[msg.partition()]
                item = (_decode(msg.key()), _decode(msg.value()))
                if with_meta:
                    item = {"key": item[0], "value": item[1], "partition": msg.partition(),
                            "offset": msg.offset(), "timestamp_ms": msg.timestamp()[1],
                            "headers": {k: _decode(v) for k, v in (msg.headers() or [])}}
                out.append(item)
            return out
        finally:
            c.close()

    def consume(self, logical: str, n: int, timeout: float = 30.0) -> list[tuple]:
        """Reads a topic from the beginning (private group, nothing committed) until n
        messages arrived or `timeout` passed; returns [(key, value_str), ...] (may be fewer
        than n on timeout: assert on the length)."""
        return self._read(logical, lambda out: len(out) >= n, timeout, False)

    def consume_all(self, logical: str, idle: float | None = None, timeout: float = 60.0,
                    with_meta: bool = False) -> list:
        """Reads everything in a topic up to the end offsets it has when the call starts
        (so it returns as soon as that is read). with_meta=True returns dicts with key,
        value, partition, offset, timestamp_ms, headers. `idle` is accepted for
        compatibility and ignored."""
        return self._read(logical, lambda out: False, timeout, True, with_meta)

    def end_offsets(self, logical: str) -> dict[int, int]:
        """{partition: high watermark} of a prefixed topic."""
        from confluent_kafka import TopicPartition
        c = self._consumer(None)
        try:
            t = self.topic(logical)
            md = c.list_topics(t, timeout=10)
            out = {}
            for p in md.topics[t].partitions:
                out[p] = _watermarks(c, t, p)[1]
            return out
        finally:
            c.close()

    def committed(self, group: str, logical: str) -> dict[int, int]:
        """{partition: committed offset} of a consumer group on a prefixed topic (-1001 =
        nothing committed). `group` is the full group id, e.g. stage.group_id."""
        from confluent_kafka import TopicPartition
        c = self._consumer(group)
        try:
            t = self.topic(logical)
            md = c.list_topics(t, timeout=10)
            parts = [TopicPartition(t, p) for p in sorted(md.topics[t].partitions)]
            return {tp.partition: tp.offset for tp in c.committed(parts, timeout=10)}
        finally:
            c.close()

    # ---- PostgreSQL -----------------------------------------------------------------------
    @staticmethod
    def _conninfo_for(dbname: str) -> str:
        parts = [p for p in PG_ADMIN.split() if not p.startswith("dbname=")]
        return " ".join(parts + [f"dbname={dbname}"])

    def _admin_sql(self, query: str) -> None:
        import psycopg
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(query)

    def _create_database(self) -> None:
        self._admin_sql(f'CREATE DATABASE "{self.dbname}"')
        self._db_created = True
        r = subprocess.run([str(HERALD_STAGE), "--migrate"], capture_output=True, text=True,
                           timeout=120, env={**self.base_env(), "HERALD_PG_CONNINFO": self.conninfo})
        if r.returncode != 0:
            raise AssertionError(f"herald-stage --migrate failed ({r.returncode}):\n"
                                 f"{r.stderr[-3000:]}")

    def _drop_database(self) -> None:
        try:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        except Exception:
            pass

    def sql(self, query: str, *params) -> list[tuple]:
        """Runs one statement on the test database (autocommit, psycopg %s placeholders);
        returns the rows as tuples ([] for statements without a result)."""
        import psycopg
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            cur = conn.execute(query, params or None)
            return cur.fetchall() if cur.description else []

    # ---- stages ---------------------------------------------------------------------------
    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in OVERRIDE_ENV}
        env.setdefault("HERALD_MIGRATIONS_DIR", str(REPO_ROOT / "migrations"))
        return env

    def stage_config(self, stage: str, plugin_config: dict | None = None,
                     consume: list[str] | None = None, plugin: str | None = None,
                     name: str | None = None, group_id: str | None = None,
                     plugins: list[dict] | None = None, stage_options: dict | None = None,
                     kafka_options: dict | None = None, properties: list[str] | None = None,
                     ) -> dict:
        """The config (as a dict, see render_config) start_stage would write."""
        name = name or stage
        if plugins is None:
            plugins = [{"name": plugin or stage, "consume": list(consume or []),
                        "config": plugin_config or {}}]
        return {
            "stage": {"name": name, "tick_ms": 50, "drain_timeout_ms": 15000,
                      "metrics_listen": "127.0.0.1:0", "plugin_dir": str(self.plugin_dir),
                      "retry": {"initial_ms": 100, "max_ms": 2000}, **(stage_options or {})},
            "kafka": {"brokers": self.brokers, "group_id": group_id or self.group(stage),
                      "topic_prefix": self.prefix, "properties": properties or [],
                      **(kafka_options or {})},
            "postgres": {"conninfo": self.conninfo},
            "plugins": plugins,
        }

    def write_config(self, config: dict | str, filename: str | None = None) -> Path:
        """Writes a config (dict via render_config, or raw text) into the test's tmp dir."""
        path = self.tmp / (filename or f"stage-{uuid.uuid4().hex[:6]}.conf")
        path.write_text(config if isinstance(config, str) else render_config(config))
        return path

    def start_stage(self, stage: str, plugin_config: dict | None = None,
                    consume: list[str] | None = None, plugin: str | None = None,
                    name: str | None = None, env: dict | None = None,
                    group_id: str | None = None, plugins: list[dict] | None = None,
                    stage_options: dict | None = None, kafka_options: dict | None = None,
                    properties: list[str] | None = None, config: dict | str | None = None,
                    args: list[str] | None = None) -> Stage:
        """Writes a stage config and starts herald-stage on it (does not wait; call
        st.wait_healthy()).

        stage          label: default for name, plugin and the group id (prefix + stage)
        plugin         plugin to load (default: stage); plugin_config is its config section
        consume        logical topics routed to the plugin (created if missing)
        plugins        instead of plugin/consume/plugin_config: the full list of
                       {"name":..., "consume":[...], "config":{...}, "path":...}
        stage_options / kafka_options   extra keys merged into the stage / kafka sections
        properties     librdkafka properties ["key=value", ...]
        config         a complete config (dict or raw text) used as-is instead
        env            extra environment (secrets, HERALD_* overrides)
        """
        name = name or stage
        if config is None:
            config = self.stage_config(stage, plugin_config, consume, plugin, name, group_id,
                                       plugins, stage_options, kafka_options, properties)
        if isinstance(config, dict):
            for p in config.get("plugins", []):
                self.create_topics(*p.get("consume", []))
            gid = config.get("kafka", {}).get("group_id", "")
        else:
            gid = group_id or ""
        path = self.write_config(config, f"{name}-{len(self.stages)}.conf")
        log_path = self.tmp / f"{name}-{len(self.stages)}.log"
        log = open(log_path, "wb")
        proc = subprocess.Popen([str(HERALD_STAGE), "--config", str(path), *(args or [])],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**self.base_env(), **(env or {})}, cwd=str(self.tmp))
        log.close()
        st = Stage(name, path, log_path, gid, proc)
        self.stages.append(st)
        return st

    def run_stage(self, args: list[str], env: dict | None = None,
                  timeout: float = 60.0) -> subprocess.CompletedProcess:
        """Runs herald-stage with `args` to completion (e.g. ["--config", p] for a config
        that must be refused); returns the CompletedProcess (text stdout/stderr)."""
        return subprocess.run([str(HERALD_STAGE), *args], capture_output=True, text=True,
                              timeout=timeout, env={**self.base_env(), **(env or {})},
                              cwd=str(self.tmp))


def services_ready() -> str | None:
    """None when herald-stage, Kafka and PostgreSQL are all usable, else what is missing."""
    if not HERALD_STAGE.exists():
        return (f"{HERALD_STAGE} not found: build first (cmake -S . -B build -G Ninja && "
                f"ninja -C build) or set HERALD_BUILD_DIR")
    host, port = BROKERS.split(",")[0].rsplit(":", 1)
    for what, h, p, hint in (("Kafka", host, int(port), "scripts/kafka.sh start"),
                             ("PostgreSQL", "127.0.0.1", 19432, "scripts/postgres.sh start")):
        if what == "PostgreSQL":
            m = re.search(r"port=(\d+)", PG_ADMIN)
            p = int(m.group(1)) if m else p
        try:
            socket.create_connection((h, p), timeout=2).close()
        except OSError:
            return f"{what} is not reachable on {h}:{p}: run {hint}"
    return None


def start_services() -> None:
    """Best effort: start the project's Kafka and PostgreSQL through their scripts."""
    for script in ("kafka.sh", "postgres.sh"):
        path = REPO_ROOT / "scripts" / script
        if path.exists() and shutil.which("bash"):
            subprocess.run(["bash", str(path), "start"], timeout=600,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def recipient_states(herald: "Herald", cid: int) -> dict:
    """Recipients of campaign `cid` per state as readers see it (migration 080: `sending` = a
    claim is open)."""
    return dict(herald.sql("SELECT campaign_recipient_state(state, claim_open), count(*) "
                           "FROM campaign_recipients WHERE campaign_id = %s GROUP BY 1", cid))


# One recipient per outcome of view campaign_recipient_outcomes (migration 058), as
# (recipient_id, expected outcome), for the export tests of herald-ctl and the API.
RECIPIENT_OUTCOMES = [(1, "pending"), (2, "queued"), (3, "sending"), (4, "uncertain"),
                      (5, "failed"), (6, "accepted"), (7, "sent"), (8, "delivered"),
                      (9, "read"), (10, "failed"), (11, "delivered")]


def seed_recipient_outcomes(herald: "Herald", cid: int) -> None:
    """Writes campaign `cid`'s recipients the way the dispatcher and the analytics stage
    would leave them: 5 failed at the dispatcher (131026), 7-11 accepted with webhook steps
    (10: `failed` after `sent`; 11: `failed` after `delivered`, which stays delivered), 9 read
    and answered twice, once "STOP". Recipient 8's name needs CSV quoting."""
    # recipient 3 is claimed: `sending` to readers (migration 080)
    states = {1: "pending", 2: "queued", 3: "queued", 4: "uncertain", 5: "failed"}
    for rid, _ in RECIPIENT_OUTCOMES:
        state = states.get(rid, "accepted")
        accepted = rid >= 6
        herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, name, "
                   "state, claim_open, attempts, wamid, accepted_at, error_code, error_title) "
                   "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                   cid, rid, f"49151000000{rid:02d}",
                   'Ann "Annie", Jr.' if rid == 8 else f"R{rid}", state, rid == 3,
                   0 if rid <= 2 else 1, f"wamid.{cid}.{rid}" if accepted else None,
                   "2026-11-20 10:00:00+00" if accepted else None,
                   131026 if rid == 5 else None,
                   "(#131026) Message undeliverable" if rid == 5 else None)
    t = "'2026-11-20 10:00:0%s+00'"
    steps = {7: ("sent_at",), 8: ("sent_at", "delivered_at"),
             9: ("sent_at", "delivered_at", "read_at", "replied_at"), 10: ("sent_at", "failed_at"),
             11: ("sent_at", "delivered_at", "failed_at")}
    for rid, cols in steps.items():
        values = ", ".join(t % (i + 1) for i in range(len(cols)))
        herald.sql(f"INSERT INTO analytics_recipient_delivery (campaign_id, recipient_id, wamid, "
                   f"phone, accepted_at, {', '.join(cols)}, error_code, error_title) VALUES "
                   f"(%s, %s, %s, %s, '2026-11-20 10:00:00+00', {values}, %s, %s)",
                   cid, rid, f"wamid.{cid}.{rid}", f"49151000000{rid:02d}",
                   131047 if "failed_at" in cols else None,
                   "Re-engagement message" if "failed_at" in cols else None)
    for n, (body, opt) in enumerate((("hello?", None), ("STOP", "out"))):
        herald.sql("INSERT INTO analytics_replies (wamid, from_phone, received_at, body, "
                   "campaign_id, recipient_id, attribution, opt) VALUES "
                   "(%s, '4915100000009', %s, %s, %s, 9, 'context', %s)",
                   f"wamid.in.{cid}.{n}", f"2026-11-20 10:0{5 + n}:00+00", body, cid, opt)
