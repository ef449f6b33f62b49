"""`cmake --install` gives a tree that runs on its own.

Why: an operator deploys Herald with `cmake --install build --prefix /opt/herald`, not from a
checkout. The installed herald-stage must find its plugins in lib/herald/ and its migrations in
share/herald/ (never a source checkout that happens to exist), and the installed gateway must
serve the installed dashboard. Proven by installing the build under test into a temporary prefix
and running the installed binaries, from a directory outside it, against the real Kafka and
PostgreSQL.
"""

import re
import shutil
import signal
import socket
import subprocess
import urllib.request

from herald_testlib import BUILD_DIR, wait_for

PLUGINS = ("segmenter", "dispatcher", "webhook", "api", "analytics")
SECRETS = {"HERALD_WA_TOKEN": "t", "HERALD_APP_SECRET": "s", "HERALD_VERIFY_TOKEN": "v",
           "HERALD_API_TOKEN": "a"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def install(prefix):
    r = subprocess.run(["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def installed_env(herald):
    """The test's Kafka, PostgreSQL and topic prefix, and nothing that points into the
    checkout (no HERALD_MIGRATIONS_DIR, no HERALD_PLUGIN_DIR)."""
    env = {k: v for k, v in herald.base_env().items()
           if k not in ("HERALD_MIGRATIONS_DIR", "HERALD_PLUGIN_DIR", "HERALD_STATIC_DIR")}
    env.update(SECRETS, HERALD_KAFKA_BROKERS=herald.brokers, HERALD_PG_CONNINFO=herald.conninfo,
               HERALD_TOPIC_PREFIX=herald.prefix, HERALD_METRICS_LISTEN="127.0.0.1:0")
    return env


def test_installed_tree_finds_its_plugins_and_migrations(herald, tmp_path):
    prefix = tmp_path / "prefix"
    install(prefix)
    for f in ("bin/herald-stage", "bin/herald-ctl", "bin/herald-contacts",
              "bin/herald-mock-cloud-api", "share/herald/migrations/001_core.sql",
              "share/herald/web/dashboard/index.html",
              *(f"lib/herald/herald_{p}.so" for p in PLUGINS)):
        assert (prefix / f).exists(), f"{f} not installed"
    assert not list(prefix.glob("lib/herald/herald_echo.so")), "test plugins are not installed"
    stage, env = prefix / "bin" / "herald-stage", installed_env(herald)

    for conf in ("segmenter", "dispatcher", "gateway", "analytics"):
        r = subprocess.run([str(stage), "--config", str(prefix / f"share/herald/config/{conf}.conf"),
                            "--dry-run"], env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r.stderr
        for plugin in re.findall(r"^  plugin    (\w+) \((.*?)\)", r.stdout, re.M):
            assert plugin[1] == str(prefix / "lib" / "herald" / f"herald_{plugin[0]}.so"), r.stdout

    r = subprocess.run([str(stage), "--migrate"], env=env, cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert f"database is up to date ({prefix / 'share/herald/migrations'})" in r.stderr + r.stdout

    r = subprocess.run([str(prefix / "bin" / "herald-ctl"), "campaign", "list", "--json"],
                       env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert (r.returncode, r.stdout) == (0, "[]\n"), r.stderr


def test_installed_systemd_unit_runs_the_installed_stage(tmp_path):
    prefix = tmp_path / "prefix"
    install(prefix)
    unit = (prefix / "lib/systemd/system/herald-stage@.service").read_text()
    assert "@PREFIX@" not in unit
    assert f"ExecStartPre={prefix}/bin/herald-stage --config /etc/herald/%i.conf --dry-run" in unit
    assert f"ExecStart={prefix}/bin/herald-stage --config /etc/herald/%i.conf" in unit
    assert "RestartPreventExitStatus=1 2" in unit and "KillSignal=SIGTERM" in unit
    assert (prefix / "share/herald/doc/deploy.md").exists()  # the unit's Documentation=
    assert (prefix / "share/herald/prometheus/herald-alerts.yml").exists()  # deploy.md's rule_files
    if not shutil.which("systemd-analyze"):
        return  # the content checks above still ran; systemd is not part of the test machine
    instance = tmp_path / "herald-stage@dispatcher.service"
    instance.write_text(unit)
    r = subprocess.run(["systemd-analyze", "verify", str(instance)], capture_output=True,
                       text=True, timeout=60)
    # verify exits 0 on directives it ignores, so its output must be empty too
    assert (r.returncode, r.stdout + r.stderr) == (0, ""), r.stdout + r.stderr


def test_installed_gateway_serves_the_installed_dashboard(herald, tmp_path):
    prefix = tmp_path / "prefix"
    install(prefix)
    index = prefix / "share/herald/web/dashboard/index.html"
    index.write_text(index.read_text() + "<!-- the installed copy -->\n")
    api_port = free_port()
    env = installed_env(herald)
    env.update(HERALD_WEBHOOK_LISTEN=f"127.0.0.1:{free_port()}",
               HERALD_API_LISTEN=f"127.0.0.1:{api_port}")
    proc = subprocess.Popen([str(prefix / "bin" / "herald-stage"), "--config",
                             str(prefix / "share/herald/config/gateway.conf")],
                            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        def page():
            if proc.poll() is not None:
                raise AssertionError(f"gateway exited {proc.returncode}: {proc.stderr.read()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{api_port}/", timeout=2) as resp:
                    return resp.read().decode()
            except OSError:
                return None
        body = wait_for(page, 30, 0.2, "the installed gateway's dashboard")
        assert "<!-- the installed copy -->" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
