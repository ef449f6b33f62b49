"""Segmenter stage against the real Kafka broker and PostgreSQL, with real herald-stage processes.

Why these tests exist: they pin the segmenter's promises end to end -- the audience snapshot
selects exactly the contacts the rules say (opt-out and dedupe included), every invalid command
is recorded with its reason and never blocks the stage, a redelivered command is a no-op,
duplicate copies a definition, schedules survive a restart and fire once, emission stays inside
the lookahead window, pause stops it, resume re-emits exactly the unsent recipients and a
campaign completes when every recipient is final. The dispatcher is simulated by UPDATEs on
campaign_recipients (its real claim is tested jointly elsewhere).
"""
import json
import re
import os
import subprocess
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from herald_testlib import recipient_states as states
from herald_testlib import seed_recipient_outcomes

BROKERS = os.environ.get("HERALD_KAFKA_BROKERS", "127.0.0.1:19092")

# Small windows so that "bounded" is visible with a few hundred contacts:
# window = max(lookahead_min, rate * lookahead_seconds) capped at lookahead_max = 40.
SEGMENTER_CONFIG = {
    "default_rate_per_second": 10.0,
    "lookahead_seconds": 1.0,
    "lookahead_min": 40,
    "lookahead_max": 40,
    "emit_batch_max": 1000,
    "completion_check_ms": 100,
}
WINDOW = 40


# ---------------------------------------------------------------------------- helpers
def start_segmenter(herald, name="segmenter-1", properties=None, **overrides):
    cfg = dict(SEGMENTER_CONFIG, **overrides)
    st = herald.start_stage("segmenter", plugin_config=cfg, consume=["campaign-commands"],
                            plugin="segmenter", name=name, properties=properties)
    st.wait_healthy()
    return st


def wait_for(predicate, timeout=15.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def send(herald, cmd_type, campaign_id, key=None, **fields):
    cmd = {"command_id": f"cmd-{uuid.uuid4()}", "type": cmd_type, "campaign_id": campaign_id}
    cmd.update(fields)
    herald.produce("campaign-commands", str(campaign_id if key is None else key), cmd)
    return cmd["command_id"]


def outcome(herald, command_id, timeout=20.0):
    rows = wait_for(lambda: herald.sql("SELECT outcome, reason FROM command_results "
                                       "WHERE command_id = %s", command_id),
                    timeout=timeout, what=f"command_results row {command_id}")
    return rows[0]


def command(herald, cmd_type, campaign_id, **fields):
    """Sends a command and asserts it was accepted."""
    cid = send(herald, cmd_type, campaign_id, **fields)
    result, reason = outcome(herald, cid)
    assert result == "accepted", f"{cmd_type} {campaign_id}: {reason}"
    return cid


def new_campaign_id(herald):
    (cid,), = herald.sql("SELECT nextval('campaign_ids')")
    return cid


def definition(audience, params=("name", "attributes.discount"), rate=None):
    return {"name": "Spring sale", "phone_number_id": "1098765",
            "template": {"name": "spring_sale", "language": "en", "params": list(params)},
            "audience": audience, "rate_limit_per_second": rate}


def create(herald, audience, **kw):
    cid = new_campaign_id(herald)
    command(herald, "create", cid, campaign=definition(audience, **kw))
    return cid


def add_contacts(herald, n, list_name="all", start=0, city="Berlin", opted_out_every=0):
    """n contacts 4915100000000+start+i, all in list `list_name`; returns their phones."""
    herald.sql("INSERT INTO contact_lists (name) VALUES (%s) ON CONFLICT DO NOTHING", list_name)
    herald.sql(
        "INSERT INTO contacts (phone, name, attributes, opted_out) "
        "SELECT (4915100000000 + %s + g)::text, 'c' || (%s + g), "
        "jsonb_build_object('city', %s::text, 'discount', ((%s + g) %% 50) || '%%'), "
        "CASE WHEN %s > 0 THEN (g %% greatest(%s, 1)) = 0 ELSE false END "
        "FROM generate_series(1, %s) g", start, start, city, start, opted_out_every,
        opted_out_every, n)
    herald.sql("INSERT INTO contact_list_members (list_id, contact_id) SELECT l.id, c.id "
               "FROM contacts c, contact_lists l WHERE l.name = %s AND c.phone::bigint "
               "BETWEEN 4915100000001 + %s AND 4915100000000 + %s + %s", list_name, start,
               start, n)
    return [str(4915100000000 + start + g) for g in range(1, n + 1)]


def list_id(herald, name):
    return herald.sql("SELECT id FROM contact_lists WHERE name = %s", name)[0][0]


def campaign(herald, cid):
    rows = herald.sql("SELECT status, audience_size, started_at, completed_at, paused_at, "
                      "resumed_at, cancelled_at, scheduled_at FROM campaigns WHERE id = %s", cid)
    return dict(zip(["status", "audience_size", "started_at", "completed_at", "paused_at",
                     "resumed_at", "cancelled_at", "scheduled_at"], rows[0])) if rows else None


def kafka_consumer():
    return Consumer({"bootstrap.servers": BROKERS, "group.id": f"seg-test-{uuid.uuid4()}",
                     "enable.auto.commit": False, "auto.offset.reset": "earliest"})


def watermarks(herald, logical):
    """{partition: high watermark} of a topic; {} when it does not exist yet."""
    topic = herald.topic(logical)
    c = kafka_consumer()
    try:
        md = c.list_topics(topic, timeout=10).topics.get(topic)
        if md is None or md.error is not None:
            return {}
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                for p in md.partitions}
    finally:
        c.close()


def count_messages(herald, logical):
    return sum(watermarks(herald, logical).values())


def read_jobs(herald, since=None):
    """Every job message (as dicts) after the `since` watermarks (default: from the start)."""
    topic = herald.topic("jobs")
    high = watermarks(herald, "jobs")
    since = since or {}
    todo = {p: h for p, h in high.items() if h > since.get(p, 0)}
    if not todo:
        return []
    c = kafka_consumer()
    out = []
    try:
        c.assign([TopicPartition(topic, p, since.get(p, 0)) for p in todo])
        deadline = time.monotonic() + 30
        while todo and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            out.append(json.loads(m.value()))
            if m.offset() + 1 >= todo.get(m.partition(), 0):
                todo.pop(m.partition(), None)
    finally:
        c.close()
    assert not todo, "could not read every job"
    return out


def simulate_dispatcher(herald, cid, n, state="accepted"):
    """Resolves the n lowest queued recipients like a dispatcher would."""
    return herald.sql(
        "UPDATE campaign_recipients SET state = %s, accepted_at = now() WHERE campaign_id = %s "
        "AND recipient_id IN (SELECT recipient_id FROM campaign_recipients WHERE campaign_id = %s "
        "AND state = 'queued' ORDER BY recipient_id LIMIT %s) RETURNING recipient_id",
        state, cid, cid, n)


