// dashboard_scenario.mjs - the browser half of tests/browser/test_dashboard.py.
//
// Why a plain Node script: playwright-core (npm, pinned in package-lock.json) drives Debian's
// Chromium (executablePath, no Playwright browser download) with no test runner on top; the
// pytest side owns the processes and hands over the gateway URL, the API token and the id of
// a campaign that is running right now. Every step asserts what an operator would see; the
// script prints one JSON line with what the page showed and exits 1 on the first failure.
//
// Environment: NODE_PATH (node_modules from scripts/node.sh), DASHBOARD_URL, DASHBOARD_TOKEN,
// CAMPAIGN_ID, CHROMIUM (default /usr/bin/chromium), FAILURE_CODE, LOOKUP_PHONE, SCREENSHOT_DIR
// (optional).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || ".", "/"));
const { chromium } = require("playwright-core");

const BASE = process.env.DASHBOARD_URL;
const TOKEN = process.env.DASHBOARD_TOKEN;
const CID = Number(process.env.CAMPAIGN_ID);
const FAILURE_CODE = process.env.FAILURE_CODE;
const LOOKUP_PHONE = process.env.LOOKUP_PHONE; // a recipient that failed with FAILURE_CODE
const WAITING_ID = process.env.WAITING_ID; // a running campaign outside its send window
const SHOTS = process.env.SCREENSHOT_DIR;
assert.ok(BASE && TOKEN && CID, "DASHBOARD_URL, DASHBOARD_TOKEN and CAMPAIGN_ID are required");

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const t0 = Date.now();
const log = (msg) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);

async function number(locator) {
  const text = (await locator.textContent({ timeout: 10000 })) || "";
  const digits = text.replace(/[^0-9]/g, "");
  return digits ? Number(digits) : NaN;
}

