import { describe, expect, it } from "vitest";
import { ApiError } from "../src/lib/api";
import { layout, neighbourhood } from "../src/lib/graph";
import type { Graph, ModelEntity, ModelRelation, Neighborhood } from "../src/lib/types";

const WORLD: Graph = {
  entities: ["A", "B", "C", "D", "E"].map((name) => ({ name, entityType: "thing", observations: [] })),
  relations: [
    { from: "A", to: "B", relationType: "knows" },
    { from: "C", to: "A", relationType: "likes" },
    { from: "B", to: "D", relationType: "knows" },
    { from: "D", to: "E", relationType: "owns" },
  ],
};

function entity(name: string, observations: string[] = []): ModelEntity {
  return { id: "e-" + name, name, type: "thing", scope: "global", aliases: [], observations: observations.map((text) => ({ text })) };
}
function relation(from: string, type: string, to: string): ModelRelation {
  return { id: `r-${from}-${type}-${to}`, from, type, to, valid_from: "2026-01-01T00:00:00.000Z", valid_to: null };
}

// What GET …/graph/entities/A/neighbors?depth=2 answers for WORLD.
const A2: Neighborhood = {
  start: entity("A", ["first"]),
  neighbors: [
    { depth: 1, via: relation("A", "knows", "B"), entity: entity("B") },
    { depth: 1, via: relation("C", "likes", "A"), entity: entity("C") },
    { depth: 2, via: relation("B", "knows", "D"), entity: entity("D") },
  ],
  relations: [relation("A", "knows", "B"), relation("C", "likes", "A"), relation("B", "knows", "D"), relation("A", "knows", "B")],
};

describe("neighbourhood", () => {
  it("asks for the centre and depth, and draws the start, its neighbours and the edges followed", async () => {
    const calls: [string, number][] = [];
    const g = await neighbourhood(
      async (center, depth) => {
        calls.push([center, depth]);
        return A2;
      },
      "A",
      2,
    );
    expect(calls).toEqual([["A", 2]]);
    expect(g.entities).toEqual([
      { name: "A", entityType: "thing", observations: ["first"] },
      { name: "B", entityType: "thing", observations: [] },
      { name: "C", entityType: "thing", observations: [] },
      { name: "D", entityType: "thing", observations: [] },
    ]);
    // Each edge once, in the drawing's shape.
    expect(g.relations).toEqual([
      { from: "A", to: "B", relationType: "knows" },
      { from: "C", to: "A", relationType: "likes" },
      { from: "B", to: "D", relationType: "knows" },
    ]);
  });

  it("leaves out an edge whose end is not drawn", async () => {
    const g = await neighbourhood(async () => ({ ...A2, relations: [...A2.relations, relation("D", "owns", "E")] }), "A", 2);
    expect(g.relations.map((r) => r.relationType)).toEqual(["knows", "likes", "knows"]);
  });

  it("is empty for an unknown entity, and passes other errors on", async () => {
    const missing = async (): Promise<Neighborhood> => {
      throw new ApiError(404, "not_found", "no entity named 'Z'");
    };
    expect(await neighbourhood(missing, "Z", 2)).toEqual({ entities: [], relations: [] });
    const refused = async (): Promise<Neighborhood> => {
      throw new ApiError(403, "permission_denied", "no");
    };
    await expect(neighbourhood(refused, "A", 1)).rejects.toThrow("no");
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
