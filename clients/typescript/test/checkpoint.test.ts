// EngramCheckpointSaver against a real engram serve: LangGraph's official conformance suite
// (@langchain/langgraph-checkpoint-validation, run as a library: its CLI is broken in 1.1.1),
// its opt-in getDeltaChannelHistory suite, what only engram does (copy, prune, owner
// isolation), and a real StateGraph whose thread is started in one process and resumed in
// another after the server restarted.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { deltaChannelHistoryTests, validate } from "@langchain/langgraph-checkpoint-validation";
import { describe, expect, test } from "vitest";

import { startEngram } from "../scripts/engram-server.mjs";
import { EngramClient } from "../src/index.js";
import { EngramCheckpointSaver } from "../src/langgraph/index.js";
import { engramBinary } from "./engram.js";

const ADMIN_KEY = "k-admin-ts-checkpoints-0123456";
const ALICE_KEY = "k-alice-ts-checkpoints-012345";
const KEYS = { [ADMIN_KEY]: { admin: true }, [ALICE_KEY]: { owners: ["alice"] } };

let server: Awaited<ReturnType<typeof startEngram>>;
let owners = 0;

// Each saver the suites create gets an owner of its own, erased when the suite is done with it.
const initializer = {
  checkpointerName: "engram",
  beforeAll: async () => {
    server = await startEngram(engramBinary(), KEYS);
  },
  afterAll: async () => {
    await server.stop();
  },
  createCheckpointer: () =>
    new EngramCheckpointSaver({
      client: new EngramClient({
        baseUrl: server.url,
        apiKey: ADMIN_KEY,
        owner: `suite-${++owners}`,
      }),
    }),
  destroyCheckpointer: async (saver: EngramCheckpointSaver) => {
    await saver.client.request("delete", "/v1/owners/{owner}");
  },
};

validate(initializer);
deltaChannelHistoryTests(initializer);

function aliceSaver(owner = "alice") {
  return new EngramCheckpointSaver({
    client: new EngramClient({ baseUrl: server.url, apiKey: ALICE_KEY, owner }),
  });
}

async function putChain(saver: EngramCheckpointSaver, threadId: string, count: number) {
  let config = { configurable: { thread_id: threadId, checkpoint_ns: "" } };
  for (let step = 0; step < count; step++) {
    const checkpoint = { ...emptyCheckpoint(), id: uuid6(step), channel_values: { n: step } };
    checkpoint.channel_versions = { n: step + 1 };
    config = (await saver.put(
      config,
      checkpoint,
      { source: "loop", step, parents: {} },
      { n: step + 1 },
    )) as typeof config;
  }
  return config;
}

async function ids(saver: EngramCheckpointSaver, threadId: string) {
  const out = [];
  for await (const tuple of saver.list({ configurable: { thread_id: threadId } })) {
    out.push(tuple.checkpoint.channel_values.n);
  }
  return out;
}

describe("engram only", () => {
  test("copyThread and pruneThread keep whole, readable checkpoints", async () => {
    const saver = aliceSaver();
    await putChain(saver, "orig", 4);
    expect(await saver.copyThread("orig", "copy")).toBe(4);
    expect(await ids(saver, "copy")).toStrictEqual([3, 2, 1, 0]);
    expect(await saver.pruneThread("orig", 2)).toBe(2);
    expect(await ids(saver, "orig")).toStrictEqual([3, 2]);
    expect(
      (await saver.getTuple({ configurable: { thread_id: "orig" } }))?.checkpoint.channel_values,
    ).toStrictEqual({ n: 3 });
    await expect(saver.copyThread("orig", "copy")).rejects.toMatchObject({ status: 409 });
  });

  test("threads are the owner's: another owner's key is refused, its own threads are apart", async () => {
    await putChain(aliceSaver(), "mine", 1);
    await expect(
      aliceSaver("bob").getTuple({ configurable: { thread_id: "mine" } }),
    ).rejects.toMatchObject({ status: 403 });
    const bob = new EngramCheckpointSaver({
      client: new EngramClient({ baseUrl: server.url, apiKey: ADMIN_KEY, owner: "bob" }),
    });
    expect(await bob.getTuple({ configurable: { thread_id: "mine" } })).toBeUndefined();
  });

  test("a config without thread_id is refused by put and putWrites", async () => {
    const saver = aliceSaver();
    await expect(
      saver.put(
        { configurable: {} },
        emptyCheckpoint(),
        { source: "input", step: -1, parents: {} },
        {},
      ),
    ).rejects.toThrow(/thread_id/);
    await expect(
      saver.putWrites({ configurable: { thread_id: "t" } }, [["a", 1]], "task"),
    ).rejects.toThrow(/checkpoint_id/);
  });
});

const runGraph = promisify(execFile);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "langgraph/run-graph.mjs");

test("a StateGraph thread started in one process is resumed in another after a server restart", async () => {
  const run = async (url: string, step: string) => {
    const { stdout } = await runGraph(process.execPath, [
      SCRIPT,
      url,
      ALICE_KEY,
      "alice",
      "graph-thread",
      step,
    ]);
    return JSON.parse(stdout);
  };
  // The second process knows nothing but the thread id, and talks to a restarted server.
  const dir = mkdtempSync(join(tmpdir(), "engram-ts-graph-"));
  let graphServer = await startEngram(engramBinary(), KEYS, { dir });
  try {
    const first = await run(graphServer.url, "start");
    expect(first.next).toStrictEqual(["review"]);
    expect(first.values.log).toStrictEqual([`draft about engram (pid ${first.pid})`]);

    await graphServer.stop();
    graphServer = await startEngram(engramBinary(), KEYS, { dir });
    const second = await run(graphServer.url, "resume");
    expect(second.pid).not.toBe(first.pid);
    expect(second.before).toStrictEqual({ values: first.values, next: ["review"] });
    expect(second.values.log).toStrictEqual([
      ...first.values.log,
      `reviewed 1 entry (pid ${second.pid})`,
    ]);
    expect(second.next).toStrictEqual([]);
    expect(second.history).toBeGreaterThan(first.history);
  } finally {
    await graphServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // Two node processes loading LangGraph and two server starts: under load this outlasts the
  // default 30 s without anything being wrong.
}, 120_000);
