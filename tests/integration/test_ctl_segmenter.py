"""herald-ctl end to end against a real segmenter stage (and analytics for `recalculate`).

Why these tests exist: test_ctl.py pins herald-ctl's side of the protocol; here the real
segmenter handles every command herald-ctl posts, so the subcommands are proven to work with
the stage they drive: import -> lists -> preview -> create -> update -> schedule -> start ->
pause -> resume -> duplicate -> cancel, real rejection reasons, exit codes and the tables.
"""
import os
import json
import re

import pytest

from test_ctl import CTL, ctl, BUILD

PLUGIN_DIR = os.path.join(BUILD, "lib")


def need_plugin(name):
    if not os.path.exists(os.path.join(PLUGIN_DIR, f"herald_{name}.so")):
        pytest.skip(f"herald_{name}.so not built")


@pytest.fixture
def segmenter(herald):
    need_plugin("segmenter")
    st = herald.start_stage("segmenter", plugin_config={}, consume=["campaign-commands"],
                            plugin="segmenter", name="segmenter-ctl")
    st.wait_healthy()
    yield st
    st.stop()


def write_contacts(tmp_path):
    rows = ["phone,name,city,discount"]
    for i in range(1, 31):
        rows.append(f"49151000{i:05d},Person {i},{'Berlin' if i % 3 == 0 else 'Hamburg'},{i}%")
    rows.append("12ab,Broken,Berlin,1%")
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def status_of(herald, cid):
    return herald.sql("SELECT status FROM campaigns WHERE id = %s", cid)[0][0]


def ok(herald, *args):
    rc, out, err = ctl(herald, *args)
    assert rc == 0, (args, out, err)
    return out


def test_campaign_lifecycle_through_the_segmenter(herald, segmenter, tmp_path):
    csv = write_contacts(tmp_path)
    rc, out, err = ctl(herald, "contacts", "import", "--list", "spring", str(csv))
    assert rc == 1, err  # one row rejected, the rest imported
    assert out.startswith("accepted 30, rejected 1\n")
    assert re.search(r"^line 32: .*12ab", out, re.M)
    assert herald.sql("SELECT count(*) FROM contacts") == [(30,)]

    list_id = next(line.split()[0] for line in ok(herald, "lists").splitlines()
                   if line.split()[1:3] == ["spring", "30"])
    audience = ('{"include_lists":[%s],"rules":{"attr":"city","op":"eq","value":"Berlin"}}'
                % list_id)
    assert ok(herald, "segment", "preview", "--audience", audience, "-q").strip() == "10"
    out = ok(herald, "segment", "preview", "--audience", audience, "--sample", "2")
    assert out.startswith("10 contacts match\n") and "Person 3" in out

    out = ok(herald, "campaign", "create", "--name", "Spring", "--phone-number-id", "1098765",
             "--template", "spring_sale", "--param", "name", "--param", "attributes.discount",
             "--list", list_id, "--rule", '{"attr":"city","op":"eq","value":"Berlin"}')
    cid = int(re.fullmatch(r"accepted: campaign (\d+) created\n", out).group(1))
    assert status_of(herald, cid) == "draft"

    assert ok(herald, "campaign", "update", str(cid), "--name", "Spring v2") == "accepted\n"
    assert herald.sql("SELECT name FROM campaigns WHERE id = %s", cid) == [("Spring v2",)]

    assert ok(herald, "schedule", str(cid), "--at", "+1d").startswith("accepted: starts at ")
    assert status_of(herald, cid) == "scheduled"

    assert ok(herald, "start", str(cid)) == "accepted\n"
    assert status_of(herald, cid) == "running"
    assert herald.sql("SELECT count(*) FROM campaign_recipients WHERE campaign_id = %s",
                      cid) == [(10,)]

    rc, out, err = ctl(herald, "campaign", "update", str(cid), "--rate", "5")
    assert rc == 1 and err.strip() == "rejected: cannot update a running campaign"

    assert ok(herald, "pause", str(cid)) == "accepted\n"
    assert status_of(herald, cid) == "paused"
    rc, out, err = ctl(herald, "pause", str(cid))
    assert rc == 1 and err.strip() == "rejected: cannot pause a paused campaign"

    assert ok(herald, "resume", str(cid)) == "accepted\n"
    assert status_of(herald, cid) == "running"

    new_id = int(ok(herald, "duplicate", str(cid), "-q").strip())
    assert herald.sql("SELECT status, duplicated_from, name FROM campaigns WHERE id = %s",
                      new_id) == [("draft", cid, "Spring v2")]
    # the failure guard's threshold of its own (docs/segmenter.md, "Failure guard")
    assert ok(herald, "campaign", "update", str(new_id), "--max-failure-rate", "25%") == \
        "accepted\n"
    assert herald.sql("SELECT max_failure_rate FROM campaigns WHERE id = %s", new_id) == [(0.25,)]
    out = ok(herald, "campaign", "show", str(new_id))
    assert re.search(r"^max_failure_rate\s+25\.0%$", out, re.M), out

    assert ok(herald, "cancel", str(cid)) == "accepted\n"
    assert status_of(herald, cid) == "cancelled"
    rc, out, err = ctl(herald, "start", str(cid))
    assert rc == 1 and err.strip() == "rejected: cannot start a cancelled campaign"

    rc, out, err = ctl(herald, "watch", str(cid))
    assert rc == 0 and out.splitlines()[-1] == f"campaign {cid} cancelled"

    lines = ok(herald, "campaign", "list").splitlines()
    assert [line.split()[0] for line in lines[2:]] == [str(new_id), str(cid)]
    out = ok(herald, "campaign", "show", str(cid))
    assert re.search(r"^status\s+cancelled$", out, re.M)
    assert re.search(r"^audience_size\s+10$", out, re.M)