// Polls fn() until it returns a truthy value; fails with `what` after timeoutMs.
async function until(what, fn, timeoutMs = 20000, everyMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s: ${what} (last: ${JSON.stringify(last)})`);
}

async function growsBeyond(locator, floor, what, timeoutMs = 20000) {
  return until(`${what} grows beyond ${floor}`, async () => {
    const v = await number(locator);
    return v > floor ? v : null;
  }, timeoutMs);
}

async function expectText(locator, text, timeoutMs = 15000) {
  await until(`"${text}" in ${locator}`, async () => ((await locator.textContent()) || "").trim() === text, timeoutMs);
}

async function commandOutcome(page, button, confirmDialog = false) {
  if (confirmDialog) page.once("dialog", (d) => d.accept());
  await page.getByTestId(button).click();
  const out = page.getByTestId("command-outcome");
  await until(`an outcome after ${button}`, async () => {
    const kind = await out.getAttribute("data-outcome");
    return kind === "accepted" || kind === "rejected" ? kind : null;
  }, 30000);
  const kind = await out.getAttribute("data-outcome");
  const text = await out.textContent();
  assert.equal(kind, "accepted", `${button}: ${text}`);
  return text;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking"],
});
const pageErrors = [];
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });

  // 1. Without a token the page asks for one; a wrong one is refused with a message.
  log("token prompt");
  const first = await context.newPage();
  first.on("pageerror", (e) => pageErrors.push(e.message));
  await first.goto(`${BASE}/`);
  await first.getByLabel("API token").waitFor({ state: "visible" });
  await first.getByLabel("API token").fill("not-the-token");
  await first.getByTestId("token-submit").click();
  log("token prompt: wrong token submitted");
  await until("the wrong token is refused", async () => /refused/.test((await first.getByTestId("token-error").textContent()) || ""));
  await first.close();
  log("token prompt: refused");

  // 2. The token in the URL fragment is adopted and removed from the address bar.
  log("token via #token=");
  page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
  await page.goto(`${BASE}/#token=${encodeURIComponent(TOKEN)}`);
  const row = page.getByTestId(`campaign-row-${CID}`);
  await row.waitFor({ state: "visible", timeout: 15000 });
  assert.ok(!page.url().includes("token"), `the token stayed in the URL: ${page.url()}`);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("herald.apiToken")), TOKEN);

  // 3. The list shows the campaign running, and its numbers move (auto refresh).
  log("list: numbers move");
  await expectText(row.locator('[data-field="status"]'), "running");
  const listAccepted = row.locator('[data-field="accepted"]');
  const a0 = await number(listAccepted);
  const a1 = await growsBeyond(listAccepted, Number.isNaN(a0) ? 0 : a0, "accepted in the list");
  log(`list: accepted ${a0} -> ${a1}`);
  // A running campaign outside its sending hours says when it goes on; a sending one does not.
  const note = page.getByTestId(`campaign-row-${WAITING_ID}`).locator(".window-note");
  await until("the waiting campaign's note", async () => ((await note.textContent()) || "").includes("waits until"));
  assert.equal(await row.locator(".window-note").count(), 0, "a note on a campaign that is sending");
  // Meta's messaging limit: how much of the day the campaigns used, beside the title.
  const limit = page.getByTestId("messaging-limit");
  await until("the messaging limit line", async () =>
    /messaging limit [1-9][\d,]* \/ 1,000,000 in 24 h/.test((await limit.textContent()) || ""));

  // 4. Detail view: live over SSE, numbers move, funnel, failures by code, chart.
  log("detail: live numbers");
  await row.getByRole("link").click();
  await page.waitForURL(`**/campaigns/${CID}`);
  await expectText(page.getByTestId("campaign-status"), "running");
  await until("the progress stream is live", async () => (await page.getByTestId("live-state").getAttribute("data-state")) === "live");
  const accepted = page.getByTestId("stat-accepted");
  const d0 = await until("a first accepted number", async () => {
    const v = await number(accepted);
    return Number.isNaN(v) ? null : v + 1;
  }) - 1;
  const d1 = await growsBeyond(accepted, d0, "accepted in the detail view", 15000);
  log(`detail: accepted ${d0} -> ${d1}`);
  assert.equal(await page.getByTestId("funnel").locator("li").count(), 5);
  // the template's header and buttons are named in the meta line
  await until("the header and buttons in the meta line", async () =>
    ((await page.getByTestId("campaign-meta").textContent()) || "").includes("image header · 1 button"), 15000);
  await until("failure reason " + FAILURE_CODE, async () => page.getByTestId(`failure-${FAILURE_CODE}`).isVisible(), 30000);
  await until("the per-minute chart", async () => (await page.getByTestId("timeseries-chart").locator("svg polyline, svg circle").count()) > 0, 30000);
  await until("the opt-out figure", async () => (await page.locator("#analytics dt", { hasText: "Opted out (STOP)" }).count()) === 1, 15000);
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, "dashboard-running.png"), fullPage: true });

  // 4a. The latest replies: what people wrote, newest first.
  await until("a reply in the replies card", async () => (await page.getByTestId("reply").count()) > 0, 30000);
  const replyText = (await page.getByTestId("reply").first().locator(".reply-text").textContent()) || "";
  assert.ok(replyText.trim().length > 0, "a reply without text");

  // 4b. The recipients download: a CSV file of the failed ones, the failure code inside.
  log("download failed recipients");
  const [file] = await Promise.all([page.waitForEvent("download", { timeout: 20000 }),
    page.getByTestId("btn-download-failed").click()]);
  assert.equal(file.suggestedFilename(), `campaign-${CID}-failed-recipients.csv`);
  const csvText = await new Promise(async (ok, fail) => {
    const chunks = [];
    const s = await file.createReadStream();
    s.on("data", (c) => chunks.push(c)).on("end", () => ok(Buffer.concat(chunks).toString())).on("error", fail);
  });
  const csvLines = csvText.trim().split("\n");
  assert.ok(csvLines[0].startsWith("campaign_id,recipient_id,phone,name,outcome"), csvLines[0]);
  assert.ok(csvLines.length > 1 && csvLines.slice(1).every((l) => l.includes(",failed,")), csvText.slice(0, 300));
  assert.ok(csvText.includes(`,${FAILURE_CODE},`), `failure code ${FAILURE_CODE} not in the CSV`);
  await expectText(page.getByTestId("download-outcome"), "downloaded");

  // 5. Pause: accepted, status paused, and the number stands still.
  log("pause");
  await commandOutcome(page, "btn-pause");
  const pauseSeenMs = Date.now(); // the operator sees "pause: accepted" from here on
  await expectText(page.getByTestId("campaign-status"), "paused", 5000);
  assert.ok(await page.getByTestId("btn-pause").isDisabled(), "pause stays enabled while paused");
  assert.ok(await page.getByTestId("btn-resume").isEnabled(), "resume is not enabled while paused");
  // sends already in flight at the pause may still be counted: wait until the number
  // has not moved for 3 s (a running campaign at 20/s moves it every refresh)...
  let frozen = NaN;
  let stableSince = Date.now();
  await until("the accepted number to settle after the pause", async () => {
    const v = await number(accepted);
    if (v !== frozen) {
      frozen = v;
      stableSince = Date.now();
    }
    return Date.now() - stableSince >= 3000;
  }, 20000, 250);
  // ...then it must stay fixed for 5 s more
  const holdEnd = Date.now() + 5000;
  while (Date.now() < holdEnd) {
    assert.equal(await number(accepted), frozen, "accepted moved while the campaign was paused");
    assert.equal((await page.getByTestId("campaign-status").textContent()).trim(), "paused");
    await sleep(250);
  }
  log(`paused: accepted stayed at ${frozen}`);

  // 6. Resume: running again and the number moves.
  log("resume");
  await commandOutcome(page, "btn-resume");
  await expectText(page.getByTestId("campaign-status"), "running", 5000);
  const resumed = await growsBeyond(accepted, frozen, "accepted after resume");
  log(`resumed: accepted ${frozen} -> ${resumed}`);

  // 7. Duplicate: a new draft, linked from the outcome and listed.
  log("duplicate");
  const dupText = await commandOutcome(page, "btn-duplicate");
  const link = page.getByTestId("outcome-link");
  const dupId = Number(((await link.textContent()) || "").replace(/[^0-9]/g, ""));
  assert.ok(dupId > CID, `no new campaign id in "${dupText}"`);
  await page.getByRole("link", { name: "All campaigns" }).click();
  const dupRow = page.getByTestId(`campaign-row-${dupId}`);
  await dupRow.waitFor({ state: "visible", timeout: 15000 });
  await expectText(dupRow.locator('[data-field="status"]'), "draft");
  log(`duplicate: draft #${dupId} listed`);
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, "dashboard-list.png"), fullPage: true });

  // 8. Cancel (after a confirmation dialog) ends the campaign; a reload of the detail URL
  //    keeps the token of this tab and shows it cancelled.
  log("cancel");
  await page.getByTestId(`campaign-row-${CID}`).getByRole("link").click();
  await expectText(page.getByTestId("campaign-status"), "running");
  await commandOutcome(page, "btn-cancel", true);
  await expectText(page.getByTestId("campaign-status"), "cancelled", 5000);
  await page.goto(`${BASE}/campaigns/${CID}`);
  await expectText(page.getByTestId("campaign-status"), "cancelled");
  for (const b of ["btn-pause", "btn-resume", "btn-cancel"])
    assert.ok(await page.getByTestId(b).isDisabled(), `${b} enabled on a cancelled campaign`);

  // 9. Look up a phone from the list: the contact view shows the campaign message and why it
  //    failed; its campaign link leads back to the campaign.
  if (LOOKUP_PHONE) {
    log(`look up ${LOOKUP_PHONE}`);
    await page.getByRole("link", { name: "All campaigns" }).click();
    await page.getByTestId("lookup-input").fill(`+${LOOKUP_PHONE}`);
    await page.getByTestId("lookup-submit").click();
    await page.waitForURL(`**/contacts/**`);
    const message = page.getByTestId("contact-message").first();
    await message.waitFor({ state: "visible", timeout: 15000 });
    const cellsText = await message.locator("td").allTextContents();
    assert.equal(cellsText[1], "failed", `outcome: ${cellsText}`);
    assert.ok(cellsText[5].startsWith(FAILURE_CODE), `failure: ${cellsText}`);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, "dashboard-contact.png"), fullPage: true });
    await message.getByRole("link").click();
    await expectText(page.getByTestId("campaign-status"), "cancelled");
  }

  assert.deepEqual(pageErrors, [], "uncaught errors or policy violations in the page");
  console.log(JSON.stringify({ duplicate_id: dupId, frozen_accepted: frozen, resumed_accepted: resumed,
    pause_seen_ms: pauseSeenMs }));
} catch (e) {
  console.error(`FAILED: ${e.stack || e}`);
  if (pageErrors.length) console.error(`page errors: ${pageErrors.join(" | ")}`);
  if (page && SHOTS) await page.screenshot({ path: path.join(SHOTS, "dashboard-failure.png"), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
