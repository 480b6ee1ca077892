// The owners this key covers: its own list, or for an admin key every owner with memories
// (GET /v1/owners, a page at a time). Any owner can be opened by name.
import { useState } from "preact/hooks";
import { ownerPath } from "../lib/api";
import { href } from "../lib/route";
import type { OwnerList, OwnerStats } from "../lib/types";
import { ErrorBox, Loading, useLoad, useSession } from "../components/common";

function OwnerRow({ owner }: { owner: string }) {
  const { api } = useSession();
  const stats = useLoad(() => api.get<OwnerStats>(ownerPath(owner, "stats"), { days: 1 }), [owner]);
  return (
    <li>
      <a href={href("memories", owner)}>{owner}</a>{" "}
      {stats.data && (
        <span class="muted">
          {stats.data.live} live memories, {stats.data.superseded} superseded
        </span>
      )}
      <ErrorBox error={stats.error} owner={owner} />
    </li>
  );
}

const PAGE = 100;

function AllOwners() {
  const { api } = useSession();
  const first = useLoad(() => api.get<OwnerList>("/v1/owners", { limit: PAGE }), []);
  const [more, setMore] = useState<OwnerList[]>([]);
  const [error, setError] = useState<unknown>(null);
  const pages = first.data ? [first.data, ...more] : [];
  const next = pages.length > 0 ? pages[pages.length - 1].next_cursor : null;
  return (
    <>
      <p>This admin key covers every owner. The owners with memories:</p>
      <ErrorBox error={first.error} />
      <Loading when={first.loading} />
      {first.data && (
        <ul class="owners" aria-label="owners">
          {pages.flatMap((p) => p.owners).length === 0 && <li>No owner has memories yet.</li>}
          {pages
            .flatMap((p) => p.owners)
            .map((o) => (
              <li key={o.owner_id}>
                <a href={href("memories", o.owner_id)}>{o.owner_id}</a>{" "}
                <span class="muted">
                  {o.memories} live {o.memories === 1 ? "memory" : "memories"}
                </span>
              </li>
            ))}
        </ul>
      )}
      <ErrorBox error={error} />
      {next && (
        <button
          type="button"
          onClick={async () => {
            setError(null);
            try {
              const page = await api.get<OwnerList>("/v1/owners", { limit: PAGE, cursor: next });
              setMore((m) => [...m, page]);
            } catch (e) {
              setError(e);
            }
          }}
        >
          More owners
        </button>
      )}
    </>
  );
}

export function OwnersView() {
  const { whoami } = useSession();
  const [name, setName] = useState("");
  return (
    <section>
      <h1>Owners</h1>
      {whoami.admin ? (
        <AllOwners />
      ) : (
        <>
          <p>The owners this key covers:</p>
          <ul class="owners">
            {whoami.owners.map((o) => (
              <OwnerRow key={o} owner={o} />
            ))}
          </ul>
          <p class="muted">Any other owner is refused with 403.</p>
        </>
      )}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) location.hash = href("memories", name.trim());
        }}
      >
        <label for="open-owner">Open owner</label>
        <input id="open-owner" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <button type="submit">Open</button>
      </form>
    </section>
  );
}