# ---------------------------------------------------------------------------- segmentation
def test_segment_rules_select_exactly_the_expected_contacts(herald):
    phones = add_contacts(herald, 12, "spring")          # c1..c12 in spring
    add_contacts(herald, 0, "blocked")
    herald.sql("INSERT INTO contact_list_members SELECT (SELECT id FROM contact_lists WHERE "
               "name = 'blocked'), id FROM contacts WHERE name IN ('c2', 'c3')")
    # c4 is also in a second included list: it must appear once (dedupe by phone)
    herald.sql("INSERT INTO contact_lists (name) VALUES ('vip')")
    herald.sql("INSERT INTO contact_list_members SELECT (SELECT id FROM contact_lists WHERE "
               "name = 'vip'), id FROM contacts WHERE name IN ('c4', 'c5')")
    herald.sql("UPDATE contacts SET opted_out = true, opted_out_at = now() WHERE name = 'c5'")
    herald.sql("UPDATE contacts SET attributes = attributes || '{\"city\":\"Hamburg\"}' "
               "WHERE name IN ('c6', 'c7')")
    herald.sql("UPDATE contacts SET attributes = attributes || '{\"age\":\"45\"}', "
               "tags = '{gold}' WHERE name = 'c6'")
    herald.sql("UPDATE contacts SET attributes = attributes - 'city' WHERE name = 'c8'")
    # an attacker-controlled value stays a value
    herald.sql("UPDATE contacts SET attributes = attributes || "
               "'{\"note\":\"x''); DROP TABLE contacts; --\"}' WHERE name = 'c9'")
    spring, vip, blocked = (list_id(herald, n) for n in ("spring", "vip", "blocked"))
    audience = {"include_lists": [spring, vip], "exclude_lists": [blocked],
                "rules": {"any": [{"attr": "city", "op": "eq", "value": "Berlin"},
                                  {"all": [{"op": "has_tag", "value": "gold"},
                                           {"attr": "age", "op": "gte", "value": 40}]},
                                  {"attr": "note", "op": "eq",
                                   "value": "x'); DROP TABLE contacts; --"}]}}
    st = start_segmenter(herald)
    cid = create(herald, audience)
    command(herald, "start", cid)
    # c1 c4 c9 c10 c11 c12 (Berlin) + c6 (gold, 45) ; not c2 c3 (excluded), c5 (opted out),
    # c7 (Hamburg), c8 (no city); c9 is Berlin anyway
    expected = ["c1", "c4", "c6", "c9", "c10", "c11", "c12"]
    rows = herald.sql("SELECT recipient_id, name, phone, params FROM campaign_recipients "
                      "WHERE campaign_id = %s ORDER BY recipient_id", cid)
    assert [r[1] for r in rows] == expected
    assert [r[0] for r in rows] == list(range(1, len(expected) + 1))
    assert len({r[2] for r in rows}) == len(rows)
    by_name = {r[1]: r for r in rows}
    assert by_name["c1"][3] == ["c1", "1%"] and by_name["c1"][2] == phones[0]
    c = campaign(herald, cid)
    assert c["status"] == "running" and c["audience_size"] == len(expected)
    assert c["started_at"] is not None
    assert herald.sql("SELECT count(*) FROM contacts")[0][0] == 12
    # a later contact edit does not change the running campaign's snapshot
    herald.sql("UPDATE contacts SET name = 'renamed' WHERE name = 'c1'")
    assert herald.sql("SELECT name FROM campaign_recipients WHERE campaign_id = %s AND "
                      "recipient_id = 1", cid)[0][0] == "c1"
    st.stop()


def test_frequency_cap_leaves_out_whoever_got_a_message_recently(herald):
    """not_messaged_within_hours: 24 leaves out the contacts with a campaign message accepted
    in the last 24 hours (any campaign), and those still to get one from a campaign under way;
    not those messaged earlier, never accepted, or left unsent by a cancelled campaign."""
    phones = add_contacts(herald, 8, "all")
    (old,), = herald.sql("SELECT nextval('campaign_ids')")
    herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status) "
               "VALUES (%s, 'earlier', '1098765', 'spring_sale', 'completed')", old)
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state, "
               "accepted_at) VALUES (%s, 1, %s, 'accepted', now() - interval '2 hours'), "
               "(%s, 2, %s, 'accepted', now() - interval '30 hours'), "
               "(%s, 3, %s, 'failed', NULL), (%s, 4, %s, 'accepted', now() - interval '23 hours')",
               old, phones[0], old, phones[1], old, phones[2], old, phones[3])
    for status, phone in (("paused", phones[6]), ("cancelled", phones[7])):
        (other,), = herald.sql("SELECT nextval('campaign_ids')")
        herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status) "
                   "VALUES (%s, 'under way', '1098765', 'spring_sale', %s)", other, status)
        herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state) "
                   "VALUES (%s, 1, %s, 'queued')", other, phone)
    st = start_segmenter(herald)
    cid = create(herald, {"include_lists": [list_id(herald, "all")],
                          "not_messaged_within_hours": 24})
    command(herald, "start", cid)
    rows = herald.sql("SELECT phone FROM campaign_recipients WHERE campaign_id = %s "
                      "ORDER BY phone", cid)
    # phones[6] waits in a paused campaign; phones[7]'s campaign was cancelled before sending
    assert [r[0] for r in rows] == [phones[1], phones[2], phones[4], phones[5], phones[7]]
    bad = new_campaign_id(herald)
    result = outcome(herald, send(herald, "create", bad,
                                  campaign=definition({"not_messaged_within_hours": 0})))
    assert result[0] == "rejected" and "not_messaged_within_hours" in result[1], result
    st.stop()


def test_from_campaign_retargets_by_outcome_and_reply(herald):
    """from_campaign: only the recipients of an earlier campaign, by the furthest step they
    reached and whether they answered; opted-out contacts stay out; an unknown outcome is
    refused, naming the words the database's view knows (the two lists must agree)."""
    phones = add_contacts(herald, 12, "all")
    (old,), = herald.sql("SELECT nextval('campaign_ids')")
    herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status) "
               "VALUES (%s, 'earlier', '1098765', 'spring_sale', 'completed')", old)
    seed_recipient_outcomes(herald, old)  # recipient k has phone k; phone 12 was not in it
    herald.sql("UPDATE contacts SET opted_out = true WHERE phone = %s", phones[7])
    st = start_segmenter(herald)

    def snapshot(from_campaign, **audience):
        cid = create(herald, {"from_campaign": from_campaign, **audience})
        command(herald, "start", cid)
        return [r[0] for r in herald.sql("SELECT phone FROM campaign_recipients WHERE "
                                         "campaign_id = %s ORDER BY phone", cid)]

    # sent (7), delivered (8, opted out since), delivered after a late failure (11)
    assert snapshot({"campaign_id": old, "outcomes": ["delivered", "sent"]}) == \
        [phones[6], phones[10]]
    assert snapshot({"campaign_id": old, "outcomes": ["read"], "replied": True}) == [phones[8]]
    assert snapshot({"campaign_id": old, "outcomes": ["read"], "replied": False}) == []
    everyone = snapshot({"campaign_id": old}, include_lists=[list_id(herald, "all")])
    assert everyone == [p for i, p in enumerate(phones[:11]) if i != 7]

    bad = new_campaign_id(herald)
    result = outcome(herald, send(herald, "create", bad, campaign=definition(
        {"from_campaign": {"campaign_id": old, "outcomes": ["opened"]}})))
    assert result[0] == "rejected", result
    assert "from_campaign.outcomes[0]: unknown outcome (one of: " in result[1]
    words = result[1].split("(one of: ")[1].rstrip(")").split(", ")
    assert words == herald.sql("SELECT campaign_recipient_outcome_names()")[0][0]
    st.stop()


