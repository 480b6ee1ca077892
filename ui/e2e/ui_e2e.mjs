// End-to-end test of the web page in headless Chromium (Debian's chromium, driven by
// playwright-core; no browser download): starts a real `engram serve` on a free loopback port
// with a temporary store and keys file, seeds it through the REST API, then signs in, searches,
// opens a memory's history, edits and deletes memories, is refused another owner, and saves a
// screenshot of each main view.
// Usage: node e2e/ui_e2e.mjs ENGRAM_BINARY UI_DIR SCREENSHOT_DIR [CHROMIUM]
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const [engram, uiDir, shots, browserPath = "/usr/bin/chromium"] = process.argv.slice(2);
assert.ok(engram && uiDir && shots, "usage: node ui_e2e.mjs ENGRAM UI_DIR SCREENSHOT_DIR [CHROMIUM]");
mkdirSync(shots, { recursive: true });

const ALICE = "k-alice-ui-0123456789abcdef";
const ADMIN = "k-admin-ui-0123456789abcdef";
const dir = mkdtempSync(join(tmpdir(), "engram-ui-e2e-"));
writeFileSync(join(dir, "keys.json"), JSON.stringify({ [ALICE]: { owners: ["alice"] }, [ADMIN]: { admin: true } }));

let currentPage = null; // screenshotted when a step fails
let passed = 0;
let failed = 0;
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
    await currentPage?.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => {});
    throw e;
  }
}

// The server: its first stdout line names the bound address.
const server = spawn(
  engram,
  ["--db", join(dir, "engram.db"), "serve", "--port", "0", "--keys", join(dir, "keys.json"), "--ui-dir", uiDir],
  { env: { ...process.env, ENGRAM_EMBEDDER: "none" }, stdio: ["ignore", "pipe", "pipe"] },
);
let serverLog = "";
server.stderr.on("data", (d) => (serverLog += d));
const base = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("engram serve did not start: " + serverLog)), 10000);
  server.on("exit", (code) => reject(new Error(`engram serve exited ${code}: ${serverLog}`)));
  createInterface({ input: server.stdout }).once("line", (line) => {
    clearTimeout(timer);
    resolve(line.replace("listening on ", "").trim());
  });
});

async function rest(key, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get("content-type")?.startsWith("application/json") ? JSON.parse(text) : text };
}

