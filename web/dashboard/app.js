// app.js - the dashboard's views and routing: token prompt, campaign list (polled every 2 s)
// and campaign detail (live numbers over the SSE stream, funnel, failures, per-minute chart,
// commands with their outcome).
//
// Why routes are real paths (/campaigns/42): the gateway answers every extension-less path
// with index.html, so a detail view can be bookmarked and reloaded.

import { AuthError, adoptTokenFromFragment, call, download, errorMessage, followProgress, runCommand, token } from "./api.js";
import { renderFunnel, renderTimeseries } from "./charts.js";

const LIST_REFRESH_MS = 2000;
const DETAIL_REFRESH_MS = 4000;
const REPLIES_SHOWN = 10;
const $ = (sel) => document.querySelector(sel);
const fmt = new Intl.NumberFormat();

// What each command needs (mirrors the segmenter's lifecycle; the API still has the final say
// and its refusal is shown, so this only spares pointless clicks).
const ALLOWED = {
  pause: ["running"],
  resume: ["paused"],
  cancel: ["draft", "scheduled", "running", "paused"],
  duplicate: null,
};

let teardown = () => {};

// ---- helpers ------------------------------------------------------------------------------

function num(v) {
  return v === null || v === undefined ? "–" : fmt.format(v);
}

function duration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function percent(v) {
  return v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`;
}

function settledShare(p) {
  const audience = Number(p?.audience_size || 0);
  if (!audience) return 0;
  return Math.min(100, (100 * (audience - Number(p.pending || 0))) / audience);
}

function setProgressBar(node, share) {
  node.setAttribute("aria-valuenow", share.toFixed(0));
  node.querySelector(".progress-bar").style.width = `${share.toFixed(1)}%`;
}

function badge(node, status) {
  node.textContent = status || "unknown";
  node.className = `badge status-${status || "unknown"}`;
  node.dataset.status = status || "";
}

function show(id) {
  for (const v of ["token-view", "list-view", "detail-view", "contact-view"]) $(`#${v}`).hidden = v !== id;
  $("#forget-token").hidden = id === "token-view";
}

function navigate(path) {
  history.pushState(null, "", path);
  route();
}

function handleError(e, errorNode) {
  if (e instanceof AuthError) {
    token.clear();
    askForToken("The API token was refused; enter it again.");
    return;
  }
  errorNode.textContent = e.message;
}

// ---- token --------------------------------------------------------------------------------

function askForToken(message = "") {
  teardown();
  teardown = () => {};
  show("token-view");
  $("#token-error").textContent = message;
  $("#token-input").value = "";
  $("#token-input").focus();
}

$("#token-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const t = $("#token-input").value.trim();
  if (!t) return;
  token.set(t);
  route();
});

$("#forget-token").addEventListener("click", () => {
  token.clear();
  askForToken();
});

// ---- campaign list ------------------------------------------------------------------------

// A running campaign outside its sending hours: when it goes on, in the viewer's local time.
function windowNote(opensAt) {
  const opens = new Date(opensAt).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
  return Object.assign(document.createElement("small"), {
    className: "window-note",
    textContent: ` waits until ${opens}`,
    title: `Outside its send window; sending resumes by itself at ${new Date(opensAt).toLocaleString()}`,
  });
}

function limitNote(nextAt) {
  const next = new Date(nextAt).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
  return Object.assign(document.createElement("small"), {
    className: "window-note limit-note",
    textContent: ` messaging limit: next ${next}`,
    title: `Meta's messaging limit leaves no room for people not contacted in the last 24 h; the next one may go at ${new Date(nextAt).toLocaleString()}`,
  });
}