def test_send_window_holds_emission_until_its_hours(herald):
    """A running campaign outside its send_window snapshots its audience but emits no job;
    when the window opens (here: the stored window is moved over "now", as the clock would)
    emission starts by itself. An unknown time zone is refused when the command is applied."""
    add_contacts(herald, 5, "all")
    st = start_segmenter(herald)
    (now_min,), = herald.sql("SELECT (extract(hour FROM now() AT TIME ZONE 'UTC') * 60 + "
                             "extract(minute FROM now() AT TIME ZONE 'UTC'))::int")
    hhmm = lambda m: f"{(m // 60) % 24:02d}:{m % 60:02d}"  # noqa: E731
    closed = {"from": hhmm(now_min + 120), "to": hhmm(now_min + 180), "time_zone": "UTC"}
    cid = new_campaign_id(herald)
    command(herald, "create", cid, campaign={**definition({"include_lists": [list_id(herald, "all")]}),
                                             "send_window": closed})
    assert herald.sql("SELECT send_window FROM campaigns WHERE id = %s", cid) == [(closed,)]
    command(herald, "start", cid)
    assert states(herald, cid) == {"pending": 5}
    time.sleep(2.0)  # many emitter ticks: nothing may go out
    assert count_messages(herald, "jobs") == 0 and states(herald, cid) == {"pending": 5}
    open_now = {"from": hhmm(now_min + 24 * 60 - 60), "to": hhmm(now_min + 60), "time_zone": "UTC"}
    herald.sql("UPDATE campaigns SET send_window = %s WHERE id = %s", json.dumps(open_now), cid)
    wait_for(lambda: count_messages(herald, "jobs") == 5, what="5 jobs once the window opened")

    bad = new_campaign_id(herald)
    result = outcome(herald, send(herald, "create", bad, campaign={
        **definition({"include_lists": [1]}),
        "send_window": {"from": "09:00", "to": "20:00", "time_zone": "Mars/Olympus_Mons"}}))
    assert result[0] == "rejected" and result[1].startswith("send_window.time_zone:"), result
    assert "Mars/Olympus_Mons" in result[1]
    result = outcome(herald, send(herald, "create", bad, campaign={
        **definition({"include_lists": [1]}), "send_window": {"from": "9", "to": "20:00"}}))
    assert result[0] == "rejected" and "send_window.from" in result[1], result
    st.stop()


@pytest.mark.parametrize("window,at,inside", [
    ({"from": "22:00", "to": "06:00", "time_zone": "Europe/Berlin"}, "2026-11-27 21:30Z", True),
    ({"from": "22:00", "to": "06:00", "time_zone": "Europe/Berlin"}, "2026-11-28 04:59Z", True),
    ({"from": "22:00", "to": "06:00", "time_zone": "Europe/Berlin"}, "2026-11-28 05:00Z", False),
    ({"from": "22:00", "to": "06:00", "time_zone": "Europe/Berlin"}, "2026-11-27 12:00Z", False),
    ({"from": "09:00", "to": "20:00", "time_zone": "America/New_York"}, "2026-11-27 13:59Z", False),
    ({"from": "09:00", "to": "20:00", "time_zone": "America/New_York"}, "2026-11-27 14:00Z", True),
    ({"from": "09:00", "to": "20:00", "time_zone": "America/New_York"}, "2026-11-28 01:00Z", False),
    ({"from": "09:00", "to": "20:00", "time_zone": "America/New_York"}, "2026-07-01 13:00Z", True),
    (None, "2026-11-27 03:00Z", True),
])
def test_send_window_open_in_local_time(herald, window, at, inside):
    """campaign_send_window_open: local hours in the zone (daylight saving included), the end
    exclusive, from > to spanning midnight, no window = always."""
    (got,), = herald.sql("SELECT campaign_send_window_open(%s::jsonb, %s::timestamptz)",
                         json.dumps(window) if window else None, at)
    assert got is inside


@pytest.mark.parametrize("window,at,opens", [
    ({"from": "09:00", "to": "17:00", "time_zone": "Europe/Berlin"}, "2026-11-28 06:00Z",
     "2026-11-28 08:00:00+00"),  # before today's hours
    ({"from": "09:00", "to": "17:00", "time_zone": "Europe/Berlin"}, "2026-11-28 09:00Z", None),
    ({"from": "09:00", "to": "17:00", "time_zone": "Europe/Berlin"}, "2026-11-28 16:00Z",
     "2026-11-29 08:00:00+00"),  # after them: tomorrow's
    ({"from": "22:00", "to": "06:00", "time_zone": "UTC"}, "2026-11-28 12:00Z",
     "2026-11-28 22:00:00+00"),  # spanning midnight, closed in the day
    ({"from": "22:00", "to": "06:00", "time_zone": "UTC"}, "2026-11-28 23:00Z", None),
    ({"from": "08:00", "to": "20:00", "time_zone": "America/New_York"}, "2026-03-08 02:00Z",
     "2026-03-08 12:00:00+00"),  # the night clocks go forward: 08:00 EDT, not EST
    ({"from": "02:30", "to": "05:00", "time_zone": "Europe/Berlin"}, "2026-03-28 12:00Z",
     "2026-03-29 01:30:00+00"),  # 02:30 does not exist that night: 03:30 CEST
    (None, "2026-11-28 03:00Z", None),
])
def test_send_window_opens_at_the_next_local_from(herald, window, at, opens):
    """campaign_send_window_opens_at (what herald-ctl and the API show for a waiting campaign):
    NULL while open or without a window, else the next local `from`."""
    (got,), = herald.sql("SELECT campaign_send_window_opens_at(%s::jsonb, %s::timestamptz)::text",
                         json.dumps(window) if window else None, at)
    assert got == opens


def test_template_header_and_buttons_reach_every_job(herald):
    """A template with a media header and buttons: the definition is stored, each recipient's
    button values are rendered at the snapshot after the body's, every job names the header
    and the buttons; update replaces them, duplicate copies them; a bad one is refused by
    name."""
    add_contacts(herald, 2, "hb")
    st = start_segmenter(herald)
    header = {"type": "image", "link": "https://cdn.example.com/autumn.png"}
    buttons = [{"sub_type": "url", "param": "attributes.discount"},
               {"sub_type": "quick_reply", "param": "=stop-promos", "index": 2}]
    cid = new_campaign_id(herald)
    d = definition({"include_lists": [list_id(herald, "hb")]}, params=("name",))
    d["template"].update(header=header, buttons=buttons)
    command(herald, "create", cid, campaign=d)
    stored = {"header": header,
              "buttons": [{"sub_type": "url", "index": 0, "param": "attributes.discount"},
                          {"sub_type": "quick_reply", "index": 2, "param": "=stop-promos"}]}
    assert herald.sql("SELECT template_components FROM campaigns WHERE id = %s", cid) == \
        [(stored,)]
    command(herald, "start", cid)
    wait_for(lambda: count_messages(herald, "jobs") == 2, what="2 jobs")
    jobs = sorted(read_jobs(herald), key=lambda j: j["recipient_id"])
    assert jobs[0]["template"] == {
        "name": "spring_sale", "language": "en", "header": header,
        "buttons": [{"sub_type": "url", "index": 0}, {"sub_type": "quick_reply", "index": 2}]}
    assert [j["params"] for j in jobs] == [["c1", "1%", "stop-promos"], ["c2", "2%", "stop-promos"]]

    copy = new_campaign_id(herald)
    command(herald, "duplicate", cid, new_campaign_id=copy)
    assert herald.sql("SELECT template_components FROM campaigns WHERE id = %s", copy) == \
        [(stored,)]
    command(herald, "update", copy, campaign={"template": {"header": {"type": "text",
                                                                      "param": "name"}}})
    assert herald.sql("SELECT template_components FROM campaigns WHERE id = %s", copy) == \
        [({**stored, "header": {"type": "text", "param": "name"}},)]  # the buttons stay
    command(herald, "update", copy, campaign={"template": {"header": None, "buttons": None}})
    assert herald.sql("SELECT template_components FROM campaigns WHERE id = %s", copy) == \
        [(None,)]

    bad = new_campaign_id(herald)
    d["template"]["buttons"] = [{"sub_type": "call", "param": "=x"}]
    result = outcome(herald, send(herald, "create", bad, campaign=d))
    assert result[0] == "rejected" and "template.buttons[0].sub_type" in result[1], result
    st.stop()


