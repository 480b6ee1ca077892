// Drives the official MCP memory server (@modelcontextprotocol/server-memory, from npm) and
// `engram mcp` with the same scripted calls through the official SDK client, and compares the
// results. They must agree everywhere except where engram is stricter by design
// (docs/mcp.md, "Where engram differs"): each such case is called on both and its difference is
// asserted, so a change on either side shows up here.
// Usage: node official_memory_compare.mjs /path/to/engram
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

let Client, StdioClientTransport;
try {
  ({ Client } = await import("@modelcontextprotocol/sdk/client/index.js"));
  ({ StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js"));
} catch (e) {
  console.error(
    "official_memory_compare: the npm packages are not installed: run scripts/setup.sh " +
      "(or `npm ci` in tests/mcp/sdk)\n" + e,
  );
  process.exit(1);
}

const engram = process.argv[2];
assert.ok(engram, "usage: node official_memory_compare.mjs ENGRAM_BINARY");
const require = createRequire(import.meta.url);
const officialEntry = join(
  dirname(require.resolve("@modelcontextprotocol/server-memory/package.json")),
  "dist/index.js",
);
const dir = mkdtempSync(join(tmpdir(), "engram-mcp-official-"));

async function connect(command, args, env) {
  const client = new Client({ name: "engram-compare", version: "1.0.0" });
  const transport = new StdioClientTransport({ command, args, env: { ...process.env, ...env } });
  await client.connect(transport);
  return client;
}

// The graph in a canonical order: entities by name, relations by (from, type, to). Observation
// order is kept (both servers append in call order).
function canonical(graph) {
  const relationKey = (r) => `${r.from}\u0000${r.relationType}\u0000${r.to}`;
  return {
    entities: [...graph.entities]
      .map((e) => ({ name: e.name, entityType: e.entityType, observations: e.observations }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    relations: [...graph.relations]
      .map((r) => ({ from: r.from, to: r.to, relationType: r.relationType }))
      .sort((a, b) => relationKey(a).localeCompare(relationKey(b))),
  };
}

const official = await connect(process.execPath, [officialEntry], {
  MEMORY_FILE_PATH: join(dir, "memory.jsonl"),
});
const ours = await connect(engram, ["--db", join(dir, "engram.db"), "mcp", "--owner", "alice"], {
  ENGRAM_EMBEDDER: "none",
});

// Calls one tool on both servers and returns both results.
async function both(name, args) {
  return Promise.all([
    official.callTool({ name, arguments: args }),
    ours.callTool({ name, arguments: args }),
  ]);
}

// Calls one tool on both servers and requires equal results (structured and text content).
async function same(name, args, normalize = (x) => x) {
  const [a, b] = await both(name, args);
  const step = `${name} ${JSON.stringify(args)}`;
  assert.equal(a.isError ?? false, false, `official ${step}: ${JSON.stringify(a)}`);
  assert.equal(b.isError ?? false, false, `engram ${step}: ${JSON.stringify(b)}`);
  assert.deepEqual(normalize(b.structuredContent), normalize(a.structuredContent), step);
  assert.deepEqual(normalize(JSON.parse(b.content[0].text)), normalize(JSON.parse(a.content[0].text)),
                   `${step} (text)`);
  return b.structuredContent;
}

// Deletions answer {success, message} on both, the text content being the message; engram's
// message counts what went ("Deleted 1 of 2 observations.") where the official one is fixed.
async function sameShape(name, args) {
  const [a, b] = await both(name, args);
  for (const r of [a, b]) {
    assert.deepEqual(Object.keys(r.structuredContent).sort(), ["message", "success"], name);
    assert.equal(r.structuredContent.success, true, `${name}: ${JSON.stringify(r)}`);
    assert.equal(r.content[0].text, r.structuredContent.message, name);
  }
  return b.structuredContent.message;
}

const readGraph = () => same("read_graph", {}, canonical);

// The tool list: the nine graph tools, with the same required arguments.
{
  const [a, b] = await Promise.all([official.listTools(), ours.listTools()]);
  const ourTools = new Map(b.tools.map((t) => [t.name, t]));
  assert.equal(a.tools.length, 9);
  for (const t of a.tools) {
    const mine = ourTools.get(t.name);
    assert.ok(mine, `engram lacks ${t.name}`);
    assert.deepEqual(
      Object.keys(mine.inputSchema.properties ?? {}).filter((p) => p !== "owner").sort(),
      Object.keys(t.inputSchema.properties ?? {}).sort(),
      `${t.name} arguments`,
    );
    assert.deepEqual([...(mine.inputSchema.required ?? [])].sort(),
                     [...(t.inputSchema.required ?? [])].sort(), `${t.name} required`);
    assert.equal(mine.annotations?.readOnlyHint ?? false, t.annotations?.readOnlyHint ?? false,
                 `${t.name} readOnlyHint`);
  }
}

// Seed 003's example.
await same("create_entities", {
  entities: [
    { name: "Alice", entityType: "person", observations: ["Works in fintech"] },
    { name: "Project Alpha", entityType: "project", observations: [] },
    { name: "Fintech", entityType: "industry", observations: [] },
    { name: "Dark Mode", entityType: "preference", observations: [] },
    { name: "Python", entityType: "language", observations: ["A programming language"] },
    { name: "March 2026", entityType: "date", observations: [] },
  ],
});
// A name already there is left as it is; only the new one is returned.
const again = await same("create_entities", {
  entities: [
    { name: "Alice", entityType: "robot", observations: ["Not this one"] },
    { name: "Bob", entityType: "person", observations: ["Reviews Alice's code"] },
  ],
});
assert.deepEqual(again.entities.map((e) => e.name), ["Bob"]);
await same("create_relations", {
  relations: [
    { from: "Alice", to: "Fintech", relationType: "works_in" },
    { from: "Alice", to: "Dark Mode", relationType: "prefers" },
    { from: "Alice", to: "Python", relationType: "uses" },
    { from: "Alice", to: "Project Alpha", relationType: "manages" },
    { from: "Project Alpha", to: "March 2026", relationType: "deadline" },
    { from: "Bob", to: "Alice", relationType: "knows" },
  ],
});
// A relation already there is not created twice.
const repeated = await same("create_relations", {
  relations: [
    { from: "Alice", to: "Python", relationType: "uses" },
    { from: "Bob", to: "Python", relationType: "uses" },
  ],
});
assert.deepEqual(repeated.relations, [{ from: "Bob", to: "Python", relationType: "uses" }]);
await same("add_observations", {
  observations: [
    { entityName: "Alice", contents: ["Prefers dark mode", "Works in fintech"] },
    { entityName: "Project Alpha", contents: ["Due in March 2026"] },
  ],
});
const full = await readGraph();
assert.equal(full.entities.length, 7);
assert.equal(full.relations.length, 7);
assert.deepEqual(
  full.entities.find((e) => e.name === "Alice").observations,
  ["Works in fintech", "Prefers dark mode"],
);

// "What do we know about Alice": the node and the relations touching it.
const aliceNode = await same("open_nodes", { names: ["Alice"] }, canonical);
assert.equal(aliceNode.relations.length, 5);
await same("open_nodes", { names: ["Alice", "Project Alpha", "Nobody"] }, canonical);
// Search matches names, types and observations, ignoring case.
await same("search_nodes", { query: "alpha" }, canonical);
await same("search_nodes", { query: "PERSON" }, canonical);
await same("search_nodes", { query: "march 2026" }, canonical);
await same("search_nodes", { query: "no such thing" }, canonical);

// Deletions.
await sameShape("delete_observations", {
  deletions: [{ entityName: "Alice", observations: ["Prefers dark mode", "never said"] }],
});
await sameShape("delete_relations", {
  relations: [
    { from: "Alice", to: "Dark Mode", relationType: "prefers" },
    { from: "Alice", to: "Nobody", relationType: "prefers" },
  ],
});
await sameShape("delete_entities", { entityNames: ["Dark Mode", "Bob", "Nobody"] });
const afterDeletes = await readGraph();
assert.equal(afterDeletes.entities.length, 5);
// Bob's relations went with him.
assert.ok(afterDeletes.relations.every((r) => r.from !== "Bob" && r.to !== "Bob"));
// Observations on an unknown entity are an error on both.
{
  const [a, b] = await both("add_observations", {
    observations: [{ entityName: "Nobody", contents: ["x"] }],
  });
  assert.equal(a.isError, true, JSON.stringify(a));
  assert.equal(b.isError, true, JSON.stringify(b));
  assert.equal(b.structuredContent.error.code, "not_found");
}

// Where engram is stricter by design (docs/mcp.md).
{
  // A relation to an unknown entity: the official server stores a dangling edge; engram refuses
  // the whole call and writes nothing.
  const [a, b] = await both("create_relations", {
    relations: [
      { from: "Alice", to: "Globex", relationType: "knows" },
      { from: "Alice", to: "Fintech", relationType: "likes" },
    ],
  });
  assert.equal(a.isError ?? false, false);
  assert.equal(a.structuredContent.relations.length, 2);
  assert.equal(b.isError, true, JSON.stringify(b));
  assert.equal(b.structuredContent.error.code, "not_found");
  const [ga, gb] = await both("read_graph", {});
  assert.ok(ga.structuredContent.relations.some((r) => r.to === "Globex"));
  assert.ok(!gb.structuredContent.relations.some((r) => r.relationType === "likes"));
}
{
  // Names are compared after normalization: "alice" opens Alice on engram, nothing officially.
  const [a, b] = await both("open_nodes", { names: ["alice  "] });
  assert.deepEqual(a.structuredContent.entities, []);
  assert.deepEqual(b.structuredContent.entities.map((e) => e.name), ["Alice"]);
}
{
  // A single-valued relation type ends the previous edge instead of adding a second one.
  await both("create_entities", {
    entities: [{ name: "Globex", entityType: "company", observations: [] },
               { name: "Initech", entityType: "company", observations: [] }],
  });
  await both("create_relations", { relations: [{ from: "Alice", to: "Globex", relationType: "works_at" }] });
  await both("create_relations", { relations: [{ from: "Alice", to: "Initech", relationType: "works_at" }] });
  const [a, b] = await both("open_nodes", { names: ["Alice"] });
  const worksAt = (g) => g.relations.filter((r) => r.relationType === "works_at").map((r) => r.to);
  assert.deepEqual(worksAt(a.structuredContent).sort(), ["Globex", "Initech"]);
  assert.deepEqual(worksAt(b.structuredContent), ["Initech"]);
}
{
  // Relation types are stored in lower_snake_case.
  const [a, b] = await both("create_relations", {
    relations: [{ from: "Alice", to: "Python", relationType: "Teaches Often" }],
  });
  assert.equal(a.structuredContent.relations[0].relationType, "Teaches Often");
  assert.equal(b.structuredContent.relations[0].relationType, "teaches_often");
}
{
  // Secrets are redacted before they reach the graph.
  const secret = "my api key is sk-live-4f9c2b7e8d1a6f3c5b9e0d2a7c4f8b1e";
  const [a, b] = await both("add_observations", {
    observations: [{ entityName: "Alice", contents: [secret] }],
  });
  assert.deepEqual(a.structuredContent.results[0].addedObservations, [secret]);
  const kept = b.structuredContent.results[0].addedObservations;
  assert.equal(kept.length, 1);
  assert.ok(!kept[0].includes("sk-live-4f9c2b7e8d1a6f3c5b9e0d2a7c4f8b1e"), kept[0]);
}

await official.close();
await ours.close();
rmSync(dir, { recursive: true, force: true });
console.log("official_memory_compare: engram and @modelcontextprotocol/server-memory agree");
