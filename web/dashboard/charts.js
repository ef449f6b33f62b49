// charts.js - the two drawings of the detail view: the funnel (HTML bars) and the per-minute
// time series (a small hand-written inline SVG).
//
// Why hand-written: the dashboard has no build step and no dependencies; a line chart of a
// few series over at most 24 h of minutes is ~100 lines of SVG, readable and themeable by CSS.

const SVG = "http://www.w3.org/2000/svg";
const fmt = new Intl.NumberFormat();

export const SERIES = [
  { key: "accepted", label: "Accepted" },
  { key: "delivered", label: "Delivered" },
  { key: "read", label: "Read" },
  { key: "replied", label: "Replied" },
  { key: "failed", label: "Failed" },
];

const FUNNEL = [
  { key: "audience_size", label: "Audience" },
  { key: "sent", label: "Sent" },
  { key: "delivered", label: "Delivered" },
  { key: "read", label: "Read" },
  { key: "replied", label: "Replied" },
];

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// "Sent" counts recipients the Cloud API reported as sent; a recipient that skipped that
// status (delivered first) still passed the step, so each step is at least the next one.
export function funnelSteps(p) {
  const raw = FUNNEL.map((s) => Number(p?.[s.key] ?? 0));
  for (let i = raw.length - 2; i >= 1; i--) raw[i] = Math.max(raw[i], raw[i + 1]);
  return FUNNEL.map((s, i) => ({ ...s, value: raw[i] }));
}

export function renderFunnel(list, progress) {
  const steps = funnelSteps(progress);
  const base = steps[0].value || 0;
  list.replaceChildren(
    ...steps.map((s, i) => {
      const share = base ? (100 * s.value) / base : 0;
      const prev = i ? steps[i - 1].value : 0;
      const li = el("li", { "data-testid": `funnel-${s.key}` });
      li.append(el("span", { class: "funnel-label" }, s.label));
      const bar = el("span", { class: "funnel-track" });
      const fill = el("span", { class: "funnel-fill" });
      fill.style.width = `${Math.min(100, share).toFixed(1)}%`;
      bar.append(fill);
      li.append(bar);
      li.append(el("span", { class: "funnel-value num" }, fmt.format(s.value)));
      const step = i && prev ? ` · ${((100 * s.value) / prev).toFixed(0)}% of ${steps[i - 1].label.toLowerCase()}` : "";
      li.append(el("span", { class: "funnel-share muted" }, `${share.toFixed(1)}%${step}`));
      return li;
    }),
  );
}

// Grid step 1, 2, 2.5 (from 10 up), 5 x 10^k, so every label is a whole number.
function niceStep(v) {
  const p = 10 ** Math.floor(Math.log10(Math.max(v, 1)));
  for (const m of p >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function hhmm(iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// rows: campaign_timeseries rows ({minute, accepted, ...}), oldest first.
export function renderTimeseries(box, rows) {
  const W = 720, H = 240, L = 48, R = 12, T = 12, B = 28;
  const pts = (rows || []).map((r) => ({ t: Date.parse(r.minute), r }));
  if (!pts.length) {
    box.replaceChildren(el("p", { class: "muted empty" }, "No events yet."));
    return;
  }
  // each minute is a bin [minute, minute + 60 s); its point sits in the middle
  const t0 = pts[0].t;
  const t1 = pts[pts.length - 1].t + 60000;
  const peak = Math.max(1, ...pts.flatMap((p) => SERIES.map((s) => Number(p.r[s.key] || 0))));
  const step = niceStep(peak / 4);
  const ticks = Math.max(1, Math.ceil(peak / step));
  const ymax = ticks * step;
  const x = (t) => L + ((t + 30000 - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => T + (1 - v / ymax) * (H - T - B);
  const label = `Events per minute from ${hhmm(pts[0].r.minute)} to ${hhmm(pts[pts.length - 1].r.minute)}; peak ${fmt.format(peak)} per minute`;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "ts" });
  for (let i = 0; i <= ticks; i++) {
    const v = step * i;
    root.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    root.append(svg("text", { x: L - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, fmt.format(v)));
  }
  root.append(svg("text", { x: L, y: H - 8, class: "axis" }, hhmm(pts[0].r.minute)));
  root.append(svg("text", { x: W - R, y: H - 8, class: "axis", "text-anchor": "end" }, hhmm(new Date(t1).toISOString())));
  root.append(svg("line", { x1: L, x2: W - R, y1: y(0), y2: y(0), class: "baseline" }));
  for (const s of SERIES) {
    const coords = pts.map((p) => `${x(p.t).toFixed(1)},${y(Number(p.r[s.key] || 0)).toFixed(1)}`);
    const g = svg("g", { class: `series s-${s.key}`, "data-series": s.key });
    if (pts.length > 1) g.append(svg("polyline", { points: coords.join(" ") }));
    for (const c of coords) {
      const [cx, cy] = c.split(",");
      g.append(svg("circle", { cx, cy, r: 2.5 }));
    }
    root.append(g);
  }
  const legend = el("ul", { class: "legend" });
  for (const s of SERIES) {
    const total = pts.reduce((a, p) => a + Number(p.r[s.key] || 0), 0);
    const li = el("li", { class: `s-${s.key}` });
    li.append(el("span", { class: "swatch", "aria-hidden": "true" }));
    li.append(document.createTextNode(`${s.label} (${fmt.format(total)})`));
    legend.append(li);
  }
  box.replaceChildren(root, legend);
}
