// Sessions: those seen in the owner's last 1000 items (or any named one), with their items and
// rolling summary.
import { useState } from "preact/hooks";
import { ownerPath } from "../lib/api";
import { shortTime } from "../lib/format";
import { href } from "../lib/route";
import { sessionsFromRecent } from "../lib/sessions";
import type { SessionItem } from "../lib/types";
import { ErrorBox, Loading, useLoad, useSession } from "../components/common";

export function SessionsView({ owner, session }: { owner: string; session?: string }) {
  const { api } = useSession();
  const [name, setName] = useState(session ?? "");
  const recent = useLoad(
    () => api.get<{ items: SessionItem[] }>(ownerPath(owner, "recent"), { last_n: 1000 }),
    [owner],
  );
  const sessions = recent.data ? sessionsFromRecent(recent.data.items) : [];
  return (
    <section>
      <h1>Sessions of {owner}</h1>
      <div class="split">
        <nav aria-label="sessions" class="side">
          <form
            class="stack"
            onSubmit={(e) => {
              e.preventDefault();
              if (name.trim()) location.hash = href("sessions", owner, name.trim());
            }}
          >
            <label for="s-open">Open session</label>
            <input id="s-open" value={name} onInput={(e) => setName(e.currentTarget.value)} />
            <button type="submit">Open</button>
          </form>
          <ErrorBox error={recent.error} owner={owner} />
          <Loading when={recent.loading} />
          {recent.data && sessions.length === 0 && <p>No session items.</p>}
          <ul>
            {sessions.map((s) => (
              <li key={s.id}>
                <a href={href("sessions", owner, s.id)} aria-current={s.id === session ? "page" : undefined}>
                  {s.id}
                </a>
                <span class="muted small">
                  {" "}
                  {s.items} items, last {shortTime(s.last_at)}
                </span>
              </li>
            ))}
          </ul>
        </nav>
        <div class="grow">{session ? <SessionDetail owner={owner} session={session} /> : <p>Choose a session.</p>}</div>
      </div>
    </section>
  );
}

function SessionDetail({ owner, session }: { owner: string; session: string }) {
  const { api } = useSession();
  const items = useLoad(
    () => api.get<{ items: SessionItem[] }>(ownerPath(owner, "sessions", session, "items")),
    [owner, session],
  );
  const summary = useLoad(
    () => api.get<{ summary: { text: string; updated_at: string } | null }>(ownerPath(owner, "sessions", session, "summary")),
    [owner, session],
  );
  return (
    <>
      <h2>Session {session}</h2>
      <h3>Rolling summary</h3>
      <ErrorBox error={summary.error} owner={owner} />
      {summary.data &&
        (summary.data.summary ? (
          <>
            <pre class="wrap">{summary.data.summary.text}</pre>
            <p class="muted small">updated {shortTime(summary.data.summary.updated_at)} UTC</p>
          </>
        ) : (
          <p class="muted">No summary yet.</p>
        ))}
      <h3>Items</h3>
      <ErrorBox error={items.error} owner={owner} />
      <Loading when={items.loading} />
      {items.data && items.data.items.length === 0 && <p>No items.</p>}
      <ol class="items">
        {items.data?.items.map((it) => (
          <li key={it.seq} class={`role-${it.role}`}>
            <span class="role">{it.role}</span> <span class="muted small">#{it.seq} {shortTime(it.created_at)}</span>
            <div class="wrap">{it.content}</div>
          </li>
        ))}
      </ol>
    </>
  );
}