def test_job_payload_and_key(herald):
    add_contacts(herald, 3, "l")
    st = start_segmenter(herald)
    cid = create(herald, {"include_lists": [list_id(herald, "l")]},
                 params=("name", "phone", "=fixed", "attributes.discount"), rate=12.5)
    command(herald, "start", cid)
    wait_for(lambda: count_messages(herald, "jobs") == 3, what="3 jobs")
    jobs = sorted(read_jobs(herald), key=lambda j: j["recipient_id"])
    assert jobs[0] == {"campaign_id": cid, "recipient_id": 1, "phone": "4915100000001",
                       "phone_number_id": "1098765",
                       "template": {"name": "spring_sale", "language": "en"},
                       "params": ["c1", "4915100000001", "fixed", "1%"],
                       "rate_limit_per_second": 12.5}
    assert [j["recipient_id"] for j in jobs] == [1, 2, 3]
    c = kafka_consumer()
    try:  # key = recipient phone
        topic = herald.topic("jobs")
        parts = c.list_topics(topic, timeout=10).topics[topic].partitions
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        keys = set()
        deadline = time.monotonic() + 20
        while len(keys) < 3 and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                keys.add(m.key().decode())
        assert keys == {"4915100000001", "4915100000002", "4915100000003"}
    finally:
        c.close()
    assert states(herald, cid) == {"queued": 3}
    m = st.metrics()
    assert m["herald_segmenter_jobs_emitted_total"] == 3
    assert m["herald_segmenter_campaigns_started_total"] == 1
    assert m["herald_segmenter_jobs_in_flight"] == 0
    st.stop()


# ---------------------------------------------------------------------------- commands
def test_every_invalid_command_gets_its_recorded_reason(herald):
    add_contacts(herald, 2, "l")
    st = start_segmenter(herald)
    draft = create(herald, {})
    done = create(herald, {})
    herald.sql("UPDATE campaigns SET status = 'completed' WHERE id = %s", done)
    unknown = new_campaign_id(herald) + 1000
    cases = [
        ({"type": "explode", "campaign_id": draft}, "unknown command type 'explode'"),
        ({"type": "resume", "campaign_id": done}, "cannot resume a completed campaign"),
        ({"type": "resume", "campaign_id": draft}, "cannot resume a draft campaign"),
        ({"type": "pause", "campaign_id": draft}, "cannot pause a draft campaign"),
        ({"type": "update", "campaign_id": done, "campaign": {"name": "x"}},
         "cannot update a completed campaign"),
        ({"type": "start", "campaign_id": unknown}, f"unknown campaign {unknown}"),
        ({"type": "create", "campaign_id": draft, "campaign": definition({})},
         f"campaign {draft} already exists"),
        ({"type": "create", "campaign_id": unknown,
          "campaign": {"name": "x", "template": {"name": "t"}, "audience": {}}},
         "campaign.phone_number_id is required"),
        ({"type": "create", "campaign_id": unknown,
          "campaign": definition({"rules": {"attr": "a", "op": "drop", "value": 1}})},
         "unknown op 'drop'"),
        ({"type": "update", "campaign_id": draft, "campaign": {"rate_limit_per_second": -1}},
         "rate_limit_per_second"),
        ({"type": "schedule", "campaign_id": draft, "at": "next tuesday"}, "'at' must be"),
        ({"type": "schedule", "campaign_id": draft, "at": "2026-02-30T10:00:00Z"},
         "out of range"),
        ({"type": "duplicate", "campaign_id": draft, "new_campaign_id": done},
         f"campaign {done} already exists"),
        ({"type": "start", "campaign_id": "7"}, "campaign_id must be a positive integer"),
    ]
    ids = []
    for body, _ in cases:
        cid = f"bad-{uuid.uuid4()}"
        herald.produce("campaign-commands", str(body["campaign_id"]),
                       dict(body, command_id=cid))
        ids.append(cid)
    herald.produce("campaign-commands", str(draft), "{this is not json")
    herald.produce("campaign-commands", str(draft), json.dumps({"type": "start"}))
    for cid, (body, reason) in zip(ids, cases):
        result, why = outcome(herald, cid)
        assert result == "rejected", body
        assert reason in why, (body, why)
    bad_json = wait_for(lambda: herald.sql(
        "SELECT outcome, reason, campaign_id FROM command_results WHERE payload = %s",
        "{this is not json"), what="bad JSON recorded")
    assert bad_json[0][0] == "rejected" and "not valid JSON" in bad_json[0][1]
    assert bad_json[0][2] == draft  # taken from the key
    no_id = wait_for(lambda: herald.sql(
        "SELECT outcome, reason FROM command_results WHERE payload = %s",
        json.dumps({"type": "start"})), what="command without id recorded")
    assert no_id[0][0] == "rejected" and "command_id" in no_id[0][1]
    # nothing changed, the stage keeps going, and rejected commands were logged
    assert campaign(herald, draft)["status"] == "draft"
    assert campaign(herald, done)["status"] == "completed"
    command(herald, "start", draft)
    assert campaign(herald, draft)["status"] == "running"
    assert "rejected" in st.log_text()
    m = st.metrics()
    assert m["herald_segmenter_commands_rejected_total"] == len(cases) + 2
    assert m["herald_segmenter_commands_accepted_total"] == 3  # two creates and the start
    st.stop()


def test_redelivered_command_is_a_no_op_and_recalculate_is_left_to_analytics(herald):
    st = start_segmenter(herald)
    cid = new_campaign_id(herald)
    cmd = {"command_id": "same-id", "type": "create", "campaign_id": cid,
           "campaign": definition({})}
    herald.produce("campaign-commands", str(cid), cmd)
    assert outcome(herald, "same-id")[0] == "accepted"
    # same id again (redelivery / re-post), even with a different body: no effect
    herald.produce("campaign-commands", str(cid),
                   dict(cmd, campaign=dict(definition({}), name="changed")))
    herald.produce("campaign-commands", str(cid),
                   {"command_id": "recalc-1", "type": "recalculate", "campaign_id": cid})
    marker = command(herald, "update", cid, campaign={"phone_number_id": "42"})
    assert herald.sql("SELECT name, phone_number_id FROM campaigns WHERE id = %s", cid) == [
        ("Spring sale", "42")]
    assert herald.sql("SELECT count(*) FROM command_results WHERE command_id = 'same-id'") == [
        (1,)]
    assert herald.sql("SELECT count(*) FROM command_results WHERE command_id = 'recalc-1'") == [
        (0,)]
    assert marker
    st.stop()


