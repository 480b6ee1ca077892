// Drives engram's MCP server with the official TypeScript SDK client over both transports:
// stdio (`engram mcp --owner alice`) and Streamable HTTP (`engram serve` /mcp, API keys).
// Usage: node mcp_sdk_test.mjs /path/to/engram
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let Client, StdioClientTransport, StreamableHTTPClientTransport;
try {
  ({ Client } = await import("@modelcontextprotocol/sdk/client/index.js"));
  ({ StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js"));
  ({ StreamableHTTPClientTransport } = await import(
    "@modelcontextprotocol/sdk/client/streamableHttp.js"
  ));
} catch (e) {
  console.error(
    "mcp_sdk_test: @modelcontextprotocol/sdk is not installed: run scripts/setup.sh " +
      "(or `npm ci` in tests/mcp/sdk)\n" + e,
  );
  process.exit(1);
}

const engram = process.argv[2];
assert.ok(engram, "usage: node mcp_sdk_test.mjs ENGRAM_BINARY");
const dir = mkdtempSync(join(tmpdir(), "engram-mcp-sdk-"));
const env = { ...process.env, ENGRAM_EMBEDDER: "none" };
const ALICE = "k-alice-sdk-0123456789abcdef";
const BOB = "k-bob-sdk-0123456789abcdef00";
writeFileSync(
  join(dir, "keys.json"),
  JSON.stringify({ [ALICE]: { owners: ["alice"] }, [BOB]: { owners: ["bob"] } }),
);

const EXPECTED_TOOLS = [
  "add_memory",
  "add_observations",
  "create_entities",
  "create_relations",
  "delete_entities",
  "delete_memory",
  "delete_observations",
  "delete_relations",
  "edit_core_block",
  "get_context",
  "list_memories",
  "open_nodes",
  "read_graph",
  "search_memories",
  "search_nodes",
];

// Lists the tools, calls each one, checks the results and the refusals.
async function exercise(client, label) {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), EXPECTED_TOOLS, label);
  for (const t of tools) assert.equal(t.inputSchema.type, "object", `${label} ${t.name}`);

  const added = await client.callTool({
    name: "add_memory",
    arguments: { text: "Alice keeps her bike in the blue shed", type: "fact", key: "bike.place" },
  });
  assert.equal(added.isError, false, JSON.stringify(added));
  const id = added.structuredContent.memory.id;
  assert.equal(added.structuredContent.event, "added");
  assert.deepEqual(JSON.parse(added.content[0].text), added.structuredContent);

  const found = await client.callTool({
    name: "search_memories",
    arguments: { query: "where is the bike", top_k: 3 },
  });
  assert.equal(found.isError, false, JSON.stringify(found));
  assert.equal(found.structuredContent.hits[0].id, id, label);

  const listed = await client.callTool({ name: "list_memories", arguments: { type: "fact" } });
  assert.deepEqual(
    listed.structuredContent.items.map((m) => m.id),
    [id],
    label,
  );

  const set = await client.callTool({
    name: "edit_core_block",
    arguments: { operation: "set", label: "human", value: "Name: Alice" },
  });
  assert.equal(set.structuredContent.value, "Name: Alice", JSON.stringify(set));
  await client.callTool({
    name: "edit_core_block",
    arguments: { operation: "append", label: "human", text: "Cycles to work" },
  });
  const replaced = await client.callTool({
    name: "edit_core_block",
    arguments: { operation: "replace", label: "human", old_text: "Cycles", new_text: "Walks" },
  });
  assert.equal(replaced.structuredContent.value, "Name: Alice\nWalks to work", label);

  const context = await client.callTool({
    name: "get_context",
    arguments: { query: "bike shed" },
  });
  assert.equal(context.isError, false, JSON.stringify(context));
  assert.match(context.content[0].text, /Walks to work/);
  assert.match(context.content[0].text, /blue shed/);

  // Tool failures are results with isError; another owner is refused.
  const bob = await client.callTool({ name: "list_memories", arguments: { owner: "bob" } });
  assert.equal(bob.isError, true, label);
  assert.equal(bob.structuredContent.error.code, "permission_denied");
  const bad = await client.callTool({ name: "add_memory", arguments: {} });
  assert.equal(bad.isError, true, label);
  const missing = await client.callTool({
    name: "edit_core_block",
    arguments: { operation: "replace", label: "human", old_text: "nowhere", new_text: "x" },
  });
  assert.equal(missing.isError, true, label);
  // An unknown tool is a protocol error.
  await assert.rejects(client.callTool({ name: "no_such_tool", arguments: {} }), (e) => {
    assert.equal(e.code, -32602);
    return true;
  });

  const deleted = await client.callTool({ name: "delete_memory", arguments: { id } });
  assert.equal(deleted.structuredContent.deleted, id, JSON.stringify(deleted));
  // The core block is a memory too (type block); the deleted fact is gone.
  const after = await client.callTool({ name: "list_memories", arguments: {} });
  assert.deepEqual(
    after.structuredContent.items.map((m) => m.type),
    ["block"],
    label,
  );
  // The knowledge-graph tools, called as a client of the official memory server calls them.
  const entities = [
    { name: "Alice", entityType: "person", observations: ["prefers Dark Mode"] },
    { name: "Project Alpha", entityType: "project", observations: [] },
  ];
  const created = await client.callTool({ name: "create_entities", arguments: { entities } });
  assert.deepEqual(created.structuredContent.entities, entities, JSON.stringify(created));
  assert.deepEqual(JSON.parse(created.content[0].text), entities, label);
  const relation = { from: "Alice", to: "Project Alpha", relationType: "manages" };
  const related = await client.callTool({
    name: "create_relations",
    arguments: { relations: [relation] },
  });
  assert.deepEqual(related.structuredContent.relations, [relation], JSON.stringify(related));
  const opened = await client.callTool({ name: "open_nodes", arguments: { names: ["Alice"] } });
  assert.deepEqual(opened.structuredContent.relations, [relation], label);
  const erased = await client.callTool({
    name: "delete_entities",
    arguments: { entityNames: ["Alice", "Project Alpha"] },
  });
  assert.equal(erased.content[0].text, "Entities deleted successfully", label);
  const empty = await client.callTool({ name: "read_graph", arguments: {} });
  assert.deepEqual(empty.structuredContent, { entities: [], relations: [] }, label);

  await client.ping();
  console.log(`ok ${label}: ${tools.length} tools listed and called`);
}