def test_segmenter_rejection_of_a_bad_definition_is_printed(herald, segmenter):
    rc, out, err = ctl(herald, "campaign", "create", "--name", "Bad", "--phone-number-id", "1",
                       "--template", "t", "--rule", '{"attr":"city","op":"frobs","value":"x"}')
    assert rc == 1
    assert err.startswith("rejected: ") and "frobs" in err
    assert out == ""


def test_template_header_and_buttons_from_flags(herald, segmenter):
    """--header and --button reach the segmenter, which stores them; campaign show prints
    them; a bad one is the segmenter's rejection, naming the field."""
    out = ok(herald, "campaign", "create", "-q", "--name", "Autumn", "--phone-number-id", "1",
             "--template", "autumn_sale", "--param", "name", "--header",
             "image:https://cdn.example.com/autumn.png", "--button", "url:attributes.path",
             "--button", "quick_reply:=stop-promos")
    cid = int(out.strip())
    stored = {"header": {"type": "image", "link": "https://cdn.example.com/autumn.png"},
              "buttons": [{"sub_type": "url", "index": 0, "param": "attributes.path"},
                          {"sub_type": "quick_reply", "index": 1, "param": "=stop-promos"}]}
    assert herald.sql("SELECT template_components FROM campaigns WHERE id = %s", cid) == \
        [(stored,)]
    shown = json.loads(ok(herald, "campaign", "show", str(cid), "--json"))
    assert shown["campaign"]["template_components"] == stored
    assert ok(herald, "campaign", "update", str(cid), "--button", "none") == "accepted\n"
    assert herald.sql("SELECT template_components FROM campaigns WHERE id = %s", cid) == \
        [({"header": stored["header"]},)]  # the header was not given: it stays
    rc, out, err = ctl(herald, "campaign", "update", str(cid), "--header", "text:city")
    assert rc == 1 and "template.header.param" in err, err


def test_recalculate_is_answered_by_analytics(herald, segmenter):
    need_plugin("analytics")
    st = herald.start_stage("analytics", plugin_config={},
                            consume=["campaign-commands", "delivery-events", "replies"],
                            plugin="analytics", name="analytics-ctl")
    st.wait_healthy()
    try:
        cid = int(ok(herald, "campaign", "create", "-q", "--name", "R", "--phone-number-id", "1",
                     "--template", "t").strip())
        assert ok(herald, "recalculate", str(cid)) == "accepted\n"
        (handled_by,), = herald.sql("SELECT handled_by FROM command_results WHERE type = "
                                    "'recalculate' AND campaign_id = %s", cid)
        assert "analytics" in handled_by
    finally:
        st.stop()