def test_duplicate_yields_an_identical_draft(herald):
    add_contacts(herald, 5, "l")
    st = start_segmenter(herald)
    audience = {"include_lists": [list_id(herald, "l")],
                "rules": {"attr": "city", "op": "eq", "value": "Berlin"}}
    src = create(herald, audience, rate=20.0)
    command(herald, "start", src)
    wait_for(lambda: states(herald, src).get("queued") == 5, what="source emitted")
    new = new_campaign_id(herald)
    command(herald, "duplicate", src, new_campaign_id=new)
    cols = ("name, phone_number_id, template_name, template_language, template_params, "
            "audience, rate_limit_per_second")
    assert herald.sql(f"SELECT {cols} FROM campaigns WHERE id = %s", new) == herald.sql(
        f"SELECT {cols} FROM campaigns WHERE id = %s", src)
    c = campaign(herald, new)
    assert c["status"] == "draft" and c["audience_size"] is None and c["started_at"] is None
    assert herald.sql("SELECT duplicated_from FROM campaigns WHERE id = %s", new) == [(src,)]
    assert states(herald, new) == {}
    # the copy is a normal draft: it can be started on its own
    command(herald, "start", new)
    assert campaign(herald, new)["audience_size"] == 5
    st.stop()


# ---------------------------------------------------------------------------- schedule
def test_schedule_fires_on_time_across_a_restart(herald):
    add_contacts(herald, 10, "l")
    st = start_segmenter(herald)
    cid = create(herald, {"include_lists": [list_id(herald, "l")]})
    (at,), = herald.sql("SELECT to_char((now() + interval '3 seconds') AT TIME ZONE 'UTC', "
                        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
    command(herald, "schedule", cid, at=at)
    assert campaign(herald, cid)["status"] == "scheduled"
    st.stop()                                   # segmenter down while the schedule is pending
    time.sleep(1.0)
    st2 = start_segmenter(herald, name="segmenter-2")
    wait_for(lambda: campaign(herald, cid)["status"] == "running", timeout=10,
             what="scheduled campaign running")
    (late,), = herald.sql("SELECT extract(epoch FROM started_at - scheduled_at) FROM campaigns "
                          "WHERE id = %s", cid)
    assert 0 <= float(late) < 1.0, f"started {late}s after its time"
    assert campaign(herald, cid)["audience_size"] == 10
    st2.stop()


def test_two_instances_fire_a_schedule_once_and_never_double_emit(herald):
    add_contacts(herald, 300, "l")
    a = start_segmenter(herald, name="segmenter-a")
    b = start_segmenter(herald, name="segmenter-b")
    cid = create(herald, {"include_lists": [list_id(herald, "l")]})
    (at,), = herald.sql("SELECT to_char((now() + interval '1 second') AT TIME ZONE 'UTC', "
                        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
    command(herald, "schedule", cid, at=at)
    wait_for(lambda: campaign(herald, cid)["status"] == "running", what="running")
    time.sleep(1.5)
    assert herald.sql("SELECT count(*) FROM campaign_recipients WHERE campaign_id = %s",
                      cid) == [(300,)]
    assert count_messages(herald, "jobs") == WINDOW
    for _ in range(3):  # the "dispatcher" drains some; both instances top the window up
        simulate_dispatcher(herald, cid, 25)
        wait_for(lambda: states(herald, cid).get("queued") == WINDOW, what="window refilled")
    time.sleep(0.5)
    jobs = read_jobs(herald)
    ids = [j["recipient_id"] for j in jobs]
    assert len(ids) == len(set(ids)) == WINDOW + 75
    assert sorted(ids) == list(range(1, WINDOW + 76))
    fired = [st.log_text().count(f"scheduled campaign {cid} started") for st in (a, b)]
    assert sorted(fired) == [0, 1], fired
    a.stop()
    b.stop()


# ---------------------------------------------------------------------------- emission
def test_bounded_emission_pause_resume_and_completion(herald):
    add_contacts(herald, 200, "l")
    st = start_segmenter(herald)
    cid = create(herald, {"include_lists": [list_id(herald, "l")]})
    command(herald, "start", cid)
    # nothing consumes: the window fills and stops there
    wait_for(lambda: states(herald, cid).get("queued") == WINDOW, what="window full")
    time.sleep(1.0)
    assert count_messages(herald, "jobs") == WINDOW
    assert states(herald, cid) == {"queued": WINDOW, "pending": 200 - WINDOW}

    # the dispatcher resolves 30; exactly 30 more are emitted
    simulate_dispatcher(herald, cid, 30)
    wait_for(lambda: count_messages(herald, "jobs") == WINDOW + 30, what="top-up")
    time.sleep(0.5)
    assert count_messages(herald, "jobs") == WINDOW + 30

    # pause: nothing more is emitted even though the window has room
    command(herald, "pause", cid)
    assert campaign(herald, cid)["status"] == "paused"
    simulate_dispatcher(herald, cid, 10)        # in flight before the pause
    time.sleep(1.5)
    assert count_messages(herald, "jobs") == WINDOW + 30
    accepted_before = {r for r, in herald.sql(
        "SELECT recipient_id FROM campaign_recipients WHERE campaign_id = %s AND state = "
        "'accepted'", cid)}
    assert len(accepted_before) == 40
    unsent = [r for r, in herald.sql(
        "SELECT recipient_id FROM campaign_recipients WHERE campaign_id = %s AND state IN "
        "('pending', 'queued') ORDER BY recipient_id", cid)]

    # resume: re-emits exactly the lowest unsent recipients (queued ones again), none sent
    mark = watermarks(herald, "jobs")
    command(herald, "resume", cid)
    c = campaign(herald, cid)
    assert c["status"] == "running" and c["resumed_at"] is not None
    wait_for(lambda: count_messages(herald, "jobs") == WINDOW + 30 + WINDOW, what="re-emission")
    time.sleep(0.5)
    after = sorted(j["recipient_id"] for j in read_jobs(herald, since=mark))
    assert after == unsent[:WINDOW]
    assert not accepted_before & set(after)

    # the "dispatcher" finishes everything (some failed): the campaign completes
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = simulate_dispatcher(herald, cid, 25, "accepted")
        simulate_dispatcher(herald, cid, 5, "failed")
        if not done and states(herald, cid).get("pending", 0) == 0 and \
                states(herald, cid).get("queued", 0) == 0:
            break
        time.sleep(0.15)
    wait_for(lambda: campaign(herald, cid)["status"] == "completed", what="completed")
    c = campaign(herald, cid)
    assert c["completed_at"] is not None and c["completed_at"] >= c["started_at"]
    ids = [j["recipient_id"] for j in read_jobs(herald)]
    assert set(ids) == set(range(1, 201))        # every recipient was emitted
    st.stop()


def test_messaging_limit_holds_new_people_and_lets_known_ones_through(herald):
    """Meta's messaging limit: at most N people contacted in any moving 24 h, all campaigns
    together. Someone contacted within 24 h costs nothing; the rest go in recipient order while
    there is room and wait, pending, until earlier contacts age out of the window."""
    phones = add_contacts(herald, 60, "l")
    ledger = "INSERT INTO messaging_limit_contacts (phone, contacted_at) VALUES (%s, now() - %s::interval)"
    for p in phones[:10]:                      # recipients 1-10: contacted an hour ago
        herald.sql(ledger, p, "1 hour")
    for p in phones[10:15]:                    # 11-15: 25 h ago, outside the window: new again
        herald.sql(ledger, p, "25 hours")
    others = [str(4917000000000 + i) for i in range(5)]
    for p in others:                           # five people of another campaign, 2 h ago
        herald.sql(ledger, p, "2 hours")
    herald.sql("SELECT messaging_limit_set(30)")
    st = start_segmenter(herald, lookahead_min=100, lookahead_max=100)
    cid = create(herald, {"include_lists": [list_id(herald, "l")]})
    command(herald, "start", cid)
    # 15 of 30 used: the 10 known and the first 15 new ones go, recipients 1-25
    wait_for(lambda: states(herald, cid).get("queued") == 25, what="25 queued")
    time.sleep(1.5)  # more emission steps: nothing else may go
    assert states(herald, cid) == {"queued": 25, "pending": 35}
    assert sorted(j["recipient_id"] for j in read_jobs(herald)) == list(range(1, 26))
    (used,), = herald.sql("SELECT count(*) FROM messaging_limit_contacts "
                          "WHERE contacted_at > now() - interval '24 hours'")
    assert used == 30
    wait_for(lambda: "messaging limit reached: 30 of 30 people" in st.log_text(),
             what="the limit logged")
    m = st.metrics()
    assert (m.get("herald_segmenter_messaging_limit_used"),
            m.get("herald_segmenter_messaging_limit")) == (30, 30)
    (people, used, room, next_at), = herald.sql("SELECT * FROM messaging_limit_status()")
    (oldest,), = herald.sql("SELECT min(contacted_at) + interval '24 hours' FROM "
                            "messaging_limit_contacts WHERE phone = ANY(%s)", others)
    assert (people, used, room, next_at) == (30, 30, 0, oldest)

    # the other campaign's five age out of the window: five more, in recipient order
    herald.sql("UPDATE messaging_limit_contacts SET contacted_at = contacted_at - "
               "interval '22 hours' WHERE phone = ANY(%s)", others)
    wait_for(lambda: count_messages(herald, "jobs") == 30, what="five more jobs")
    time.sleep(1.0)
    assert count_messages(herald, "jobs") == 30
    assert sorted(j["recipient_id"] for j in read_jobs(herald)) == list(range(1, 31))
    # rows that left the window are deleted (every 5 s)
    wait_for(lambda: herald.sql("SELECT count(*) FROM messaging_limit_contacts WHERE "
                                "phone = ANY(%s)", others) == [(0,)], timeout=15,
             what="aged rows pruned")

    # raised while the campaign runs (Meta moved the portfolio up a tier): no restart needed
    herald.sql("SELECT messaging_limit_set(50)")
    wait_for(lambda: count_messages(herald, "jobs") == 50, what="twenty more jobs")
    wait_for(lambda: "messaging limit is now 50 people per 24 h" in st.log_text(),
             what="the change logged")
    # and turned off: the rest go
    herald.sql("SELECT messaging_limit_set(0)")
    wait_for(lambda: count_messages(herald, "jobs") == 60, what="every job")
    st.stop()


def test_messaging_limit_is_one_budget_for_every_campaign_and_instance(herald):
    add_contacts(herald, 50, "a")
    add_contacts(herald, 50, "b", start=1000)
    herald.sql("SELECT messaging_limit_set(40)")
    segs = [start_segmenter(herald, name=f"segmenter-{n}", lookahead_min=100, lookahead_max=100)
            for n in ("a", "b")]
    cids = [create(herald, {"include_lists": [list_id(herald, name)]}) for name in ("a", "b")]
    for cid in cids:
        command(herald, "start", cid)
    wait_for(lambda: count_messages(herald, "jobs") >= 40, what="40 jobs")
    time.sleep(2.0)
    jobs = read_jobs(herald)
    assert len(jobs) == 40 and len({j["phone"] for j in jobs}) == 40
    assert sum(states(herald, cid).get("queued", 0) for cid in cids) == 40
    for st in segs:
        st.stop()


def stats(herald, cid, settled, failed):
    """The analytics stage's counters for a campaign, as the failure guard reads them."""
    herald.sql("INSERT INTO analytics_campaign_stats (campaign_id, recipients, settled, accepted, "
               "failed) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (campaign_id) DO UPDATE SET "
               "recipients = EXCLUDED.recipients, settled = EXCLUDED.settled, "
               "accepted = EXCLUDED.accepted, failed = EXCLUDED.failed",
               cid, settled + 1, settled, settled - failed, failed)


def running_campaign(herald, name, settled, failed):
    cid = new_campaign_id(herald)
    herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status) "
               "VALUES (%s, %s, '1098765', 'spring_sale', 'draft')", cid, name)
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state, "
               "claim_open) VALUES (%s, 1, '4915100000001', 'queued', true)", cid)
    stats(herald, cid, settled, failed)
    herald.sql("UPDATE campaigns SET status = 'running' WHERE id = %s", cid)
    return cid


