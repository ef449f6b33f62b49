"""herald-ctl against the real Kafka broker and PostgreSQL, without a segmenter stage.

Why these tests exist: they pin herald-ctl's protocol and its error paths on their own. The
"stage" here is the test itself: it consumes the command herald-ctl produced on
campaign-commands, checks key and payload, and writes the outcome row into command_results the
way a stage would, so accepted/rejected/timeout/exit codes are asserted without depending on
the segmenter. The end-to-end flow with a real segmenter is in test_ctl_segmenter.py.
"""
import fcntl
import json
import os
import pty
import re
import socket
import struct
import subprocess
import termios
import time

import csv
import io

import pytest
from herald_testlib import RECIPIENT_OUTCOMES, seed_recipient_outcomes

BUILD = os.environ.get("HERALD_BUILD_DIR", "/work/main/build")
CTL = os.path.join(BUILD, "bin", "herald-ctl")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ctl_env(herald, **extra):
    env = dict(os.environ)
    env["HERALD_PG_CONNINFO"] = herald.conninfo
    env["HERALD_TOPIC_PREFIX"] = herald.prefix
    env.update(extra)
    return env


def offline_env():
    """Kafka and PostgreSQL settings that point nowhere: a subcommand that touches either
    fails with exit 2, so exit 1 proves the error was found before any connection."""
    env = dict(os.environ)
    env["HERALD_PG_CONNINFO"] = "host=127.0.0.1 port=1 dbname=none user=none connect_timeout=2"
    env["HERALD_KAFKA_BROKERS"] = "127.0.0.1:1"
    return env


