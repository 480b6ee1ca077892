// EngramStore against a real engram serve, with LangGraph's own InMemoryStore as the reference:
// the same puts, then the same gets, filtered searches and namespace listings must agree. And
// what only engram does: text search, TTL, durability across clients, owner isolation, and a
// real StateGraph that reads and writes memories through the store.
import { InMemoryStore, type Item } from "@langchain/langgraph-checkpoint";
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { afterAll, beforeAll, expect, test } from "vitest";

import { EngramStore } from "../src/langgraph/index.js";
import { startServer } from "./engram.js";

let server: Awaited<ReturnType<typeof startServer>>;
let store: EngramStore;
const reference = new InMemoryStore();

const PUTS: Array<[string[], string, Record<string, unknown>]> = [
  [["users", "alice", "prefs"], "theme", { kind: "ui", value: "dark", score: 3 }],
  [["users", "alice", "prefs"], "editor", { kind: "tool", value: "vim", score: 7 }],
  [["users", "alice", "facts"], "city", { kind: "place", value: "Lisbon", score: 5, tags: ["home"] }],
  [["users", "bob", "prefs"], "theme", { kind: "ui", value: "light", score: 1 }],
  [["users", "bob", "prefs"], "editor", { kind: "tool", value: "vim", score: 7 }],
  [["teams", "infra", "prefs"], "oncall", { kind: "ui", value: "pager", score: 9, nested: { a: [1, 2] } }],
  [["odd labels", "a/b", "50%"], "k y", { kind: "weird", value: "ünïcødé ✓", score: 0 }],
];