def status_reason(herald, cid):
    return herald.sql("SELECT status_reason FROM campaigns WHERE id = %s", cid)[0][0]


def test_failure_guard_pauses_a_campaign_whose_messages_mostly_fail_and_watches_it_again_after_a_resume(herald):  # noqa: E501
    """With pause_above_failure_rate 0.2 and 100 settled messages at least, a running campaign
    with 30 % failed is paused with a reason that says so; 10 % failed, or 80 % of only 50
    settled, go on. After a resume the guard judges only what settles after it: the old
    failures do not pause it again, 30 % of the next 100 do."""
    st = start_segmenter(herald, pause_above_failure_rate=0.2, failure_guard_min_settled=100)
    cids = {name: running_campaign(herald, name, settled, failed)
            for name, settled, failed in (("bad", 100, 30), ("fine", 100, 10), ("early", 50, 40))}
    bad = cids["bad"]
    wait_for(lambda: campaign(herald, bad)["status"] == "paused", timeout=15,
             what="the failing campaign paused")
    reason = status_reason(herald, bad)
    assert reason.startswith("paused by the failure guard: 30 of 100 settled messages failed "
                             "(30.0 %, more than pause_above_failure_rate 20.0 %)"), reason
    assert f"campaign {bad} paused by the failure guard" in st.log_text()
    assert st.metrics().get("herald_segmenter_campaigns_paused_by_failure_guard_total") == 1
    assert campaign(herald, cids["fine"])["status"] == "running"
    assert campaign(herald, cids["early"])["status"] == "running"
    # herald-ctl watch says why instead of a rate of 0
    ctl = os.path.join(os.environ.get("HERALD_BUILD_DIR", "build"), "bin", "herald-ctl")
    out = subprocess.run([ctl, "watch", str(bad), "--once", "--json"], capture_output=True,
                         text=True, timeout=30, env=dict(os.environ, HERALD_PG_CONNINFO=
                                                         herald.conninfo))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["paused_because"] == reason

    command(herald, "resume", bad)  # somebody looked: counting starts afresh
    wait_for(lambda: herald.sql("SELECT failure_guard_from_settled, failure_guard_from_at "
                                "> resumed_at FROM campaigns WHERE id = %s", bad) == [(100, True)],
             timeout=15, what="the guard's counting point moved to the resume")
    time.sleep(6.0)  # more than one more guard tick: the failures before the pause are behind it
    assert campaign(herald, bad)["status"] == "running"
    assert status_reason(herald, bad) is None
    stats(herald, bad, 150, 40)  # 10 of 50 since the resume: too few to judge
    time.sleep(6.0)
    assert campaign(herald, bad)["status"] == "running"
    stats(herald, bad, 200, 60)  # 30 of 100 since the resume
    wait_for(lambda: campaign(herald, bad)["status"] == "paused", timeout=15,
             what="the resumed campaign paused again")
    reason = status_reason(herald, bad)
    assert re.match(r"paused by the failure guard: 30 of 100 settled messages failed since "
                    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(30\.0 %, more than "
                    r"pause_above_failure_rate 20\.0 %\); check the audience and the template, "
                    r"then resume \(the guard then counts afresh\)$", reason), reason
    assert st.metrics().get("herald_segmenter_campaigns_paused_by_failure_guard_total") == 2
    st.stop()


def test_failure_guard_counts_afresh_every_window_so_a_late_surge_is_not_diluted(herald):
    """failure_guard_window 500: a campaign 5 % failed over 1,000 messages goes on and its
    counting point moves to 1,000; 40 of the next 100 failing pauses it (90 of 1,100 over the
    whole campaign would be 8 %, below the 20 %), while 5 of the next 100 goes on."""
    st = start_segmenter(herald, pause_above_failure_rate=0.2, failure_guard_min_settled=100,
                         failure_guard_window=500)
    surge, steady = (running_campaign(herald, n, 1000, 50) for n in ("surge", "steady"))
    point = "SELECT failure_guard_from_settled, failure_guard_from_failed FROM campaigns " \
            "WHERE id = %s"
    for cid in (surge, steady):
        wait_for(lambda: herald.sql(point, cid) == [(1000, 50)], timeout=15,
                 what="the counting point moved after a full window")
    assert campaign(herald, surge)["status"] == "running"
    stats(herald, surge, 1100, 90)
    stats(herald, steady, 1100, 55)
    wait_for(lambda: campaign(herald, surge)["status"] == "paused", timeout=15,
             what="the surge paused")
    assert "40 of 100 settled messages failed since " in status_reason(herald, surge)
    time.sleep(1.0)
    assert campaign(herald, steady)["status"] == "running"
    assert herald.sql(point, steady) == [(1000, 50)]  # 100 < 500: the same window
    st.stop()


def test_failure_guard_does_not_count_recipients_who_stopped_marketing_messages(herald):
    """131050 (the person stopped marketing messages: Meta refused, or Herald skipped a contact
    that opted out after the snapshot) says nothing of the list or the template: those
    recipients leave both counts. 60 of 200 failed with 50 of them 131050 is 10 of 150 (goes
    on); 60 of 200 with 20 of them 131050 is 40 of 180 (22.2 %: paused, and the reason says
    40 of 180)."""
    st = start_segmenter(herald, pause_above_failure_rate=0.2, failure_guard_min_settled=100)
    cids = {}
    for name, stopped in (("mostly-stop", 50), ("some-stop", 20)):
        cid = cids[name] = new_campaign_id(herald)
        herald.sql("INSERT INTO analytics_campaign_failures (campaign_id, error_code, "
                   "error_title, recipients) VALUES (%s, 131050, 'stopped marketing', %s), "
                   "(%s, 131026, 'undeliverable', %s)", cid, stopped, cid, 60 - stopped)
    for name, cid in cids.items():  # the counters exist before the campaign runs
        herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status) "
                   "VALUES (%s, %s, '1098765', 'spring_sale', 'draft')", cid, name)
        herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state, "
                   "claim_open) VALUES (%s, 1, '4915100000001', 'queued', true)", cid)
        stats(herald, cid, 200, 60)
        herald.sql("UPDATE campaigns SET status = 'running' WHERE id = %s", cid)
    wait_for(lambda: campaign(herald, cids["some-stop"])["status"] == "paused", timeout=15,
             what="the campaign with 22 % counted failures paused")
    reason = status_reason(herald, cids["some-stop"])
    assert reason.startswith("paused by the failure guard: 40 of 180 settled messages failed "
                             "(22.2 %, more than pause_above_failure_rate 20.0 %)"), reason
    time.sleep(1.0)
    assert campaign(herald, cids["mostly-stop"])["status"] == "running"
    st.stop()


