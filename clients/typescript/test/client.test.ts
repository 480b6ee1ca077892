// The typed client against a real engram serve: typed calls, and errors as EngramError.
import { afterAll, beforeAll, expect, test } from "vitest";

import { EngramError } from "../src/index.js";
import { startServer } from "./engram.js";

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
});

test("writes, lists, searches and patches memories", async () => {
  const { alice } = server;
  const added = await alice.addMemory({ text: "Alice prefers green tea", type: "preference", key: "drink" });
  expect(added.event).toBe("added");
  const page = await alice.listMemories({ type: "preference" });
  expect(page.items.map((m) => m.id)).toEqual([added.memory.id]);
  const { hits } = await alice.searchMemories({ query: "green tea", top_k: 1 });
  expect(hits[0].id).toBe(added.memory.id);
  const patched = await alice.updateMemory(added.memory.id, { text: "Alice prefers black tea" });
  expect(patched.text).toBe("Alice prefers black tea");
  const history = await alice.request("get", "/v1/owners/{owner}/memories/{id}/history", {
    path: { id: added.memory.id },
  });
  expect(history.events.map((e) => e.event)).toEqual(["add", "update"]);
});

test("errors carry engram's status and code", async () => {
  const asBob = server.bob.forOwner("alice");
  const refused = asBob.listMemories();
  await expect(refused).rejects.toBeInstanceOf(EngramError);
  await expect(refused).rejects.toMatchObject({ status: 403, code: "permission_denied" });
  await expect(server.alice.searchMemories({ query: "x", top_k: 0 })).rejects.toMatchObject({
    status: 422,
    code: "invalid_argument",
  });
});
