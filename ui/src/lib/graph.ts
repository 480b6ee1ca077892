// An entity's neighbourhood in the knowledge graph, read with GET …/graph/entities/{name}/neighbors
// (breadth-first on the server, relations both ways), and laid out for SVG.
import { ApiError } from "./api";
import type { Entity, Graph, ModelEntity, Neighborhood } from "./types";

export type GetNeighbors = (center: string, depth: number) => Promise<Neighborhood>;

function drawn(e: ModelEntity): Entity {
  return { name: e.name, entityType: e.type, observations: e.observations.map((o) => o.text) };
}

// The entities within `depth` hops of `center` and the relations followed to reach them, in the
// drawing's shape. An empty graph when `center` does not exist (404).
export async function neighbourhood(get: GetNeighbors, center: string, depth: number): Promise<Graph> {
  let n: Neighborhood;
  try {
    n = await get(center, depth);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { entities: [], relations: [] };
    throw e;
  }
  const entities = [drawn(n.start), ...n.neighbors.map((x) => drawn(x.entity))];
  const names = new Set(entities.map((e) => e.name));
  const seen = new Set<string>();
  const relations = [];
  for (const r of n.relations) {
    if (seen.has(r.id) || !names.has(r.from) || !names.has(r.to)) continue;
    seen.add(r.id);
    relations.push({ from: r.from, to: r.to, relationType: r.type });
  }
  return { entities, relations };
}

export interface Placed {
  name: string;
  x: number;
  y: number;
}

// Positions in a width × height box: the center in the middle, the rest by a force layout
// (repulsion between every pair, springs along relations) from a deterministic start on a
// circle, so the same graph is always drawn the same way.
export function layout(g: Graph, center: string, width: number, height: number): Placed[] {
  const names = g.entities.map((e) => e.name).sort();
  const n = names.length;
  const index = new Map(names.map((name, i) => [name, i]));
  const cx = width / 2;
  const cy = height / 2;
  const radius = Math.min(width, height) * 0.35;
  const pos = names.map((name, i) =>
    name === center
      ? { x: cx, y: cy }
      : { x: cx + radius * Math.cos((2 * Math.PI * i) / n), y: cy + radius * Math.sin((2 * Math.PI * i) / n) },
  );
  const k = Math.sqrt((width * height) / Math.max(n, 1)) * 0.6;
  const edges = g.relations
    .map((r) => [index.get(r.from), index.get(r.to)] as const)
    .filter((e): e is readonly [number, number] => e[0] !== undefined && e[1] !== undefined && e[0] !== e[1]);
  for (let iter = 0, temp = width / 10; iter < 200; ++iter, temp *= 0.97) {
    const disp = pos.map(() => ({ x: 0, y: 0 }));
    for (let i = 0; i < n; ++i) {
      for (let j = i + 1; j < n; ++j) {
        const dx = pos[i].x - pos[j].x || 0.01;
        const dy = pos[i].y - pos[j].y || 0.01;
        const d2 = Math.max(dx * dx + dy * dy, 1);
        const f = (k * k) / d2;
        disp[i].x += dx * f;
        disp[i].y += dy * f;
        disp[j].x -= dx * f;
        disp[j].y -= dy * f;
      }
    }
    for (const [a, b] of edges) {
      const dx = pos[a].x - pos[b].x;
      const dy = pos[a].y - pos[b].y;
      const d = Math.max(Math.sqrt(dx * dx + dy * dy), 1);
      const f = d / k;
      disp[a].x -= dx * f;
      disp[a].y -= dy * f;
      disp[b].x += dx * f;
      disp[b].y += dy * f;
    }
    for (let i = 0; i < n; ++i) {
      if (names[i] === center) continue;
      const d = Math.max(Math.sqrt(disp[i].x ** 2 + disp[i].y ** 2), 1e-9);
      const step = Math.min(d, temp);
      pos[i].x = Math.min(width - 40, Math.max(40, pos[i].x + (disp[i].x / d) * step));
      pos[i].y = Math.min(height - 24, Math.max(24, pos[i].y + (disp[i].y / d) * step));
    }
  }
  return names.map((name, i) => ({ name, x: pos[i].x, y: pos[i].y }));
}