def test_failure_guard_window_shorter_than_its_minimum_is_refused(herald):
    st = herald.start_stage("segmenter", consume=["campaign-commands"], plugin="segmenter",
                            plugin_config=dict(SEGMENTER_CONFIG, pause_above_failure_rate=0.2,
                                               failure_guard_min_settled=300,
                                               failure_guard_window=200))
    assert st.wait_exit() == 1
    assert ("failure_guard_window must be 0 or >= failure_guard_min_settled"
            in st.log_text()), st.log_text()


def test_a_campaigns_own_max_failure_rate_wins_over_the_segmenters(herald):
    """max_failure_rate in the definition (create, update, null to clear, copied by duplicate)
    is the guard's threshold for that campaign, with the segmenter's own guard off."""
    add_contacts(herald, 3, "l")
    st = start_segmenter(herald, failure_guard_min_settled=100)  # pause_above_failure_rate 0
    audience = {"include_lists": [list_id(herald, "l")]}
    strict, lax = new_campaign_id(herald), new_campaign_id(herald)
    for cid, rate in ((strict, 0.05), (lax, 0.5)):
        command(herald, "create", cid, campaign={**definition(audience), "max_failure_rate": rate})
    rate_of = lambda cid: herald.sql("SELECT max_failure_rate FROM campaigns WHERE id = %s",  # noqa: E731
                                     cid)[0][0]
    assert (rate_of(strict), rate_of(lax)) == (0.05, 0.5)
    command(herald, "update", lax, campaign={"max_failure_rate": None})
    assert rate_of(lax) is None
    command(herald, "update", lax, campaign={"max_failure_rate": 0.3})
    copy = new_campaign_id(herald)
    command(herald, "duplicate", lax, new_campaign_id=copy)
    assert rate_of(copy) == 0.3
    result = outcome(herald, send(herald, "update", lax, campaign={"max_failure_rate": 1.5}))
    assert result[0] == "rejected" and "max_failure_rate" in result[1], result
    for cid in (strict, lax):
        command(herald, "start", cid)
        herald.sql("UPDATE campaign_recipients SET claim_open = true WHERE campaign_id = %s", cid)
        herald.sql("INSERT INTO analytics_campaign_stats (campaign_id, recipients, settled, "
                   "accepted, failed) VALUES (%s, 200, 200, 180, 20)", cid)  # 10 % failed
    wait_for(lambda: campaign(herald, strict)["status"] == "paused", timeout=15,
             what="the strict campaign paused")
    (reason,), = herald.sql("SELECT status_reason FROM campaigns WHERE id = %s", strict)
    assert "20 of 200 settled messages failed (10.0 %, more than max_failure_rate 5.0 %)" in reason
    time.sleep(1.0)
    assert campaign(herald, lax)["status"] == "running"  # 10 % < 30 %
    st.stop()


