// The engram REST API (docs/http.md) as the page uses it: every request carries the user's key
// in the Authorization header (never in a URL), nothing is cached (cache: "no-store"), and an
// error answer becomes an ApiError with the server's code and message.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

// "?a=1&b=x" from the defined, non-empty values; "" when there are none.
export function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    params.append(name, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

// "/v1/owners/{owner}/a/b" with every segment percent-encoded (an owner id may hold "/").
export function ownerPath(owner: string, ...rest: string[]): string {
  return ["/v1/owners", ...[owner, ...rest].map(encodeURIComponent)].join("/");
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export class Api {
  constructor(
    private readonly key: string,
    private readonly fetchImpl: FetchLike = (url, init) => fetch(url, init),
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.key}` };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetchImpl(path + queryString(options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (e) {
      throw new ApiError(0, "network", `the server could not be reached (${String(e)})`);
    }
    const text = await res.text();
    const isJson = (res.headers.get("Content-Type") ?? "").startsWith("application/json");
    if (!res.ok) {
      if (isJson) {
        try {
          const err = JSON.parse(text).error;
          if (err && typeof err.code === "string") throw new ApiError(res.status, err.code, err.message);
        } catch (e) {
          if (e instanceof ApiError) throw e;
        }
      }
      throw new ApiError(res.status, "http_" + res.status, text.slice(0, 200) || res.statusText);
    }
    return (isJson && text ? JSON.parse(text) : text) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, { query });
  }
  post<T>(path: string, body: unknown = {}, query?: Query): Promise<T> {
    return this.request<T>("POST", path, { body, query });
  }
  put<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>("PUT", path, { body, query });
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, { body });
  }
  delete<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("DELETE", path, { query });
  }
}

// What to tell the user about a failed call, in words; `owner` is the owner the page asked for.
export function describeError(e: unknown, owner?: string): string {
  if (!(e instanceof ApiError)) return `Something went wrong: ${String(e)}`;
  switch (e.status) {
    case 401:
      return "The server did not accept this key: sign in again with a valid key.";
    case 403:
      return owner !== undefined && e.message.toLowerCase().includes("owner")
        ? `This key does not cover the owner "${owner}" (403 permission denied).`
        : `This key may not do that: ${e.message} (403 permission denied).`;
    case 404:
      return `Not found: ${e.message}`;
    case 429:
      return "Too many requests for this key; wait a moment and try again.";
    case 0:
      return e.message;
    default:
      return `${e.message} (${e.status} ${e.code})`;
  }
}