def ctl(herald, *args, env=None, timeout=60):
    """Runs herald-ctl to completion; returns (exit code, stdout, stderr). herald=None runs
    it offline (see offline_env)."""
    if env is None:
        env = ctl_env(herald) if herald is not None else offline_env()
    p = subprocess.run([CTL, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def ctl_background(herald, *args, env=None):
    return subprocess.Popen([CTL, *args], env=env or ctl_env(herald), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def make_campaign(herald, status="draft", name="c"):
    (cid,), = herald.sql("SELECT nextval('campaign_ids')")
    herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status) "
               "VALUES (%s, %s, '1098765', 'spring_sale', %s)", cid, name, status)
    return cid


def answer_next_command(herald, outcome, reason=None, handled_by="test"):
    """Plays the stage: finds the command not answered yet and records its outcome.
    (herald.consume reads from the start in a fresh group each time.)"""
    answered = {row[0] for row in herald.sql("SELECT command_id FROM command_results")}
    messages = herald.consume("campaign-commands", len(answered) + 1, timeout=30)
    fresh = [(k, v) for k, v in messages if json.loads(v)["command_id"] not in answered]
    assert len(fresh) == 1, messages
    key, value = fresh[0]
    cmd = json.loads(value)
    herald.sql("INSERT INTO command_results (command_id, campaign_id, type, outcome, reason, "
               "payload, handled_by) VALUES (%s, %s, %s, %s, %s, %s, %s)",
               cmd["command_id"], cmd["campaign_id"], cmd["type"], outcome, reason, value,
               handled_by)
    return key, cmd


@pytest.mark.parametrize("words", [
    "contacts import", "contacts export", "contacts erase", "lists", "segment preview", "campaign create",
    "campaign update", "campaign list", "campaign show", "campaign recipients",
    "campaign replies", "schedule", "start", "pause", "resume", "cancel", "duplicate",
    "recalculate", "watch", "command"])
def test_every_subcommand_has_help(words):
    rc, out, err = ctl(None, *words.split(), "--help")
    assert rc == 0, err
    assert out.startswith("Usage: herald-ctl " + words)
    assert "--config FILE" in out and "Exit status" in out


@pytest.mark.parametrize("args,reason", [
    ([], "Usage: herald-ctl"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["start"], "missing ID"),
    (["start", "1", "2"], "unexpected argument '2'"),
    (["start", "abc"], "'abc' is not a campaign id"),
    (["start", "1", "--bogus"], "unknown option --bogus"),
    (["pause", "1", "--timeout", "soon"], "--timeout soon"),
    (["schedule", "1"], "missing --at"),
    (["schedule", "1", "--at", "tomorrow"], "--at tomorrow"),
    (["campaign", "create", "--phone-number-id", "1", "--template", "t"], "missing --name"),
    (["campaign", "create", "--name", "n", "--phone-number-id", "1", "--template", "t",
      "--rule", "{oops"], "--rule: invalid JSON"),
    (["campaign", "update", "1"], "nothing to update"),
    (["segment", "preview", "--audience", "[1]"], "the audience is a JSON object"),
    (["contacts", "import", "--list", "x", "/nonexistent.csv"], "cannot read /nonexistent.csv"),
    (["contacts", "import", "x.csv"], "missing --list NAME"),
    (["lists", "--config", "/nonexistent.conf"], "cannot read config file /nonexistent.conf"),
    (["lists", "extra"], "unexpected argument 'extra'"),
    (["campaign", "list", "--status", "bogus"], "--status bogus: one of draft"),
    (["campaign", "list", "--limit", "x"], "--limit x"),
    (["campaign", "show"], "missing ID"),
    (["campaign", "create", "--file", "/nonexistent.json"], "unable to open /nonexistent.json"),
    (["campaign", "create", "--name", "n", "--phone-number-id", "1", "--template", "t",
      "--rate", "-1"], "--rate -1"),
    (["campaign", "create", "--name", "n", "--phone-number-id", "1", "--template", "t",
      "--list", "abc"], "--list abc"),
    (["campaign", "create", "--param"], "option --param needs a value"),
    (["duplicate", "0"], "'0' is not a campaign id"),
    (["recalculate"], "missing ID"),
    (["watch", "1", "--interval", "0"], "--interval 0"),
    (["segment", "preview", "--sample", "5000"], "--sample 5000"),
    (["command"], "missing COMMAND_ID"),
    (["contacts", "import", "--list", "x"], "missing FILE.csv"),
])
def test_usage_errors_exit_1_with_one_line_reason(args, reason):
    rc, out, err = ctl(None, *args)
    assert rc == 1, (out, err)
    assert reason in err
    assert out == ""


def test_unknown_campaign_is_exit_1_and_nothing_is_posted(herald):
    for args in (["start", "999999"], ["pause", "999999"], ["duplicate", "999999"],
                 ["campaign", "show", "999999"], ["watch", "999999"],
                 ["campaign", "update", "999999", "--name", "x"]):
        rc, out, err = ctl(herald, *args)
        assert rc == 1, (args, out, err)
        assert "campaign 999999 not found" in err
    # nothing reached campaign-commands: a later real command is the first message
    cid = make_campaign(herald)
    p = ctl_background(herald, "cancel", str(cid))
    key, cmd = answer_next_command(herald, "accepted")
    assert (key, cmd["type"]) == (str(cid), "cancel")
    assert p.wait(30) == 0


def test_command_is_keyed_by_campaign_and_accepted(herald):
    cid = make_campaign(herald)
    p = ctl_background(herald, "start", str(cid))
    key, cmd = answer_next_command(herald, "accepted", handled_by="segmenter")
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert out == "accepted\n"
    assert key == str(cid)
    assert cmd["type"] == "start" and cmd["campaign_id"] == cid
    assert re.fullmatch(r"[0-9a-f]{32}", cmd["command_id"])


def test_rejection_reason_is_printed_and_exit_1(herald):
    cid = make_campaign(herald, status="completed")
    p = ctl_background(herald, "resume", str(cid))
    answer_next_command(herald, "rejected", "cannot resume a completed campaign")
    out, err = p.communicate(timeout=30)
    assert p.returncode == 1
    assert err.strip() == "rejected: cannot resume a completed campaign"
    assert out == ""


def test_every_command_gets_a_fresh_id(herald):
    cid = make_campaign(herald)
    ids = set()
    for _ in range(3):
        p = ctl_background(herald, "pause", str(cid))
        _, cmd = answer_next_command(herald, "accepted")
        assert p.wait(30) == 0
        ids.add(cmd["command_id"])
    assert len(ids) == 3


def test_create_allocates_id_and_sends_definition(herald):
    p = ctl_background(herald, "campaign", "create", "--name", "Spring sale",
                       "--phone-number-id", "1098765", "--template", "spring_sale",
                       "--param", "name", "--param", "attributes.discount", "--list", "1",
                       "--exclude-list", "3", "--rule",
                       '{"attr":"city","op":"eq","value":"Berlin"}', "--rate", "80", "-q")
    key, cmd = answer_next_command(herald, "accepted")
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert cmd["type"] == "create"
    assert out.strip() == key == str(cmd["campaign_id"])
    (last,), = herald.sql("SELECT last_value FROM campaign_ids")
    assert cmd["campaign_id"] == last
    assert cmd["campaign"] == {
        "name": "Spring sale", "phone_number_id": "1098765",
        "template": {"name": "spring_sale", "language": "en",
                     "params": ["name", "attributes.discount"]},
        "audience": {"include_lists": [1], "exclude_lists": [3],
                     "rules": {"attr": "city", "op": "eq", "value": "Berlin"}},
        "rate_limit_per_second": 80.0}


def test_duplicate_allocates_new_id_and_schedule_normalises_time(herald):
    cid = make_campaign(herald)
    p = ctl_background(herald, "duplicate", str(cid))
    _, cmd = answer_next_command(herald, "accepted")
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert cmd["type"] == "duplicate" and cmd["new_campaign_id"] > cid
    assert out.strip() == f"accepted: campaign {cmd['new_campaign_id']} (draft copy of {cid})"

    p = ctl_background(herald, "schedule", str(cid), "--at", "2030-01-02T03:04:05+01:00")
    _, cmd = answer_next_command(herald, "accepted")
    assert p.wait(30) == 0
    assert cmd["at"] == "2030-01-02T02:04:05Z"


def test_no_outcome_in_time_is_exit_2_naming_the_stage(herald):
    # --timeout also bounds Kafka's acknowledgement (a fresh idempotent producer each run):
    # 1-2 s was once too short for it on the loaded machine, which is a different exit 2
    cid = make_campaign(herald)
    t0 = time.monotonic()
    rc, out, err = ctl(herald, "start", str(cid), "--timeout", "4")
    assert rc == 2, err
    assert time.monotonic() - t0 < 20
    assert "is the segmenter stage running?" in err
    rc, out, err = ctl(herald, "recalculate", str(cid), "--timeout", "4")
    assert rc == 2 and "is the analytics stage running?" in err, err


def test_no_wait_returns_once_kafka_has_it_and_command_shows_outcome(herald):
    cid = make_campaign(herald)
    rc, out, err = ctl(herald, "cancel", str(cid), "--no-wait")
    assert rc == 0, err
    command_id = re.fullmatch(r"posted: command ([0-9a-f]{32})\n", out).group(1)
    rc, out, err = ctl(herald, "command", command_id)
    assert rc == 1 and "no outcome recorded" in err
    _, cmd = answer_next_command(herald, "rejected", "already cancelled")
    assert cmd["command_id"] == command_id
    rc, out, err = ctl(herald, "command", command_id)
    assert rc == 1
    assert re.search(r"outcome\s+rejected", out) and "already cancelled" in out
    rc, out, err = ctl(herald, "command", command_id, "--json")
    row = json.loads(out)
    assert rc == 1 and (row["command_id"], row["campaign_id"]) == (command_id, cid)
    assert (row["type"], row["outcome"], row["reason"]) == ("cancel", "rejected",
                                                           "already cancelled")


def test_broker_down_is_exit_2_with_clear_reason(herald):
    cid = make_campaign(herald)
    port = herald.free_port()
    env = ctl_env(herald, HERALD_KAFKA_BROKERS=f"127.0.0.1:{port}")
    t0 = time.monotonic()
    rc, out, err = ctl(herald, "start", str(cid), env=env)
    assert rc == 2
    assert f"kafka unreachable at 127.0.0.1:{port}" in err
    assert time.monotonic() - t0 < 20
    assert err.count("\n") == 1


def test_broker_that_never_answers_is_exit_2_within_the_timeout(herald):
    # a port that accepts the connection and then stays silent: not "unreachable", the
    # command simply gets no acknowledgement, and --timeout bounds the wait for it
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        cid = make_campaign(herald)
        port = silent.getsockname()[1]
        env = ctl_env(herald, HERALD_KAFKA_BROKERS=f"127.0.0.1:{port}")
        t0 = time.monotonic()
        rc, out, err = ctl(herald, "start", str(cid), "--timeout", "2", env=env)
        assert rc == 2, err
        assert time.monotonic() - t0 < 10
        assert (f"kafka at 127.0.0.1:{port} did not acknowledge the command within 2000 ms"
                in err), err
        assert err.count("\n") == 1
    finally:
        silent.close()


def test_postgres_down_is_exit_2_with_clear_reason(herald, tmp_path):
    port = herald.free_port()
    env = ctl_env(herald, HERALD_PG_CONNINFO=f"host=127.0.0.1 port={port} dbname=x user=x")
    csv = tmp_path / "c.csv"
    csv.write_text("phone,name\n4915100000001,Asha\n")
    for args in (["lists"], ["start", "1"], ["campaign", "list"], ["campaign", "show", "1"],
                 ["watch", "1"], ["command", "abc"], ["segment", "preview"],
                 ["contacts", "import", "--list", "l", str(csv)],
                 ["campaign", "create", "--name", "n", "--phone-number-id", "1", "--template",
                  "t"]):
        rc, out, err = ctl(herald, *args, env=env)
        assert rc == 2, args
        assert err.startswith("herald-ctl: postgresql unreachable")


def test_config_file_supplies_settings_env_overrides(herald, tmp_path):
    conf = tmp_path / "s.conf"
    # properties as the stage configs write them: producer.* / consumer.* target one client
    conf.write_text('kafka = { brokers = "127.0.0.1:%d"; topic_prefix = "%s";\n'
                    '  properties = [ "producer.linger.ms=1", "consumer.fetch.wait.max.ms=10",'
                    ' "socket.keepalive.enable=true" ]; };\n'
                    'postgres = { conninfo = "%s"; };\n'
                    % (herald.free_port(), herald.prefix, herald.conninfo))
    cid = make_campaign(herald)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    rc, out, err = ctl(herald, "start", str(cid), "--config", str(conf), env=env)
    assert rc == 2 and "kafka unreachable" in err  # brokers came from the file
    env["HERALD_KAFKA_BROKERS"] = os.environ.get("HERALD_KAFKA_BROKERS", "127.0.0.1:19092")
    p = subprocess.Popen([CTL, "-c", str(conf), "start", str(cid)], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    answer_next_command(herald, "accepted")
    assert p.wait(30) == 0


def test_lists_campaign_list_and_show_tables(herald):
    herald.sql("INSERT INTO contacts (phone, name) VALUES ('4915100000001', 'Asha'), "
               "('4915100000002', 'Ben')")
    herald.sql("INSERT INTO contact_lists (name) VALUES ('berlin'), ('empty')")
    herald.sql("INSERT INTO contact_list_members SELECT l.id, c.id FROM contact_lists l, contacts c "
               "WHERE l.name = 'berlin'")
    rc, out, err = ctl(herald, "lists")
    assert rc == 0, err
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [r[1:3] for r in rows] == [["berlin", "2"], ["empty", "0"]]

    a = make_campaign(herald, name="Alpha", status="running")
    b = make_campaign(herald, name="Beta", status="completed")
    rc, out, err = ctl(herald, "campaign", "list")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["id", "name", "status", "audience"]
    assert [line.split()[:3] for line in lines[2:]] == [[str(b), "Beta", "completed"],
                                                       [str(a), "Alpha", "running"]]
    rc, out, err = ctl(herald, "campaign", "list", "--status", "running")
    assert [line.split()[1] for line in out.splitlines()[2:]] == ["Alpha"]

    rc, out, err = ctl(herald, "campaign", "show", str(a))
    assert rc == 0, err
    assert re.search(r"^name\s+Alpha$", out, re.M)
    assert re.search(r"^template_name\s+spring_sale$", out, re.M)
    for section in ("Analytics", "Failures by error code"):
        assert f"\n{section}\n" in out


def test_read_commands_print_typed_json_and_quiet_ids(herald):
    herald.sql("INSERT INTO contacts (phone, name) VALUES ('4915100000001', 'Asha')")
    herald.sql("INSERT INTO contact_lists (name) VALUES ('berlin'), ('empty')")
    herald.sql("INSERT INTO contact_list_members SELECT l.id, c.id FROM contact_lists l, contacts c "
               "WHERE l.name = 'berlin'")
    rc, out, err = ctl(herald, "lists", "--json")
    assert rc == 0, err
    assert [(x["name"], x["contacts"]) for x in json.loads(out)] == [("berlin", 1), ("empty", 0)]
    assert all(isinstance(x["id"], int) for x in json.loads(out))

    a = make_campaign(herald, name="Alpha", status="running")
    b = make_campaign(herald, name="Beta", status="completed")
    herald.sql("UPDATE campaigns SET template_params = '[\"name\", 20]', audience_size = 3, "
               "started_at = '2026-11-25 20:15:25.5+00' WHERE id = %s", a)
    rc, out, err = ctl(herald, "campaign", "list", "-J")
    assert rc == 0, err
    rows = json.loads(out)
    assert [(r["id"], r["name"], r["status"]) for r in rows] == [(b, "Beta", "completed"),
                                                                 (a, "Alpha", "running")]
    assert rows[1]["audience"] == 3
    rc, out, err = ctl(herald, "campaign", "list", "-q")
    assert (rc, out) == (0, f"{b}\n{a}\n"), err
    rc, out, err = ctl(herald, "campaign", "list", "--status", "paused", "--json")
    assert (rc, out) == (0, "[]\n"), err

    rc, out, err = ctl(herald, "campaign", "show", str(a), "--json")
    assert rc == 0, err
    doc = json.loads(out)
    assert set(doc) == {"campaign", "analytics", "failures"}
    assert doc["campaign"]["name"] == "Alpha" and doc["campaign"]["id"] == a
    assert doc["campaign"]["template_params"] == ["name", 20]
    assert doc["campaign"]["started_at"] == "2026-11-25T20:15:25.5+00:00"
    assert doc["campaign"]["scheduled_at"] is None
    assert doc["analytics"]["audience_size"] == 3 and "campaign_id" not in doc["analytics"]
    assert doc["failures"] == []

    rc, out, err = ctl(herald, "campaign", "show", "999999", "--json")
    assert (rc, out) == (1, ""), err
    assert "campaign 999999 not found" in err


def test_watch_plain_lines_until_campaign_ends(herald):
    cid = make_campaign(herald, status="running")
    herald.sql("UPDATE campaigns SET audience_size = 2, started_at = now() WHERE id = %s", cid)
    p = ctl_background(herald, "watch", str(cid), "--interval", "0.2")
    first = p.stdout.readline()  # the first line is printed at once
    herald.sql("UPDATE campaigns SET status = 'completed', completed_at = now() WHERE id = %s", cid)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    out = first + out
    lines = out.splitlines()
    assert "\033" not in out  # no terminal escapes into a pipe
    assert lines[0].startswith(f"campaign={cid} status=running audience=2 ")
    assert re.match(rf"campaign={cid} status=completed ", lines[-2])
    assert lines[-1] == f"campaign {cid} completed"
    assert len(lines) == len(set(lines))  # only changes are printed


def test_watch_json_prints_one_object_per_change(herald):
    cid = make_campaign(herald, status="running")
    herald.sql("UPDATE campaigns SET audience_size = 2, started_at = now() WHERE id = %s", cid)
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state) "
               "VALUES (%s, 1, '4915100000001', 'queued'), (%s, 2, '4915100000002', 'queued')",
               cid, cid)
    p = ctl_background(herald, "watch", str(cid), "--interval", "0.2", "--json")
    first = json.loads(p.stdout.readline())
    herald.sql("UPDATE campaigns SET status = 'completed', completed_at = now() WHERE id = %s", cid)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    lines = [first] + [json.loads(line) for line in out.splitlines()]  # every line parses
    assert first["campaign_id"] == cid and first["status"] == "running"
    assert first["audience"] == 2 and first["done"] == 0 and first["eta_seconds"] is None
    assert lines[-1]["status"] == "completed"  # the last object says how it ended
    assert len(lines) == len({json.dumps(o, sort_keys=True) for o in lines})


