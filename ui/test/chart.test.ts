import { describe, expect, it } from "vitest";
import { niceTicks, stack } from "../src/lib/chart";

describe("niceTicks", () => {
  it("steps by 1, 2 or 5 times a power of ten up to at least the maximum", () => {
    expect(niceTicks(6)).toEqual([0, 2, 4, 6]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(1)).toEqual([0, 1]);
    expect(niceTicks(95)).toEqual([0, 50, 100]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
  });
  it("gives an axis for nothing to show", () => {
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});

describe("stack", () => {
  it("piles segments in order and drops empty ones", () => {
    expect(
      stack([
        { label: "a", segments: [{ key: "fact", value: 2 }, { key: "episode", value: 0 }, { key: "block", value: 1 }] },
        { label: "b", segments: [] },
      ]),
    ).toEqual([
      {
        label: "a",
        total: 3,
        segments: [
          { key: "fact", value: 2, y0: 0, y1: 2 },
          { key: "block", value: 1, y0: 2, y1: 3 },
        ],
      },
      { label: "b", total: 0, segments: [] },
    ]);
  });
});
