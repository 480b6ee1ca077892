// A real `engram serve` for a test file: the binary comes from ENGRAM_BINARY (ctest passes the
// one it built), the store is a fresh temp directory, the port a free loopback one.
import { startEngram } from "../scripts/engram-server.mjs";
import { EngramClient } from "../src/index.js";

export const ALICE_KEY = "k-alice-ts-0123456789abcdef";
export const BOB_KEY = "k-bob-ts-0123456789abcdef00";

export function engramBinary(): string {
  const binary = process.env.ENGRAM_BINARY;
  if (!binary) throw new Error("set ENGRAM_BINARY to the engram executable (ctest does)");
  return binary;
}

export async function startServer() {
  const server = await startEngram(engramBinary(), {
    [ALICE_KEY]: { owners: ["alice"] },
    [BOB_KEY]: { owners: ["bob"] },
  });
  return {
    ...server,
    alice: new EngramClient({ baseUrl: server.url, apiKey: ALICE_KEY, owner: "alice" }),
    bob: new EngramClient({ baseUrl: server.url, apiKey: BOB_KEY, owner: "bob" }),
  };
}