function newClient() {
  return new Client({ name: "engram-sdk-test", version: "1.0.0" });
}

// What a server wrote to stderr must hold no sanitizer report and no crash.
function assertCleanStderr(text, label) {
  for (const bad of ["runtime error", "Sanitizer", "terminate called", "Segmentation"]) {
    assert.ok(!text.includes(bad), `${label}: engram's stderr:\n${text}`);
  }
}

async function stdio() {
  const transport = new StdioClientTransport({
    command: engram,
    args: ["--db", join(dir, "stdio.db"), "mcp", "--owner", "alice"],
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr.on("data", (chunk) => (stderr += chunk));
  const client = newClient();
  await client.connect(transport);
  assert.equal(client.getServerVersion().name, "engram");
  await exercise(client, "stdio");
  await client.close();
  assertCleanStderr(stderr, "engram mcp");
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      engram,
      ["--db", join(dir, "http.db"), "serve", "--port", "0", "--keys", join(dir, "keys.json")],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stderrText = "";
    child.stderr.on("data", (chunk) => (child.stderrText += chunk));
    let out = "";
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`engram serve exited with ${code}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve({ child, url: new URL("/mcp", m[1]) });
    });
  });
}

async function http() {
  const { child, url } = await startServer();
  try {
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { Authorization: `Bearer ${ALICE}` } },
    });
    const client = newClient();
    await client.connect(transport);
    assert.ok(transport.sessionId, "the server issues Mcp-Session-Id");
    await exercise(client, "streamable-http");
    await transport.terminateSession();
    await client.close();

    // A wrong key cannot even initialize.
    const refused = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { Authorization: "Bearer k-nobody-0123456789abcdef" } },
    });
    await assert.rejects(newClient().connect(refused), /401|unauthorized/i);

    // Bob's key sees none of alice's data, and cannot act for her.
    const bobTransport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { "X-API-Key": BOB } },
    });
    const bob = newClient();
    await bob.connect(bobTransport);
    const own = await bob.callTool({ name: "list_memories", arguments: {} });
    assert.deepEqual(own.structuredContent.items, []);
    const alices = await bob.callTool({ name: "get_context", arguments: { owner: "alice" } });
    assert.equal(alices.isError, true);
    assert.equal(alices.structuredContent.error.code, "permission_denied");
    await bob.close();
    console.log("ok streamable-http: auth and isolation");
  } finally {
    child.removeAllListeners("exit");
    const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    child.kill("SIGTERM");
    const { code, signal } = await exited;
    assert.equal(code, 0, `engram serve exited with ${code} (${signal}): ${child.stderrText}`);
    assertCleanStderr(child.stderrText, "engram serve");
  }
}

try {
  await stdio();
  await http();
  console.log("mcp_sdk_test: all passed");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
