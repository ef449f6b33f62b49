"""Analytics stage against the real Kafka broker and PostgreSQL with a real herald-stage.

Why these tests exist: the analytics numbers must be exact whatever Meta and Kafka do to the
event stream. Each test builds a campaign and its campaign_recipients rows in SQL (playing the
segmenter and dispatcher), feeds hand-built delivery-events / replies through Kafka, and asserts
the exact numbers in the read views (campaign_progress, campaign_failures, campaign_timeseries,
campaign_analytics): the same stream in order, reversed, shuffled and duplicated gives the same
numbers; statuses and replies that arrive before their send are parked and applied later;
replies are attributed by context.id, else by the 72 h window, else to none; a kill -9 mid-stream
and a restart leave the numbers exact; `recalculate` reproduces them.
"""
import json
import random
import threading
import time

import pytest
from test_ctl import ctl

T0 = 1795000000000  # 2026-11-19T...Z, a fixed past instant: minute buckets are deterministic
MIN = 60_000
HOUR = 3_600_000
CONSUME = ["delivery-events", "replies", "campaign-commands"]


# ----------------------------------------------------------------------------- helpers
def start_analytics(herald, name="analytics-1", properties=None, **config):
    cfg = {"attribution_window_hours": 72.0, "reply_park_timeout_seconds": 3,
           "park_retry_ms": 200}
    cfg.update(config)
    st = herald.start_stage("analytics", plugin_config=cfg, consume=CONSUME, plugin="analytics",
                            name=name, properties=properties)
    st.wait_healthy()
    return st


def make_campaign(herald, n, status="running", with_wamids=True, phone_base=4915100000000):
    """A campaign with n recipients; recipient r has phone phone_base+r, wamid w.<cid>.<r> and
    accepted_at T0 + r s when with_wamids (the dispatcher already recorded the send)."""
    (cid,), = herald.sql("SELECT nextval('campaign_ids')")
    herald.sql("INSERT INTO campaigns (id, name, phone_number_id, template_name, status, "
               "audience_size, started_at) VALUES (%s, %s, '1098765', 'tpl', %s, %s, "
               "to_timestamp(%s / 1000.0))", cid, f"c{cid}", status, n, T0)
    # wamid(cid, r) spelled in SQL: 'wamid.<cid>.<r>'
    herald.sql("INSERT INTO campaign_recipients (campaign_id, recipient_id, phone, state, wamid,"
               " accepted_at, claim_open) SELECT %s, r, (%s::bigint + r)::text, "
               "CASE WHEN %s THEN 'accepted' ELSE 'queued' END, "
               "CASE WHEN %s THEN 'wamid.' || %s || '.' || r END, "
               "CASE WHEN %s THEN to_timestamp((%s::bigint + r * 1000) / 1000.0) END, NOT %s "
               "FROM generate_series(1, %s) r", cid, phone_base, with_wamids, with_wamids, cid,
               with_wamids, T0, with_wamids, n)
    return cid


def wamid(cid, r):
    return f"wamid.{cid}.{r}"


def event(etype, cid, r, ts, keyed=True, phone=None, error=None, with_wamid=True):
    ev = {"event_id": f"e-{cid}-{r}-{etype}", "type": etype,
          "campaign_id": cid if keyed else None, "recipient_id": r if keyed else None,
          "phone": phone, "wamid": wamid(cid, r) if with_wamid else None, "ts_ms": ts}
    if error:
        ev["error"] = {"code": error[0], "title": error[1]}
    return ev


def stream_for(cid, n):
    """A hand-built stream for recipients 1..n and the exact numbers it must produce.

    r % 4 == 0: the dispatcher failed it permanently (131026, no wamid, never accepted).
    otherwise : accepted at T0+r s, sent +1 s; delivered +2 s unless r % 3 == 0; read +70 s
                for even r (so read without delivered for r % 6 == 0: read implies delivered);
                r % 5 == 1: a webhook `failed` (131047) at +3 s after sent.
    r % 7 == 0: the webhook statuses carry only the wamid (no biz_opaque_callback_data).
    """
    evs = []
    exp = {"accepted": 0, "sent": 0, "delivered": 0, "read": 0, "failed": 0}
    failures = {}
    for r in range(1, n + 1):
        t = T0 + r * 1000
        if r % 4 == 0:
            # the dispatcher's permanent failure: no wamid was ever issued
            evs.append(event("failed", cid, r, t, error=(131026, "Message undeliverable"),
                             with_wamid=False))
            exp["failed"] += 1
            failures[131026] = failures.get(131026, 0) + 1
            continue
        keyed = r % 7 != 0
        evs.append(event("accepted", cid, r, t, phone=str(4915100000000 + r)))
        evs.append(event("sent", cid, r, t + 1000, keyed))
        exp["accepted"] += 1
        exp["sent"] += 1
        if r % 3 != 0:
            evs.append(event("delivered", cid, r, t + 2000, keyed))
        if r % 2 == 0:
            evs.append(event("read", cid, r, t + 70_000, keyed))
        if r % 3 != 0 or r % 2 == 0:
            exp["delivered"] += 1
        if r % 2 == 0:
            exp["read"] += 1
        if r % 5 == 1:
            evs.append(event("failed", cid, r, t + 3000, keyed, error=(131047, "Re-engagement")))
            exp["failed"] += 1
            failures[131047] = failures.get(131047, 0) + 1
    return evs, exp, failures


