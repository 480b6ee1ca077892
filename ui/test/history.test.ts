import { describe, expect, it } from "vitest";
import { diffRecords, showValue, supersessionChain, timeline } from "../src/lib/history";
import type { HistoryEvent, Memory } from "../src/lib/types";

function memory(id: string, created: string, superseded_by: string | null = null, text = id): Memory {
  return {
    id,
    owner_id: "alice",
    scope: "global",
    agent_id: null,
    session_id: null,
    type: "preference",
    key: "ui.theme",
    text,
    data: {},
    metadata: {},
    source: "api",
    confidence: 1,
    created_at: created,
    updated_at: created,
    valid_from: null,
    valid_to: null,
    expires_at: null,
    superseded_by,
    deleted_at: null,
  };
}

describe("timeline", () => {
  const v1 = { text: "dark", key: "ui.theme", updated_at: "2026-01-01T00:00:00Z" };
  const v2 = { text: "light", key: "ui.theme", updated_at: "2026-01-02T00:00:00Z" };
  const events: HistoryEvent[] = [
    { seq: 4, memory_id: "m", event: "update", actor: "api:key#1", reason: "typo", old_value: v1, new_value: v2, at: "2026-01-02T00:00:00Z" },
    { seq: 1, memory_id: "m", event: "add", actor: null, reason: null, old_value: null, new_value: v1, at: "2026-01-01T00:00:00Z" },
    { seq: 5, memory_id: "m", event: "delete", actor: "api:key#2", reason: "gone", old_value: v2, new_value: null, at: "2026-01-03T00:00:00Z" },
  ];

  it("orders by sequence and says who, when, why and old -> new", () => {
    const t = timeline(events);
    expect(t.map((e) => e.event)).toEqual(["add", "update", "delete"]);
    expect(t[0]).toMatchObject({ who: "unknown", why: "", changes: [{ field: "text", from: null, to: "dark" }] });
    // updated_at changes on every write: left out when a real field changed.
    expect(t[1]).toMatchObject({ who: "api:key#1", why: "typo", changes: [{ field: "text", from: "dark", to: "light" }] });
    expect(t[2].changes).toEqual([{ field: "text", from: "light", to: null }]);
  });

  it("shows bookkeeping fields when nothing else changed (a verify)", () => {
    expect(diffRecords(v1, { ...v1, updated_at: "2026-02-01T00:00:00Z" })).toEqual([
      { field: "updated_at", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" },
    ]);
  });

  it("compares nested values by content", () => {
    expect(diffRecords({ metadata: { a: [1, 2] } }, { metadata: { a: [1, 2] } })).toEqual([]);
    expect(diffRecords({ metadata: { a: 1 } }, { metadata: { a: 2 } })).toHaveLength(1);
  });

  it("prints values briefly", () => {
    expect(showValue(null)).toBe("—");
    expect(showValue("")).toBe('""');
    expect(showValue({ a: 1 })).toBe('{"a":1}');
  });
});

describe("supersessionChain", () => {
  const a = memory("a", "2026-01-01", "b");
  const b = memory("b", "2026-01-02", "c");
  const c = memory("c", "2026-01-03");
  const other = memory("x", "2026-01-04");

  it("follows the chain both ways from any member", () => {
    for (const id of ["a", "b", "c"]) {
      expect(supersessionChain([c, other, a, b], id).map((m) => m.id)).toEqual(["a", "b", "c"]);
    }
    expect(supersessionChain([a, b, c, other], "x").map((m) => m.id)).toEqual(["x"]);
    expect(supersessionChain([a], "zzz")).toEqual([]);
  });

  it("continues a merge with the newest record it replaced", () => {
    const older = memory("o", "2026-01-01T00:00:00Z", "n");
    const newer = memory("p", "2026-01-01T05:00:00Z", "n");
    const merged = memory("n", "2026-01-02T00:00:00Z");
    expect(supersessionChain([older, newer, merged], "n").map((m) => m.id)).toEqual(["p", "n"]);
  });

  it("stops at a cycle instead of looping", () => {
    const x = memory("x", "2026-01-01", "y");
    const y = memory("y", "2026-01-02", "x");
    expect(supersessionChain([x, y], "x").map((m) => m.id)).toEqual(["y", "x"]);
  });
});