function comparable(items: Item[]) {
  return items
    .map((i) => ({ namespace: i.namespace, key: i.key, value: i.value }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

beforeAll(async () => {
  server = await startServer();
  store = new EngramStore({ client: server.alice });
  for (const [namespace, key, value] of PUTS) {
    await store.put(namespace, key, value);
    await reference.put(namespace, key, value);
  }
});
afterAll(async () => {
  await server.stop();
});

test("get: values come back whole; a missing key is null", async () => {
  for (const [namespace, key, value] of PUTS) {
    const item = await store.get(namespace, key);
    expect(item?.value).toStrictEqual(value);
    expect(item?.namespace).toStrictEqual(namespace);
    expect(item?.key).toBe(key);
    expect(item?.createdAt).toBeInstanceOf(Date);
  }
  expect(await store.get(["users", "alice", "prefs"], "nothing")).toBeNull();
  expect(await store.get(["users", "alice"], "theme")).toBeNull();
});

test("search without a query: the same items as InMemoryStore for every filter operator", async () => {
  const cases: Array<[string[], Record<string, unknown> | undefined]> = [
    [[], undefined],
    [["users"], undefined],
    [["users", "alice"], undefined],
    [["users", "alice", "prefs"], undefined],
    [["users", "al"], undefined], // a label prefix is not a namespace prefix
    [[], { kind: "ui" }],
    [[], { kind: { $eq: "tool" } }],
    [[], { kind: { $ne: "ui" } }],
    [[], { score: { $gt: 5 } }],
    [[], { score: { $gte: 5 } }],
    [[], { score: { $lt: 5 } }],
    [[], { score: { $lte: 3, $gte: 1 } }],
    [[], { value: { $in: ["vim", "dark"] } }],
    [[], { value: { $nin: ["vim", "dark"] } }],
    [["users"], { kind: "tool", value: "vim" }],
  ];
  for (const [prefix, filter] of cases) {
    const ours = await store.search(prefix, { filter, limit: 100 });
    const theirs = await reference.search(prefix, { filter, limit: 100 });
    expect(comparable(ours), JSON.stringify({ prefix, filter })).toStrictEqual(comparable(theirs));
  }
  expect(await store.search(["users"], { limit: 2 })).toHaveLength(2);
  const all = await store.search([], { limit: 100 });
  const paged = [...(await store.search([], { limit: 3 })), ...(await store.search([], { limit: 100, offset: 3 }))];
  expect(comparable(paged)).toStrictEqual(comparable(all));
});

test("search with a query: engram's ranking, under the prefix and the filters", async () => {
  const hits = await store.search(["users", "alice"], { query: "Lisbon", limit: 3 });
  expect(hits[0].key).toBe("city");
  expect(hits[0].namespace).toStrictEqual(["users", "alice", "facts"]);
  expect(typeof hits[0].score).toBe("number");
  for (const hit of hits) expect(hit.namespace.slice(0, 2)).toStrictEqual(["users", "alice"]);

  const vim = await store.search(["users"], { query: "vim editor", filter: { score: { $gte: 7 } } });
  expect(vim.map((h) => h.namespace[1]).sort()).toStrictEqual(["alice", "bob"]);
  const none = await store.search(["users"], { query: "vim editor", filter: { score: { $lt: 7 } } });
  expect(none).toStrictEqual([]);
  const inList = await store.search([], { query: "vim", filter: { value: { $in: ["vim"] }, kind: { $nin: ["ui"] } } });
  expect(inList.map((h) => h.key).sort()).toStrictEqual(["editor", "editor"]);
});

test("index: only the named fields are searched; index false keeps an item out of text search", async () => {
  const ns = ["docs"];
  await store.put(ns, "report", { title: "Quarterly harvest report", body: "apples and pears" }, ["title"]);
  await store.put(ns, "secret", { title: "Plums" }, false);
  expect((await store.search(ns, { query: "harvest" })).map((h) => h.key)).toStrictEqual(["report"]);
  expect(await store.search(ns, { query: "pears" })).toStrictEqual([]);
  expect(await store.search(ns, { query: "plums" })).toStrictEqual([]);
  expect((await store.get(ns, "secret"))?.value).toStrictEqual({ title: "Plums" });
  await store.delete(ns, "report");
  await store.delete(ns, "secret");
});

test("listNamespaces: prefix, suffix, wildcards and maxDepth as InMemoryStore lists them", async () => {
  const cases = [
    {},
    { prefix: ["users"] },
    { prefix: ["users", "*", "prefs"] },
    { suffix: ["prefs"] },
    { prefix: ["users"], suffix: ["facts"] },
    { maxDepth: 1 },
    { maxDepth: 2, prefix: ["users"] },
    { limit: 2, offset: 1 },
  ];
  for (const options of cases) {
    expect(await store.listNamespaces(options), JSON.stringify(options)).toStrictEqual(
      await reference.listNamespaces(options),
    );
  }
});

test("put replaces the value in place (one live memory, history kept); delete removes it", async () => {
  const ns = ["users", "alice", "scratch"];
  await store.put(ns, "note", { text: "first" });
  const before = await store.get(ns, "note");
  await store.put(ns, "note", { text: "second" });
  const after = await store.get(ns, "note");
  expect(after?.value).toStrictEqual({ text: "second" });
  expect(after?.createdAt.getTime()).toBe(before?.createdAt.getTime());
  const live = await server.alice.listMemories({ key: "note", scope: store.scopeOf(ns) });
  expect(live.items).toHaveLength(1);
  // Two keys with the same value stay two items.
  await store.put(ns, "copy", { text: "second" });
  expect((await store.search(ns)).map((i) => i.key).sort()).toStrictEqual(["copy", "note"]);
  await store.delete(ns, "note");
  await store.delete(ns, "copy");
  await store.delete(ns, "never-there");
  expect(await store.get(ns, "note")).toBeNull();
  expect(await store.search(ns)).toStrictEqual([]);
});

test("TTL: an item put with a lifetime is gone once it passes", async () => {
  const short = new EngramStore({ client: server.alice, ttl: { defaultTtl: 0.6 / 60 } });
  await short.put(["ttl"], "brief", { v: 1 });
  await store.putWithTtl(["ttl"], "kept", { v: 2 }, 60);
  expect((await short.get(["ttl"], "brief"))?.value).toStrictEqual({ v: 1 });
  await new Promise((resolve) => setTimeout(resolve, 1200));
  expect(await short.get(["ttl"], "brief")).toBeNull();
  expect((await store.get(["ttl"], "kept"))?.value).toStrictEqual({ v: 2 });
});

test("items are durable and the owner's: a new client sees them, another owner does not", async () => {
  const again = new EngramStore({ client: server.alice.forOwner("alice") });
  expect((await again.get(["users", "alice", "prefs"], "theme"))?.value).toMatchObject({ value: "dark" });
  const bobs = new EngramStore({ client: server.bob });
  expect(await bobs.listNamespaces()).toStrictEqual([]);
  expect(await bobs.get(["users", "alice", "prefs"], "theme")).toBeNull();
  const intruder = new EngramStore({ client: server.bob.forOwner("alice") });
  await expect(intruder.get(["users", "alice", "prefs"], "theme")).rejects.toMatchObject({ status: 403 });
});

test("a StateGraph node remembers and recalls through the store", async () => {
  const State = Annotation.Root({
    userId: Annotation<string>,
    message: Annotation<string>,
    recalled: Annotation<string[]>,
  });
  const remember = async (state: typeof State.State, config: LangGraphRunnableConfig) => {
    const ns = ["memories", state.userId];
    if (state.message.startsWith("remember: ")) {
      await config.store!.put(ns, `m${Date.now()}`, { text: state.message.slice(10) });
    }
    const found = await config.store!.search(ns, { query: state.message, limit: 3 });
    return { recalled: found.map((i) => i.value.text as string) };
  };
  const graph = new StateGraph(State)
    .addNode("remember", remember)
    .addEdge(START, "remember")
    .addEdge("remember", END)
    .compile({ store });
  await graph.invoke({ userId: "u1", message: "remember: my bike is in the blue shed" });
  // Another compiled graph (as after a restart) over a fresh store object.
  const later = new StateGraph(State)
    .addNode("remember", remember)
    .addEdge(START, "remember")
    .addEdge("remember", END)
    .compile({ store: new EngramStore({ client: server.alice }) });
  const out = await later.invoke({ userId: "u1", message: "where is my bike?" });
  expect(out.recalled).toStrictEqual(["my bike is in the blue shed"]);
});
