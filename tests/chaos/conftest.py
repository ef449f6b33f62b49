"""pytest fixtures of the chaos suite: a PRIVATE Kafka broker and PostgreSQL cluster.

Why: the chaos scenarios stop the broker and restart the database. Doing that to the shared
services (127.0.0.1:19092 / :19432) would break every other test running on the machine, so
the whole suite runs on its own broker and cluster, started once per session through the
project's own scripts (scripts/kafka.sh, scripts/postgres.sh) with a private HERALD_VAR_DIR
and free ports, and stopped (data removed) at the end. `services.stop_kafka()` etc. are the
fault injectors the scenarios use.

The `herald` fixture is the integration tests' (tests/integration/herald_testlib.py) pointed at
the private services: own topic prefix, own database with every migration applied.

At the end of the session the scenario table is printed and written to
$HERALD_CHAOS_REPORT (default <build>/chaos-results.md).
"""

import concurrent.futures
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[0] / "integration"))
sys.path.insert(0, str(HERE))

import herald_testlib  # noqa: E402
from chaos_report import RESULTS, render_table  # noqa: E402

REPO = HERE.parents[1]


def service_ports(n: int) -> list[int]:
    """n distinct free ports BELOW the kernel's ephemeral range. A port from bind(0) is
    ephemeral: while the JVM starts, any outgoing connection on the machine may take it and the
    broker dies with "address in use". 21000-29999 is apart from the other tests' ports
    (herald_testlib.free_port: 11000-18999) and the project's fixed ones (8080-8081,
    9101-9180, 19092-19093, 19432)."""
    out: list[int] = []
    while len(out) < n:
        port = herald_testlib.free_port(21000, 30000)
        if port not in out:
            out.append(port)
    return out


class PrivateServices:
    """Kafka + PostgreSQL of this session only (own var dir, own ports)."""

    def __init__(self):
        self.var = Path(tempfile.mkdtemp(prefix="herald-chaos-"))
        self.kafka_port, self.controller_port, self.pg_port = service_ports(3)
        self.brokers = f"127.0.0.1:{self.kafka_port}"
        self.pg_admin = f"host=127.0.0.1 port={self.pg_port} user=herald dbname=postgres"
        self.env = dict(os.environ, HERALD_VAR_DIR=str(self.var),
                        HERALD_KAFKA_PORT=str(self.kafka_port),
                        HERALD_KAFKA_CONTROLLER_PORT=str(self.controller_port),
                        HERALD_PG_PORT=str(self.pg_port))

    def _script(self, name: str, action: str, timeout: float = 300) -> float:
        t0 = time.monotonic()
        r = subprocess.run(["bash", str(REPO / "scripts" / name), action], env=self.env,
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise AssertionError(f"scripts/{name} {action} failed ({r.returncode}):\n"
                                 f"{r.stderr[-3000:]}")
        return time.monotonic() - t0

    def start_kafka(self) -> float:
        return self._script("kafka.sh", "start")  # waits for its topics to be listed

    def stop_kafka(self) -> float:
        return self._script("kafka.sh", "stop")

    def start_postgres(self) -> float:
        return self._script("postgres.sh", "start")

    def stop_postgres(self) -> float:
        return self._script("postgres.sh", "stop")

    def start(self) -> None:
        """Both at once: the broker's JVM start dominates, the cluster's initdb fits inside."""
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            for f in [pool.submit(self.start_postgres), pool.submit(self.start_kafka)]:
                f.result()

    def stop(self) -> None:
        for fn in (self.stop_kafka, self.stop_postgres):
            try:
                fn()
            except Exception as e:  # best effort: report, keep cleaning up
                print(f"chaos teardown: {e}")
        if not os.environ.get("HERALD_CHAOS_KEEP"):
            shutil.rmtree(self.var, ignore_errors=True)


@pytest.fixture(scope="session")
def services():
    if not herald_testlib.HERALD_STAGE.exists():
        pytest.fail(f"{herald_testlib.HERALD_STAGE} not found: build first", pytrace=False)
    svc = PrivateServices()
    try:
        svc.start()
    except BaseException:
        svc.stop()
        raise
    # Herald reads these module globals whenever it builds a test world.
    saved = (herald_testlib.BROKERS, herald_testlib.PG_ADMIN)
    herald_testlib.BROKERS, herald_testlib.PG_ADMIN = svc.brokers, svc.pg_admin
    yield svc
    herald_testlib.BROKERS, herald_testlib.PG_ADMIN = saved
    svc.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "herald_failed_" + report.when, report.failed)


@pytest.fixture
def herald(request, tmp_path, services):
    h = herald_testlib.Herald(tmp_path)
    try:
        h.setup()
    except BaseException:
        h.teardown()
        raise
    yield h
    if getattr(request.node, "herald_failed_call", False):
        for st in h.stages:
            print(st.log_tail(60))
    h.teardown()
    # drop the test's Kafka clients now, not when the private broker is already gone
    h._producer = h._admin = None
    gc.collect()


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    table = render_table(RESULTS)
    terminalreporter.write_sep("=", "chaos scenarios")
    terminalreporter.write_line(table)
    out = Path(os.environ.get("HERALD_CHAOS_REPORT",
                              str(herald_testlib.BUILD_DIR / "chaos-results.md")))
    try:
        out.write_text(table + "\n")
        terminalreporter.write_line(f"(written to {out})")
    except OSError as e:
        terminalreporter.write_line(f"(could not write {out}: {e})")
