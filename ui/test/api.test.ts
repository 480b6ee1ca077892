import { describe, expect, it } from "vitest";
import { Api, ApiError, describeError, ownerPath, queryString } from "../src/lib/api";

// A server stand-in that records each request and answers with a real Response.
function recorder(status: number, body: string, contentType = "application/json") {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchImpl = async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body, { status, headers: { "Content-Type": contentType } });
  };
  return { calls, fetchImpl };
}

describe("queryString", () => {
  it("keeps defined, non-empty values and encodes them", () => {
    expect(queryString({ a: "x y", b: "", c: undefined, d: null, e: false, f: true, g: 0 })).toBe("?a=x+y&f=true&g=0");
    expect(queryString({})).toBe("");
    expect(queryString(undefined)).toBe("");
  });
});

describe("ownerPath", () => {
  it("percent-encodes every segment, a slash in an owner id included", () => {
    expect(ownerPath("team/a b", "memories", "id?1")).toBe("/v1/owners/team%2Fa%20b/memories/id%3F1");
  });
});

describe("Api", () => {
  it("sends the key in the Authorization header only, and JSON bodies", async () => {
    const r = recorder(200, '{"ok":true}');
    const api = new Api("k-secret-0123456789", r.fetchImpl);
    expect(await api.post("/v1/x", { a: 1 }, { q: "v" })).toEqual({ ok: true });
    expect(r.calls[0].url).toBe("/v1/x?q=v");
    expect(r.calls[0].url).not.toContain("k-secret");
    const headers = r.calls[0].init.headers as Record<string, string>;
    expect(headers.Authorization).toBe("Bearer k-secret-0123456789");
    expect(headers["Content-Type"]).toBe("application/json");
    expect(r.calls[0].init.body).toBe('{"a":1}');
    expect(r.calls[0].init.cache).toBe("no-store");
    expect(r.calls[0].init.credentials).toBe("omit");
  });

  it("returns text for non-JSON answers (/metrics)", async () => {
    const r = recorder(200, "# HELP x\nx 1\n", "text/plain; version=0.0.4");
    expect(await new Api("k", r.fetchImpl).get("/metrics")).toBe("# HELP x\nx 1\n");
  });

  it("turns the server's error body into an ApiError", async () => {
    const r = recorder(403, '{"error":{"code":"permission_denied","message":"this key does not cover owner bob"}}');
    const err = (await new Api("k", r.fetchImpl).get("/v1/owners/bob/memories").catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(403);
    expect(err.code).toBe("permission_denied");
  });

  it("reports a body that is not the error shape by its status", async () => {
    const r = recorder(502, "bad gateway", "text/plain");
    const err = await new Api("k", r.fetchImpl).get("/v1/whoami").catch((e) => e);
    expect(err).toMatchObject({ status: 502, code: "http_502", message: "bad gateway" });
  });

  it("reports an unreachable server", async () => {
    const api = new Api("k", async () => {
      throw new TypeError("fetch failed");
    });
    expect(await api.get("/v1/whoami").catch((e) => e)).toMatchObject({ status: 0, code: "network" });
  });
});

describe("describeError", () => {
  it("says which owner the key does not cover", () => {
    const e = new ApiError(403, "permission_denied", "this key does not cover owner bob");
    expect(describeError(e, "bob")).toBe('This key does not cover the owner "bob" (403 permission denied).');
  });
  it("words an admin-only refusal and other errors", () => {
    expect(describeError(new ApiError(403, "permission_denied", "this route needs an admin key"))).toContain("admin key");
    expect(describeError(new ApiError(401, "unauthorized", "x"))).toContain("did not accept");
    expect(describeError(new ApiError(422, "invalid_argument", "days must be 1..366"))).toBe(
      "days must be 1..366 (422 invalid_argument)",
    );
  });
});