def test_watch_reports_failed_campaign_with_reason(herald):
    cid = make_campaign(herald, status="failed")
    herald.sql("UPDATE campaigns SET status_reason = 'template rejected' WHERE id = %s", cid)
    rc, out, err = ctl(herald, "watch", str(cid))
    assert rc == 1
    assert f"campaign {cid} failed: template rejected" in err


def test_watch_on_a_terminal_redraws_the_bar_in_place(herald):
    cid = make_campaign(herald, status="running")
    herald.sql("UPDATE campaigns SET audience_size = 4, started_at = now() WHERE id = %s", cid)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 90, 0, 0))
    p = subprocess.Popen([CTL, "watch", str(cid)], env=ctl_env(herald), cwd=ROOT,
                         stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)

    def read_some():
        try:
            return os.read(master, 65536)
        except OSError:  # the pty is closed once herald-ctl has exited
            return b""

    out = b""
    deadline = time.monotonic() + 30
    while out.count(b"\x1b[1A") < 4 and time.monotonic() < deadline:  # ~1 s at 4 Hz
        out += read_some()
    herald.sql("UPDATE campaigns SET status = 'cancelled', cancelled_at = now() WHERE id = %s",
               cid)
    assert p.wait(30) == 0
    while chunk := read_some():
        out += chunk
    os.close(master)
    text = out.decode()
    assert text.count("\x1b[1A") >= 4  # redrawn in place, not appended
    first = text.split("\n")[0]
    assert re.match(rf"campaign {cid} running +\[ +\] +0\.0% 0/4\r?$", first), first
    drawn = re.split(r"[\r\n]", re.sub(r"\x1b\[[0-9]*[AK]", "", text))
    assert max(len(segment) for segment in drawn) <= 90  # never wider than the terminal
    assert text.rstrip().endswith(f"campaign {cid} cancelled")


