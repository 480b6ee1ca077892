// A memory's history (GET …/memories/{id}/history) as a timeline of what changed, and the chain of
// records that replaced one another (supersession).
import type { HistoryEvent, Memory } from "./types";

export interface Change {
  field: string;
  from: unknown;
  to: unknown;
}

export interface TimelineEntry {
  seq: number;
  at: string;
  event: HistoryEvent["event"];
  who: string;
  why: string;
  changes: Change[];
}

// Fields that change as a side effect of every write: shown only when nothing else changed.
const BOOKKEEPING = new Set(["updated_at", "last_accessed_at", "access_count", "last_verified_at"]);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// The fields whose values differ between two versions of a record, in a stable order.
export function diffRecords(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): Change[] {
  const fields = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const all: Change[] = [];
  for (const field of [...fields].sort()) {
    const from = before ? before[field] ?? null : null;
    const to = after ? after[field] ?? null : null;
    if (!same(from, to)) all.push({ field, from, to });
  }
  const meaningful = all.filter((c) => !BOOKKEEPING.has(c.field));
  return meaningful.length > 0 ? meaningful : all;
}

export function timeline(events: HistoryEvent[]): TimelineEntry[] {
  return [...events]
    .sort((a, b) => a.seq - b.seq)
    .map((e) => ({
      seq: e.seq,
      at: e.at,
      event: e.event,
      who: e.actor ?? "unknown",
      why: e.reason ?? "",
      // An add shows the text it stored; a delete what it removed.
      changes:
        e.event === "add"
          ? [{ field: "text", from: null, to: e.new_value?.text ?? null }]
          : e.event === "delete" && !e.new_value
            ? [{ field: "text", from: e.old_value?.text ?? null, to: null }]
            : diffRecords(e.old_value, e.new_value),
    }));
}

// The records of one supersession chain that `id` belongs to, oldest first: from the records
// `records` (e.g. every record with the same key, superseded ones included), follows
// superseded_by forwards and the records it replaced backwards. A record that replaced several
// (a merge) continues with the newest of them.
export function supersessionChain(records: Memory[], id: string): Memory[] {
  const byId = new Map(records.map((r) => [r.id, r]));
  const start = byId.get(id);
  if (!start) return [];
  const replacedBy = new Map<string, Memory[]>();
  for (const r of records) {
    if (!r.superseded_by) continue;
    const list = replacedBy.get(r.superseded_by) ?? [];
    list.push(r);
    replacedBy.set(r.superseded_by, list);
  }
  const chain: Memory[] = [start];
  const seen = new Set([start.id]);
  for (let cur = start; ; ) {
    const older = (replacedBy.get(cur.id) ?? []).filter((r) => !seen.has(r.id));
    if (older.length === 0) break;
    cur = older.sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
    seen.add(cur.id);
    chain.unshift(cur);
  }
  for (let cur = start; cur.superseded_by; ) {
    const next = byId.get(cur.superseded_by);
    if (!next || seen.has(next.id)) break;
    seen.add(next.id);
    chain.push(next);
    cur = next;
  }
  return chain;
}

// A value as short text for the timeline.
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v === "" ? '""' : v;
  return JSON.stringify(v);
}
