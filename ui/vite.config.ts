// The web page served by `engram serve` at /ui. CMake builds it into the build tree's ui/ folder
// (`vite build --outDir`), beside the engram binary, where `serve` finds it.
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "/ui/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The Content-Security-Policy allows no inline script and no data: scripts.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
  test: { include: ["test/**/*.test.ts"], environment: "node" },
});