def test_create_from_file_with_flag_override(herald, tmp_path):
    f = tmp_path / "campaign.json"
    f.write_text(json.dumps({"name": "From file", "phone_number_id": "77",
                             "template": {"name": "t1", "language": "de", "params": ["name"]},
                             "audience": {"include_lists": [5]}}))
    p = ctl_background(herald, "campaign", "create", "--file", str(f), "--rate", "12.5")
    _, cmd = answer_next_command(herald, "accepted")
    assert p.wait(30) == 0
    assert cmd["campaign"] == {"name": "From file", "phone_number_id": "77",
                               "template": {"name": "t1", "language": "de", "params": ["name"]},
                               "audience": {"include_lists": [5]},
                               "rate_limit_per_second": 12.5}


def test_contacts_export_imports_back_unchanged(herald, tmp_path):
    herald.sql("INSERT INTO contacts (phone, name, tags, opted_out, attributes) VALUES "
               "('4915100000001', 'Ann \"Annie\", Jr.', '{vip,berlin}', false, "
               "'{\"city\": \"Berlin, Mitte\", \"note\": \"line one\\nline two\"}'), "
               "('4915100000002', NULL, '{}', true, '{\"city\": \"Köln\"}'), "
               "('4915100000003', 'Cem', '{}', false, '{\"discount\": \"10%%\"}'), "
               "('4915100000004', 'Dora', '{}', false, '{\"name\": \"shadow\"}')")
    herald.sql("INSERT INTO contact_lists (name) VALUES ('spring')")
    herald.sql("INSERT INTO contact_list_members SELECT l.id, c.id FROM contact_lists l, contacts c "
               "WHERE c.phone IN ('4915100000001', '4915100000003')")
    rc, out, err = ctl(herald, "contacts", "export")
    assert rc == 0, err
    assert "attribute 'name' left out" in err  # a reserved column name, from a JSON import
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["phone", "name", "tags", "opted_out", "city", "discount", "note"]
    assert rows[1] == ["4915100000001", 'Ann "Annie", Jr.', "vip;berlin", "false", "Berlin, Mitte",
                       "", "line one\nline two"]
    assert rows[2][:5] == ["4915100000002", "", "", "true", "Köln"]
    rc, out_list, err = ctl(herald, "contacts", "export", "--list", "spring")
    assert rc == 0, err
    assert [r[0] for r in csv.reader(io.StringIO(out_list))][1:] == ["4915100000001",
                                                                     "4915100000003"]
    assert next(csv.reader(io.StringIO(out_list))) == ["phone", "name", "tags", "opted_out",
                                                       "city", "discount", "note"]

    # the export is the import's format: the same contacts come back
    query = ("SELECT phone, coalesce(name, ''), tags, opted_out, attributes - 'name' FROM contacts "
             "ORDER BY phone")
    before = herald.sql(query)
    path = tmp_path / "contacts.csv"
    path.write_text(out)
    herald.sql("DELETE FROM contacts")
    rc, _, err = ctl(herald, "contacts", "import", "--list", "restored", str(path))
    assert rc == 0, err
    assert herald.sql(query) == before

    rc, out, err = ctl(herald, "contacts", "export", "--list", "nope")
    assert (rc, out) == (1, "") and "no contact list named 'nope'" in err


