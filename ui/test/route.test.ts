import { describe, expect, it } from "vitest";
import { formatRoute, href, parseRoute } from "../src/lib/route";

describe("routes", () => {
  it("round-trips every view", () => {
    for (const hash of [
      "#/",
      "#/latency",
      "#/o/alice/memories?q=bike&type=fact",
      "#/o/alice/memory/01a2",
      "#/o/alice/overview",
      "#/o/alice/blocks",
      "#/o/alice/sessions",
      "#/o/alice/sessions/s-42",
      "#/o/alice/context",
      "#/o/alice/graph?depth=2&entity=Maya",
    ]) {
      expect(formatRoute(parseRoute(hash))).toBe(hash);
    }
  });

  it("keeps owner ids with slashes and spaces as one segment", () => {
    const h = href("memories", "team/a b");
    expect(h).toBe("#/o/team%2Fa%20b/memories");
    expect(parseRoute(h)).toEqual({ view: "memories", owner: "team/a b", params: {} });
  });

  it("drops empty parameters and sorts the rest", () => {
    expect(href("memories", "a", undefined, { type: "", q: "x", as_of: "2026-01-01T00:00:00.000Z" })).toBe(
      "#/o/a/memories?as_of=2026-01-01T00%3A00%3A00.000Z&q=x",
    );
  });

  it("sends anything unknown or malformed to the owners view", () => {
    expect(parseRoute("").view).toBe("owners");
    expect(parseRoute("#/o/alice/nope").view).toBe("owners");
    expect(parseRoute("#/o/%E0%A4%A/memories").view).toBe("owners");
    expect(parseRoute("#/o/alice")).toEqual({ view: "memories", owner: "alice", params: {} });
  });
});