def test_empty_audience_completes_and_cancel_stops_for_good(herald):
    add_contacts(herald, 100, "l")
    st = start_segmenter(herald)
    empty = create(herald, {"rules": {"attr": "city", "op": "eq", "value": "Atlantis"}})
    command(herald, "start", empty)
    wait_for(lambda: campaign(herald, empty)["status"] == "completed", what="empty completed")
    assert campaign(herald, empty)["audience_size"] == 0

    cid = create(herald, {"include_lists": [list_id(herald, "l")]})
    command(herald, "start", cid)
    wait_for(lambda: states(herald, cid).get("queued") == WINDOW, what="window full")
    command(herald, "cancel", cid)
    assert campaign(herald, cid)["cancelled_at"] is not None
    before = count_messages(herald, "jobs")
    simulate_dispatcher(herald, cid, WINDOW)
    time.sleep(1.5)
    assert count_messages(herald, "jobs") == before
    assert campaign(herald, cid)["status"] == "cancelled"
    result, reason = outcome(herald, send(herald, "resume", cid))
    assert (result, reason) == ("rejected", "cannot resume a cancelled campaign")
    st.stop()


def test_restart_re_emits_recipients_left_queued(herald):
    add_contacts(herald, 100, "l")
    # the killed member leaves the group after the session timeout (default 45 s)
    quick = ["session.timeout.ms=6000", "heartbeat.interval.ms=500"]
    st = start_segmenter(herald, properties=quick)
    cid = create(herald, {"include_lists": [list_id(herald, "l")]})
    command(herald, "start", cid)
    wait_for(lambda: states(herald, cid).get("queued") == WINDOW, what="window full")
    st.kill9()
    # as if the crash hit between the commit and the produce: 5 more marked queued, never sent
    herald.sql("UPDATE campaign_recipients SET state = 'queued' WHERE campaign_id = %s AND "
               "recipient_id BETWEEN %s AND %s", cid, WINDOW + 1, WINDOW + 5)
    mark = watermarks(herald, "jobs")
    before = count_messages(herald, "jobs")
    st2 = start_segmenter(herald, name="segmenter-2", properties=quick)
    # every queued row went back to pending: the window is emitted again from recipient 1
    wait_for(lambda: count_messages(herald, "jobs") == before + WINDOW, what="re-emission")
    after = sorted(j["recipient_id"] for j in read_jobs(herald, since=mark))
    assert after == list(range(1, WINDOW + 1))
    # and the 5 that never reached Kafka follow as soon as the window has room
    mark = watermarks(herald, "jobs")
    simulate_dispatcher(herald, cid, WINDOW)
    wait_for(lambda: count_messages(herald, "jobs") == before + 2 * WINDOW, what="next window")
    after = sorted(j["recipient_id"] for j in read_jobs(herald, since=mark))
    assert after == list(range(WINDOW + 1, 2 * WINDOW + 1))
    st2.stop()


def test_jobs_queued_too_long_are_emitted_again(herald):
    add_contacts(herald, 10, "l")
    st = start_segmenter(herald, requeue_stale_seconds=60)
    cid = create(herald, {"include_lists": [list_id(herald, "l")]})
    command(herald, "start", cid)
    wait_for(lambda: count_messages(herald, "jobs") == 10, what="all emitted")
    time.sleep(0.5)
    assert count_messages(herald, "jobs") == 10
    # three jobs were dropped somewhere: their rows sat queued for an hour
    herald.sql("UPDATE campaign_recipients SET updated_at = now() - interval '1 hour' "
               "WHERE campaign_id = %s AND recipient_id IN (2, 5, 7)", cid)
    mark = watermarks(herald, "jobs")
    wait_for(lambda: count_messages(herald, "jobs") == 13, timeout=10, what="re-emission")
    assert sorted(j["recipient_id"] for j in read_jobs(herald, since=mark)) == [2, 5, 7]
    time.sleep(1.0)
    assert count_messages(herald, "jobs") == 13
    assert states(herald, cid) == {"queued": 10}
    st.stop()


def test_completion_counts_uncertain_as_final_and_waits_for_sending(herald):
    """A recipient the dispatcher marked `uncertain` (the request may or may not have reached
    the Cloud API) is final: it is never resent, so the campaign must not wait for it. One
    still `sending` is not final. A paused campaign does not complete."""
    add_contacts(herald, 4, "l")
    st = start_segmenter(herald)
    cid = create(herald, {"include_lists": [list_id(herald, "l")]})
    command(herald, "start", cid)
    wait_for(lambda: states(herald, cid).get("queued") == 4, what="all queued")
    herald.sql("UPDATE campaign_recipients SET state = CASE recipient_id WHEN 1 THEN 'accepted' "
               "WHEN 2 THEN 'failed' WHEN 3 THEN 'uncertain' ELSE state END, "
               "claim_open = recipient_id = 4 WHERE campaign_id = %s", cid)
    time.sleep(1.0)  # ten completion checks
    assert campaign(herald, cid)["status"] == "running"
    command(herald, "pause", cid)
    herald.sql("UPDATE campaign_recipients SET state = 'uncertain' WHERE campaign_id = %s AND "
               "recipient_id = 4", cid)
    time.sleep(1.0)
    assert campaign(herald, cid)["status"] == "paused"
    command(herald, "resume", cid)
    wait_for(lambda: campaign(herald, cid)["status"] == "completed", what="completed")
    c = campaign(herald, cid)
    assert c["completed_at"] >= c["resumed_at"]
    assert states(herald, cid) == {"accepted": 1, "failed": 1, "uncertain": 2}
    assert st.metrics()["herald_segmenter_campaigns_completed_total"] == 1
    st.stop()


def test_scheduled_campaign_whose_definition_cannot_start_becomes_failed(herald):
    """Nobody is there to reject a schedule that fires, so a campaign whose stored audience
    no longer compiles (edited behind the segmenter's back) becomes `failed` with the reason,
    instead of being retried forever; other campaigns keep running."""
    add_contacts(herald, 5, "l")
    st = start_segmenter(herald)
    bad = create(herald, {"include_lists": [list_id(herald, "l")]})
    good = create(herald, {"include_lists": [list_id(herald, "l")]})
    (at,), = herald.sql("SELECT to_char((now() + interval '2 seconds') AT TIME ZONE 'UTC', "
                        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
    command(herald, "schedule", bad, at=at)
    command(herald, "schedule", good, at=at)
    herald.sql("UPDATE campaigns SET audience = '{\"rules\":{\"attr\":\"a\",\"op\":\"frobs\"}}' "
               "WHERE id = %s", bad)
    wait_for(lambda: campaign(herald, bad)["status"] == "failed", timeout=10, what="failed")
    (reason, failed_at), = herald.sql("SELECT status_reason, failed_at FROM campaigns "
                                      "WHERE id = %s", bad)
    assert "frobs" in reason and failed_at is not None
    assert states(herald, bad) == {}
    wait_for(lambda: campaign(herald, good)["status"] == "running", what="good one running")
    assert campaign(herald, good)["audience_size"] == 5
    result, why = outcome(herald, send(herald, "start", bad))
    assert (result, why) == ("rejected", "cannot start a failed campaign")
    st.stop()