def test_contacts_erase_leaves_only_an_opted_out_phone(herald):
    cid = make_campaign(herald, status="completed", name="Spring")
    seed_recipient_outcomes(herald, cid)  # recipient k has phone 49151000000kk
    gone = "4915100000009"
    herald.sql("INSERT INTO contacts (phone, name, tags, attributes) VALUES "
               "(%s, 'Ida', '{vip}', '{\"city\": \"Berlin\"}'), "
               "('4915100000003', 'Cem', '{}', '{}')", gone)
    herald.sql("INSERT INTO contact_lists (name) VALUES ('spring')")
    herald.sql("INSERT INTO contact_list_members SELECT l.id, c.id FROM contact_lists l, contacts c")
    herald.sql("INSERT INTO analytics_parked_events (wamid, phone) VALUES ('wamid.late', %s)", gone)
    herald.sql("INSERT INTO messaging_limit_contacts VALUES (%s, now() - interval '1 hour')", gone)
    # a delivery row that only the phone ties to the person (no recipient row of its own)
    herald.sql("INSERT INTO analytics_recipient_delivery (campaign_id, recipient_id, phone) "
               "VALUES (%s, 99, %s)", cid, gone)
    running = make_campaign(herald, status="running", name="Under way")
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state) VALUES "
               "(%s, 1, '4915100000003', 'queued')", running)
    outcomes = ("SELECT outcome, count(*), sum(replies), count(*) FILTER (WHERE opted_out) FROM "
                "campaign_recipient_outcomes WHERE campaign_id = %s GROUP BY 1 ORDER BY 1")
    before = herald.sql(outcomes, cid)

    rc, out, err = ctl(herald, "contacts", "erase", "+49 151 0000 0009", "4915100000003",
                       "4915100000077", "--json")
    assert rc == 1, err  # one refused, one not found: the erasure itself is done
    assert json.loads(out) == [
        {"phone": "4915100000003",
         "result": "refused: a campaign under way still has a message for it (wait or cancel)"},
        {"phone": gone, "result": "erased"},
        {"phone": "4915100000077", "result": "not found"}]

    # nothing holds the phone any more but its suppression entry
    tables = [t for (t,) in herald.sql("SELECT table_name FROM information_schema.tables WHERE "
                                       "table_schema = 'public' AND table_type = 'BASE TABLE'")]
    for table in tables:
        (n,), = herald.sql(f"SELECT count(*) FROM {table} t WHERE t::text LIKE %s", f"%{gone}%")
        assert n == (1 if table == "contacts" else 0), table
    assert herald.sql("SELECT name, tags, attributes, opted_out, erased_at IS NOT NULL FROM "
                      "contacts WHERE phone = %s", gone) == [(None, [], {}, True, True)]
    rc, out, err = ctl(herald, "contacts", "show", gone, "--json")
    assert rc == 0 and json.loads(out)["contact"]["erased_at"], err
    assert herald.sql("SELECT count(*) FROM contact_list_members m JOIN contacts c ON "
                      "c.id = m.contact_id WHERE c.phone = %s", gone) == [(0,)]
    assert herald.sql("SELECT phone, name, params FROM campaign_recipients WHERE campaign_id = %s "
                      "AND recipient_id = 9", cid) == [("erased:9", None, [])]
    assert herald.sql("SELECT body, profile_name FROM analytics_replies WHERE recipient_id = 9 "
                      "AND campaign_id = %s", cid) == [(None, None), (None, None)]
    assert herald.sql(outcomes, cid) == before  # the campaign's figures do not change
    # Meta still counts the message: the messaging limit's row stays, without the phone
    assert herald.sql("SELECT phone LIKE 'erased:%%', contacted_at > now() - interval '2 hours' "
                      "FROM messaging_limit_contacts") == [(True, True)]
    # a status webhook that arrives after the erasure (Meta sends `read` days later) goes
    # through the analytics fold and does not write the phone back
    herald.sql(f"DO $$ BEGIN PERFORM analytics_session_init(); "
               f"INSERT INTO analytics_stage (campaign_id, recipient_id, wamid, phone, read_ms) "
               f"VALUES ({int(cid)}, 9, 'wamid.{int(cid)}.9', '{gone}', 1795000000000); "
               f"PERFORM analytics_fold_stage(); END $$")
    assert herald.sql("SELECT phone, read_at IS NOT NULL FROM analytics_recipient_delivery "
                      "WHERE campaign_id = %s AND recipient_id = 9", cid) == [("erased", True)]
    assert herald.sql("SELECT phone FROM analytics_recipient_delivery WHERE campaign_id = %s "
                      "AND recipient_id = 99", cid) == [("erased",)]
    (n,), = herald.sql("SELECT count(*) FROM analytics_recipient_delivery t WHERE t::text LIKE %s",
                       f"%{gone}%")
    assert n == 0
    # the refused one is untouched, and an erased person is out of every later audience
    assert herald.sql("SELECT name FROM contacts WHERE phone = '4915100000003'") == [("Cem",)]
    rc, out, err = ctl(herald, "contacts", "erase", gone)
    assert rc == 0 and "erased" in out  # again: nothing left, the same answer


def test_an_erasure_that_deadlocks_with_a_fold_of_the_persons_stop_is_retried(herald):
    """The analytics fold writes a STOP's contact row first and takes its campaign locks last;
    an erasure takes the campaign locks first (migration 062). If both meet on one person,
    PostgreSQL aborts one after deadlock_timeout: the fold is retried by its host, and the
    erasure must be too (not answer "deadlock detected" to whoever asked for it)."""
    import psycopg
    gone = "4915100000009"
    cid = make_campaign(herald, status="completed")
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state) "
               "VALUES (%s, 1, %s, 'failed')", cid, gone)
    herald.sql("INSERT INTO contacts (phone, name) VALUES (%s, 'Ida')", gone)
    with psycopg.connect(herald.conninfo) as fold:  # the fold's first steps, as the stage runs them
        fold.execute("SELECT analytics_session_init()")
        fold.execute("INSERT INTO analytics_stage_replies (wamid, from_phone, ts_ms, type, body, "
                     "opt) VALUES ('wamid.stop', %s, 1795000000000, 'text', 'STOP', 'out')",
                     (gone,))
        assert fold.execute("SELECT opted_out FROM analytics_apply_opt_keywords()").fetchall() \
            == [(1,)]
        erase = ctl_background(herald, "contacts", "erase", gone, "--json")
        time.sleep(0.5)  # the erasure holds the campaign lock and waits for the contact row
        assert erase.poll() is None, erase.communicate()
        fold.execute("SELECT analytics_lock_campaign(%s)", (cid,))  # closes the cycle
        fold.commit()
        out, err = erase.communicate(timeout=30)
    assert erase.returncode == 0, err
    assert json.loads(out) == [{"phone": gone, "result": "erased"}]
    assert herald.sql("SELECT name, opted_out, erased_at IS NOT NULL FROM contacts "
                      "WHERE phone = %s", gone) == [(None, True, True)]
    assert herald.sql("SELECT phone FROM campaign_recipients WHERE campaign_id = %s", cid) \
        == [("erased:1",)]