function campaignRow(c) {
  const p = c.progress || {};
  const tr = document.createElement("tr");
  tr.dataset.testid = `campaign-row-${c.id}`;
  tr.dataset.campaignId = c.id;
  tr.dataset.status = c.status;
  const cells = [
    ["id", String(c.id)],
    ["name", null],
    ["status", null],
    ["audience_size", num(c.audience_size ?? (c.status === "draft" ? null : p.audience_size))],
    ["accepted", num(p.accepted)],
    ["delivered", num(p.delivered)],
    ["read", num(p.read)],
    ["replied", num(p.replied)],
    ["failed", num(p.failed)],
    ["progress", null],
  ];
  for (const [field, text] of cells) {
    const td = document.createElement("td");
    td.dataset.field = field;
    if (text !== null) {
      td.textContent = text;
      if (field !== "id") td.className = "num";
    }
    if (field === "name") {
      const a = document.createElement("a");
      a.href = `/campaigns/${c.id}`;
      a.dataset.nav = "";
      a.textContent = c.name;
      td.append(a);
    } else if (field === "status") {
      const b = document.createElement("span");
      badge(b, c.status);
      td.append(b);
      if (c.send_window_opens_at) td.append(windowNote(c.send_window_opens_at));
      else if (c.messaging_limit_next_room_at) td.append(limitNote(c.messaging_limit_next_room_at));
    } else if (field === "progress") {
      const bar = document.createElement("div");
      bar.className = "progress small";
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-label", `Campaign ${c.id} settled recipients`);
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "100");
      bar.append(Object.assign(document.createElement("span"), { className: "progress-bar" }));
      setProgressBar(bar, settledShare(p));
      td.append(bar);
    }
    tr.append(td);
  }
  return tr;
}

