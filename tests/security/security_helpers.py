"""Shared helpers of the security tests: a gateway stage (webhook + control API) with known
secrets, signed webhook posts, raw sockets for slow clients.

Why a module: several test files attack the same gateway; starting it one way keeps the
secrets the tests look for in logs identical to the ones the stage was given.
"""
import hashlib
import hmac
import json
import socket
import time
import uuid

import requests

# Distinctive so that a leak is unmistakable in a log or /metrics; a fresh suffix per run.
RUN = uuid.uuid4().hex[:8]
APP_SECRET = f"appsecret-{RUN}-Zq7"
VERIFY_TOKEN = f"verifytoken-{RUN}-Xk2"
API_TOKEN = f"apitoken-{RUN}-Wp4"
ACCESS_TOKEN = f"accesstoken-{RUN}-Vr9"
PG_PASSWORD = f"pgpassword-{RUN}-Ub1"
SECRETS = {"app secret": APP_SECRET, "verify token": VERIFY_TOKEN, "API token": API_TOKEN,
           "access token": ACCESS_TOKEN, "PostgreSQL password": PG_PASSWORD}


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Gateway:
    """One herald-stage with the webhook and api plugins, as config/gateway.conf runs them."""

    def __init__(self, herald, webhook=None, api=None, env=None, log_level="info",
                 conninfo=None):
        self.herald = herald
        self.webhook_port, self.api_port = herald.free_port(), herald.free_port()
        wh = {"listen": f"127.0.0.1:{self.webhook_port}", "path": "/webhook",
              "ack_timeout_ms": 5000, **(webhook or {})}
        ap = {"listen": f"127.0.0.1:{self.api_port}", "ack_timeout_ms": 5000, **(api or {})}
        config = herald.stage_config("gateway", name="gateway", plugins=[
            {"name": "webhook", "consume": [], "config": wh},
            {"name": "api", "consume": [], "config": ap}],
            stage_options={"log_level": log_level})
        if conninfo is not None:
            config["postgres"]["conninfo"] = conninfo
        self.stage = herald.start_stage(
            "gateway", config=config,
            env={"HERALD_APP_SECRET": APP_SECRET, "HERALD_VERIFY_TOKEN": VERIFY_TOKEN,
                 "HERALD_API_TOKEN": API_TOKEN, **(env or {})})
        self.stage.wait_healthy()
        self.webhook_url = f"http://127.0.0.1:{self.webhook_port}/webhook"
        self.api_base = f"http://127.0.0.1:{self.api_port}"

    def api(self, method, path, body=None, token=API_TOKEN, headers=None, raw=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return requests.request(method, self.api_base + path, data=data, headers=h, timeout=20)

    def post_webhook(self, body: bytes, signature="auto", timeout=20):
        headers = {"Content-Type": "application/json"}
        if signature == "auto":
            signature = sign(body)
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return requests.post(self.webhook_url, data=body, headers=headers, timeout=timeout)


def status_payload(wamid="wamid.SEC1", status="delivered", callback="c=42;r=17"):
    return json.dumps({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001", "phone_number_id": "1098765"},
            "statuses": [{"id": wamid, "status": status, "timestamp": "1764100001",
                          "recipient_id": "4915112345678",
                          "biz_opaque_callback_data": callback}]}}]}]}).encode()


def open_socket(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_by_server(s: socket.socket, within: float) -> float | None:
    """Waits up to `within` seconds for the server to close `s` (EOF or reset) while the client
    keeps silent; returns the seconds it took, None if still open. Any bytes the server sends
    first (e.g. a 408) are read and ignored."""
    t0 = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - t0 < within:
        try:
            if s.recv(4096) == b"":
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - t0
    return None
