// The page's location, kept in the URL's fragment (#/o/alice/memories?type=fact) so the browser's
// back button and bookmarks work without any server route. Keys never go here.

export type View =
  | "owners"
  | "memories"
  | "memory"
  | "overview"
  | "blocks"
  | "sessions"
  | "context"
  | "graph"
  | "latency";

export interface Route {
  view: View;
  owner?: string;
  id?: string; // memory id (memory) or session id (sessions)
  params: Record<string, string>;
}

const OWNER_VIEWS: View[] = ["memories", "overview", "blocks", "sessions", "context", "graph"];

export function parseRoute(hash: string): Route {
  const body = hash.replace(/^#/, "");
  const q = body.indexOf("?");
  const path = q < 0 ? body : body.slice(0, q);
  const params: Record<string, string> = {};
  if (q >= 0) new URLSearchParams(body.slice(q + 1)).forEach((v, k) => (params[k] = v));
  let segments: string[];
  try {
    segments = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
  } catch {
    return { view: "owners", params: {} };
  }
  if (segments[0] === "latency") return { view: "latency", params };
  if (segments[0] === "o" && segments.length >= 2) {
    const owner = segments[1];
    const view = segments[2] ?? "memories";
    if (view === "memory" && segments[3]) return { view: "memory", owner, id: segments[3], params };
    if (view === "sessions") return { view, owner, id: segments[3], params };
    if ((OWNER_VIEWS as string[]).includes(view)) return { view: view as View, owner, params };
  }
  return { view: "owners", params };
}

export function formatRoute(route: Route): string {
  const parts: string[] = [];
  if (route.view === "latency") parts.push("latency");
  else if (route.view !== "owners" && route.owner !== undefined) {
    parts.push("o", route.owner, route.view);
    if (route.id) parts.push(route.id);
  }
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(route.params).sort()) if (v !== "") query.set(k, v);
  const qs = query.toString();
  return "#/" + parts.map(encodeURIComponent).join("/") + (qs ? `?${qs}` : "");
}

export function href(view: View, owner?: string, id?: string, params: Record<string, string> = {}) {
  return formatRoute({ view, owner, id, params });
}