// "messaging limit 1,234 / 2,000 in 24 h" beside the title while a limit is set.
async function refreshMessagingLimit() {
  const res = await call("GET", "/api/messaging-limit");
  const m = res.status === 200 ? res.body.messaging_limit : null;
  const node = $("#messaging-limit");
  node.hidden = !(m && m.people > 0);
  if (node.hidden) return;
  const n = (v) => Number(v).toLocaleString();
  const full = m.next_room_at ? ` · full, next ${new Date(m.next_room_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : "";
  node.textContent = `· messaging limit ${n(m.used)} / ${n(m.people)} in 24 h${full}`;
}

async function refreshList() {
  const [res] = await Promise.all([call("GET", "/api/campaigns?limit=200"), refreshMessagingLimit()]);
  if (res.status !== 200) throw new Error(errorMessage(res));
  const rows = res.body.campaigns.map(campaignRow);
  $("#campaign-rows").replaceChildren(...rows);
  $("#list-empty").hidden = rows.length > 0;
  $("#list-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  $("#list-error").textContent = "";
}

function showList() {
  show("list-view");
  document.title = "Campaigns · Herald";
  let timer = null;
  let stopped = false;
  const tick = async () => {
    try {
      await refreshList();
    } catch (e) {
      handleError(e, $("#list-error"));
      if (e instanceof AuthError) return;
    }
    if (!stopped) timer = setTimeout(tick, LIST_REFRESH_MS);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

// ---- campaign detail ----------------------------------------------------------------------

function renderProgress(p) {
  if (!p) return;
  for (const node of document.querySelectorAll("#stats [data-field]")) {
    const f = node.dataset.field;
    if (f === "rate_per_second")
      node.textContent = p.rate_per_second == null ? "–" : `${p.rate_per_second.toFixed(1)}/s`;
    else if (f === "eta_seconds") node.textContent = duration(p.eta_seconds);
    else node.textContent = num(p[f]);
  }
  setProgressBar($("#detail-progress"), settledShare(p));
  renderFunnel($("#funnel"), p);
  if (p.status) setStatus(p.status);
}

function setStatus(status) {
  badge($("#detail-status"), status);
  for (const b of document.querySelectorAll("[data-command]")) {
    const allowed = ALLOWED[b.dataset.command];
    b.disabled = b.dataset.busy === "1" || (allowed !== null && !allowed.includes(status));
  }
}

function renderFailures(rows) {
  const body = $("#failure-rows");
  body.replaceChildren(
    ...rows.map((f) => {
      const tr = document.createElement("tr");
      tr.dataset.testid = `failure-${f.error_code}`;
      for (const [text, cls] of [[String(f.error_code), ""], [f.error_title || "(no title)", ""], [num(f.recipients), "num"]]) {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls) td.className = cls;
        tr.append(td);
      }
      return tr;
    }),
  );
  $("#failures-empty").hidden = rows.length > 0;
  $("#failures-table").hidden = rows.length === 0;
}

// One reply: who (or which campaign) and when, what they wrote (or the media type), a STOP badge.
function replyItem(r, heading) {
  const li = document.createElement("li");
  li.dataset.testid = "reply";
  const who = Object.assign(document.createElement("span"), {
    className: "reply-who",
    textContent: `${heading} · ${new Date(r.received_at).toLocaleString()}`,
  });
  const text = Object.assign(document.createElement("span"), {
    className: "reply-text",
    textContent: r.body ?? `[${r.type || "message"}]`,
  });
  li.append(who, text);
  if (r.opt === "out") li.append(Object.assign(document.createElement("span"), { className: "badge reply-stop", textContent: "opted out" }));
  return li;
}

// The newest replies to the campaign on its detail page.
function renderReplies(rows) {
  $("#reply-rows").replaceChildren(...rows.map((r) => replyItem(r, r.profile_name || r.phone)));
  $("#replies-empty").hidden = rows.length > 0;
}

function renderAnalytics(a) {
  const dl = $("#analytics");
  if (!a) {
    dl.replaceChildren(Object.assign(document.createElement("dd"), { textContent: "Not available yet." }));
    return;
  }
  const items = [
    ["Delivery rate", percent(a.delivery_rate)],
    ["Read rate", percent(a.read_rate)],
    ["Reply rate", percent(a.reply_rate)],
    ["Failure rate", percent(a.failure_rate)],
    ["Opted out (STOP)", `${num(a.opted_out)} (${percent(a.opt_out_rate)})`],
    ["Time to delivered (p50 / p90)", `${duration(a.p50_seconds_to_delivered)} / ${duration(a.p90_seconds_to_delivered)}`],
    ["Time to read (p50 / p90)", `${duration(a.p50_seconds_to_read)} / ${duration(a.p90_seconds_to_read)}`],
    ["Reply messages", num(a.reply_messages)],
    ["Duration", duration(a.duration_seconds)],
  ];
  dl.replaceChildren(
    ...items.flatMap(([k, v]) => [
      Object.assign(document.createElement("dt"), { textContent: k }),
      Object.assign(document.createElement("dd"), { textContent: v }),
    ]),
  );
}

function renderCampaign(c) {
  $("#detail-name").textContent = c.name;
  $("#detail-id").textContent = `#${c.id}`;
  document.title = `${c.name} · Herald`;
  const bits = [`template ${c.template?.name} (${c.template?.language})`, `number ${c.phone_number_id}`];
  const buttons = c.template?.buttons?.length || 0;
  if (c.template?.header) bits.push(`${c.template.header.type} header`);
  if (buttons) bits.push(`${buttons} button${buttons > 1 ? "s" : ""}`);
  if (c.rate_limit_per_second) bits.push(`limit ${c.rate_limit_per_second}/s`);
  if (c.max_failure_rate) bits.push(`pauses above ${Math.round(c.max_failure_rate * 1000) / 10} % failed`);
  if (c.send_window) {
    const w = c.send_window;
    const opens = c.send_window_opens_at ? `: opens ${new Date(c.send_window_opens_at).toLocaleString()}` : "";
    bits.push(`sends ${w.from}-${w.to} ${w.time_zone}${c.inside_send_window ? "" : ` (outside its hours now${opens})`}`);
  }
  if (c.messaging_limit_next_room_at) {
    bits.push(`held by the messaging limit: next person at ${new Date(c.messaging_limit_next_room_at).toLocaleString()}`);
  }
  if (c.duplicated_from) bits.push(`copy of #${c.duplicated_from}`);
  if (c.status_reason) bits.push(c.status_reason);
  $("#detail-meta").textContent = bits.join(" · ");
}

async function refreshDetail(id) {
  const res = await call("GET", `/api/campaigns/${id}`);
  if (res.status === 404) throw new Error(`Campaign ${id} does not exist.`);
  if (res.status !== 200) throw new Error(errorMessage(res));
  const d = res.body;
  renderCampaign(d.campaign);
  setStatus(d.campaign.status);
  if (d.progress) renderProgress(d.progress);
  renderFailures(d.failures || []);
  renderTimeseries($("#chart"), d.timeseries || []);
  renderAnalytics(d.analytics);
  const replies = await call("GET", `/api/campaigns/${id}/replies?limit=${REPLIES_SHOWN}`);
  if (replies.status === 200) renderReplies(replies.body.replies);
  $("#detail-error").textContent = "";
}

