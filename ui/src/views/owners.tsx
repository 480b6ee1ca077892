// The owners this key covers (an admin key covers every owner: name one to open it).
import { useState } from "preact/hooks";
import { ownerPath } from "../lib/api";
import { href } from "../lib/route";
import type { OwnerStats } from "../lib/types";
import { ErrorBox, useLoad, useSession } from "../components/common";

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

export function OwnersView() {
  const { whoami } = useSession();
  const [name, setName] = useState("");
  return (
    <section>
      <h1>Owners</h1>
      {whoami.admin ? (
        <p>This admin key covers every owner. Name one to open it.</p>
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