def produce_events(herald, evs):
    herald.produce_many("delivery-events",
                        ((str(ev["campaign_id"]) if ev["campaign_id"] else ev["wamid"], ev)
                         for ev in evs))


def progress(herald, cid):
    rows = herald.sql("SELECT audience_size, pending, accepted, sent, delivered, read, failed, "
                      "replied FROM campaign_progress WHERE campaign_id = %s", cid)
    keys = ["audience_size", "pending", "accepted", "sent", "delivered", "read", "failed",
            "replied"]
    return dict(zip(keys, rows[0])) if rows else None


def wait_replies_stored(herald, n, timeout=20):
    deadline = time.time() + timeout
    while herald.sql("SELECT count(*) FROM analytics_replies") != [(n,)]:
        assert time.time() < deadline, f"{n} repl(y/ies) not stored within {timeout} s"
        time.sleep(0.2)


def wait_numbers(herald, cid, expected, timeout=30, every=0.2):
    """Polls campaign_progress every `every` s until the given fields match; returns the last
    row."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = progress(herald, cid)
        if last and all(last[k] == v for k, v in expected.items()):
            return last
        time.sleep(every)
    raise AssertionError(f"campaign {cid}: wanted {expected}, have {last}")


def failures_of(herald, cid):
    return dict(herald.sql("SELECT error_code, recipients FROM campaign_failures "
                           "WHERE campaign_id = %s", cid))


def series_of(herald, cid):
    return herald.sql("SELECT extract(epoch FROM minute)::bigint - %s, accepted, sent, "
                      "delivered, read, failed, replied FROM campaign_timeseries "
                      "WHERE campaign_id = %s ORDER BY minute", T0 // 1000, cid)


def recalculate(herald, cid, command_id):
    herald.produce("campaign-commands", str(cid),
                   {"command_id": command_id, "type": "recalculate", "campaign_id": cid})
    deadline = time.time() + 30
    while time.time() < deadline:
        rows = herald.sql("SELECT outcome, reason, handled_by FROM command_results "
                          "WHERE command_id = %s", command_id)
        if rows:
            return rows[0]
        time.sleep(0.2)
    raise AssertionError(f"no command_results row for {command_id}")


# ----------------------------------------------------------------------------- tests
def test_same_numbers_in_any_order_and_with_duplicates(herald):
    n = 60
    orders = ["in_order", "reversed", "shuffled", "duplicated"]
    cids = {o: make_campaign(herald, n) for o in orders}
    st = start_analytics(herald)
    rng = random.Random(7)
    expected = None
    for order, cid in cids.items():
        evs, exp, fails = stream_for(cid, n)
        expected = (exp, fails)
        if order == "reversed":
            evs = evs[::-1]
        elif order == "shuffled":
            rng.shuffle(evs)
        elif order == "duplicated":
            evs = evs + rng.sample(evs, len(evs) // 2) + evs[: len(evs) // 3]
            rng.shuffle(evs)
        produce_events(herald, evs)
    exp, fails = expected
    # 60 recipients, hand-counted from stream_for's rules: 15 failed at dispatch (r % 4 == 0),
    # 45 accepted and sent; 10 odd multiples of 3 never delivered; read: r = 2 mod 4 (15, five of
    # them without a delivered event); failed: 15 + 9 webhook failures (r % 5 == 1, r % 4 != 0).
    assert exp == {"accepted": 45, "sent": 45, "delivered": 35, "read": 15, "failed": 24}
    series = {}
    for order, cid in cids.items():
        row = wait_numbers(herald, cid, dict(exp, replied=0, pending=0))
        assert row["audience_size"] == n
        assert failures_of(herald, cid) == fails, order
        series[order] = series_of(herald, cid)
    # The per-minute series is the same whatever the arrival order, and sums to the counters.
    assert series["reversed"] == series["in_order"]
    assert series["shuffled"] == series["in_order"]
    assert series["duplicated"] == series["in_order"]
    totals = [sum(row[i] for row in series["in_order"]) for i in range(1, 7)]
    assert totals == [45, 45, 35, 15, 24, 0]
    # Nothing is left parked: wamid-only statuses were resolved through campaign_recipients.
    assert herald.sql("SELECT count(*) FROM analytics_parked_events") == [(0,)]
    # Percentiles: 30 delivered 2 s after acceptance, 5 only implied by a read at 70 s.
    (p50d, p50r, rate), = herald.sql(
        "SELECT p50_seconds_to_delivered, p50_seconds_to_read, delivery_rate "
        "FROM campaign_analytics WHERE campaign_id = %s", cids["shuffled"])
    assert p50d == pytest.approx(2.0)
    assert p50r == pytest.approx(70.0)
    assert rate == pytest.approx(35 / 45)
    st.stop()


def test_late_send_statuses_are_parked_then_applied(herald):
    cid = make_campaign(herald, 3, with_wamids=False)
    st = start_analytics(herald)
    # Webhooks without biz_opaque_callback_data, before the dispatcher stored the wamids.
    evs = [event("delivered", cid, 1, T0 + 2000, keyed=False),
           event("read", cid, 2, T0 + 9000, keyed=False),
           event("sent", cid, 3, T0 + 1000, keyed=False)]
    produce_events(herald, evs)
    deadline = time.time() + 20
    while herald.sql("SELECT count(*) FROM analytics_parked_events")[0][0] < 3:
        assert time.time() < deadline, "statuses were not parked"
        time.sleep(0.2)
    assert progress(herald, cid)["sent"] == 0
    # The send is recorded late: the parked statuses must now be applied by the sweep.
    for r in (1, 2, 3):
        herald.sql("UPDATE campaign_recipients SET wamid = %s, state = 'accepted', "
                   "accepted_at = to_timestamp(%s / 1000.0) WHERE campaign_id = %s AND "
                   "recipient_id = %s", wamid(cid, r), T0, cid, r)
    wait_numbers(herald, cid, {"accepted": 3, "sent": 3, "delivered": 2, "read": 1,
                               "pending": 0})
    assert herald.sql("SELECT count(*) FROM analytics_parked_events") == [(0,)]
    # The dispatcher's own accepted events arrive last and change nothing but accepted times.
    produce_events(herald, [event("accepted", cid, r, T0, phone=None) for r in (1, 2, 3)])
    time.sleep(1.5)
    assert progress(herald, cid)["delivered"] == 2
    st.stop()


def test_statuses_folded_after_an_erasure_do_not_bring_the_phone_back(herald):
    """Analytics behind (stopped, or a backlog) while a person is erased: the delivery rows the
    fold creates afterwards, from events that still carry the phone, get the marker."""
    cid = make_campaign(herald, 3, status="completed")
    gone = str(4915100000000 + 2)
    assert herald.sql("SELECT contact_erase(%s)", gone) == [("erased",)]
    st = start_analytics(herald)
    evs = [event("accepted", cid, r, T0 + r * 1000, phone=str(4915100000000 + r))
           for r in (1, 2, 3)]
    # Meta's `read` days later, naming only the wamid and the phone
    evs.append(event("read", cid, 2, T0 + 3 * 86_400_000, keyed=False, phone=gone))
    produce_events(herald, evs)
    wait_numbers(herald, cid, {"accepted": 3, "read": 1})
    assert herald.sql("SELECT recipient_id, phone FROM analytics_recipient_delivery WHERE "
                      "campaign_id = %s ORDER BY 1", cid) == [
        (1, "4915100000001"), (2, "erased"), (3, "4915100000003")]
    (n,), = herald.sql("SELECT count(*) FROM analytics_recipient_delivery t WHERE t::text LIKE %s",
                       f"%{gone}%")
    assert n == 0
    st.stop()


def test_an_erasure_and_a_fold_of_the_same_campaign_take_turns(herald):
    """Neither may miss the other: an erasure waits for a fold of the campaign under way (and
    then marks the row it wrote), a fold waits for an erasure under way (and then writes the
    marker). Without the shared campaign lock both would finish, and the row keep the phone."""
    import psycopg
    cid = make_campaign(herald, 2, status="completed")
    row = ("SELECT phone FROM analytics_recipient_delivery WHERE campaign_id = %s "
           "AND recipient_id = %s")

    gone = str(4915100000000 + 1)
    with psycopg.connect(herald.conninfo) as fold:  # a fold under way, as apply_batch does it
        fold.execute("SELECT analytics_lock_campaign(%s)", (cid,))
        fold.execute("INSERT INTO analytics_recipient_delivery (campaign_id, recipient_id, "
                     "phone, accepted_at) VALUES (%s, 1, %s, now())", (cid, gone))
        erased = {}
        t = threading.Thread(target=lambda: erased.update(
            r=herald.sql("SELECT contact_erase(%s)", gone)))
        t.start()
        time.sleep(0.5)
        assert t.is_alive(), "the erasure did not wait for the fold under way"
        fold.commit()
        t.join(10)
    assert erased["r"] == [("erased",)]
    assert herald.sql(row, cid, 1) == [("erased",)]

    gone = str(4915100000000 + 2)
    with psycopg.connect(herald.conninfo) as eraser:  # an erasure under way
        assert eraser.execute("SELECT contact_erase(%s)", (gone,)).fetchall() == [("erased",)]
        folded = {}

        def fold_batch():
            with psycopg.connect(herald.conninfo) as conn:
                conn.execute("SELECT analytics_session_init()")
                conn.execute("INSERT INTO analytics_stage (campaign_id, recipient_id, wamid, "
                             "phone, accepted_ms) VALUES (%s, 2, %s, %s, %s)",
                             (cid, wamid(cid, 2), gone, T0))
                conn.execute("SELECT analytics_apply_batch(72.0, 600.0, 24.0, false)")
            folded["done"] = True

        t = threading.Thread(target=fold_batch)
        t.start()
        time.sleep(0.5)
        assert t.is_alive(), "the fold did not wait for the erasure under way"
        eraser.commit()
        t.join(10)
    assert folded.get("done")
    assert herald.sql(row, cid, 2) == [("erased",)]


def reply(wid, sender, ts, context=None):
    return {"wamid": wid, "from": sender, "ts_ms": ts, "type": "text", "text": "yes",
            "context_id": context, "profile_name": "Asha"}


def test_reply_attribution_context_window_and_none(herald):
    a = make_campaign(herald, 4, phone_base=4915100000000)          # accepted T0 + r s
    b = make_campaign(herald, 4, phone_base=4915100000000)          # same phones, later send
    herald.sql("UPDATE campaign_recipients SET accepted_at = accepted_at + interval '1 hour' "
               "WHERE campaign_id = %s", b)
    st = start_analytics(herald)
    p = lambda r: str(4915100000000 + r)
    replies = [
        # r1: context points at campaign A's message although B's is more recent -> A
        reply("in.1", p(1), T0 + 2 * HOUR, context=wamid(a, 1)),
        # r2: no context, 2 h after both sends -> most recent within 72 h = B
        reply("in.2", p(2), T0 + 2 * HOUR),
        # r2 again (another message) and a Meta duplicate of it: still one replied recipient
        reply("in.2b", p(2), T0 + 3 * HOUR),
        reply("in.2b", p(2), T0 + 3 * HOUR),
        # r3: no context, 80 h after the sends -> outside the window -> none
        reply("in.3", p(3), T0 + 80 * HOUR),
        # r4: 30 min after A's send, before B's -> A by window
        reply("in.4", p(4), T0 + 30 * MIN),
        # an unknown phone -> none
        reply("in.5", "4917000000000", T0 + HOUR),
    ]
    for rp in replies:
        herald.produce("replies", rp["from"], rp)
    wait_numbers(herald, a, {"replied": 2})
    wait_numbers(herald, b, {"replied": 1})
    rows = dict((w, (c, how)) for w, c, how in herald.sql(
        "SELECT wamid, campaign_id, attribution FROM analytics_replies"))
    assert rows == {"in.1": (a, "context"), "in.2": (b, "window"), "in.2b": (b, "window"),
                    "in.3": (None, "none"), "in.4": (a, "window"), "in.5": (None, "none")}
    (rate, msgs), = herald.sql("SELECT replied, reply_messages FROM campaign_analytics "
                               "WHERE campaign_id = %s", b)
    assert (rate, msgs) == (1, 2)
    st.stop()


def test_reply_to_unknown_context_is_parked_until_the_send_appears(herald):
    cid = make_campaign(herald, 2, with_wamids=False)
    st = start_analytics(herald, reply_park_timeout_seconds=600)
    herald.produce("replies", "4915100000001",
                   reply("in.late", "4915100000001", T0 + HOUR, context=wamid(cid, 1)))
    deadline = time.time() + 20
    while herald.sql("SELECT count(*) FROM analytics_replies WHERE attribution = 'pending'") \
            != [(1,)]:
        assert time.time() < deadline, "reply was not stored as pending"
        time.sleep(0.2)
    time.sleep(1)
    assert progress(herald, cid)["replied"] == 0
    herald.sql("UPDATE campaign_recipients SET wamid = %s, state = 'accepted', accepted_at = "
               "to_timestamp(%s / 1000.0) WHERE campaign_id = %s AND recipient_id = 1",
               wamid(cid, 1), T0, cid)
    wait_numbers(herald, cid, {"replied": 1})
    assert herald.sql("SELECT attribution, recipient_id FROM analytics_replies") == \
        [("context", 1)]
    st.stop()


def test_plain_reply_waits_for_its_send_to_be_recorded(herald):
    """Found by the chaos suite (PostgreSQL restart): the Cloud API accepted the message and
    the recipient answered before the dispatcher's outcome was committed. The reply (no
    context) must wait while the phone's message is still `sending`, and then count although
    the outcome's commit time (accepted_at) is later than the reply itself."""
    cid = make_campaign(herald, 2, with_wamids=False)  # both `sending`, no outcome yet
    herald.sql("UPDATE campaign_recipients SET claimed_at = to_timestamp(%s / 1000.0) "
               "WHERE campaign_id = %s", T0, cid)
    st = start_analytics(herald, reply_park_timeout_seconds=600)
    phone = "4915100000001"
    herald.produce("replies", phone, reply("in.early", phone, T0 + 2000))
    wait_replies_stored(herald, 1)
    time.sleep(1)  # several sweeps
    assert herald.sql("SELECT attribution FROM analytics_replies") == [("pending",)]
    assert progress(herald, cid)["replied"] == 0
    herald.sql("UPDATE campaign_recipients SET wamid = %s, state = 'accepted', accepted_at = "
               "to_timestamp(%s / 1000.0) WHERE campaign_id = %s AND recipient_id = 1",
               wamid(cid, 1), T0 + 60_000, cid)
    wait_numbers(herald, cid, {"replied": 1})
    assert herald.sql("SELECT attribution, recipient_id FROM analytics_replies") == \
        [("window", 1)]
    st.stop()


