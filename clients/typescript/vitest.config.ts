import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // LangGraph's checkpoint validation suite (for a saver beside the store) needs vitest's
    // globals.
    globals: true,
    // Each file starts its own engram serve; one file at a time keeps the 2-core CI machine calm.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
