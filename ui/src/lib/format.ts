// Small text helpers shared by the views.

// "2026-12-07 06:56" (UTC) from an ISO-8601 time.
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return iso.replace("T", " ").slice(0, 16);
}

// "3 days ago" style age of `iso` at `now` (both ISO-8601).
export function age(iso: string, now: string): string {
  const ms = Date.parse(now) - Date.parse(iso);
  if (!(ms >= 0)) return "just now";
  const minutes = Math.floor(ms / 60000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? "1 day ago" : `${days} days ago`;
}

// The age bucket label of GET …/stats's age_days ("≤ 1 day", "> 365 days").
export function ageBucketLabel(maxDays: number | null, previous: number | null): string {
  if (maxDays === null) return `> ${previous ?? 0} days`;
  return maxDays === 1 ? "≤ 1 day" : `≤ ${maxDays} days`;
}

// A datetime-local input's value ("2026-12-07T06:56"), read as UTC like every time the page
// shows, as ISO-8601; "" (or nonsense) gives "".
export function utcInputToIso(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return "";
  const t = new Date(value + "Z");
  return Number.isNaN(t.getTime()) ? "" : t.toISOString();
}

// The datetime-local value of an ISO-8601 time, in UTC ("" for none).
export function isoToUtcInput(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 16) : "";
}

// "1 hit", "3 hits".
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

// The words a user must type to confirm erasing an owner.
export function forgetConfirmation(owner: string): string {
  return `forget ${owner}`;
}