def test_plain_reply_to_a_message_sent_twice_keeps_its_campaign(herald):
    """A dispatcher killed mid-send, its claim taken over with resend_uncertain: the recipient
    answered the first send before the takeover re-stamped claimed_at. The reply must still
    find its message (first claim time, migration 054), not end attributed to nobody."""
    cid = make_campaign(herald, 1, with_wamids=False)  # `sending`, no outcome yet
    herald.sql("UPDATE campaign_recipients SET claimed_at = to_timestamp(%s / 1000.0), "
               "first_claimed_at = to_timestamp(%s / 1000.0) WHERE campaign_id = %s",
               T0, T0, cid)
    st = start_analytics(herald, reply_park_timeout_seconds=600)
    phone = "4915100000001"
    herald.produce("replies", phone, reply("in.first", phone, T0 + 2000))
    wait_replies_stored(herald, 1)
    # the takeover, as the dispatcher's TAKEOVER_SQL writes it, then the second send's outcome
    herald.sql("UPDATE campaign_recipients SET claimed_at = to_timestamp(%s / 1000.0), "
               "first_claimed_at = COALESCE(first_claimed_at, now()) WHERE campaign_id = %s",
               T0 + 120_000, cid)
    time.sleep(1)  # several sweeps: the reply waits while the message is still `sending`
    assert herald.sql("SELECT attribution FROM analytics_replies") == [("pending",)]
    herald.sql("UPDATE campaign_recipients SET wamid = %s, state = 'accepted', accepted_at = "
               "to_timestamp(%s / 1000.0) WHERE campaign_id = %s", wamid(cid, 1),
               T0 + 121_000, cid)
    wait_numbers(herald, cid, {"replied": 1})
    assert herald.sql("SELECT attribution, recipient_id FROM analytics_replies") == \
        [("window", 1)]
    st.stop()


