import { describe, expect, it } from "vitest";
import { age, ageBucketLabel, forgetConfirmation, isoToUtcInput, plural, shortTime, utcInputToIso } from "../src/lib/format";
import { clearKey, loadKey, saveKey } from "../src/lib/keystore";
import { sessionsFromRecent } from "../src/lib/sessions";

describe("format", () => {
  it("reads and writes datetime-local values as UTC", () => {
    expect(utcInputToIso("2026-12-07T06:56")).toBe("2026-12-07T06:56:00.000Z");
    expect(utcInputToIso("")).toBe("");
    expect(utcInputToIso("yesterday")).toBe("");
    expect(isoToUtcInput("2026-12-07T06:56:10.015Z")).toBe("2026-12-07T06:56");
    expect(isoToUtcInput(null)).toBe("");
  });
  it("shortens times and ages", () => {
    expect(shortTime("2026-12-07T06:56:10.015Z")).toBe("2026-12-07 06:56");
    expect(shortTime(null)).toBe("—");
    expect(age("2026-12-01T00:00:00Z", "2026-12-07T00:00:00Z")).toBe("6 days ago");
    expect(age("2026-12-07T00:00:00Z", "2026-12-07T03:10:00Z")).toBe("3 h ago");
  });
  it("labels age buckets and the forget confirmation", () => {
    expect(ageBucketLabel(1, null)).toBe("≤ 1 day");
    expect(ageBucketLabel(30, 7)).toBe("≤ 30 days");
    expect(ageBucketLabel(null, 365)).toBe("> 365 days");
    expect(forgetConfirmation("alice")).toBe("forget alice");
    expect(plural(1, "hit", "hits")).toBe("1 hit");
    expect(plural(0, "hit", "hits")).toBe("0 hits");
  });
});

describe("keystore", () => {
  it("keeps one key, trimmed, and forgets it on sign-out", () => {
    const m = new Map<string, string>();
    const storage = {
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => void m.set(k, v),
      removeItem: (k: string) => void m.delete(k),
    };
    expect(loadKey(storage)).toBeNull();
    saveKey(storage, "  k-alice-0123456789 ");
    expect(loadKey(storage)).toBe("k-alice-0123456789");
    clearKey(storage);
    expect(loadKey(storage)).toBeNull();
    expect(m.size).toBe(0);
  });
});

describe("sessionsFromRecent", () => {
  it("groups items by session, most recently active first", () => {
    const item = (session_id: string, created_at: string, seq: number) => ({ session_id, created_at, seq, role: "user", content: "" });
    expect(
      sessionsFromRecent([
        item("s1", "2026-12-01T00:00:00Z", 1),
        item("s2", "2026-12-02T00:00:00Z", 1),
        item("s1", "2026-12-03T00:00:00Z", 2),
      ]),
    ).toEqual([
      { id: "s1", items: 2, last_at: "2026-12-03T00:00:00Z" },
      { id: "s2", items: 1, last_at: "2026-12-02T00:00:00Z" },
    ]);
  });
});