def test_messaging_limit_shows_and_sets_the_24_hour_budget(herald):
    rc, out, err = ctl(herald, "messaging-limit", "--json")
    assert rc == 0, err
    assert json.loads(out) == [{"people": 0, "used": None, "room": None, "next_room_at": None,
                                "meta_announced": None}]
    # reached by campaigns while the limit was off: counted when it is turned on
    cid = make_campaign(herald, status="running")
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state, "
               "updated_at) VALUES (%s, 1, '4915100000001', 'accepted', now() - interval '1 hour'), "
               "(%s, 2, '4915100000002', 'failed', now() - interval '30 hours'), "
               "(%s, 3, '4915100000003', 'pending', now())", cid, cid, cid)
    rc, out, err = ctl(herald, "messaging-limit", "--set", "2", "--json")
    assert rc == 0, err
    assert json.loads(out) == [{"people": 2, "used": 1, "room": 1, "next_room_at": None,
                                "meta_announced": None}]
    herald.sql("INSERT INTO messaging_limit_contacts VALUES ('4915100000009', now() - "
               "interval '3 hours')")
    rc, out, err = ctl(herald, "messaging-limit")
    assert rc == 0 and "people" in out and "next_room_at" in out, (out, err)
    (row,) = json.loads(ctl(herald, "messaging-limit", "-J")[1])
    assert (row["used"], row["room"]) == (2, 0)
    assert row["next_room_at"].startswith(herald.sql(
        "SELECT to_char((now() - interval '3 hours' + interval '24 hours') AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24')")[0][0]), row
    for bad in ("-1", "many", "2.5"):
        rc, out, err = ctl(herald, "messaging-limit", "--set", bad)
        assert rc == 1 and "--set wants a number of people" in err, (bad, err)

    # a running campaign with people still pending says when the next one may go, everywhere
    held, done = make_campaign(herald, "running", "Held"), make_campaign(herald, "running", "Done")
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state) VALUES "
               "(%s, 1, '4915100000004', 'pending'), (%s, 1, '4915100000004', 'accepted')",
               held, done)
    (utc,), = herald.sql("SELECT to_char(next_room_at AT TIME ZONE 'UTC', "
                         "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM messaging_limit_status()")
    rc, out, err = ctl(herald, "watch", str(held), "--once")
    assert rc == 0 and out.rstrip().endswith(f" limit_next_room={utc}"), (out, err)
    rc, out, err = ctl(herald, "watch", str(held), "--once", "--json")
    assert rc == 0 and json.loads(out)["messaging_limit_next_room_at"] == utc, (out, err)
    rc, out, err = ctl(herald, "watch", str(done), "--once", "--json")
    assert rc == 0 and json.loads(out)["messaging_limit_next_room_at"] is None, (out, err)
    rows = {r["id"]: r for r in json.loads(ctl(herald, "campaign", "list", "-J")[1])}
    assert rows[held]["waits_until"] == utc[:10] + " " + utc[11:16]
    assert rows[done]["waits_until"] is None
    c = json.loads(ctl(herald, "campaign", "show", str(held), "-J")[1])["campaign"]
    assert c["messaging_limit_next_room_at"].startswith(utc[:19])

    rc, out, err = ctl(herald, "messaging-limit", "--set", "0", "-J")
    assert rc == 0 and json.loads(out)[0] == {"people": 0, "used": None, "room": None,
                                              "next_room_at": None, "meta_announced": None}, out
    # the last limit Meta announced by webhook (recorded, not followed, here)
    herald.sql("SELECT messaging_limit_announced(10000, '2026-11-28 09:20:00+00', "
               "'business_capability_update', false)")
    rc, out, err = ctl(herald, "messaging-limit", "-J")
    assert rc == 0 and json.loads(out)[0]["meta_announced"] == \
        "10000 at 2026-11-28T09:20:00Z (business_capability_update)", out
    assert json.loads(out)[0]["people"] == 0
    rc, out, err = ctl(herald, "watch", str(held), "--once", "--json")
    assert rc == 0 and json.loads(out)["messaging_limit_next_room_at"] is None, (out, err)


def test_templates_shows_what_meta_said_and_the_campaigns_waiting(herald):
    rc, out, err = ctl(herald, "templates", "--json")
    assert rc == 0 and json.loads(out) == [], (out, err)
    running = make_campaign(herald, "running")  # spring_sale / en, as every campaign here
    other = make_campaign(herald, "running")
    herald.sql("UPDATE campaigns SET template_name = 'welcome' WHERE id = %s", other)
    herald.sql("SELECT * FROM template_status_announced('spring_sale', 'en', 'PAUSED', "
               "'LOW_QUALITY', '2026-11-28 09:20:00+00', true, '5241')")
    herald.sql("SELECT * FROM template_status_announced('welcome', 'en', 'FLAGGED', NULL, "
               "'2026-11-28 08:00:00+00', true, NULL)")
    rc, out, err = ctl(herald, "templates", "--json")
    assert rc == 0, err
    assert json.loads(out) == [
        {"name": "spring_sale", "language": "en", "waba_id": "5241", "event": "PAUSED",
         "reason": "LOW_QUALITY", "announced_at": "2026-11-28T09:20:00Z", "campaigns_waiting": 1},
        {"name": "welcome", "language": "en", "waba_id": None, "event": "FLAGGED", "reason": None,
         "announced_at": "2026-11-28T08:00:00Z", "campaigns_waiting": 0}]
    assert herald.sql("SELECT status FROM campaigns WHERE id IN (%s, %s) ORDER BY id", running,
                      other) == [("paused",), ("running",)]
    rc, out, err = ctl(herald, "templates")
    assert rc == 0 and "spring_sale" in out and "campaigns_waiting" in out, (out, err)


def test_contacts_opt_out_and_opt_in_by_hand(herald):
    herald.sql("INSERT INTO contacts (phone, name) VALUES ('4915100000001', 'Asha'), "
               "('4915100000002', 'Ben')")
    rc, out, err = ctl(herald, "contacts", "opt-out", "+49 151 0000 0001", "4915100000003",
                       "4915100000001", "12ab", "-J")
    assert rc == 1, (out, err)  # 12ab refused, the others done
    assert json.loads(out) == [
        {"phone": "12ab", "result": "refused: not E.164 digits"},
        {"phone": "4915100000001", "result": "opted out"},
        {"phone": "4915100000003", "result": "opted out (new contact)"}]
    rows = herald.sql("SELECT phone, opted_out, opted_out_at IS NOT NULL, "
                      "opt_requested_at IS NOT NULL FROM contacts ORDER BY phone")
    assert rows == [("4915100000001", True, True, True), ("4915100000002", False, False, False),
                    ("4915100000003", True, True, True)]
    (first,), = herald.sql("SELECT opted_out_at FROM contacts WHERE phone = '4915100000001'")

    rc, out, err = ctl(herald, "contacts", "opt-out", "4915100000001")
    assert rc == 0, err
    assert out.split() == ["phone", "result", "-------------", "-----------------",
                           "4915100000001", "already", "opted", "out"]
    assert herald.sql("SELECT opted_out_at FROM contacts WHERE phone = '4915100000001'") == \
        [(first,)]  # the first opt-out's time is kept

    rc, out, err = ctl(herald, "contacts", "opt-in", "4915100000001", "4915100000002",
                       "4915100000009", "-J")
    assert rc == 1, (out, err)  # 4915100000009 is not a contact
    assert json.loads(out) == [
        {"phone": "4915100000001", "result": "opted in"},
        {"phone": "4915100000002", "result": "already opted in"},
        {"phone": "4915100000009", "result": "not a contact"}]
    assert herald.sql("SELECT phone, opted_out, opted_out_at FROM contacts ORDER BY phone") == [
        ("4915100000001", False, None), ("4915100000002", False, None),
        ("4915100000003", True, herald.sql("SELECT opted_out_at FROM contacts "
                                           "WHERE phone = '4915100000003'")[0][0])]
    rc, out, err = ctl(herald, "segment", "preview", "--audience", "{}")
    assert rc == 0 and out.splitlines()[0] == "2 contacts match", (out, err)

    rc, out, err = ctl(None, "contacts", "opt-in")
    assert rc == 1 and "PHONE" in err, err


