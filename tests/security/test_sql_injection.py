"""Audience rules never become SQL: quotes and injection attempts match literally.

Why: audiences are written by operators through the control API and herald-ctl and end up in
the segmenter's snapshot query. docs/segments.md promises every list id, attribute key and
value travels as a $n parameter. These tests check the outcome (exactly the literal matches,
tables intact) and the mechanism: with log_statement=all on the test database, the
PostgreSQL server log shows the hostile strings only in the parameters of a statement
(`DETAIL:  parameters:`), never in a statement's text. The libFuzzer harness
fuzz_segment_rules checks the same property for generated audiences.
"""
import json
import os
import time
import re
import uuid
from pathlib import Path

import pytest

from security_helpers import Gateway

REPO = Path(__file__).resolve().parents[2]
PG_LOG = Path(os.environ.get("HERALD_PG_LOG",
                             Path(os.environ.get("HERALD_VAR_DIR", REPO / "var")) / "log"
                             / "postgres.log"))
MARK = "zz" + uuid.uuid4().hex[:6]  # makes this run's hostile strings findable in the log
HOSTILE_VALUES = [
    f"x'); DROP TABLE contacts;--{MARK}",
    f"{MARK}' OR '1'='1",
    f"{MARK}\\'; SELECT pg_sleep(5); --",
    f"{MARK}$1$$; DELETE FROM contacts; $$",
    f'{MARK}"quoted" \\x00 /* comment */',
]
HOSTILE_KEY = f"k'); DROP TABLE contact_lists;--{MARK}"


def add_contact(herald, phone, attrs, name=None, tags=()):
    herald.sql("INSERT INTO contacts (phone, name, attributes, tags) VALUES (%s, %s, %s::jsonb, "
               "%s)", phone, name, json.dumps(attrs), list(tags))


def preview(gw, audience, limit=100):
    r = gw.api("POST", "/api/segments/preview", {"audience": audience, "sample_limit": limit})
    assert r.status_code == 200, r.text
    body = r.json()
    return body["count"], sorted(s["phone"] for s in body["sample"])


def log_entries_since(offset):
    """The server log written since `offset`, as entries (a prefixed line + its continuation
    lines)."""
    with open(PG_LOG, "rb") as f:
        f.seek(offset)
        text = f.read().decode(errors="replace")
    entries, current = [], []
    for line in text.splitlines():
        if re.match(r"^\d{4}-\d\d-\d\d ", line) and current:
            entries.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        entries.append("\n".join(current))
    return entries


@pytest.fixture
def statement_log(herald):
    """Turns on log_statement=all for the test's database only; yields the log offset."""
    assert PG_LOG.exists(), f"PostgreSQL log {PG_LOG} not found (set HERALD_PG_LOG)"
    herald.sql(f'ALTER DATABASE "{herald.dbname}" SET log_statement = \'all\'')
    herald.sql(f'ALTER DATABASE "{herald.dbname}" SET log_parameter_max_length = -1')
    yield PG_LOG.stat().st_size


def test_hostile_values_and_keys_match_literally_and_never_reach_sql_text(herald, statement_log):
    phones = {}
    for i, v in enumerate(HOSTILE_VALUES):
        phones[v] = f"49151000010{i:02d}"
        add_contact(herald, phones[v], {"city": v, HOSTILE_KEY: "yes"}, name=v, tags=[v])
    add_contact(herald, "4915100009999", {"city": "Berlin"}, name="plain")  # matches nothing
    herald.sql("INSERT INTO contact_lists (name) VALUES (%s)", HOSTILE_VALUES[0])
    # The stage opens its connections after log_statement was set for the database.
    gw = Gateway(herald)
    try:
        for v in HOSTILE_VALUES:
            want = (1, [phones[v]])
            assert preview(gw, {"rules": {"attr": "city", "op": "eq", "value": v}}) == want, v
            assert preview(gw, {"rules": {"field": "name", "op": "eq", "value": v}}) == want, v
            assert preview(gw, {"rules": {"op": "has_tag", "value": v}}) == want, v
            assert preview(gw, {"rules": {"attr": "city", "op": "in",
                                          "value": [v, "nothing"]}}) == want, v
        # a hostile attribute key is a key like any other
        assert preview(gw, {"rules": {"attr": HOSTILE_KEY, "op": "exists"}})[0] == \
            len(HOSTILE_VALUES)
        assert preview(gw, {"rules": {"attr": HOSTILE_KEY, "op": "eq", "value": "yes"}})[0] == \
            len(HOSTILE_VALUES)
        # near misses of a quote-bearing value match nothing
        assert preview(gw, {"rules": {"attr": "city", "op": "eq",
                                      "value": HOSTILE_VALUES[0][:-1]}})[0] == 0
        assert preview(gw, {"rules": {"attr": "city", "op": "eq", "value": "x"}})[0] == 0
    finally:
        gw.stage.stop()
    # tables intact, nothing deleted
    assert herald.sql("SELECT count(*) FROM contacts")[0][0] == len(HOSTILE_VALUES) + 1
    assert herald.sql("SELECT count(*) FROM contact_lists")[0][0] == 1

    entries = [e for e in log_entries_since(statement_log) if MARK in e]
    assert entries, "log_statement=all logged nothing with the marker: is the check blind?"
    in_text = [e for e in entries if "DETAIL:  parameters:" not in e
               and not re.search(r"(execute|statement|bind) .*INSERT INTO contact", e)
               and "ALTER DATABASE" not in e]
    # our own INSERTs through psycopg may be logged with inlined values; the stage's may not
    in_text = [e for e in in_text if "psycopg" not in e and "INSERT INTO contacts (phone" not in e
               and "INSERT INTO contact_lists (name)" not in e]
    assert not in_text, "hostile value inside SQL text:\n" + "\n---\n".join(in_text[:5])
    stage_params = [e for e in entries if "DETAIL:  parameters:" in e]
    assert stage_params, "the stage's parameters never carried the hostile values"


