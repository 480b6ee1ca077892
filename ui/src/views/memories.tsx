// An owner's memories: filters (scope, type, key, text search with the explanation of each
// score, superseded ones, as_of), pages, and the live counts by type.
import { useState } from "preact/hooks";
import { ownerPath } from "../lib/api";
import { plural, shortTime, utcInputToIso } from "../lib/format";
import { href } from "../lib/route";
import { MEMORY_TYPES, type Memory, type MemoryPage, type OwnerStats, type SearchHit } from "../lib/types";
import { ErrorBox, Loading, useLoad, useSession } from "../components/common";

interface Filters {
  q: string;
  scope: string;
  type: string;
  key: string;
  superseded: string; // "1" or ""
  as_of: string; // ISO-8601 or ""
  limit: string;
}

function filtersFrom(params: Record<string, string>): Filters {
  return {
    q: params.q ?? "",
    scope: params.scope ?? "",
    type: params.type ?? "",
    key: params.key ?? "",
    superseded: params.superseded ?? "",
    as_of: params.as_of ?? "",
    limit: params.limit ?? "25",
  };
}

export function MemoriesView({ owner, params }: { owner: string; params: Record<string, string> }) {
  const { api } = useSession();
  const filters = filtersFrom(params);
  // The cursor of each page seen so far, for these filters (new filters start at page 1).
  const filtersKey = JSON.stringify(filters);
  const [paging, setPaging] = useState({ filtersKey, cursors: [""] });
  const cursors = paging.filtersKey === filtersKey ? paging.cursors : [""];
  const setCursors = (c: string[]) => setPaging({ filtersKey, cursors: c });
  const page = cursors.length - 1;
  const stats = useLoad(() => api.get<OwnerStats>(ownerPath(owner, "stats"), { days: 1, scope: filters.scope }), [owner, filters.scope]);
  const list = useLoad<{ items: (Memory | SearchHit)[]; next: string | null; searched: boolean }>(async () => {
    if (filters.q) {
      const r = await api.post<{ hits: SearchHit[] }>(ownerPath(owner, "memories", "search"), {
        query: filters.q,
        scope: filters.scope || undefined,
        type: filters.type || undefined,
        key: filters.key || undefined,
        top_k: Number(filters.limit),
        explain: true,
      });
      return { items: r.hits, next: null, searched: true };
    }
    const r = await api.get<MemoryPage>(ownerPath(owner, "memories"), {
      scope: filters.scope,
      type: filters.type,
      key: filters.key,
      include_superseded: filters.superseded === "1",
      as_of: filters.as_of,
      limit: filters.limit,
      cursor: cursors[page],
    });
    return { items: r.items, next: r.next_cursor, searched: false };
  }, [owner, filtersKey, cursors[page]]);

  const apply = (f: Filters) => {
    location.hash = href("memories", owner, undefined, { ...f, limit: f.limit === "25" ? "" : f.limit });
  };

  return (
    <section>
      <h1>Memories of {owner}</h1>
      <ErrorBox error={list.error ? null : stats.error} owner={owner} />
      {stats.data && (
        <ul class="counts" aria-label="live memories by type">
          <li>
            <a href={href("memories", owner, undefined, { ...filters, type: "" })} aria-current={filters.type === "" ? "true" : undefined}>
              all <strong>{stats.data.live}</strong>
            </a>
          </li>
          {MEMORY_TYPES.map((t) => (
            <li key={t}>
              <a href={href("memories", owner, undefined, { ...filters, type: t })} aria-current={filters.type === t ? "true" : undefined}>
                <span class={`swatch series-${t}`} aria-hidden="true" />
                {t} <strong>{stats.data!.by_type[t]}</strong>
              </a>
            </li>
          ))}
        </ul>
      )}
      <FilterForm key={filtersKey} initial={filters} onApply={apply} />
      <ErrorBox error={list.error} owner={owner} />
      <Loading when={list.loading} />
      {list.data && (
        <>
          <p class="muted" aria-live="polite">
            {list.data.searched
              ? `${plural(list.data.items.length, "hit", "hits")} for “${filters.q}”`
              : `${plural(list.data.items.length, "memory", "memories")} on page ${page + 1}`}
          </p>
          <MemoryTable owner={owner} items={list.data.items} />
          {!list.data.searched && !filters.as_of && (
            <div class="pager">
              <button type="button" disabled={page === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
                Previous page
              </button>
              <button type="button" disabled={!list.data.next} onClick={() => setCursors([...cursors, list.data!.next!])}>
                Next page
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function FilterForm({ initial, onApply }: { initial: Filters; onApply: (f: Filters) => void }) {
  const [f, setF] = useState(initial);
  const set = (name: keyof Filters) => (e: Event) =>
    setF({ ...f, [name]: (e.currentTarget as HTMLInputElement).value });
  const searching = f.q.trim() !== "";
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onApply({ ...f, q: f.q.trim() });
      }}
    >
      <div class="field wide">
        <label for="f-q">Search text</label>
        <input id="f-q" type="search" value={f.q} onInput={set("q")} placeholder="what to look for" />
      </div>
      <div class="field">
        <label for="f-scope">Scope</label>
        <input id="f-scope" value={f.scope} onInput={set("scope")} placeholder="global" />
      </div>
      <div class="field">
        <label for="f-type">Type</label>
        <select id="f-type" value={f.type} onChange={set("type")}>
          <option value="">any</option>
          {MEMORY_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-key">Key</label>
        <input id="f-key" value={f.key} onInput={set("key")} placeholder="ui.theme" />
      </div>
      <div class="field">
        <label for="f-asof">As of (UTC)</label>
        <input
          id="f-asof"
          type="datetime-local"
          disabled={searching}
          value={f.as_of ? f.as_of.slice(0, 16) : ""}
          onInput={(e) => setF({ ...f, as_of: utcInputToIso(e.currentTarget.value) })}
        />
      </div>
      <div class="field check">
        <input
          id="f-superseded"
          type="checkbox"
          disabled={searching}
          checked={f.superseded === "1"}
          onChange={(e) => setF({ ...f, superseded: e.currentTarget.checked ? "1" : "" })}
        />
        <label for="f-superseded">Include superseded</label>
      </div>
      <div class="field">
        <label for="f-limit">Per page</label>
        <select id="f-limit" value={f.limit} onChange={set("limit")}>
          {["10", "25", "50", "100"].map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
      </div>
      <div class="field actions">
        <button type="submit">{searching ? "Search" : "Apply"}</button>
        <button type="button" onClick={() => onApply(filtersFrom({}))}>
          Clear
        </button>
      </div>
      {searching && <p class="muted small">Search ranks live memories; "as of" and superseded apply to listing.</p>}
    </form>
  );
}

function Explanation({ hit }: { hit: SearchHit }) {
  const e = hit.explanation;
  if (!e) return null;
  const rows: [string, string][] = [
    ["lexical rank", e.lexical_rank === null ? "—" : String(e.lexical_rank)],
    ["lexical score (BM25)", e.lexical_score.toFixed(3)],
    ["vector rank", e.vector_rank === null ? "—" : String(e.vector_rank)],
    ["vector similarity", e.vector_similarity.toFixed(3)],
    ["relevance", e.relevance.toFixed(3)],
    ["date", e.date.toFixed(3)],
    ["context", e.context.toFixed(3)],
    ["recency", e.recency.toFixed(3)],
    ["confidence", e.confidence.toFixed(3)],
    ["final", e.final.toFixed(3)],
  ];
  return (
    <details class="explain">
      <summary>Why {hit.score.toFixed(3)}?</summary>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function MemoryTable({ owner, items }: { owner: string; items: (Memory | SearchHit)[] }) {
  if (items.length === 0) return <p>No memories match.</p>;
  return (
    <table class="memories">
      <thead>
        <tr>
          <th scope="col">Text</th>
          <th scope="col">Type</th>
          <th scope="col">Key</th>
          <th scope="col">Scope</th>
          <th scope="col">Created (UTC)</th>
          {"score" in items[0] && <th scope="col">Score</th>}
        </tr>
      </thead>
      <tbody>
        {items.map((m) => (
          <tr key={m.id} class={m.superseded_by ? "superseded" : undefined}>
            <td>
              <a href={href("memory", owner, m.id)}>{m.text}</a>
              {m.superseded_by && <span class="badge">superseded</span>}
            </td>
            <td>
              <span class={`swatch series-${m.type}`} aria-hidden="true" />
              {m.type}
            </td>
            <td>{m.key ?? ""}</td>
            <td>{m.scope}</td>
            <td>{shortTime(m.created_at)}</td>
            {"score" in m && (
              <td>
                <Explanation hit={m} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
