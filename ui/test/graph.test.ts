import { describe, expect, it } from "vitest";
import { layout, neighbourhood } from "../src/lib/graph";
import type { Graph } from "../src/lib/types";

// A graph served the way POST …/graph/open answers: the named entities and every relation
// touching them.
const WORLD: Graph = {
  entities: ["A", "B", "C", "D", "E"].map((name) => ({ name, entityType: "thing", observations: [] })),
  relations: [
    { from: "A", to: "B", relationType: "knows" },
    { from: "C", to: "A", relationType: "likes" },
    { from: "B", to: "D", relationType: "knows" },
    { from: "D", to: "E", relationType: "owns" },
  ],
};
function openNodes(calls: string[][]) {
  return async (names: string[]): Promise<Graph> => {
    calls.push([...names].sort());
    return {
      entities: WORLD.entities.filter((e) => names.includes(e.name)),
      relations: WORLD.relations.filter((r) => names.includes(r.from) || names.includes(r.to)),
    };
  };
}

describe("neighbourhood", () => {
  it("takes relations both ways, level by level", async () => {
    const calls: string[][] = [];
    const g = await neighbourhood(openNodes(calls), "A", 1);
    expect(g.entities.map((e) => e.name).sort()).toEqual(["A", "B", "C"]);
    expect(g.relations).toHaveLength(2); // B->D is cut: D is two hops away
    expect(calls).toEqual([["A"], ["B", "C"]]);
  });

  it("goes deeper with depth", async () => {
    const g = await neighbourhood(openNodes([]), "A", 2);
    expect(g.entities.map((e) => e.name).sort()).toEqual(["A", "B", "C", "D"]);
    expect(g.relations.map((r) => r.relationType).sort()).toEqual(["knows", "knows", "likes"]);
  });

  it("is empty for an unknown entity", async () => {
    expect(await neighbourhood(openNodes([]), "Z", 2)).toEqual({ entities: [], relations: [] });
  });
});

describe("layout", () => {
  it("centres the entity, keeps every node in the box, and is deterministic", () => {
    const p = layout(WORLD, "B", 600, 400);
    expect(p.find((n) => n.name === "B")).toEqual({ name: "B", x: 300, y: 200 });
    for (const n of p) {
      expect(n.x).toBeGreaterThanOrEqual(40);
      expect(n.x).toBeLessThanOrEqual(560);
      expect(n.y).toBeGreaterThanOrEqual(24);
      expect(n.y).toBeLessThanOrEqual(376);
    }
    expect(layout(WORLD, "B", 600, 400)).toEqual(p);
    // No two nodes on top of each other.
    for (const a of p) for (const b of p) if (a !== b) expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThan(20);
  });
});