def test_like_wildcards_and_backslashes_are_literal(herald):
    """contains / starts_with must not let % _ or \\ act as LIKE patterns."""
    add_contact(herald, "4915100002001", {"code": "50%off"}, name="a_b")
    add_contact(herald, "4915100002002", {"code": "50xoff"}, name="axb")
    add_contact(herald, "4915100002003", {"code": "back\\slash"}, name="c\\d")
    gw = Gateway(herald)
    try:
        assert preview(gw, {"rules": {"attr": "code", "op": "contains", "value": "%"}}) == \
            (1, ["4915100002001"])
        assert preview(gw, {"rules": {"attr": "code", "op": "starts_with", "value": "50%"}}) == \
            (1, ["4915100002001"])
        assert preview(gw, {"rules": {"field": "name", "op": "contains", "value": "_"}}) == \
            (1, ["4915100002001"])
        assert preview(gw, {"rules": {"field": "name", "op": "starts_with", "value": "a_"}}) \
            == (1, ["4915100002001"])
        assert preview(gw, {"rules": {"attr": "code", "op": "contains", "value": "\\"}}) == \
            (1, ["4915100002003"])
        assert preview(gw, {"rules": {"field": "name", "op": "contains", "value": "\\d"}}) == \
            (1, ["4915100002003"])
    finally:
        gw.stage.stop()


def test_segmenter_snapshot_of_a_hostile_rule_selects_the_literal_match(herald):
    """The real campaign path: create + start through campaign-commands, the segmenter
    snapshots the audience into campaign_recipients."""
    hostile = HOSTILE_VALUES[0]
    add_contact(herald, "4915100003001", {"city": hostile})
    add_contact(herald, "4915100003002", {"city": "x"})
    add_contact(herald, "4915100003003", {"city": "Berlin"})
    seg = herald.start_stage("segmenter", plugin="segmenter", consume=["campaign-commands"],
                             plugin_config={"lookahead_min": 10, "lookahead_max": 10,
                                            "completion_check_ms": 100})
    seg.wait_healthy()
    (cid,), = herald.sql("SELECT nextval('campaign_ids')")
    definition = {"name": "inj", "phone_number_id": "1098765",
                  "template": {"name": "t_inj", "language": "en", "params": []},
                  "audience": {"rules": {"attr": "city", "op": "eq", "value": hostile}}}
    for cmd_type, extra in (("create", {"campaign": definition}), ("start", {})):
        cmd_id = f"sec-{uuid.uuid4()}"
        herald.produce("campaign-commands", str(cid), {"command_id": cmd_id, "type": cmd_type,
                                                       "campaign_id": cid, **extra})
        deadline = time.monotonic() + 30
        rows = []
        while time.monotonic() < deadline and not rows:
            rows = herald.sql("SELECT outcome, reason FROM command_results "
                              "WHERE command_id = %s", cmd_id)
            time.sleep(0.1)
        assert rows and rows[0][0] == "accepted", (cmd_type, rows, seg.log_tail())
    recipients = herald.sql("SELECT c.phone FROM campaign_recipients r JOIN contacts c "
                            "ON c.id = r.contact_id WHERE r.campaign_id = %s", cid)
    assert recipients == [("4915100003001",)]
    assert herald.sql("SELECT count(*) FROM contacts")[0][0] == 3
    seg.stop()
