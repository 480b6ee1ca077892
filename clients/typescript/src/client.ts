// A typed client of engram's REST API (docs/http.md). Paths, parameters, bodies and replies are
// typed by src/generated/openapi.ts, generated from the server's own /openapi.json, so a call
// that does not match the API does not compile. Needs only the global fetch of Node 20+.
import type { components, paths } from "./generated/openapi.js";

export type Schemas = components["schemas"];
export type Memory = Schemas["Memory"];
export type NewMemory = Schemas["NewMemory"];
export type SearchHit = Schemas["SearchHit"];
export type SessionItem = Schemas["SessionItem"];
export type NewSessionItem = Schemas["NewSessionItem"];
export type WriteResult = Schemas["WriteResult"];

type Method = "get" | "post" | "put" | "patch" | "delete";
/** The methods a path has. */
export type MethodOf<P extends keyof paths> = {
  [M in Method]: paths[P][M] extends undefined ? never : M;
}[Method];
type Operation<P extends keyof paths, M extends Method> = Exclude<paths[P][M], undefined>;
type JsonOf<T> = T extends { content: { "application/json": infer J } } ? J : never;
/** The success body of an operation (its 200 or 201 reply). */
export type Reply<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: infer S }
      ? JsonOf<S>
      : R extends { 201: infer S }
        ? JsonOf<S>
        : never
    : never;
type Params<P extends keyof paths, M extends Method> = Operation<P, M> extends {
  parameters: infer Ps;
}
  ? Ps
  : never;
type BodyOf<P extends keyof paths, M extends Method> = Operation<P, M> extends {
  requestBody: infer B;
}
  ? JsonOf<B>
  : Operation<P, M> extends { requestBody?: infer B }
    ? JsonOf<Exclude<B, undefined>>
    : never;
/** What a call sends: path parameters (all but `owner`, which the client fills in), the query
 * string and the JSON body. */
export type Request<P extends keyof paths, M extends Method> = {
  path?: Omit<NonNullable<Params<P, M> extends { path?: infer X } ? X : never>, "owner"> & {
    owner?: string;
  };
  query?: Params<P, M> extends { query?: infer Q } ? Q : never;
  body?: BodyOf<P, M>;
};

/** An error reply of engram: `{"error": {"code", "message"}}` with its HTTP status. */
export class EngramError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`engram ${status} ${code}: ${message}`);
    this.name = "EngramError";
  }
}

export interface EngramClientOptions {
  /** Where `engram serve` listens, e.g. "http://127.0.0.1:8420". */
  baseUrl: string;
  /** An API key of the server's keys file (sent as `Authorization: Bearer`). */
  apiKey?: string;
  /** The owner routes' `{owner}`: the user whose memories these are. */
  owner: string;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

export class EngramClient {
  readonly baseUrl: string;
  readonly owner: string;
  readonly #apiKey?: string;
  readonly #fetch: typeof fetch;

  constructor(options: EngramClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.owner = options.owner;
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** This client for another owner (the same key must cover it). */
  forOwner(owner: string): EngramClient {
    return new EngramClient({
      baseUrl: this.baseUrl,
      apiKey: this.#apiKey,
      owner,
      fetch: this.#fetch,
    });
  }

  /** Any route of the API, typed by its OpenAPI path template and method. */
  async request<P extends keyof paths, M extends MethodOf<P>>(
    method: M,
    path: P,
    request: Request<P, M> = {},
  ): Promise<Reply<P, M>> {
    const params: Record<string, string> = { owner: this.owner, ...(request.path ?? {}) };
    const target = String(path).replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`engram client: path parameter ${name} is missing`);
      return encodeURIComponent(value);
    });
    const url = new URL(this.baseUrl + target);
    for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.#apiKey) headers.Authorization = `Bearer ${this.#apiKey}`;
    let body: string | undefined;
    if (request.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(request.body);
    }
    const response = await this.#fetch(url, { method: method.toUpperCase(), headers, body });
    const text = await response.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = json?.error ?? {};
      throw new EngramError(response.status, error.code ?? "http_error", error.message ?? text);
    }
    return json as Reply<P, M>;
  }

  // The calls the adapters use, as one-liners over `request`.

  addMemory(memory: NewMemory): Promise<WriteResult> {
    return this.request("post", "/v1/owners/{owner}/memories", { body: memory }) as Promise<WriteResult>;
  }

  listMemories(query: Request<"/v1/owners/{owner}/memories", "get">["query"] = {}) {
    return this.request("get", "/v1/owners/{owner}/memories", { query });
  }

  /** Every page of listMemories. */
  async *allMemories(query: Request<"/v1/owners/{owner}/memories", "get">["query"] = {}) {
    let cursor: string | undefined;
    do {
      const page = await this.listMemories({ ...query, limit: 1000, cursor });
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  searchMemories(body: Request<"/v1/owners/{owner}/memories/search", "post">["body"]) {
    return this.request("post", "/v1/owners/{owner}/memories/search", { body });
  }

  updateMemory(id: string, body: Request<"/v1/owners/{owner}/memories/{id}", "patch">["body"]) {
    return this.request("patch", "/v1/owners/{owner}/memories/{id}", { path: { id }, body });
  }

  deleteMemories(ids: string[], reason?: string) {
    return this.request("post", "/v1/owners/{owner}/memories/delete", { body: { ids, reason } });
  }

  rememberTurns(body: Request<"/v1/owners/{owner}/memories/from-turns", "post">["body"]) {
    return this.request("post", "/v1/owners/{owner}/memories/from-turns", { body });
  }

  context(body: Request<"/v1/owners/{owner}/context", "post">["body"] = {}) {
    return this.request("post", "/v1/owners/{owner}/context", { body });
  }

  addSessionItems(session: string, items: NewSessionItem[]) {
    return this.request("post", "/v1/owners/{owner}/sessions/{session}/items", {
      path: { session },
      body: { items },
    });
  }

  getSessionItems(session: string, lastN?: number) {
    return this.request("get", "/v1/owners/{owner}/sessions/{session}/items", {
      path: { session },
      query: { last_n: lastN },
    });
  }

  popSessionItem(session: string) {
    return this.request("post", "/v1/owners/{owner}/sessions/{session}/pop", { path: { session } });
  }

  clearSession(session: string) {
    return this.request("delete", "/v1/owners/{owner}/sessions/{session}/items", {
      path: { session },
    });
  }
}
