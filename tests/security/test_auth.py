"""Authentication: the control API refuses missing or wrong tokens on every route, and the
webhook's signature check refuses any wrong digest, compared in constant time.

Why: the control API starts mass sends; the webhook feeds delivery statuses into analytics.
A route that forgot the token check, or a signature compared with memcmp (which returns at
the first differing byte and so leaks, through timing, how many leading bytes an attacker got
right), would be a hole. The HTTP tests check the behaviour on the real stage; the review
tests pin the mechanism in the sources (CRYPTO_memcmp over fixed-length digests).
"""
import re
from pathlib import Path

import pytest

from security_helpers import API_TOKEN, VERIFY_TOKEN, Gateway, sign, status_payload

REPO = Path(__file__).resolve().parents[2]

# Every route of docs/gateway.md ("Control API"), plus paths that route nowhere.
API_ROUTES = [
    ("GET", "/api/campaigns"), ("POST", "/api/campaigns"),
    ("GET", "/api/campaigns/1"), ("PATCH", "/api/campaigns/1"),
    ("POST", "/api/campaigns/1/schedule"), ("POST", "/api/campaigns/1/start"),
    ("POST", "/api/campaigns/1/pause"), ("POST", "/api/campaigns/1/resume"),
    ("POST", "/api/campaigns/1/cancel"), ("POST", "/api/campaigns/1/duplicate"),
    ("GET", "/api/campaigns/1/progress"), ("GET", "/api/campaigns/1/progress/stream"),
    ("GET", "/api/commands/0b6c0b8e-0000-4000-8000-000000000000"),
    ("POST", "/api/contacts/import?list=sec"), ("GET", "/api/lists"), ("POST", "/api/lists"),
    ("POST", "/api/segments/preview"), ("GET", "/api"), ("GET", "/api/"),
    ("DELETE", "/api/campaigns/1"), ("GET", "/api/nowhere"),
]
BODIES = {"POST": '{"name":"x"}', "PATCH": '{"name":"x"}'}


def wrong_tokens():
    flipped_first = chr(ord(API_TOKEN[0]) ^ 1) + API_TOKEN[1:]
    flipped_last = API_TOKEN[:-1] + chr(ord(API_TOKEN[-1]) ^ 1)
    return {
        "missing": None,
        "empty bearer": "",
        "wrong": "wrong",
        "first byte": flipped_first,
        "last byte": flipped_last,
        "prefix": API_TOKEN[:-1],
        "extended": API_TOKEN + "x",
    }


@pytest.fixture
def gateway(herald):
    gw = Gateway(herald)
    yield gw
    gw.stage.stop()


def test_control_api_refuses_missing_and_wrong_tokens_on_every_route(herald, gateway):
    for label, token in wrong_tokens().items():
        for method, path in API_ROUTES:
            r = gateway.api(method, path, token=token, raw=BODIES.get(method))
            assert r.status_code == 401, (label, method, path, r.status_code, r.text)
            assert r.json()["error"]["code"] == "unauthorized", (label, method, path)
    for scheme in (f"Basic {API_TOKEN}", f"Token {API_TOKEN}", API_TOKEN, f"Bearer  {API_TOKEN}x"):
        r = gateway.api("GET", "/api/lists", token=None, headers={"Authorization": scheme})
        assert r.status_code == 401, scheme
    # the token in the query string or another header is not a credential
    r = gateway.api("GET", f"/api/lists?token={API_TOKEN}", token=None,
                    headers={"X-Api-Token": API_TOKEN})
    assert r.status_code == 401
    # nothing was done by any refused call
    assert herald.consume_all("campaign-commands", idle=2) == []
    assert herald.sql("SELECT count(*) FROM contact_lists")[0][0] == 0
    # and the right token works, so the 401s were not a broken server
    assert gateway.api("GET", "/api/lists").status_code == 200
    assert gateway.api("POST", "/api/lists", {"name": "ok"}).status_code == 201


def test_webhook_refuses_any_wrong_signature_and_produces_nothing(herald, gateway):
    body = status_payload()
    good = sign(body)
    hexpart = good[len("sha256="):]

    def flip(i):
        c = hexpart[i]
        return "sha256=" + hexpart[:i] + ("0" if c != "0" else "1") + hexpart[i + 1:]

    refused = {
        "missing": None, "empty": "", "prefix only": "sha256=",
        "wrong first byte": flip(0), "wrong last byte": flip(63), "wrong middle byte": flip(31),
        "sha1 scheme": "sha1=" + hexpart[:40], "truncated": good[:-2], "extended": good + "00",
        "other secret": sign(body, "not-the-secret"), "verify token as secret":
            sign(body, VERIFY_TOKEN), "no prefix": hexpart, "non-hex": "sha256=" + "g" * 64,
        "whitespace": good + " ", "signature of other body": sign(body + b" "),
    }
    for label, sig in refused.items():
        r = gateway.post_webhook(body, signature=sig)
        assert r.status_code == 401, (label, r.status_code, r.text)
    assert herald.consume_all("delivery-events", idle=2) == []
    rejected = [v for k, v in gateway.stage.metrics().items()
                if k.startswith("herald_webhook_rejected_signature_total")]
    assert rejected == [len(refused)], gateway.stage.metrics_text()
    # upper-case hex of the right digest is the same signature
    assert gateway.post_webhook(body, signature="sha256=" + hexpart.upper()).status_code == 200
    assert gateway.post_webhook(body, signature=good).status_code == 200
    assert len(herald.consume_all("delivery-events", idle=2)) == 2


def strip_comments(c_source: str) -> str:
    c_source = re.sub(r"/\*.*?\*/", "", c_source, flags=re.S)
    return re.sub(r"//[^\n]*", "", c_source)


@pytest.mark.parametrize("path, secret_compare", [
    ("plugins/webhook/webhook_signature.c", "signature"),
    ("plugins/webhook/webhook_verification.c", "verify token"),
    ("plugins/api/api_auth.c", "bearer token"),
])
def test_secret_comparisons_are_constant_time_in_the_source(path, secret_compare):
    """Code review pinned as a test: the comparison of a secret uses CRYPTO_memcmp over
    fixed-length digests, and no early-exit comparison (memcmp, strcmp, strncmp, bcmp) is
    applied to anything secret in that file."""
    src = strip_comments((REPO / path).read_text())
    assert "CRYPTO_memcmp(" in src, f"{path}: {secret_compare} not compared with CRYPTO_memcmp"
    for call in re.finditer(r"\b(memcmp|strcmp|strncmp|bcmp|strcasecmp)\s*\(([^;]*)\)", src):
        args = call.group(2)
        assert not re.search(r"secret|token|digest|expected|given|sig", args, re.I) or \
            re.search(r"\"(sha256=|Bearer )\"|SIG_PREFIX|\"Bearer \"", args), \
            f"{path}: early-exit {call.group(1)}({args}) on a secret"
