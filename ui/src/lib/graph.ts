// An entity's neighbourhood in the knowledge graph, gathered breadth-first with POST …/graph/open
// (each call returns the named entities and every relation touching them), and laid out for SVG.
import type { Entity, Graph, Relation } from "./types";

export type OpenNodes = (names: string[]) => Promise<Graph>;

// The entities within `depth` hops of `center` (relations in either direction) and the relations
// between them. NotFound-like: an empty graph when `center` does not exist.
export async function neighbourhood(open: OpenNodes, center: string, depth: number): Promise<Graph> {
  const entities = new Map<string, Entity>();
  const relations = new Map<string, Relation>();
  let frontier = [center];
  for (let level = 0; level <= depth && frontier.length > 0; ++level) {
    const g = await open(frontier);
    for (const e of g.entities) entities.set(e.name, e);
    const next = new Set<string>();
    for (const r of g.relations) {
      relations.set(`${r.from}\u0000${r.relationType}\u0000${r.to}`, r);
      for (const n of [r.from, r.to]) if (!entities.has(n)) next.add(n);
    }
    frontier = level < depth ? [...next] : [];
  }
  // Relations to entities past the last level are cut, so every drawn edge has both ends.
  const kept = [...relations.values()].filter((r) => entities.has(r.from) && entities.has(r.to));
  return { entities: [...entities.values()], relations: kept };
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
