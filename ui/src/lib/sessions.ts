// The owner's sessions as seen in its most recent items (GET …/recent: oldest first).
import type { SessionItem } from "./types";

export interface SessionSeen {
  id: string;
  items: number; // among the recent items
  last_at: string;
}

// One entry per session, the most recently active first.
export function sessionsFromRecent(items: SessionItem[]): SessionSeen[] {
  const by = new Map<string, SessionSeen>();
  for (const it of items) {
    if (!it.session_id) continue;
    const s = by.get(it.session_id) ?? { id: it.session_id, items: 0, last_at: it.created_at };
    s.items += 1;
    if (it.created_at > s.last_at) s.last_at = it.created_at;
    by.set(it.session_id, s);
  }
  return [...by.values()].sort((a, b) => b.last_at.localeCompare(a.last_at) || a.id.localeCompare(b.id));
}
