// One memory: its fields, its full history as a timeline (who, when, why, old → new), the chain
// of records that replaced one another, and the forms to edit or delete it.
import { useState } from "preact/hooks";
import { ApiError, describeError, ownerPath } from "../lib/api";
import { isoToUtcInput, shortTime, utcInputToIso } from "../lib/format";
import { showValue, supersessionChain, timeline } from "../lib/history";
import { href } from "../lib/route";
import type { HistoryEvent, Memory, MemoryPage } from "../lib/types";
import { ErrorBox, Loading, useLoad, useSession } from "../components/common";

export function MemoryView({ owner, id }: { owner: string; id: string }) {
  const { api } = useSession();
  const [notice, setNotice] = useState("");
  const memory = useLoad(async () => {
    try {
      return await api.get<Memory>(ownerPath(owner, "memories", id));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null; // deleted: history remains
      throw e;
    }
  }, [owner, id]);
  const history = useLoad(
    () => api.get<{ events: HistoryEvent[] }>(ownerPath(owner, "memories", id, "history")),
    [owner, id],
  );
  const chain = useLoad(async () => {
    const m = memory.data;
    if (!m) return [];
    const records: Memory[] = m.key
      ? (await api.get<MemoryPage>(ownerPath(owner, "memories"), { key: m.key, include_superseded: true, limit: 1000 })).items
      : [m];
    if (!records.some((r) => r.id === m.id)) records.push(m);
    // Successors outside the key (a supersession may change the key): follow them one by one.
    for (let cur: Memory | undefined = m; cur?.superseded_by; ) {
      const next: string = cur.superseded_by;
      cur = records.find((r) => r.id === next) ?? (await api.get<Memory>(ownerPath(owner, "memories", next)).catch(() => undefined));
      if (cur && !records.some((r) => r.id === cur!.id)) records.push(cur);
    }
    return supersessionChain(records, m.id);
  }, [memory.data]);

  const reload = () => {
    memory.reload();
    history.reload();
  };

  return (
    <section>
      <p>
        <a href={href("memories", owner)}>← Memories of {owner}</a>
      </p>
      <h1>Memory</h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorBox error={memory.error} owner={owner} />
      <Loading when={memory.loading && !memory.data} />
      {memory.data === null && <p class="notice">This memory is deleted; its history remains below.</p>}
      {memory.data && <Fields m={memory.data} />}
      {memory.data && (
        <div class="two">
          <EditForm
            owner={owner}
            m={memory.data}
            onSaved={(updated) => {
              setNotice("Saved.");
              if (updated.id !== id) location.hash = href("memory", owner, updated.id);
              else reload();
            }}
          />
          <DeleteForm
            owner={owner}
            m={memory.data}
            onDeleted={() => {
              setNotice("Deleted. The history below keeps what it said.");
              reload();
            }}
          />
        </div>
      )}
      <h2>Supersession chain</h2>
      <ErrorBox error={chain.error} owner={owner} />
      {chain.data && chain.data.length > 1 ? (
        <ol class="chain" aria-label="supersession chain, oldest first">
          {chain.data.map((r) => (
            <li key={r.id} aria-current={r.id === id ? "true" : undefined}>
              {r.id === id ? <strong>{r.text}</strong> : <a href={href("memory", owner, r.id)}>{r.text}</a>}{" "}
              <span class="muted">
                {shortTime(r.created_at)}
                {r.superseded_by ? " · replaced" : " · current"}
              </span>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">No other record replaced this one or was replaced by it.</p>
      )}
      <h2>History</h2>
      <ErrorBox error={history.error} owner={owner} />
      {history.data && <Timeline events={history.data.events} />}
    </section>
  );
}

function Fields({ m }: { m: Memory }) {
  const rows: [string, string][] = [
    ["text", m.text],
    ["type", m.type],
    ["key", m.key ?? "—"],
    ["scope", m.scope],
    ["id", m.id],
    ["created (UTC)", shortTime(m.created_at)],
    ["updated (UTC)", shortTime(m.updated_at)],
    ["expires (UTC)", shortTime(m.expires_at)],
    ["valid", `${shortTime(m.valid_from)} → ${shortTime(m.valid_to)}`],
    ["confidence", String(m.confidence)],
    ["source", m.source ?? "—"],
    ["session", m.session_id ?? "—"],
    ["superseded by", m.superseded_by ?? "—"],
  ];
  return (
    <dl class="fields">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Timeline({ events }: { events: HistoryEvent[] }) {
  const entries = timeline(events);
  if (entries.length === 0) return <p>No history.</p>;
  return (
    <ol class="timeline" aria-label="history, oldest first">
      {entries.map((e) => (
        <li key={e.seq} class={`event-${e.event}`}>
          <p>
            <strong class="event">{e.event}</strong> <time dateTime={e.at}>{shortTime(e.at)} UTC</time> by{" "}
            <span class="actor">{e.who}</span>
            {e.why && <span class="why"> — {e.why}</span>}
          </p>
          <ul class="changes">
            {e.changes.map((c) => (
              <li key={c.field}>
                <span class="field-name">{c.field}</span>: <del>{showValue(c.from)}</del> → <ins>{showValue(c.to)}</ins>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

function EditForm({ owner, m, onSaved }: { owner: string; m: Memory; onSaved: (m: Memory) => void }) {
  const { api } = useSession();
  const [text, setText] = useState(m.text);
  const [key, setKey] = useState(m.key ?? "");
  const [expires, setExpires] = useState(isoToUtcInput(m.expires_at));
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card"
      aria-labelledby="edit-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const body: Record<string, string> = {};
        if (text !== m.text) body.text = text;
        if (key !== (m.key ?? "")) body.key = key;
        const exp = utcInputToIso(expires);
        if (exp && exp !== m.expires_at) body.expires_at = exp;
        if (Object.keys(body).length === 0) {
          setError(new Error("nothing changed"));
          return;
        }
        if (reason) body.reason = reason;
        setBusy(true);
        setError(null);
        try {
          onSaved(await api.patch<Memory>(ownerPath(owner, "memories", m.id), body));
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="edit-title">Edit</h2>
      <label for="e-text">Text</label>
      <textarea id="e-text" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} required />
      <label for="e-key">Key</label>
      <input id="e-key" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
      <label for="e-expires">Expires (UTC)</label>
      <input id="e-expires" type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
      <label for="e-reason">Why (kept in the history)</label>
      <input id="e-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <button type="submit" disabled={busy}>
        Save
      </button>
      {error ? (
        <p class="error" role="alert">
          {error instanceof Error && !(error instanceof ApiError) ? error.message : describeError(error, owner)}
        </p>
      ) : null}
    </form>
  );
}

function DeleteForm({ owner, m, onDeleted }: { owner: string; m: Memory; onDeleted: () => void }) {
  const { api } = useSession();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  return (
    <div class="card danger" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete</h2>
      {!asking ? (
        <button type="button" onClick={() => setAsking(true)}>
          Delete this memory…
        </button>
      ) : (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            try {
              await api.delete(ownerPath(owner, "memories", m.id), { reason });
              onDeleted();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <p>It stops being recalled; its history is kept.</p>
          <label for="d-reason">Why</label>
          <input id="d-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <button type="submit" class="destructive">
            Delete
          </button>{" "}
          <button type="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </form>
      )}
      <ErrorBox error={error} owner={owner} />
    </div>
  );
}
