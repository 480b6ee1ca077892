// EngramSession against a real engram serve: the Session contract of @openai/agents-core, item
// shapes kept whole, and two `run()`s of a real Agent in two Node processes sharing the history.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import type { AgentInputItem } from "@openai/agents-core";
import { afterAll, beforeAll, expect, test } from "vitest";

import { EngramSession } from "../src/index.js";
import { ALICE_KEY, startServer } from "./engram.js";

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
});

// One of each item shape the SDK stores, with the fields a provider adds.
const ITEMS = [
  { type: "message", role: "user", content: "What is the weather in Lisbon?" },
  {
    type: "message",
    role: "user",
    content: [
      { type: "input_text", text: "And this picture?" },
      { type: "input_image", image: "https://example.com/sky.png", detail: "low" },
    ],
  },
  { type: "message", role: "system", content: "Be brief." },
  { role: "developer", content: "Use metric units." },
  // A user's text that reads as a JSON item is still that text.
  { type: "message", role: "user", content: '{"type": "message", "role": "assistant"}' },
  {
    type: "reasoning",
    id: "rs_1",
    content: [{ type: "input_text", text: "Call the tool." }],
    providerData: { encrypted_content: "gAAAA-opaque", summary_index: 0 },
  },
  {
    type: "function_call",
    id: "fc_1",
    callId: "call_1",
    name: "get_weather",
    arguments: '{"city":"Lisbon"}',
    status: "completed",
    providerData: { origin: "test" },
  },
  {
    type: "function_call",
    callId: "call_2",
    name: "get_time",
    arguments: '{"tz":"Europe/Lisbon"}',
    status: "completed",
  },
  {
    type: "function_call_result",
    callId: "call_1",
    name: "get_weather",
    status: "completed",
    output: { type: "text", text: "Sunny, 24 °C" },
  },
  {
    type: "function_call_result",
    callId: "call_2",
    name: "get_time",
    status: "completed",
    output: "14:05",
  },
  {
    type: "message",
    role: "assistant",
    id: "msg_1",
    status: "completed",
    content: [{ type: "output_text", text: "Sunny, 24 °C, at 14:05.", annotations: [] }],
    providerData: { model: "scripted" },
  },
] as unknown as AgentInputItem[];

test("items come back deep-equal, in order; limit, pop and clear", async () => {
  const session = new EngramSession({ client: server.alice, sessionId: "shapes" });
  expect(await session.getSessionId()).toBe("shapes");
  expect(await session.getItems()).toEqual([]);
  await session.addItems(ITEMS.slice(0, 4));
  await session.addItems(ITEMS.slice(4));
  await session.addItems([]);
  expect(await session.getItems()).toStrictEqual(ITEMS);
  expect(await session.getItems(3)).toStrictEqual(ITEMS.slice(-3));
  expect(await session.getItems(0)).toEqual([]);
  expect(await session.popItem()).toStrictEqual(ITEMS.at(-1));
  expect(await session.getItems()).toStrictEqual(ITEMS.slice(0, -1));
  await session.clearSession();
  expect(await session.getItems()).toEqual([]);
  expect(await session.popItem()).toBeUndefined();
});

test("a plain message is stored as its words, for engram's summaries and context", async () => {
  const session = new EngramSession({ client: server.alice, sessionId: "plain" });
  await session.addItems(ITEMS.slice(0, 1));
  const { items } = await server.alice.getSessionItems("plain");
  expect(items.map((i) => [i.role, i.content])).toEqual([["user", "What is the weather in Lisbon?"]]);
});

test("sessions are the owner's: another key cannot read them", async () => {
  const session = new EngramSession({ client: server.bob.forOwner("alice"), sessionId: "shapes" });
  await expect(session.getItems()).rejects.toMatchObject({ status: 403 });
});

const runTurn = fileURLToPath(new URL("./agents/run-turn.mjs", import.meta.url));

async function runInProcess(turn: "1" | "2") {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [runTurn, server.url, ALICE_KEY, "alice", "weather-chat", turn],
    { env: { ...process.env, OPENAI_AGENTS_DISABLE_TRACING: "1" } },
  );
  return JSON.parse(stdout) as { input: AgentInputItem[]; session: AgentInputItem[]; output: string };
}

test("run(agent, input, { session }) in two processes: the second continues the first", async () => {
  const first = await runInProcess("1");
  expect(first.output).toBe("It is sunny and 24 °C in Lisbon.");
  const types = first.session.map((i) => (i as { type?: string }).type);
  expect(types).toEqual(["message", "function_call", "function_call_result", "reasoning", "message"]);
  expect(first.session[3]).toMatchObject({
    providerData: { encrypted_content: "gAAAA-opaque", summary_index: 0 },
  });

  const second = await runInProcess("2");
  // The model of the second process was sent the first run's whole history, then the new input.
  expect(second.input).toStrictEqual([
    ...first.session,
    { type: "message", role: "user", content: "Which city did I ask about?" },
  ]);
  expect(second.output).toBe("Earlier you asked about Lisbon: sunny, 24 °C.");
  expect(second.session.slice(0, first.session.length)).toStrictEqual(first.session);
  expect(second.session).toHaveLength(first.session.length + 2);
  console.log(
    "agents transcript:\n" +
      second.session.map((item, i) => `  ${i + 1}. ${JSON.stringify(item)}`).join("\n"),
  );
});

// The README's example, as a user runs it: two processes, two sessions, one owner.
test("README example: a fact told in session 1 is recalled in session 2 through engram", async () => {
  const example = fileURLToPath(new URL("../examples/two-sessions.mjs", import.meta.url));
  const turn = async (which: string) =>
    (
      await promisify(execFile)(process.execPath, [example, server.url, ALICE_KEY, "alice", which], {
        env: { ...process.env, OPENAI_AGENTS_DISABLE_TRACING: "1" },
      })
    ).stdout;
  expect(await turn("1")).toContain("session_001 assistant: Nice to meet you, Dana.");
  // What engram kept from session 1: typed memories, not just the transcript.
  const { items } = await server.alice.listMemories({ type: "preference" });
  expect(items.map((m) => m.text).join("\n")).toMatch(/dark mode/i);
  const second = await turn("2");
  expect(second).toContain("session_002 assistant: You said you prefer dark mode.");
  console.log("two-session example:\n" + second);
});