let browser;
try {
  // Seed alice (and bob, whom alice's key must not see) through the public API.
  const A = "/v1/owners/alice";
  const dark = await rest(ALICE, "POST", `${A}/memories`, { text: "I prefer dark mode", type: "preference", key: "ui.theme" });
  assert.equal(dark.status, 201);
  const light = await rest(ALICE, "POST", `${A}/memories`, { text: "I prefer light mode now", type: "preference", key: "ui.theme", reason: "changed my mind" });
  assert.equal(light.body.event, "superseded");
  const lightId = light.body.memory.id;
  const batch = await rest(ALICE, "POST", `${A}/memories`, {
    memories: [
      { text: "Alice keeps her bike in the blue shed", type: "fact", key: "bike.place" },
      { text: "Alice's sister is called Maya", type: "fact", key: "family.sister" },
      { text: "Met Maya for lunch at the harbour", type: "episode", observed_at: "2026-11-20T12:00:00Z" },
      { text: "Deploy with make release then tag", type: "procedure", key: "deploy" },
      { text: "Old parking spot note", type: "fact", key: "parking" },
    ],
  });
  assert.equal(batch.status, 201);
  const parkingId = batch.body.results[4].memory.id;
  assert.equal((await rest(ALICE, "PUT", `${A}/blocks/persona`, { value: "Alice: engineer, likes short answers.", limit: 400 })).status, 200);
  assert.equal(
    (await rest(ALICE, "POST", `${A}/sessions/s-42/items`, {
      items: [
        { role: "user", content: "Where is my bike?" },
        { role: "assistant", content: "In the blue shed." },
      ],
    })).status,
    201,
  );
  assert.equal((await rest(ALICE, "PUT", `${A}/sessions/s-42/summary`, { text: "Alice asked where her bike is." })).status, 200);
  assert.equal(
    (await rest(ALICE, "POST", `${A}/graph/entities`, {
      entities: [
        { name: "Alice", entityType: "person", observations: ["engineer"] },
        { name: "Maya", entityType: "person", observations: ["Alice's sister"] },
        { name: "Harbour Cafe", entityType: "place", observations: [] },
        { name: "Blue shed", entityType: "place", observations: ["holds the bike"] },
      ],
    })).status,
    200,
  );
  await rest(ALICE, "POST", `${A}/graph/relations`, {
    relations: [
      { from: "Alice", to: "Maya", relationType: "sister_of" },
      { from: "Alice", to: "Blue shed", relationType: "keeps_bike_in" },
      { from: "Maya", to: "Harbour Cafe", relationType: "likes" },
    ],
  });
  assert.equal((await rest(ADMIN, "POST", "/v1/owners/bob/memories", { text: "Bob's secret" })).status, 201);

  await step("the page is served with its content types, caching and CSP", async () => {
    const redirect = await fetch(base + "/ui", { redirect: "manual" });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get("location"), "/ui/");
    const index = await fetch(base + "/ui/");
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type"), /^text\/html/);
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.match(index.headers.get("content-security-policy"), /script-src 'self'/);
    assert.doesNotMatch(index.headers.get("content-security-policy"), /unsafe/);
    const html = await index.text();
    const js = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)[1];
    const asset = await fetch(base + js);
    assert.match(asset.headers.get("content-type"), /^text\/javascript/);
    assert.match(asset.headers.get("cache-control"), /immutable/);
    const again = await fetch(base + "/ui/", { headers: { "If-None-Match": index.headers.get("etag") } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(base + "/ui/nope.js")).status, 404);
  });

  await step("--ui-dir must hold a built page; without it, ui/ beside the binary is found", async () => {
    const bad = spawnSync(engram, ["--db", join(dir, "other.db"), "serve", "--port", "0", "--keys", join(dir, "keys.json"), "--ui-dir", join(dir, "absent")], { encoding: "utf8", timeout: 10000 });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /no index\.html/);
    // The build tree puts the page in ui/ beside the binary, where serve looks by default.
    if (uiDir.replace(/\/+$/, "") === join(engram, "..", "ui")) {
      const other = spawn(engram, ["--db", join(dir, "other.db"), "serve", "--port", "0", "--keys", join(dir, "keys.json")], {
        env: { ...process.env, ENGRAM_EMBEDDER: "none" },
        stdio: ["ignore", "pipe", "ignore"],
      });
      const url = await new Promise((resolve) => createInterface({ input: other.stdout }).once("line", (l) => resolve(l.replace("listening on ", "").trim())));
      const res = await fetch(url + "/ui/");
      const exited = new Promise((r) => other.once("exit", r));
      other.kill("SIGTERM");
      await exited;
      assert.equal(res.status, 200);
    }
  });

  browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox", "--disable-gpu"] });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  currentPage = page;
  const problems = [];
  page.on("console", (m) => m.type() === "error" && !/status of 40[134]/.test(m.text()) && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  await step("a wrong key is refused at sign-in", async () => {
    await page.goto(base + "/ui/");
    await page.getByLabel("API key").fill("k-wrong-0123456789abcdef");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor();
  });

  await step("sign in with alice's key: her owners, the key in session storage only", async () => {
    await page.getByLabel("API key").fill(ALICE);
    await page.getByLabel("API key").press("Enter");
    await page.getByText("Signed in as").waitFor();
    await page.getByRole("link", { name: "alice" }).waitFor();
    await page.getByText("7 live memories, 1 superseded").waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem("engram.apiKey")), ALICE);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.ok(!page.url().includes(ALICE));
    await shot("owners");
  });

  await step("an owner's memories: counts by type, list, superseded ones on request", async () => {
    await page.getByRole("link", { name: "alice" }).click();
    await page.getByRole("heading", { name: "Memories of alice" }).waitFor();
    const counts = page.getByRole("list", { name: "live memories by type" });
    await counts.getByText("fact 3").waitFor();
    await page.getByRole("table").getByText("Alice keeps her bike in the blue shed").waitFor();
    assert.equal(await page.getByText("I prefer dark mode").count(), 0);
    await page.getByLabel("Include superseded").check();
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("I prefer dark mode").waitFor();
    await page.locator("tr.superseded").first().waitFor();
    await shot("memories");
    await counts.getByRole("link", { name: /fact/ }).click();
    await page.getByText("3 memories on page 1").waitFor();
  });

  await step("search with the explanation of scores", async () => {
    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Search text").fill("bike shed");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText(/hits? for “bike shed”/).waitFor();
    await page.getByText(/^Why /).first().click();
    await page.getByText("lexical score (BM25)").first().waitFor();
    await shot("search");
  });

  await step("a memory's history and supersession chain", async () => {
    await page.goto(`${base}/ui/#/o/alice/memory/${lightId}`);
    await page.getByRole("heading", { name: "Memory", exact: true }).waitFor();
    const chain = page.getByRole("list", { name: "supersession chain, oldest first" });
    await chain.getByText("I prefer dark mode").waitFor();
    await chain.getByText("I prefer light mode now").waitFor();
    const history = page.getByRole("list", { name: "history, oldest first" });
    await history.getByText("add", { exact: true }).waitFor();
    await history.getByText(/by api:key#1/).first().waitFor();
  });

  await step("edit a memory: text and expiry, the change in its history", async () => {
    await page.getByLabel("Text").fill("I prefer light mode");
    await page.getByLabel("Expires (UTC)").fill("2031-05-04T03:02");
    await page.getByLabel("Why (kept in the history)").fill("typo");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    const history = page.getByRole("list", { name: "history, oldest first" });
    await history.getByText("update", { exact: true }).waitFor();
    await history.getByText("— typo").waitFor();
    await history.locator("del", { hasText: "I prefer light mode now" }).waitFor();
    await shot("memory");
    await history.getByText("2031-05-04T03:02:00.000Z").waitFor();
    const now = await rest(ALICE, "GET", `${A}/memories/${lightId}`);
    assert.equal(now.body.text, "I prefer light mode");
    assert.equal(now.body.expires_at, "2031-05-04T03:02:00.000Z");
  });

  await step("delete a memory", async () => {
    await page.goto(`${base}/ui/#/o/alice/memory/${parkingId}`);
    await page.getByRole("button", { name: "Delete this memory…" }).click();
    await page.getByLabel("Why").last().fill("sold the car");
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Deleted." }).waitFor();
    await page.getByText("This memory is deleted").waitFor();
    assert.equal((await rest(ALICE, "GET", `${A}/memories/${parkingId}`)).status, 404);
  });

  await step("another owner is refused in place (403)", async () => {
    await page.goto(`${base}/ui/#/o/bob/memories`);
    const refusal = page.getByRole("alert").filter({ hasText: 'This key does not cover the owner "bob"' });
    await refusal.waitFor();
    assert.equal(await refusal.count(), 1);
    assert.equal(await page.getByText("Bob's secret").count(), 0);
    await shot("refused");
  });

  await step("overview plots, blocks, sessions, context, graph", async () => {
    await page.goto(`${base}/ui/#/o/alice/overview`);
    await page.getByRole("img", { name: /Memories added per day/ }).waitFor();
    await page.getByRole("img", { name: "Age of live memories" }).waitFor();
    await page.getByRole("button", { name: "Forget alice" }).isDisabled();
    await shot("overview");
    await page.getByRole("link", { name: "Core blocks" }).click();
    await page.getByText("Alice: engineer, likes short answers.").waitFor();
    await page.getByText("37 of 400 characters").waitFor();
    // A new view takes the focus, so Tab continues in its content.
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
    await shot("blocks");
    await page.getByRole("link", { name: "Sessions" }).click();
    await page.getByRole("link", { name: "s-42" }).click();
    await page.getByText("Alice asked where her bike is.").waitFor();
    await page.getByText("In the blue shed.").waitFor();
    await shot("sessions");
    await page.getByRole("link", { name: "Context" }).click();
    await page.getByLabel("Query").fill("where is the bike");
    await page.getByLabel("Token budget").fill("30");
    await page.getByRole("button", { name: "Assemble" }).click();
    await page.getByText(/of 30 tokens used/).waitFor();
    await page.getByRole("table", { name: "included items" }).getByText("core block").waitFor();
    await page.getByRole("table", { name: "omitted items" }).waitFor();
    await shot("context");
    await page.getByRole("link", { name: "Graph" }).click();
    await page.getByLabel("Find entities").fill("Alice");
    await page.getByRole("button", { name: "Find" }).click();
    await page.getByRole("list", { name: "matching entities" }).getByRole("link", { name: "Alice" }).click();
    await page.getByText("Within 1 hop of Alice: 3 entities, 2 relations").waitFor();
    await page.getByLabel("Depth").selectOption("2");
    await page.getByText("Within 2 hops of Alice: 4 entities, 3 relations").waitFor();
    await shot("graph");
    // Keyboard: each node is a link; Enter re-centres the drawing on it.
    await page.getByRole("link", { name: "Maya (person)" }).focus();
    await page.keyboard.press("Enter");
    await page.getByText(/Within 2 hops of Maya/).waitFor();
  });

  await step("forget-all needs the typed confirmation", async () => {
    await page.goto(`${base}/ui/#/o/alice/overview`);
    const forget = page.getByRole("button", { name: "Forget alice" });
    await page.getByLabel("Confirmation").fill("forget alic");
    assert.equal(await forget.isDisabled(), true);
    await page.getByLabel("Confirmation").fill("forget alice");
    assert.equal(await forget.isDisabled(), false);
  });

  await step("search latency needs an admin key; signing out forgets the key; admins see every owner", async () => {
    await page.goto(`${base}/ui/#/latency`);
    await page.getByRole("alert").filter({ hasText: "403" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.getByLabel("API key").fill(ADMIN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("(admin)").waitFor();
    // An admin key lists every owner with memories (GET /v1/owners).
    const owners = page.getByRole("list", { name: "owners" });
    await owners.getByRole("link", { name: "alice" }).waitFor();
    await owners.getByText("1 live memory").waitFor();
    await owners.getByRole("link", { name: "bob" }).waitFor();
    await page.getByRole("link", { name: "Search latency" }).click();
    await page.getByText(/\d+ search(es)? since the server started/).waitFor();
    await page.getByRole("img", { name: "Search requests by duration" }).waitFor();
    await shot("latency");
  });

  await step("no script errors or CSP violations in the page", async () => {
    assert.deepEqual(problems, []);
  });
} catch (e) {
  if (failed === 0) {
    failed++;
    console.log(`FAIL setup: ${e.stack ?? e}`);
  }
} finally {
  await browser?.close();
  if (server.exitCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