def test_reply_with_foreign_context_falls_back_to_window_after_timeout(herald):
    cid = make_campaign(herald, 1)
    st = start_analytics(herald, reply_park_timeout_seconds=1)
    herald.produce("replies", "4915100000001",
                   reply("in.f", "4915100000001", T0 + HOUR, context="wamid.not-ours"))
    wait_numbers(herald, cid, {"replied": 1}, timeout=20)
    assert herald.sql("SELECT attribution FROM analytics_replies") == [("window",)]
    st.stop()


def test_kill9_mid_stream_then_restart_is_exact_and_recalculate_agrees(herald):
    n = 1500
    cid = make_campaign(herald, n)
    evs, exp, fails = stream_for(cid, n)
    rng = random.Random(11)
    evs = evs + rng.sample(evs, len(evs) // 4)
    rng.shuffle(evs)
    third = len(evs) // 3
    # A short session timeout lets the restarted member take the killed one's partitions soon.
    quick = ["session.timeout.ms=6000", "heartbeat.interval.ms=1000"]
    produce_events(herald, evs[:third])
    st = start_analytics(herald, properties=quick)
    st.wait_metric("herald_analytics_messages_total", third)
    produce_events(herald, evs[third:2 * third])
    done_before_kill = st.wait_metric("herald_analytics_messages_total", third + 200)
    st.kill9()
    # Offsets are committed every few seconds, so part of what was folded is handed out again.
    committed = sum(herald.committed(st.group_id, "delivery-events").values())
    assert committed < done_before_kill, "kill -9 came too late to force a replay"
    assert progress(herald, cid)["sent"] < exp["sent"]
    produce_events(herald, evs[2 * third:])
    st2 = start_analytics(herald, name="analytics-2", properties=quick)
    wait_numbers(herald, cid, dict(exp, pending=0), timeout=60)
    assert failures_of(herald, cid) == fails
    before = series_of(herald, cid)
    outcome, reason, handled_by = recalculate(herald, cid, f"recalc-{cid}")
    assert outcome == "accepted"
    assert "numbers unchanged" in reason, reason
    assert handled_by
    assert progress(herald, cid) == dict(exp, audience_size=n, pending=0, replied=0)
    assert series_of(herald, cid) == before
    st2.stop()


def test_recalculate_repairs_damage_and_ignores_other_commands(herald):
    cid = make_campaign(herald, 8)
    evs, exp, _ = stream_for(cid, 8)
    st = start_analytics(herald)
    produce_events(herald, evs)
    wait_numbers(herald, cid, exp)
    herald.sql("UPDATE analytics_campaign_stats SET delivered = delivered + 100 "
               "WHERE campaign_id = %s", cid)
    outcome, reason, _ = recalculate(herald, cid, "recalc-repair")
    assert (outcome, "numbers corrected" in reason) == ("accepted", True), reason
    assert progress(herald, cid)["delivered"] == exp["delivered"]
    # Unknown campaign: rejected with a reason. Re-posted command id: no second row.
    outcome, reason, _ = recalculate(herald, 999999, "recalc-unknown")
    assert (outcome, reason) == ("rejected", "unknown campaign")
    herald.produce("campaign-commands", str(cid),
                   {"command_id": "recalc-repair", "type": "recalculate", "campaign_id": cid})
    # Other command types belong to the segmenter: analytics writes nothing for them.
    herald.produce("campaign-commands", str(cid),
                   {"command_id": "pause-1", "type": "pause", "campaign_id": cid})
    outcome, _, _ = recalculate(herald, cid, "recalc-last")  # a barrier behind the two above
    assert outcome == "accepted"
    assert herald.sql("SELECT count(*) FROM command_results WHERE command_id IN "
                      "('recalc-repair', 'pause-1')") == [(1,)]
    st.stop()


def test_malformed_messages_are_refused_and_the_rest_still_counts(herald):
    cid = make_campaign(herald, 2)
    st = start_analytics(herald)
    herald.produce("delivery-events", str(cid), "this is not json")
    herald.produce("delivery-events", str(cid), {"type": "exploded", "campaign_id": cid,
                                                 "recipient_id": 1, "ts_ms": T0})
    herald.produce("delivery-events", str(cid), {"type": "sent", "campaign_id": cid,
                                                 "ts_ms": T0})  # no recipient, no wamid
    herald.produce("replies", "x", {"from": "4915100000001"})  # no wamid
    produce_events(herald, [event("read", cid, 1, T0 + 5000), event("sent", cid, 2, T0 + 1000)])
    wait_numbers(herald, cid, {"accepted": 2, "sent": 2, "delivered": 1, "read": 1})
    metrics = st.metrics()
    refused = [v for k, v in metrics.items() if "malformed_total" in k]
    assert refused and refused[0] == 4
    st.stop()


def test_numbers_are_visible_within_one_second(herald):
    cid = make_campaign(herald, 5)
    st = start_analytics(herald)
    # Warm up: the first fold of a fresh connection also creates its staging tables.
    produce_events(herald, [event("accepted", cid, 1, T0 + 1000)])
    wait_numbers(herald, cid, {"accepted": 1})
    worst = 0.0
    for r in range(2, 6):
        # from before the produce (its acknowledgement counts against us) to the first poll that
        # sees it; polled every 20 ms: at the default 200 ms the poll alone could add a fifth of
        # the budget (1.04 s measured once in CI under ASan)
        t = time.time()
        herald.produce("delivery-events", str(cid), event("delivered", cid, r, T0 + r * 1000))
        wait_numbers(herald, cid, {"delivered": r - 1}, timeout=5, every=0.02)
        worst = max(worst, time.time() - t)
    print(f"slowest of 4 events: {worst:.3f} s from produce to campaign_progress")
    assert worst < 1.0, f"slowest event took {worst:.3f} s to show in campaign_progress"
    st.stop()


def test_postgres_outage_retries_and_loses_nothing(herald):
    import psycopg
    from herald_testlib import PG_ADMIN

    def admin(query):
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(query)

    cid = make_campaign(herald, 4)
    st = start_analytics(herald)
    produce_events(herald, [event("sent", cid, 1, T0 + 1000)])
    wait_numbers(herald, cid, {"sent": 1})
    db = herald.conninfo.split("dbname=")[1].split()[0]
    admin(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
    try:
        admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'")
        produce_events(herald, [event("sent", cid, r, T0 + r * 1000) for r in (2, 3, 4)])
        st.wait_log("will retry|cannot connect", timeout=15)
        time.sleep(1)
        assert st.alive()
    finally:
        admin(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
    wait_numbers(herald, cid, {"sent": 4, "accepted": 4}, timeout=30)
    st.stop()


def test_two_instances_sharing_partitions_stay_exact(herald):
    """Webhook statuses without biz_opaque_callback_data are keyed by wamid, so they land on
    other partitions (and instances) than the campaign's own events: two writers of the same
    campaign at once must still give exact numbers (per-campaign advisory lock)."""
    n = 600
    cid = make_campaign(herald, n)
    evs = []
    for r in range(1, n + 1):
        t = T0 + r * 1000
        evs.append(event("accepted", cid, r, t))
        evs += [event(k, cid, r, t + d, keyed=False) for k, d in
                (("sent", 1000), ("delivered", 2000), ("read", 9000)) if r % 3 or k != "read"]
        evs.append(event("delivered", cid, r, t + 2000, keyed=False))  # Meta's duplicate
    random.Random(5).shuffle(evs)
    quick = ["session.timeout.ms=6000", "heartbeat.interval.ms=1000"]
    a = start_analytics(herald, name="analytics-a", properties=quick)
    b = start_analytics(herald, name="analytics-b", properties=quick)
    produce_events(herald, evs)
    reads = sum(1 for r in range(1, n + 1) if r % 3)
    wait_numbers(herald, cid, {"accepted": n, "sent": n, "delivered": n, "read": reads,
                               "failed": 0, "pending": 0}, timeout=60)
    both = [st.metrics().get("herald_analytics_messages_total", 0) for st in (a, b)]
    assert all(m > 0 for m in both), f"one instance did nothing: {both}"
    outcome, reason, _ = recalculate(herald, cid, "recalc-two")
    assert (outcome, "numbers unchanged" in reason) == ("accepted", True), reason
    a.stop()
    b.stop()


# ----------------------------------------------------------------------------- opt-out keywords
def opt_reply(wid, sender, ts, text, rtype="text"):
    return {"wamid": wid, "from": sender, "ts_ms": ts, "type": rtype, "text": text,
            "context_id": None, "profile_name": "Asha"}


def contact_opt(herald, phone):
    rows = herald.sql("SELECT opted_out, opted_out_at IS NOT NULL, "
                      "(extract(epoch FROM opt_requested_at) * 1000)::bigint "
                      "FROM contacts WHERE phone = %s", phone)
    return rows[0] if rows else None


def test_keyword_replies_opt_contacts_out_and_back_in(herald):
    """A reply that IS a keyword opts its sender out (and back in); a reply that only contains
    one does nothing; a redelivered or late STOP never undoes a later START; a STOP from a phone
    that is not a contact yet creates it opted out; the segmenter's audience leaves them out."""
    phones = [str(4915200000000 + i) for i in range(1, 6)]
    for p in phones[:4]:
        herald.sql("INSERT INTO contacts (phone) VALUES (%s)", p)
    st = start_analytics(herald)
    a, b, c, d, unknown = phones
    herald.produce("replies", a, opt_reply("k.a1", a, T0 + 1000, "  stop "))
    herald.produce("replies", b, opt_reply("k.b1", b, T0 + 1000, "Stop promotions", "button"))
    herald.produce("replies", c, opt_reply("k.c1", c, T0 + 1000, "please stop texting me"))
    herald.produce("replies", d, opt_reply("k.d1", d, T0 + 1000, "STOP"))
    herald.produce("replies", d, opt_reply("k.d2", d, T0 + 5000, "start"))
    herald.produce("replies", unknown, opt_reply("k.u1", unknown, T0 + 1000, "UNSUBSCRIBE"))
    wait_replies_stored(herald, 6)
    assert contact_opt(herald, a) == (True, True, T0 + 1000)
    assert contact_opt(herald, b) == (True, True, T0 + 1000)
    assert contact_opt(herald, c) == (False, False, None)
    assert contact_opt(herald, d) == (False, False, T0 + 5000)  # the later START wins
    assert contact_opt(herald, unknown) == (True, True, T0 + 1000)

    # A opts back in; then Meta redelivers A's STOP (same wamid) and delivers a STOP that A
    # sent BEFORE the START only now (new wamid, older timestamp): A stays opted in.
    herald.produce("replies", a, opt_reply("k.a2", a, T0 + 9000, "START"))
    wait_replies_stored(herald, 7)
    assert contact_opt(herald, a) == (False, False, T0 + 9000)
    herald.produce("replies", a, opt_reply("k.a1", a, T0 + 1000, "  stop "))
    herald.produce("replies", a, opt_reply("k.a0", a, T0 + 500, "STOP"))
    herald.produce("replies", c, opt_reply("k.c2", c, T0 + 9000, "stop"))  # a marker behind them
    wait_replies_stored(herald, 9)
    assert contact_opt(herald, a) == (False, False, T0 + 9000)
    assert contact_opt(herald, c) == (True, True, T0 + 9000)

    m = st.metrics()
    # a, b, unknown and c; d's STOP counts too when it was folded in a batch before its START
    assert m.get("herald_analytics_opt_outs_total") in (4, 5)
    assert m.get("herald_analytics_opt_ins_total") == 2  # a and d
    st.stop()

    # The segmenter's own rule compiler (herald-ctl segment preview): everyone = a and d.
    rc, out, err = ctl(herald, "segment", "preview", "--audience", "{}", "--sample", "10")
    assert rc == 0, err
    assert out.splitlines()[0] == "2 contacts match"
    assert sorted(line.split()[0] for line in out.splitlines()[3:]) == [a, d]


def test_campaign_analytics_counts_the_recipients_it_lost_to_stop(herald):
    cid = make_campaign(herald, 4)
    st = start_analytics(herald)
    produce_events(herald, [event("delivered", cid, r, T0 + r * 1000 + 2000) for r in range(1, 5)])
    wait_numbers(herald, cid, {"delivered": 4})
    p = lambda r: str(4915100000000 + r)
    for rp in (dict(opt_reply("s.1", p(1), T0 + HOUR, "STOP"), context_id=wamid(cid, 1)),
               opt_reply("s.2", p(2), T0 + HOUR, "Stop promotions", "button"),  # by window
               opt_reply("s.2b", p(2), T0 + HOUR + 1000, "STOP"),  # the same recipient again
               opt_reply("s.3", p(3), T0 + HOUR, "thanks")):
        herald.produce("replies", rp["from"], rp)
    wait_numbers(herald, cid, {"replied": 3})
    (opted, rate), = herald.sql("SELECT opted_out, opt_out_rate FROM campaign_analytics "
                                "WHERE campaign_id = %s", cid)
    assert (opted, rate) == (2, 0.5)
    st.stop()


def test_a_late_stop_does_not_undo_an_opt_in_by_hand(herald):
    """herald-ctl contacts opt-in stamps the request with now: a STOP the contact sent before
    it, delivered only now, changes nothing; the contact's next STOP does."""
    p = "4915200000077"
    rc, out, err = ctl(herald, "contacts", "opt-out", p)
    assert rc == 0, err
    rc, out, err = ctl(herald, "contacts", "opt-in", p)
    assert rc == 0, err
    st = start_analytics(herald)
    now_ms = int(time.time() * 1000)
    herald.produce("replies", p, opt_reply("k.late", p, now_ms - 60_000, "STOP"))
    wait_replies_stored(herald, 1)
    assert herald.sql("SELECT opted_out FROM contacts WHERE phone = %s", p) == [(False,)]
    herald.produce("replies", p, opt_reply("k.next", p, now_ms + 60_000, "STOP"))
    wait_replies_stored(herald, 2)
    assert herald.sql("SELECT opted_out FROM contacts WHERE phone = %s", p) == [(True,)]
    st.stop()


def test_opt_keywords_can_be_turned_off_and_a_bad_list_refuses_the_start(herald):
    p = "4915200000099"
    herald.sql("INSERT INTO contacts (phone) VALUES (%s)", p)
    st = start_analytics(herald, opt_out_keywords="", opt_in_keywords="")
    herald.produce("replies", p, opt_reply("k.off", p, T0 + 1000, "STOP"))
    wait_replies_stored(herald, 1)
    assert contact_opt(herald, p) == (False, False, None)
    st.stop()

    bad = herald.start_stage("analytics", name="analytics-bad", consume=CONSUME,
                             plugin="analytics",
                             plugin_config={"opt_out_keywords": "STOP", "opt_in_keywords": "stop"})
    assert bad.wait_exit() == 1
    assert "analytics: 'STOP' is both an opt-out and an opt-in keyword" in bad.log_text()
