// What an owner holds, as plots: memories added per day by type, the age of live memories; and
// forgetting the owner entirely, behind a typed confirmation.
import { useState } from "preact/hooks";
import { ownerPath } from "../lib/api";
import { ageBucketLabel, forgetConfirmation } from "../lib/format";
import { MEMORY_TYPES, type OwnerStats } from "../lib/types";
import { BarChart } from "../components/charts";
import { ErrorBox, Loading, useLoad, useSession } from "../components/common";

export function OverviewView({ owner }: { owner: string }) {
  const { api } = useSession();
  const [days, setDays] = useState(30);
  const stats = useLoad(() => api.get<OwnerStats>(ownerPath(owner, "stats"), { days }), [owner, days]);
  const s = stats.data;
  return (
    <section>
      <h1>Overview of {owner}</h1>
      <ErrorBox error={stats.error} owner={owner} />
      <Loading when={stats.loading && !s} />
      {s && (
        <>
          <p>
            <strong>{s.live}</strong> live memories, <strong>{s.superseded}</strong> replaced by newer ones.
          </p>
          <div class="field inline">
            <label for="days">Days shown</label>
            <select id="days" value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
              {[7, 30, 90, 365].map((d) => (
                <option key={d} value={String(d)}>
                  {d}
                </option>
              ))}
            </select>
          </div>
          <BarChart
            title={`Memories added per day (UTC) by type, last ${days} days`}
            keys={[...MEMORY_TYPES]}
            labelEvery={Math.ceil(days / 10)}
            bars={s.added_per_day.map((d) => ({
              label: d.day.slice(5),
              segments: MEMORY_TYPES.map((t) => ({ key: t, value: d.by_type[t] ?? 0 })),
            }))}
          />
          <BarChart
            title="Age of live memories"
            keys={["age"]}
            bars={s.age_days.map((b, i) => ({
              label: ageBucketLabel(b.max_days, i > 0 ? s.age_days[i - 1].max_days : null),
              segments: [{ key: "age", value: b.count }],
            }))}
          />
        </>
      )}
      <Forget owner={owner} onForgotten={stats.reload} />
    </section>
  );
}

function Forget({ owner, onForgotten }: { owner: string; onForgotten: () => void }) {
  const { api } = useSession();
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");
  const phrase = forgetConfirmation(owner);
  return (
    <form
      class="card danger"
      aria-labelledby="forget-title"
      onSubmit={async (e) => {
        e.preventDefault();
        if (typed !== phrase) return;
        setError(null);
        try {
          const r = await api.delete<{ memories: number; history_events: number; sessions: number; session_items: number }>(
            ownerPath(owner),
          );
          setDone(
            `Forgot ${r.memories} memories, ${r.history_events} history events, ${r.sessions} sessions and ${r.session_items} session items.`,
          );
          setTyped("");
          onForgotten();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2 id="forget-title">Forget everything about {owner}</h2>
      <p>
        Erases every memory, its history, every session and block of this owner. It cannot be undone. Type{" "}
        <kbd>{phrase}</kbd> to confirm.
      </p>
      <label for="forget-confirm">Confirmation</label>
      <input id="forget-confirm" value={typed} autocomplete="off" onInput={(e) => setTyped(e.currentTarget.value)} />
      <button type="submit" class="destructive" disabled={typed !== phrase}>
        Forget {owner}
      </button>
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      <ErrorBox error={error} owner={owner} />
    </form>
  );
}
