// The context an agent would get for a query within a token budget: each item with its section
// and reason, what was left out, and the rendered text.
import { useState } from "preact/hooks";
import { ownerPath } from "../lib/api";
import type { Context, ContextItem } from "../lib/types";
import { ErrorBox, useSession } from "../components/common";

export function ContextView({ owner }: { owner: string }) {
  const { api } = useSession();
  const [query, setQuery] = useState("");
  const [budget, setBudget] = useState("800");
  const [scope, setScope] = useState("");
  const [session, setSession] = useState("");
  const [result, setResult] = useState<Context | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section>
      <h1>Context for {owner}</h1>
      <form
        class="filters"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            setResult(
              await api.post<Context>(ownerPath(owner, "context"), {
                query: query || undefined,
                token_budget: Number(budget),
                scope: scope || undefined,
                session_id: session || undefined,
              }),
            );
          } catch (err) {
            setResult(null);
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <div class="field wide">
          <label for="c-query">Query</label>
          <input id="c-query" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="c-budget">Token budget</label>
          <input id="c-budget" type="number" min={1} value={budget} onInput={(e) => setBudget(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="c-scope">Scope</label>
          <input id="c-scope" value={scope} onInput={(e) => setScope(e.currentTarget.value)} placeholder="global" />
        </div>
        <div class="field">
          <label for="c-session">Session</label>
          <input id="c-session" value={session} onInput={(e) => setSession(e.currentTarget.value)} />
        </div>
        <div class="field actions">
          <button type="submit" disabled={busy}>
            Assemble
          </button>
        </div>
      </form>
      <ErrorBox error={error} owner={owner} />
      {result && (
        <>
          <p>
            <label for="c-used">
              {result.token_count} of {result.token_budget} tokens used
            </label>{" "}
            <meter id="c-used" min={0} max={result.token_budget} value={result.token_count} />
          </p>
          <h2>Included ({result.items.length})</h2>
          <ItemTable items={result.items} label="included items" />
          <h2>Omitted ({result.omitted.length})</h2>
          {result.omitted.length === 0 ? <p class="muted">Nothing was left out.</p> : <ItemTable items={result.omitted} label="omitted items" />}
          <details>
            <summary>Rendered text</summary>
            <pre class="wrap">{result.rendered}</pre>
          </details>
        </>
      )}
    </section>
  );
}

function ItemTable({ items, label }: { items: ContextItem[]; label: string }) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Section</th>
          <th scope="col">Reason</th>
          <th scope="col">Score</th>
          <th scope="col">Tokens</th>
          <th scope="col">Text</th>
        </tr>
      </thead>
      <tbody>
        {items.map((it, i) => (
          <tr key={i}>
            <td>{it.section}</td>
            <td>{it.reason}</td>
            <td>{it.score.toFixed(3)}</td>
            <td>{it.tokens}</td>
            <td class="wrap">{it.text}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
