// api.js - the dashboard's only door to the control API: the bearer token, JSON calls,
// command outcomes and the live progress stream.
//
// Why a fetch()-based SSE reader instead of EventSource: EventSource cannot send an
// Authorization header, and putting the token into the URL would leak it into logs and
// history. The stream format is the standard one (id/data lines, blank line per event).

const TOKEN_KEY = "herald.apiToken";

export class AuthError extends Error {}

// A token passed as #token=... wins over the stored one; the fragment is removed from the
// address bar at once so it does not stay in the history or get copied along.
export function adoptTokenFromFragment() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (!m) return;
  const token = decodeURIComponent(m[1]);
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(history.state, "", location.pathname + location.search);
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || "",
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

function headers(extra) {
  return { Authorization: `Bearer ${token.get()}`, ...extra };
}

// Returns {status, body} (body parsed when JSON); throws AuthError on 401 and Error when the
// server cannot be reached.
export async function call(method, path, body) {
  const init = { method, headers: headers({ Accept: "application/json" }), cache: "no-store" };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new Error(`control API unreachable (${e.message})`);
  }
  if (r.status === 401) throw new AuthError("the API token was refused");
  const text = await r.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { error: { message: text } };
  }
  return { status: r.status, body: parsed };
}

// Fetches a file with the token (a plain link cannot send the Authorization header) and hands
// it to the browser as a download named `filename`. Throws like call().
export async function download(path, filename) {
  let r;
  try {
    r = await fetch(path, { headers: headers({ Accept: "text/csv" }), cache: "no-store" });
  } catch (e) {
    throw new Error(`control API unreachable (${e.message})`);
  }
  if (r.status === 401) throw new AuthError("the API token was refused");
  if (!r.ok) {
    const text = await r.text();
    let message = `HTTP ${r.status}`;
    try {
      message = JSON.parse(text).error.message || message;
    } catch {}
    throw new Error(message);
  }
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export function errorMessage(res) {
  return res.body?.error?.message || `HTTP ${res.status}`;
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// Posts a campaign command and waits for the stage's outcome. Resolves to
// {outcome: "accepted"|"rejected"|"pending", reason, newCampaignId}.
export async function runCommand(campaignId, type, { timeoutMs = 20000 } = {}) {
  const res = await call("POST", `/api/campaigns/${campaignId}/${type}`);
  if (res.status !== 202) return { outcome: "rejected", reason: errorMessage(res) };
  const { command_id: commandId, new_campaign_id: newCampaignId } = res.body;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const st = await call("GET", `/api/commands/${encodeURIComponent(commandId)}`);
    const status = st.body?.status;
    if (status === "accepted" || status === "rejected")
      return { outcome: status, reason: st.body.reason || "", newCampaignId, commandId };
    await sleep(250);
  }
  return { outcome: "pending", reason: `no outcome yet for command ${commandId}`, commandId };
}

// Follows /api/campaigns/{id}/progress/stream. onSnapshot(row) per event, onState(s) with
// "connecting" | "live" | "reconnecting" | "unauthorized". Reconnects after the server's
// retry interval. Returns a function that stops the stream.
export function followProgress(campaignId, onSnapshot, onState) {
  const abort = new AbortController();
  let stopped = false;
  let retryMs = 1000;

  function dispatch(block) {
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      else if (line.startsWith("retry:")) retryMs = Number(line.slice(6)) || retryMs;
    }
    if (data.length) onSnapshot(JSON.parse(data.join("\n")));
  }

  async function once() {
    onState("connecting");
    const r = await fetch(`/api/campaigns/${campaignId}/progress/stream`, {
      headers: headers({ Accept: "text/event-stream" }),
      cache: "no-store",
      signal: abort.signal,
    });
    if (r.status === 401) throw new AuthError("the API token was refused");
    if (!r.ok || !r.body) throw new Error(`progress stream: HTTP ${r.status}`);
    onState("live");
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf = (buf + value).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buf.indexOf("\n\n")) >= 0) {
        dispatch(buf.slice(0, end));
        buf = buf.slice(end + 2);
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await once();
      } catch (e) {
        if (e instanceof AuthError) {
          onState("unauthorized");
          return;
        }
      }
      if (stopped) return;
      onState("reconnecting");
      await sleep(retryMs);
    }
  })();

  return () => {
    stopped = true;
    abort.abort();
  };
}