def test_contacts_opt_out_and_erase_read_phones_from_a_file(herald, tmp_path):
    """A compliance team's list: --file takes one phone per line, or a `contacts export` CSV as
    it is (header and other columns ignored), or stdin; with phones on the command line too,
    all in one call."""
    herald.sql("INSERT INTO contacts (phone, name) VALUES ('4915100000001', 'Asha, \"A\"'), "
               "('4915100000002', 'Ben'), ('4915100000003', 'Cem'), ('4915100000004', 'Dana')")
    export = tmp_path / "contacts.csv"
    rc, out, err = ctl(herald, "contacts", "export")
    assert rc == 0, err
    export.write_text("\n".join(line for line in out.splitlines() if "0004" not in line) + "\n")
    rc, out, err = ctl(herald, "contacts", "opt-out", "--file", str(export), "4915100000004", "-J")
    assert rc == 0, err
    assert [r["phone"] for r in json.loads(out)] == [f"491510000000{i}" for i in range(1, 5)]
    assert herald.sql("SELECT count(*) FROM contacts WHERE opted_out") == [(4,)]

    listing = "# erasure requests of the week\n\n +49 151 0000 0001 \n4915100000002\n12ab\n"
    p = subprocess.run([CTL, "contacts", "erase", "-f", "-", "-J"], env=ctl_env(herald),
                       cwd=ROOT, input=listing, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stderr  # 12ab is refused; the others are done
    assert json.loads(p.stdout) == [
        {"phone": "12ab", "result": "refused: not E.164 digits"},
        {"phone": "4915100000001", "result": "erased"},
        {"phone": "4915100000002", "result": "erased"}]
    assert herald.sql("SELECT phone FROM contacts WHERE erased_at IS NOT NULL ORDER BY 1") == \
        [("4915100000001",), ("4915100000002",)]

    rc, out, err = ctl(herald, "contacts", "erase", "--file", str(tmp_path / "missing.txt"))
    assert rc == 1 and "missing.txt: No such file or directory" in err, err


def test_contacts_show_answers_did_they_get_it(herald):
    herald.sql("INSERT INTO contacts (phone, name, tags) VALUES "
               "('4915100000001', 'Asha', '{vip}'), ('4915100000002', 'Ben', '{}')")
    herald.sql("INSERT INTO contact_lists (name) VALUES ('berlin')")
    herald.sql("INSERT INTO contact_list_members SELECT l.id, c.id FROM contact_lists l, contacts c "
               "WHERE c.phone = '4915100000001'")
    a = make_campaign(herald, status="completed", name="Spring")
    b = make_campaign(herald, status="running", name="Summer")
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state, wamid, "
               "attempts, accepted_at) VALUES (%s, 1, '4915100000001', 'accepted', 'wamid.A1', 1, "
               "'2026-11-20 10:00:00+00')", a)
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state, "
               "error_code, error_title) VALUES (%s, 7, '4915100000001', 'failed', 131050, "
               "'not sent: the contact opted out after the audience snapshot'), "
               "(%s, 8, '4915100000009', 'queued', NULL, NULL)", b, b)
    rc, out, err = ctl(herald, "contacts", "opt-out", "4915100000001")
    assert rc == 0, err

    rc, out, err = ctl(herald, "contacts", "show", "+49 151 0000 0001", "--json")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["contact"]["name"] == "Asha" and doc["contact"]["tags"] == ["vip"]
    assert doc["contact"]["opted_out"] is True and doc["contact"]["opt_requested_at"]
    assert doc["lists"] == [{"id": doc["lists"][0]["id"], "name": "berlin"}]
    assert [(m["campaign_id"], m["campaign"], m["outcome"], m["error_code"], m["wamid"])
            for m in doc["messages"]] == [(b, "Summer", "failed", 131050, None),
                                          (a, "Spring", "accepted", None, "wamid.A1")]
    assert doc["messages"][1]["accepted_at"] == "2026-11-20T10:00:00+00:00"

    rc, out, err = ctl(herald, "contacts", "show", "4915100000002")
    assert rc == 0, err
    assert out.startswith("Contact 4915100000002\n") and "(no campaign message yet)" in out
    assert "(in no list)" in out

    # a recipient who is no contact (any more) still shows their messages
    rc, out, err = ctl(herald, "contacts", "show", "4915100000009", "-J")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["contact"] is None and doc["lists"] == []
    assert [m["outcome"] for m in doc["messages"]] == ["queued"]

    rc, out, err = ctl(herald, "contacts", "show", "4915100000077")
    assert (rc, out) == (1, "")
    assert err.strip() == ("herald-ctl: 4915100000077 is neither a contact nor a recipient of "
                           "any campaign")


def test_campaign_recipients_exports_every_outcome_as_csv_and_ndjson(herald):
    cid = make_campaign(herald, status="completed", name="Export")
    seed_recipient_outcomes(herald, cid)
    other = make_campaign(herald, status="running", name="Other")
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state) "
               "VALUES (%s, 1, '4915100000099', 'queued')", other)

    rc, out, err = ctl(herald, "campaign", "recipients", str(cid))
    assert rc == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(int(r["recipient_id"]), r["outcome"]) for r in rows] == RECIPIENT_OUTCOMES
    assert out.splitlines()[0].startswith("campaign_id,recipient_id,phone,name,outcome,state,")
    by_id = {int(r["recipient_id"]): r for r in rows}
    assert by_id[8]["name"] == 'Ann "Annie", Jr.'  # quoted by COPY, read back intact
    assert (by_id[5]["error_code"], by_id[5]["state"]) == ("131026", "failed")
    assert by_id[5]["failed_at"] and not by_id[5]["wamid"]
    assert (by_id[10]["error_code"], by_id[10]["error_title"]) == ("131047",
                                                                   "Re-engagement message")
    assert (by_id[9]["replies"], by_id[9]["opted_out"]) == ("2", "t")
    assert by_id[9]["read_at"] == "2026-11-20 10:00:03+00"  # UTC whatever the session's zone
    assert (by_id[8]["replies"], by_id[8]["opted_out"], by_id[8]["replied_at"]) == ("0", "f", "")

    rc, out, err = ctl(herald, "campaign", "recipients", str(cid), "--outcome", "failed, read",
                       "--json")
    assert rc == 0, err
    docs = [json.loads(line) for line in out.splitlines()]
    assert [(d["recipient_id"], d["outcome"]) for d in docs] == [(5, "failed"), (9, "read"),
                                                                (10, "failed")]
    assert docs[1]["replies"] == 2 and docs[1]["opted_out"] is True
    assert docs[1]["replied_at"] == "2026-11-20T10:00:04+00:00"

    rc, out, err = ctl(herald, "campaign", "recipients", str(cid), "-o", "failed,bogus")
    assert (rc, out) == (1, "")
    assert "unknown outcome 'bogus' (one of: pending, queued, sending, uncertain" in err
    rc, out, err = ctl(herald, "campaign", "recipients", str(cid), "-o", " ,")
    assert (rc, out) == (1, "") and "name at least one outcome" in err
    rc, out, err = ctl(herald, "campaign", "recipients", "987654")
    assert (rc, out) == (1, "") and "campaign 987654 not found" in err


