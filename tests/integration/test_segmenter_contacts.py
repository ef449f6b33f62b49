"""herald-contacts (the segmenter's contacts CLI) against a real PostgreSQL database.

Why: imports must report every rejected row with its line and reason while the good rows are
upserted, phones must be normalised, a re-import must update instead of duplicating, and the
preview must count exactly what a campaign start would snapshot.
"""
import json
import os
import subprocess

BUILD = os.environ.get("HERALD_BUILD_DIR", "/work/main/build")
CONTACTS = os.path.join(BUILD, "bin", "herald-contacts")


def run(herald, *args, stdin=None):
    p = subprocess.run([CONTACTS, "--pg", herald.conninfo, *args], input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


CSV = """phone,name,tags,city,age,opted_out
+49 151 1234-5678,Asha,vip;new,Berlin,31,no
4915112345679,Ben,,Hamburg,25,
0151 999,Bad,,Berlin,1,
4915112345678,Dup,,Berlin,1,
4915100000003,"Multi
line",x,Berlin,abc,false
4915100000004,Opt,vip,Berlin,40,yes

4915100000005,Short
0049 (151) 0000-0006,Eve,vip,Berlin,2024-01-01,no
"""


def test_import_reports_rejected_rows_and_upserts_the_rest(herald, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(CSV)
    rc, out, err = run(herald, "import", "--list", "spring", str(path))
    assert rc == 1, err  # herald-ctl's convention: rows were rejected (the rest imported)
    assert out.splitlines() == [
        "accepted 5, rejected 3",
        "line 4: bad phone '0151 999': no country code",
        "line 5: duplicate phone 4915112345678 (first on line 2)",
        "line 10: missing column 'tags' (2 of 6 fields)",
    ]
    rows = herald.sql("SELECT phone, name, tags, opted_out, attributes FROM contacts "
                      "ORDER BY id")
    assert rows == [
        ("4915112345678", "Asha", ["vip", "new"], False, {"city": "Berlin", "age": "31"}),
        ("4915112345679", "Ben", [], False, {"city": "Hamburg", "age": "25"}),
        ("4915100000003", "Multi\nline", ["x"], False, {"city": "Berlin", "age": "abc"}),
        ("4915100000004", "Opt", ["vip"], True, {"city": "Berlin", "age": "40"}),
        ("4915100000006", "Eve", ["vip"], False, {"city": "Berlin", "age": "2024-01-01"}),
    ]
    assert herald.sql("SELECT count(*) FROM contact_list_members m JOIN contact_lists l "
                      "ON l.id = m.list_id WHERE l.name = 'spring'") == [(5,)]
    # re-import from stdin into a second list: updates, no duplicates, opt-out kept
    rc, out, err = run(herald, "import", "--list", "again", "-",
                       stdin="phone,name,tags,opted_out,city\n"
                             "4915112345678,Asha K,gold,false,\n"
                             "4915100000004,Opt,,no,Paris\n")
    assert rc == 0 and out.splitlines() == ["accepted 2, rejected 0"], (out, err)
    assert herald.sql("SELECT count(*) FROM contacts") == [(5,)]
    assert herald.sql("SELECT name, tags, attributes FROM contacts WHERE phone = "
                      "'4915112345678'") == [("Asha K", ["gold", "new", "vip"],
                                              {"city": "Berlin", "age": "31"})]
    assert herald.sql("SELECT opted_out, attributes->>'city' FROM contacts WHERE phone = "
                      "'4915100000004'") == [(True, "Paris")]
    rc, out, _ = run(herald, "lists")
    assert rc == 0
    assert [line.split("\t") for line in out.splitlines()][1:] == [
        [str(i), n, c] for i, n, c in herald.sql(
            "SELECT id::text, name, (SELECT count(*) FROM contact_list_members m "
            "WHERE m.list_id = l.id)::text FROM contact_lists l ORDER BY id")]


def test_fatal_import_errors_import_nothing(herald, tmp_path):
    rc, out, err = run(herald, "import", "--list", "x", "-", stdin="name,city\nA,B\n")
    assert rc == 1 and "header has no 'phone' column" in err and out == ""
    rc, out, err = run(herald, "import", "--list", "x", "-", stdin="")
    assert rc == 1 and "empty file" in err
    assert herald.sql("SELECT count(*) FROM contacts") == [(0,)]
    assert herald.sql("SELECT count(*) FROM contact_lists") == [(0,)]


def test_preview_counts_what_the_rules_select(herald, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(CSV)
    assert run(herald, "import", "--list", "spring", str(path))[0] == 1  # 3 rows rejected
    (lid,), = herald.sql("SELECT id FROM contact_lists WHERE name = 'spring'")
    cases = [
        ({}, ["4915112345678", "4915112345679", "4915100000003", "4915100000006"]),
        ({"include_lists": [lid], "rules": {"attr": "city", "op": "eq", "value": "Berlin"}},
         ["4915112345678", "4915100000003", "4915100000006"]),
        ({"rules": {"attr": "age", "op": "gte", "value": 30}}, ["4915112345678"]),
        ({"rules": {"any": [{"op": "has_tag", "value": "vip"},
                            {"attr": "age", "op": "before", "value": "2025-01-01"}]}},
         ["4915112345678", "4915100000006"]),
        ({"rules": {"field": "name", "op": "contains", "value": "'; DROP TABLE contacts; --"}},
         []),
        ({"exclude_lists": [lid]}, []),
    ]
    for audience, phones in cases:
        rc, out, err = run(herald, "preview", "--audience", json.dumps(audience), "--sample",
                           "10")
        assert rc == 0, err
        got = json.loads(out)
        assert got["count"] == len(phones), audience
        assert [s["phone"] for s in got["sample"]] == phones, audience
    rc, out, err = run(herald, "preview", "--audience", '{"rules":{"attr":"a","op":"zz"}}')
    assert rc == 1 and "unknown op 'zz'" in err
    assert herald.sql("SELECT count(*) FROM contacts") == [(5,)]


def test_exit_codes_follow_herald_ctl(herald, tmp_path):
    """0 done, 1 refused input (one line + usage line), 2 PostgreSQL unreachable: the same
    convention as herald-ctl, which passes this binary's status through."""
    good = tmp_path / "good.csv"
    good.write_text("phone,name\n4915100000001,Asha\n")
    p = subprocess.run([CONTACTS, "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout.startswith("usage: herald-contacts") and \
        "Exit status" in p.stdout
    assert subprocess.run([CONTACTS, "import", "--help"], capture_output=True,
                          timeout=30).returncode == 0
    for args, reason in ([[], "missing COMMAND"], [["frob"], "unknown command 'frob'"],
                         [["import", str(good)], "missing --list NAME"],
                         [["import", "--list", "x"], "missing FILE.csv"],
                         [["import", "--list", "x", "/nonexistent.csv"],
                          "cannot read /nonexistent.csv"],
                         [["preview"], "missing --audience"],
                         [["preview", "--audience", "{}", "--sample", "x"], "--sample"],
                         [["lists", "extra"], "lists takes no arguments"]):
        rc, out, err = run(herald, *args)
        assert rc == 1, (args, err)
        assert err.startswith("herald-contacts: ") and reason in err.splitlines()[0], err
        assert out == ""
    p = subprocess.run([CONTACTS, "--config", "/nonexistent.conf", "lists"],
                       capture_output=True, text=True, timeout=30,
                       env={k: v for k, v in os.environ.items() if k != "HERALD_PG_CONNINFO"})
    assert p.returncode == 1 and "cannot read config file /nonexistent.conf" in p.stderr
    port = herald.free_port()
    for args in (["lists"], ["import", "--list", "x", str(good)], ["preview", "--audience", "{}"]):
        p = subprocess.run([CONTACTS, "--pg", f"host=127.0.0.1 port={port} dbname=x user=x",
                            *args], capture_output=True, text=True, timeout=30)
        assert p.returncode == 2, (args, p.stderr)
        assert p.stderr.startswith("herald-contacts: postgresql unreachable: ")
        assert p.stderr.count("\n") == 1, p.stderr  # one line, even for libpq's two
    rc, out, err = run(herald, "import", "--list", "x", str(good))
    assert (rc, out) == (0, "accepted 1, rejected 0\n"), err
    rc, out, err = run(herald, "preview", "--audience", '{"rules":{"attr":"a","op":"zz"}}')
    assert rc == 1 and err.count("\n") == 1
