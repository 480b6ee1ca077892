// Mem0's own npm client, unchanged, pointed at engram: `new MemoryClient({ apiKey, host })`
// against a real `engram serve`, every call engram serves (docs/http.md, "Mem0 compatibility").
// Usage: node mem0_client_test.mjs /path/to/engram
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Before the import: the client reads it once, and must never phone home from a test.
process.env.MEM0_TELEMETRY = "false";
let MemoryClient;
try {
  ({ MemoryClient } = await import("mem0ai"));
} catch (e) {
  console.error(
    "mem0_client_test: mem0ai is not installed: run scripts/setup.sh " +
      "(or `npm ci` in tests/mem0_client)\n" + e,
  );
  process.exit(1);
}

const engram = process.argv[2];
assert.ok(engram, "usage: node mem0_client_test.mjs ENGRAM_BINARY");
const dir = mkdtempSync(join(tmpdir(), "engram-mem0-client-"));
const ALICE = "k-alice-mem0-0123456789abcdef";
const BOB = "k-bob-mem0-0123456789abcdef00";
writeFileSync(
  join(dir, "keys.json"),
  JSON.stringify({ [ALICE]: { owners: ["alice"] }, [BOB]: { owners: ["bob"] } }),
);

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      engram,
      ["--db", join(dir, "mem0.db"), "serve", "--port", "0", "--keys", join(dir, "keys.json")],
      { env: { ...process.env, ENGRAM_EMBEDDER: "none" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stderrText = "";
    child.stderr.on("data", (chunk) => (child.stderrText += chunk));
    let out = "";
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`engram serve exited with ${code}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve({ child, host: m[1] });
    });
  });
}

// Each call the client makes, printed as it succeeds: the transcript the README quotes.
async function step(name, promise) {
  const result = await promise;
  console.log(`ok ${name}`);
  return result;
}

async function exercise(host) {
  const client = new MemoryClient({ apiKey: ALICE, host });
  await step("ping (GET /v1/ping/)", client.ping());

  const added = await step(
    "add infer=false (POST /v3/memories/add/)",
    client.add(
      [
        { role: "user", content: "I prefer dark mode in every editor" },
        { role: "assistant", content: "Noted: dark mode everywhere." },
      ],
      { userId: "alice", agentId: "helper", runId: "run-1", infer: false, metadata: { topic: "ui" } },
    ),
  );
  assert.equal(added.results.length, 2);
  assert.deepEqual(
    added.results.map((r) => r.event),
    ["ADD", "ADD"],
  );
  const darkId = added.results[0].id;

  const dated = await step(
    "add with timestamp and expirationDate",
    client.add([{ role: "user", content: "We met in Porto" }], {
      infer: false,
      timestamp: 1700000000,
      expirationDate: "2099-01-01",
    }),
  );
  const porto = await client.get(dated.results[0].id);
  assert.equal(porto.createdAt, "2023-11-14T22:13:20.000Z");
  assert.equal(porto.expirationDate, "2099-01-01T00:00:00.000Z");
  await client.delete(porto.id);

  // infer (Mem0's default): engram's write policy extracts typed memories from the user turn.
  const inferred = await step(
    "add infer=true (POST /v3/memories/add/)",
    client.add([{ role: "user", content: "I am allergic to peanuts." }], { userId: "alice" }),
  );
  assert.ok(inferred.results.length >= 1, JSON.stringify(inferred));

  const found = await step(
    "search (POST /v3/memories/search/)",
    client.search("dark mode editor", { filters: { user_id: "alice" }, topK: 3 }),
  );
  assert.equal(found.results[0].id, darkId);
  assert.equal(found.results[0].memory, "I prefer dark mode in every editor");
  assert.equal(typeof found.results[0].score, "number");
  // snake_case keys come back camelCased by the client.
  assert.equal(found.results[0].userId, "alice");
  assert.equal(found.results[0].agentId, "helper");
  assert.equal(found.results[0].runId, "run-1");

  const byMetadata = await step(
    "search with a metadata filter",
    client.search("dark mode", { filters: { AND: [{ user_id: "alice" }, { topic: "ui" }] } }),
  );
  assert.deepEqual(byMetadata.results.map((r) => r.metadata.topic), ["ui", "ui"]);

  const all = await step(
    "getAll (POST /v3/memories/)",
    client.getAll({ filters: { user_id: "alice" } }),
  );
  assert.equal(all.count, all.results.length);
  assert.ok(all.count >= 3, JSON.stringify(all));
  const page1 = await step(
    "getAll paged (POST /v3/memories/?page=1&page_size=2)",
    client.getAll({ filters: { user_id: "alice" }, page: 1, pageSize: 2 }),
  );
  assert.equal(page1.results.length, 2);
  assert.equal(page1.count, all.count);
  assert.match(page1.next, /page=2&page_size=2/);
  assert.equal(page1.previous, null);
  const page2 = await client.getAll({ filters: { user_id: "alice" }, page: 2, pageSize: 2 });
  assert.deepEqual(
    [...page1.results, ...page2.results].map((r) => r.id),
    all.results.slice(0, page1.results.length + page2.results.length).map((r) => r.id),
  );
  const byRun = await client.getAll({ filters: { AND: [{ user_id: "alice" }, { run_id: "run-1" }] } });
  assert.equal(byRun.count, 2);

  const one = await step("get (GET /v1/memories/{id}/)", client.get(darkId));
  assert.equal(one.memory, "I prefer dark mode in every editor");
  assert.deepEqual(one.metadata, { topic: "ui" });

  const updated = await step(
    "update (PUT /v1/memories/{id}/)",
    client.update(darkId, { text: "I prefer light mode in every editor", expirationDate: "2099-12-31" }),
  );
  assert.equal(updated.memory, "I prefer light mode in every editor");
  const afterUpdate = await client.get(darkId);
  assert.equal(afterUpdate.memory, "I prefer light mode in every editor");
  assert.match(afterUpdate.expirationDate, /^2099-12-31/);

  const history = await step("history (GET /v1/memories/{id}/history/)", client.history(darkId));
  assert.deepEqual(
    history.map((h) => h.event),
    ["ADD", "UPDATE"],
  );
  assert.equal(history[1].oldMemory, "I prefer dark mode in every editor");
  assert.equal(history[1].newMemory, "I prefer light mode in every editor");

  const ids = all.results.map((r) => r.id).filter((id) => id !== darkId);
  const batchUpdated = await step(
    "batchUpdate (PUT /v1/batch/)",
    client.batchUpdate([{ memoryId: ids[0], text: "Batch-edited memory" }]),
  );
  assert.match(batchUpdated.message, /updated 1 memories/);
  assert.equal((await client.get(ids[0])).memory, "Batch-edited memory");
  // One unknown id: nothing of the batch is applied.
  await assert.rejects(
    client.batchUpdate([
      { memoryId: ids[0], text: "never stored" },
      { memoryId: "0190a0a0-0000-7000-8000-000000000000", text: "x" },
    ]),
  );
  assert.equal((await client.get(ids[0])).memory, "Batch-edited memory");

  const batchDeleted = await step("batchDelete (DELETE /v1/batch/)", client.batchDelete([ids[0]]));
  assert.match(batchDeleted.message, /deleted 1 memories/);
  await assert.rejects(client.get(ids[0]), /not_found/);

  const deleted = await step("delete (DELETE /v1/memories/{id}/)", client.delete(darkId));
  assert.equal(deleted.message, "Memory deleted successfully");
  await assert.rejects(client.get(darkId));

  // Bob's key cannot read or delete alice's memories, whatever user_id it names.
  const bob = new MemoryClient({ apiKey: BOB, host });
  await assert.rejects(bob.getAll({ filters: { user_id: "alice" } }), /permission|403/i);
  assert.equal((await bob.getAll({ filters: { user_id: "bob" } })).count, 0);
  await assert.rejects(bob.get(ids[1]));
  await assert.rejects(bob.deleteAll({ userId: "alice" }), /permission|403/i);
  const unknown = new MemoryClient({ apiKey: "k-nobody-0123456789abcdef", host });
  await assert.rejects(unknown.ping(), /unauthorized|401|invalid/i);
  console.log("ok other keys: refused (403 for another owner, 401 for an unknown key)");

  const wiped = await step(
    "deleteAll (DELETE /v1/memories/?user_id=alice)",
    client.deleteAll({ userId: "alice" }),
  );
  assert.equal(wiped.message, "All relevant memories deleted");
  assert.equal((await client.getAll({ filters: { user_id: "alice" } })).count, 0);
}

const { child, host } = await startServer();
try {
  await exercise(host);
  console.log("mem0_client_test: all passed");
} finally {
  child.removeAllListeners("exit");
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  const code = await exited;
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 0, `engram serve exited with ${code}: ${child.stderrText}`);
}
