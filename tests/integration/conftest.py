"""pytest fixtures shared by every Herald integration test.

Why: the tests run against the real Kafka broker and PostgreSQL server that many tests (and
engineers) share, so isolation is the fixture's job, not each test's. The implementation is
in herald_testlib.py; this file only wires it into pytest.

    def test_x(herald):                  # function-scoped: fresh prefix, topics and database
        herald.prefix                    # "t3f9a1c2-"; herald.topic("jobs") -> "t3f9a1c2-jobs"
        herald.conninfo                  # libpq conninfo of a fresh DB with ALL migrations
        herald.sql("SELECT ... %s", x)   # -> list of tuples (autocommit)
        herald.produce("jobs", key, {"a": 1})          # dict/list -> JSON; str; bytes
        herald.consume("delivery-events", n, timeout=30)  # -> [(key, value_str)], own group
        herald.consume_all("jobs")                     # everything in the topic right now
        herald.committed(st.group_id, "jobs")          # {partition: committed offset}
        st = herald.start_stage("dispatcher", plugin_config={...}, consume=["jobs"],
                                plugin="dispatcher", name="dispatcher-1", env={...})
        st.wait_healthy(); st.metrics() -> {name: value}; st.stop()  # SIGTERM, asserts exit 0
        st.kill9(); st.log_text(); st.wait_log(regex); st.wait_metric(name, at_least)
        herald.free_port()

Every test gets the topics campaign-commands, jobs, delivery-events, replies, dead-letters
(6 partitions, prefixed); others are created on first use by produce/consume/start_stage or
explicitly with herald.create_topics(...). On a failing test the tail of every stage log is
printed. Set HERALD_BUILD_DIR to test another build folder.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import herald_testlib  # noqa: E402
from herald_testlib import Herald  # noqa: E402


@pytest.fixture(scope="session")
def herald_services():
    """Checks once per session that herald-stage is built and the services answer; tries
    the project's start scripts before giving up."""
    missing = herald_testlib.services_ready()
    if missing and "not found" not in missing:
        herald_testlib.start_services()
        missing = herald_testlib.services_ready()
    if missing:
        pytest.fail(missing, pytrace=False)
    return True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "herald_failed_" + report.when, report.failed)


@pytest.fixture
def herald(request, tmp_path, herald_services):
    h = Herald(tmp_path)
    try:
        h.setup()
    except BaseException:
        h.teardown()
        raise
    yield h
    failed = getattr(request.node, "herald_failed_call", False)
    if failed:
        for st in h.stages:
            print(st.log_tail(60))
    h.teardown()


@pytest.fixture
def free_port():
    return herald_testlib.free_port
