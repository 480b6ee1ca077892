// An entity's neighbourhood in the owner's knowledge graph, drawn as SVG (each node a link that
// re-centres the drawing on it) and listed as text.
import { useState } from "preact/hooks";
import { ownerPath } from "../lib/api";
import { layout, neighbourhood } from "../lib/graph";
import { href } from "../lib/route";
import type { Graph, Neighborhood } from "../lib/types";
import { ErrorBox, Loading, useLoad, useSession } from "../components/common";

const W = 760;
const H = 440;

export function GraphView({ owner, params }: { owner: string; params: Record<string, string> }) {
  const { api } = useSession();
  const entity = params.entity ?? "";
  const depth = Math.min(3, Math.max(1, Number(params.depth ?? "1") || 1));
  const [query, setQuery] = useState(entity);
  const [found, setFound] = useState<Graph | null>(null);
  const [error, setError] = useState<unknown>(null);
  const hood = useLoad(
    async () =>
      entity
        ? neighbourhood(
            (name, d) => api.get<Neighborhood>(ownerPath(owner, "graph", "entities", name, "neighbors"), { depth: d }),
            entity,
            depth,
          )
        : null,
    [owner, entity, depth],
  );
  return (
    <section>
      <h1>Graph of {owner}</h1>
      <form
        class="inline"
        role="search"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            setFound(await api.post<Graph>(ownerPath(owner, "graph", "search"), { query }));
          } catch (err) {
            setError(err);
          }
        }}
      >
        <label for="g-query">Find entities</label>
        <input id="g-query" value={query} onInput={(e) => setQuery(e.currentTarget.value)} required />
        <button type="submit">Find</button>
        <label for="g-depth">Depth</label>
        <select
          id="g-depth"
          value={String(depth)}
          onChange={(e) => (location.hash = href("graph", owner, undefined, { entity, depth: e.currentTarget.value }))}
        >
          {["1", "2", "3"].map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>
      </form>
      <ErrorBox error={error} owner={owner} />
      {found && (
        <ul class="found" aria-label="matching entities">
          {found.entities.length === 0 && <li>No entity matches.</li>}
          {found.entities.map((e) => (
            <li key={e.name}>
              <a href={href("graph", owner, undefined, { entity: e.name, depth: String(depth) })}>{e.name}</a>{" "}
              <span class="muted small">{e.entityType}</span>
            </li>
          ))}
        </ul>
      )}
      <ErrorBox error={hood.error} owner={owner} />
      <Loading when={hood.loading} />
      {hood.data && hood.data.entities.length === 0 && <p>No entity named “{entity}”.</p>}
      {hood.data && hood.data.entities.length > 0 && <Drawing owner={owner} g={hood.data} center={entity} depth={depth} />}
    </section>
  );
}

function Drawing({ owner, g, center, depth }: { owner: string; g: Graph; center: string; depth: number }) {
  const placed = layout(g, center, W, H);
  const at = new Map(placed.map((p) => [p.name, p]));
  const types = new Map(g.entities.map((e) => [e.name, e.entityType]));
  return (
    <>
      <figure class="graph">
        <figcaption>
          Within {depth} {depth === 1 ? "hop" : "hops"} of {center}: {g.entities.length} entities, {g.relations.length} relations
        </figcaption>
        <svg viewBox={`0 0 ${W} ${H}`} role="group" aria-label={`graph around ${center}`}>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="22" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
            </marker>
          </defs>
          {g.relations.map((r) => {
            const a = at.get(r.from)!;
            const b = at.get(r.to)!;
            return (
              <g key={`${r.from}|${r.relationType}|${r.to}`} class="edge">
                <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} marker-end="url(#arrow)" />
                <text x={(a.x + b.x) / 2} y={(a.y + b.y) / 2 - 4} text-anchor="middle">
                  {r.relationType}
                </text>
              </g>
            );
          })}
          {placed.map((p) => (
            <a key={p.name} href={href("graph", owner, undefined, { entity: p.name, depth: String(depth) })} aria-label={`${p.name} (${types.get(p.name)})`}>
              <g class={p.name === center ? "node center" : "node"}>
                <circle cx={p.x} cy={p.y} r={p.name === center ? 14 : 10} />
                <text x={p.x} y={p.y + 26} text-anchor="middle">
                  {p.name}
                </text>
              </g>
            </a>
          ))}
        </svg>
      </figure>
      <h2>Entities</h2>
      <dl class="entities">
        {g.entities.map((e) => (
          <div key={e.name}>
            <dt>
              {e.name} <span class="muted small">{e.entityType}</span>
            </dt>
            {e.observations.map((o, i) => (
              <dd key={i}>{o}</dd>
            ))}
          </div>
        ))}
      </dl>
      <h2>Relations</h2>
      <ul>
        {g.relations.map((r) => (
          <li key={`${r.from}|${r.relationType}|${r.to}`}>
            {r.from} <em>{r.relationType}</em> {r.to}
          </li>
        ))}
      </ul>
    </>
  );
}
