// The page: sign-in with a key, then the views of what the key may see. Everything read with a
// key lives in components under <Signed key={apiKey}>, so signing out or in with another key
// throws all of it away: nothing is cached across keys.
import { useEffect, useRef, useState } from "preact/hooks";
import { Api, ApiError, describeError } from "./lib/api";
import { clearKey, loadKey, saveKey } from "./lib/keystore";
import { href, parseRoute, type Route } from "./lib/route";
import type { Whoami } from "./lib/types";
import { SessionContext, type Session } from "./components/common";
import { OwnersView } from "./views/owners";
import { MemoriesView } from "./views/memories";
import { MemoryView } from "./views/memory";
import { OverviewView } from "./views/overview";
import { BlocksView } from "./views/blocks";
import { SessionsView } from "./views/sessions";
import { ContextView } from "./views/context";
import { GraphView } from "./views/graph";
import { LatencyView } from "./views/latency";

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string>("");
  const [checking, setChecking] = useState(() => loadKey(sessionStorage) !== null);

  const signIn = async (key: string) => {
    setError("");
    const api = new Api(key);
    try {
      const whoami = await api.get<Whoami>("/v1/whoami");
      saveKey(sessionStorage, key);
      setSession({ api, whoami });
    } catch (e) {
      clearKey(sessionStorage);
      setSession(null);
      setError(e instanceof ApiError && e.status === 401 ? "This key was not accepted." : describeError(e));
    } finally {
      setChecking(false);
    }
  };
  const signOut = () => {
    clearKey(sessionStorage);
    setSession(null);
    location.hash = "#/";
  };

  useEffect(() => {
    const key = loadKey(sessionStorage);
    if (key) void signIn(key);
  }, []);

  if (checking) return <p class="muted">Checking the saved key…</p>;
  if (!session) return <SignIn onSignIn={signIn} error={error} />;
  return (
    <SessionContext.Provider value={session}>
      <Signed key={session.whoami.name} session={session} onSignOut={signOut} />
    </SessionContext.Provider>
  );
}

function SignIn({ onSignIn, error }: { onSignIn: (key: string) => Promise<void>; error: string }) {
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <main class="signin">
      <h1>engram</h1>
      <p>See and fix what engram remembers. Sign in with an API key of this server.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          await onSignIn(key);
          setBusy(false);
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          minLength={16}
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <p class="muted small">
          The key stays in this tab's session storage and is sent only in the Authorization header.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

const OWNER_TABS = [
  ["memories", "Memories"],
  ["overview", "Overview"],
  ["blocks", "Core blocks"],
  ["sessions", "Sessions"],
  ["context", "Context"],
  ["graph", "Graph"],
] as const;

function Signed({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const { whoami } = session;
  const owner = route.owner;
  useEffect(() => {
    document.title = owner ? `engram · ${owner}` : "engram";
  }, [owner]);
  // On moving to another view, focus goes to the new content (screen readers announce it, and
  // Tab continues from there), not back to the top of the page.
  const mainRef = useRef<HTMLElement>(null);
  const where = `${route.view}\u0000${owner}\u0000${route.id}`;
  const firstView = useRef(true);
  useEffect(() => {
    if (firstView.current) firstView.current = false;
    else mainRef.current?.focus();
  }, [where]);
  return (
    <div class="layout">
      <header class="top">
        <a class="brand" href="#/">
          engram
        </a>
        <nav aria-label="main">
          <a href={href("owners")} aria-current={route.view === "owners" ? "page" : undefined}>
            Owners
          </a>
          <a href={href("latency")} aria-current={route.view === "latency" ? "page" : undefined}>
            Search latency
          </a>
        </nav>
        <span class="who">
          Signed in as <strong>{whoami.name}</strong>
          {whoami.admin ? " (admin)" : ""}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {owner !== undefined && (
        <nav class="tabs" aria-label={`owner ${owner}`}>
          <span class="owner-name">{owner}</span>
          {OWNER_TABS.map(([view, label]) => (
            <a
              key={view}
              href={href(view, owner)}
              aria-current={route.view === view || (view === "memories" && route.view === "memory") ? "page" : undefined}
            >
              {label}
            </a>
          ))}
        </nav>
      )}
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Page route={route} />
      </main>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  const owner = route.owner ?? "";
  switch (route.view) {
    case "owners":
      return <OwnersView />;
    case "latency":
      return <LatencyView />;
    case "memories":
      return <MemoriesView key={owner} owner={owner} params={route.params} />;
    case "memory":
      return <MemoryView key={`${owner}/${route.id}`} owner={owner} id={route.id ?? ""} />;
    case "overview":
      return <OverviewView key={owner} owner={owner} />;
    case "blocks":
      return <BlocksView key={owner} owner={owner} />;
    case "sessions":
      return <SessionsView key={`${owner}/${route.id}`} owner={owner} session={route.id} />;
    case "context":
      return <ContextView key={owner} owner={owner} />;
    case "graph":
      return <GraphView key={owner} owner={owner} params={route.params} />;
  }
}