def test_contacts_show_has_the_webhook_steps_and_replies(herald):
    cid = make_campaign(herald, status="completed", name="Steps")
    seed_recipient_outcomes(herald, cid)
    rc, out, err = ctl(herald, "contacts", "show", "4915100000009", "--json")
    assert rc == 0, err
    (m,) = json.loads(out)["messages"]
    assert (m["outcome"], m["opted_out"]) == ("read", True)
    assert (m["delivered_at"], m["read_at"]) == ("2026-11-20T10:00:02+00:00",
                                                 "2026-11-20T10:00:03+00:00")
    assert [(x["text"], x["opt"], x["campaign_id"]) for x in json.loads(out)["replies"]] == [
        ("STOP", "out", cid), ("hello?", None, cid)]


def test_campaign_replies_lists_what_people_wrote(herald):
    cid = make_campaign(herald, status="completed", name="Replies")
    seed_recipient_outcomes(herald, cid)
    herald.sql("INSERT INTO analytics_replies (wamid, from_phone, received_at, type, campaign_id, "
               "recipient_id, attribution) VALUES ('wamid.in.img', '4915100000007', "
               "'2026-11-20 11:00:00+00', 'image', %s, 7, 'window')", cid)
    rc, out, err = ctl(herald, "campaign", "replies", str(cid), "--json")
    assert rc == 0, err
    rows = json.loads(out)
    assert [(x["phone"], x["text"], x["opt"], x["attribution"]) for x in rows] == [
        ("4915100000007", "[image]", None, "window"), ("4915100000009", "STOP", "out", "context"),
        ("4915100000009", "hello?", None, "context")]
    rc, out, err = ctl(herald, "campaign", "replies", str(cid), "-n", "1")
    assert rc == 0, err
    assert out.splitlines()[0].split() == ["received_at", "phone", "profile_name", "text", "opt",
                                           "attribution", "recipient_id"]
    assert len(out.splitlines()) == 3 and "[image]" in out
    rc, out, err = ctl(herald, "campaign", "replies", "987654")
    assert (rc, out) == (1, "") and "campaign 987654 not found" in err


def test_segment_preview_counts_and_rejects_bad_rules(herald):
    herald.sql("INSERT INTO contacts (phone, name, attributes) VALUES "
               "('4915100000001', 'Asha', '{\"city\":\"Berlin\"}'), "
               "('4915100000002', 'Ben', '{\"city\":\"Hamburg\"}'), "
               "('4915100000003', 'Chloe', '{\"city\":\"Berlin\"}')")
    rc, out, err = ctl(herald, "segment", "preview", "--audience",
                       '{"rules":{"attr":"city","op":"eq","value":"Berlin"}}')
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "2 contacts match"
    assert [line.split()[1] for line in lines[3:]] == ["Asha", "Chloe"]
    rc, out, err = ctl(herald, "segment", "preview", "--audience",
                       '{"rules":{"attr":"city","op":"frobs","value":"x"}}')
    assert rc == 1
    assert err.startswith("herald-ctl: segment preview: ") and "frobs" in err


def test_read_commands_degrade_without_the_analytics_views(herald):
    cid = make_campaign(herald, status="running", name="NoViews")
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state) "
               "VALUES (%s, 1, '4915100000001', 'accepted'), (%s, 2, '4915100000002', 'queued')",
               cid, cid)
    herald.sql("UPDATE campaigns SET audience_size = 2 WHERE id = %s", cid)
    herald.sql("DROP VIEW campaign_analytics, campaign_failures, campaign_progress CASCADE")

    rc, out, err = ctl(herald, "campaign", "list")
    assert rc == 0, err
    assert "view campaign_progress is missing" in err
    assert out.splitlines()[2].split()[:4] == [str(cid), "NoViews", "running", "2"]

    rc, out, err = ctl(herald, "campaign", "show", str(cid))
    assert rc == 0, err
    assert "views campaign_analytics and campaign_progress are missing" in out
    assert "view campaign_failures is missing" in out

    rc, out, err = ctl(herald, "campaign", "show", str(cid), "--json")
    assert rc == 0, err
    doc = json.loads(out)  # the notes go to stderr, the document stays parseable
    assert doc["campaign"]["name"] == "NoViews"
    assert doc["analytics"] is None and doc["failures"] is None
    assert "views campaign_analytics and campaign_progress are missing" in err
    assert "view campaign_failures is missing" in err

    rc, out, err = ctl(herald, "watch", str(cid), "--once")
    assert rc == 0, err
    assert "showing dispatch states only" in err
    assert out.startswith(f"campaign={cid} status=running audience=2 done=1 accepted=1 ")


def test_a_campaign_waiting_for_its_send_window_says_when_it_opens(herald):
    """A running campaign outside its sending hours sends nothing and its rate reads 0: watch,
    campaign list and campaign show say when the window opens (the next local `from`), so
    "waiting for 09:00" does not look like "stuck"; a campaign inside its window, or not
    running, shows nothing."""
    # the truth, from one reading of the clock: the window opens 2 h from now (Tokyo: UTC+9, no
    # DST), whatever minute it is when herald-ctl asks (`from` is a fixed local time)
    (now_min, utc), = herald.sql(
        "SELECT (extract(hour FROM now() AT TIME ZONE 'Asia/Tokyo') * 60 + extract(minute FROM "
        "now() AT TIME ZONE 'Asia/Tokyo'))::int, to_char((date_trunc('minute', now()) + "
        "interval '120 minutes') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    hhmm = lambda m: f"{(m // 60) % 24:02d}:{m % 60:02d}"  # noqa: E731
    closed = {"from": hhmm(now_min + 120), "to": hhmm(now_min + 180), "time_zone": "Asia/Tokyo"}
    waiting, inside, paused = (make_campaign(herald, s, n) for s, n in
                               (("running", "Waiting"), ("running", "Inside"), ("paused", "P")))
    open_now = {**closed, "from": hhmm(now_min + 24 * 60 - 60), "to": hhmm(now_min + 60)}
    for cid, w in ((waiting, closed), (inside, open_now), (paused, closed)):
        herald.sql("UPDATE campaigns SET send_window = %s, audience_size = 3 WHERE id = %s",
                   json.dumps(w), cid)
    rc, out, err = ctl(herald, "watch", str(waiting), "--once", "--json")
    assert rc == 0, err
    assert json.loads(out)["send_window_opens_at"] == utc
    rc, out, err = ctl(herald, "watch", str(waiting), "--once")
    assert rc == 0, err
    assert out.rstrip().endswith(f" window_opens={utc}"), out
    rc, out, err = ctl(herald, "watch", str(inside), "--once", "--json")
    assert rc == 0, err
    assert json.loads(out)["send_window_opens_at"] is None

    rc, out, err = ctl(herald, "campaign", "list", "--json")
    assert rc == 0, err
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows[waiting]["waits_until"] == utc[:10] + " " + utc[11:16]
    assert rows[inside]["waits_until"] is None and rows[paused]["waits_until"] is None

    rc, out, err = ctl(herald, "campaign", "show", str(waiting), "--json")
    assert rc == 0, err
    c = json.loads(out)["campaign"]
    assert c["inside_send_window"] is False and c["send_window_opens_at"].startswith(utc[:16])
