// Starts a real `engram serve` on a free loopback port with a store in a fresh temp directory,
// for the tests and for regenerating the API types. Plain JavaScript so both can use it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * @param {string} binary path of the engram executable
 * @param {Record<string, {owners?: string[], admin?: boolean}>} keys API keys and their bindings
 * @param {{dir?: string}} [options] an existing store directory (kept on stop), for a restart
 * @returns {Promise<{url: string, dir: string, stop: () => Promise<void>}>}
 */
export async function startEngram(binary, keys, options = {}) {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "engram-ts-"));
  writeFileSync(join(dir, "keys.json"), JSON.stringify(keys));
  const child = spawn(
    binary,
    ["--db", join(dir, "engram.db"), "serve", "--port", "0", "--keys", join(dir, "keys.json")],
    { env: { ...process.env, ENGRAM_EMBEDDER: "none" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`engram serve exited with ${code}: ${stderr}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
  });
  child.removeAllListeners("exit");
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    url,
    dir,
    async stop() {
      child.kill("SIGTERM");
      const code = await exited;
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`engram serve exited with ${code}: ${stderr}`);
    },
  };
}
