// Core blocks (always-in-context text such as a persona) with how much of each limit they use.
import { useState } from "preact/hooks";
import { ownerPath } from "../lib/api";
import { shortTime } from "../lib/format";
import type { CoreBlock } from "../lib/types";
import { ErrorBox, Loading, useLoad, useSession } from "../components/common";

export function BlocksView({ owner }: { owner: string }) {
  const { api } = useSession();
  const [scope, setScope] = useState("global");
  const [input, setInput] = useState("global");
  const blocks = useLoad(() => api.get<{ blocks: CoreBlock[] }>(ownerPath(owner, "blocks"), { scope }), [owner, scope]);
  return (
    <section>
      <h1>Core blocks of {owner}</h1>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          setScope(input.trim() || "global");
        }}
      >
        <label for="b-scope">Visible at scope</label>
        <input id="b-scope" value={input} onInput={(e) => setInput(e.currentTarget.value)} />
        <button type="submit">Show</button>
      </form>
      <ErrorBox error={blocks.error} owner={owner} />
      <Loading when={blocks.loading} />
      {blocks.data && blocks.data.blocks.length === 0 && <p>No blocks at this scope.</p>}
      {blocks.data?.blocks.map((b) => (
        <article class="card block" key={b.id} aria-labelledby={`block-${b.id}`}>
          <h2 id={`block-${b.id}`}>
            {b.label} <span class="muted small">scope {b.scope}, updated {shortTime(b.updated_at)} UTC</span>
          </h2>
          <pre class="wrap">{b.value}</pre>
          <label for={`use-${b.id}`}>
            {b.value.length} of {b.limit} characters
          </label>
          <meter id={`use-${b.id}`} min={0} max={b.limit} value={b.value.length} high={b.limit * 0.9} />
        </article>
      ))}
    </section>
  );
}