function setOutcome(kind, text, link) {
  const out = $("#command-outcome");
  out.dataset.outcome = kind;
  out.className = `outcome outcome-${kind}`;
  out.replaceChildren(document.createTextNode(text));
  if (link) {
    const a = document.createElement("a");
    a.href = link.href;
    a.dataset.nav = "";
    a.dataset.testid = "outcome-link";
    a.textContent = link.text;
    out.append(" ", a);
  }
}

async function onCommand(id, button) {
  const type = button.dataset.command;
  if (type === "cancel" && !confirm(`Cancel campaign #${id}? This cannot be undone.`)) return;
  button.dataset.busy = "1";
  button.disabled = true;
  setOutcome("pending", `${type}: waiting for the outcome…`);
  try {
    const r = await runCommand(id, type);
    if (r.outcome === "accepted") {
      const link = r.newCampaignId ? { href: `/campaigns/${r.newCampaignId}`, text: `open draft #${r.newCampaignId}` } : null;
      setOutcome("accepted", `${type}: accepted`, link);
    } else if (r.outcome === "rejected") {
      setOutcome("rejected", `${type}: rejected — ${r.reason}`);
    } else {
      setOutcome("pending", `${type}: ${r.reason}`);
    }
    await refreshDetail(id);
  } catch (e) {
    setOutcome("rejected", `${type}: ${e.message}`);
    if (e instanceof AuthError) handleError(e, $("#detail-error"));
  } finally {
    delete button.dataset.busy;
    setStatus($("#detail-status").dataset.status);
  }
}

async function onDownload(id, button) {
  const outcome = button.dataset.download;
  const query = outcome ? `&outcome=${encodeURIComponent(outcome)}` : "";
  const out = $("#download-outcome");
  const say = (kind, text) => {
    out.dataset.outcome = kind;
    out.className = `outcome outcome-${kind}`;
    out.textContent = text;
  };
  button.disabled = true;
  say("pending", "preparing the file…");
  try {
    await download(`/api/campaigns/${id}/recipients?format=csv${query}`,
      `campaign-${id}-${outcome || "all"}-recipients.csv`);
    say("accepted", "downloaded");
  } catch (e) {
    say("rejected", `download failed: ${e.message}`);
    if (e instanceof AuthError) handleError(e, $("#detail-error"));
  } finally {
    button.disabled = false;
  }
}

function showDetail(id) {
  show("detail-view");
  for (const n of ["#detail-name", "#detail-id", "#detail-meta", "#detail-error"]) $(n).textContent = "";
  for (const n of document.querySelectorAll("#stats [data-field]")) n.textContent = "–";
  setOutcome("none", "");
  badge($("#detail-status"), "");
  let stopped = false;
  let timer = null;
  const tick = async () => {
    try {
      await refreshDetail(id);
    } catch (e) {
      handleError(e, $("#detail-error"));
      if (e instanceof AuthError) return;
    }
    if (!stopped) timer = setTimeout(tick, DETAIL_REFRESH_MS);
  };
  tick();
  const live = $("#live-state");
  const stopStream = followProgress(
    id,
    (row) => renderProgress(row),
    (state) => {
      live.dataset.state = state;
      live.textContent = state === "live" ? "● live" : state;
      if (state === "unauthorized") handleError(new AuthError("refused"), $("#detail-error"));
    },
  );
  const onClick = (ev) => {
    const b = ev.target.closest("[data-command]");
    if (b && !b.disabled) onCommand(id, b);
  };
  const actions = $(".actions");
  actions.addEventListener("click", onClick);
  const onDownloadClick = (ev) => {
    const b = ev.target.closest("[data-download]");
    if (b && !b.disabled) onDownload(id, b);
  };
  const downloads = $(".downloads");
  downloads.addEventListener("click", onDownloadClick);
  $("#download-outcome").textContent = "";
  $("#download-outcome").dataset.outcome = "none";
  return () => {
    stopped = true;
    clearTimeout(timer);
    stopStream();
    actions.removeEventListener("click", onClick);
    downloads.removeEventListener("click", onDownloadClick);
  };
}

// ---- one contact: "did they get it, and what did they say?" --------------------------------

function cells(tr, values) {
  for (const v of values) {
    const td = document.createElement("td");
    if (v instanceof Node) td.append(v);
    else td.textContent = v ?? "–";
    tr.append(td);
  }
}

function when(t) {
  return t ? new Date(t).toLocaleString() : "–";
}

function renderContact(phone, d) {
  const c = d.contact;
  $("#contact-title").textContent = c?.name ? `${c.name} (${c.phone})` : phone;
  document.title = `${$("#contact-title").textContent} · Herald`;
  const status = $("#contact-status");
  status.textContent = !c ? "not a contact" : c.opted_out ? "opted out" : "subscribed";
  status.className = `badge ${c?.opted_out ? "status-failed" : "status-completed"}`;
  const bits = [];
  if (d.lists.length) bits.push(`lists: ${d.lists.map((l) => l.name).join(", ")}`);
  if (c?.tags?.length) bits.push(`tags: ${c.tags.join(", ")}`);
  if (c?.opted_out_at) bits.push(`opted out ${when(c.opted_out_at)}`);
  $("#contact-meta").textContent = bits.join(" · ");
  $("#contact-message-rows").replaceChildren(
    ...d.messages.map((m) => {
      const tr = document.createElement("tr");
      tr.dataset.testid = "contact-message";
      const link = Object.assign(document.createElement("a"), { href: `/campaigns/${m.campaign_id}`, textContent: `#${m.campaign_id} ${m.campaign}` });
      link.dataset.nav = "";
      const failure = m.error_code ? `${m.error_code} ${m.error_title || ""}` : "–";
      cells(tr, [link, m.outcome, when(m.accepted_at), when(m.delivered_at), when(m.read_at), failure]);
      return tr;
    }),
  );
  $("#contact-reply-rows").replaceChildren(
    ...d.replies.map((r) => replyItem(r, r.campaign_id ? `campaign #${r.campaign_id}` : "no campaign")),
  );
  $("#contact-messages-empty").hidden = d.messages.length > 0;
  $("#contact-replies-empty").hidden = d.replies.length > 0;
}

function showContact(phone) {
  show("contact-view");
  for (const n of ["#contact-title", "#contact-meta", "#contact-error", "#contact-status"]) $(n).textContent = "";
  $("#contact-message-rows").replaceChildren();
  $("#contact-reply-rows").replaceChildren();
  (async () => {
    try {
      const res = await call("GET", `/api/contacts/${encodeURIComponent(phone)}`);
      if (res.status === 200) renderContact(phone, res.body);
      else {
        $("#contact-title").textContent = phone;
        $("#contact-error").textContent = errorMessage(res);
      }
    } catch (e) {
      handleError(e, $("#contact-error"));
    }
  })();
  return () => {};
}

$("#lookup-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  // digits and a leading +: separators would only make the URL harder to read
  const phone = $("#lookup-input").value.trim().replace(/(?!^\+)[^0-9]/g, "");
  if (phone) navigate(`/contacts/${encodeURIComponent(phone)}`);
});

// ---- routing ------------------------------------------------------------------------------

function route() {
  teardown();
  teardown = () => {};
  if (!token.get()) {
    askForToken();
    return;
  }
  const m = /^\/campaigns\/(\d+)\/?$/.exec(location.pathname);
  const contact = /^\/contacts\/([^/]+)\/?$/.exec(location.pathname);
  if (m) teardown = showDetail(Number(m[1]));
  else if (contact) teardown = showContact(decodeURIComponent(contact[1]));
  else teardown = showList();
}

document.addEventListener("click", (ev) => {
  const a = ev.target.closest("a[data-nav]");
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
  ev.preventDefault();
  navigate(a.getAttribute("href"));
});
window.addEventListener("popstate", route);

adoptTokenFromFragment();
route();
