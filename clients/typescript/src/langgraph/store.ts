// LangGraph's long-term memory store (`BaseStore` of @langchain/langgraph-checkpoint) over
// engram: each item is an engram memory of one owner, so items are durable, isolated per owner,
// searchable with engram's hybrid search, and keep their history.
//
// Mapping: namespace ["users", "a b"] is scope "<root>/users/a%20b" (each label
// percent-encoded, so any label is one scope segment); the item's key is the memory's key; its
// value is the memory's metadata (so filters are engram's metadata filters); the memory's text
// is what search reads: the key and the value's indexed fields (all of it by default). Items
// are memories of type "fact" under the root scope (default "langgraph"), which keeps them apart
// from the owner's other memories.
import {
  BaseStore,
  getTextAtPath,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type MatchCondition,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
} from "@langchain/langgraph-checkpoint";

import type { EngramClient, Memory } from "../client.js";

export interface EngramStoreOptions {
  client: EngramClient;
  /** The scope under which namespaces live (default "langgraph"). */
  scopeRoot?: string;
  /** Item lifetime: `defaultTtl` minutes after each put (engram's expires_at; expired items are
   * never returned and `engram gc` erases them). Unset: items never expire. */
  ttl?: { defaultTtl?: number };
}

const OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"] as const;
type Operator = (typeof OPERATORS)[number];

function isOperators(value: unknown): value is Partial<Record<Operator, unknown>> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0 &&
    Object.keys(value).every((k) => (OPERATORS as readonly string[]).includes(k))
  );
}

// One condition of a LangGraph filter on a value field, as engram's filter language writes it
// (docs/search.md): `metadata.<field>`, operators without their "$".
function engramCondition(field: string, condition: unknown): Record<string, unknown> {
  const name = `metadata.${field}`;
  if (!isOperators(condition)) return { [name]: condition };
  return {
    AND: Object.entries(condition).map(([op, operand]) => ({ [name]: { [op.slice(1)]: operand } })),
  };
}

// The same test in process, for listings (engram filters searches only): LangGraph's own
// semantics (InMemoryStore's compareValues).
function matches(value: Record<string, unknown>, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([field, condition]) => {
    const v = value[field];
    if (!isOperators(condition)) return v === condition;
    return Object.entries(condition).every(([op, operand]) => {
      switch (op as Operator) {
        case "$eq":
          return v === operand;
        case "$ne":
          return v !== operand;
        case "$gt":
          return Number(v) > Number(operand);
        case "$gte":
          return Number(v) >= Number(operand);
        case "$lt":
          return Number(v) < Number(operand);
        case "$lte":
          return Number(v) <= Number(operand);
        case "$in":
          return Array.isArray(operand) && operand.includes(v);
        case "$nin":
          return !Array.isArray(operand) || !operand.includes(v);
      }
    });
  });
}

function pathMatches(condition: MatchCondition, namespace: string[]): boolean {
  const { matchType, path } = condition;
  if (path.length > namespace.length) return false;
  const start = matchType === "prefix" ? 0 : namespace.length - path.length;
  return path.every((label, i) => label === "*" || namespace[start + i] === label);
}

export class EngramStore extends BaseStore {
  readonly #client: EngramClient;
  readonly #root: string;
  readonly #ttlMinutes?: number;

  constructor(options: EngramStoreOptions) {
    super();
    this.#client = options.client;
    this.#root = options.scopeRoot ?? "langgraph";
    this.#ttlMinutes = options.ttl?.defaultTtl;
  }

  scopeOf(namespace: string[]): string {
    return [this.#root, ...namespace.map(encodeURIComponent)].join("/");
  }

  // The namespace of a scope under the root; undefined for any other scope.
  namespaceOf(scope: string): string[] | undefined {
    if (scope === this.#root) return [];
    if (!scope.startsWith(this.#root + "/")) return undefined;
    return scope.slice(this.#root.length + 1).split("/").map(decodeURIComponent);
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = [];
    for (const op of operations) {
      if ("namespacePrefix" in op) {
        results.push(await this.#search(op));
      } else if ("matchConditions" in op || "maxDepth" in op || "limit" in op) {
        results.push(await this.#listNamespaces(op as ListNamespacesOperation));
      } else if ("value" in op) {
        results.push(await this.#put(op as PutOperation));
      } else {
        results.push(await this.#get(op as GetOperation));
      }
    }
    return results as OperationResults<Op>;
  }

  /** `put` with a lifetime for this item: `ttl` minutes from now (null: never expires). */
  async putWithTtl(
    namespace: string[],
    key: string,
    value: Record<string, unknown>,
    ttl: number | null,
    index?: false | string[],
  ): Promise<void> {
    await this.#put({ namespace, key, value, index }, ttl);
  }

  #toItem(memory: Memory, namespace: string[]): Item {
    return {
      namespace,
      key: memory.key ?? "",
      value: (memory.metadata ?? {}) as Record<string, unknown>,
      createdAt: new Date(memory.created_at),
      updatedAt: new Date(memory.updated_at),
    };
  }

  async #find(namespace: string[], key: string): Promise<Memory | undefined> {
    const scope = this.scopeOf(namespace);
    // A listing at a scope also shows its ancestors' records: keep the scope's own.
    const { items } = await this.#client.listMemories({ scope, key, type: "fact", limit: 1000 });
    return items.find((m) => m.scope === scope && m.key === key);
  }

  async #get(op: GetOperation): Promise<Item | null> {
    const memory = await this.#find(op.namespace, op.key);
    return memory ? this.#toItem(memory, op.namespace) : null;
  }

  async #put(op: PutOperation, ttl: number | null | undefined = this.#ttlMinutes): Promise<void> {
    const existing = await this.#find(op.namespace, op.key);
    if (op.value === null) {
      if (existing) await this.#client.deleteMemories([existing.id], "langgraph store delete");
      return;
    }
    // The key leads the text so that two keys of one namespace with equal values stay two
    // memories (engram keeps one live memory per text, type and scope).
    const parts =
      op.index === false
        ? []
        : op.index
          ? op.index.flatMap((path) => getTextAtPath(op.value, path))
          : [JSON.stringify(op.value)];
    const text = [op.key, ...parts].join("\n");
    const expires_at = ttl == null ? undefined : new Date(Date.now() + ttl * 60_000).toISOString();
    if (existing) {
      await this.#client.updateMemory(existing.id, {
        text,
        metadata: op.value,
        expires_at,
        reason: "langgraph store put",
      });
    } else {
      await this.#client.addMemory({
        text,
        type: "fact",
        key: op.key,
        scope: this.scopeOf(op.namespace),
        metadata: op.value,
        expires_at,
      });
    }
  }

  // The scope range of a namespace prefix: the scope itself and every scope below it ("0" is the
  // character after "/").
  #prefixFilter(prefix: string[]): Record<string, unknown> {
    const scope = this.scopeOf(prefix);
    return {
      OR: [{ scope }, { AND: [{ scope: { gte: scope + "/" } }, { scope: { lt: scope + "0" } }] }],
    };
  }

  async #search(op: SearchOperation): Promise<SearchItem[]> {
    const offset = op.offset ?? 0;
    const limit = op.limit ?? 10;
    const filter = op.filter ?? {};
    if (op.query) {
      const conditions = [
        this.#prefixFilter(op.namespacePrefix),
        ...Object.entries(filter).map(([field, c]) => engramCondition(field, c)),
      ];
      const { hits } = await this.#client.searchMemories({
        query: op.query,
        type: "fact",
        filter: { AND: conditions },
        top_k: Math.min(1000, offset + limit),
      });
      return hits.slice(offset, offset + limit).flatMap((hit) => {
        const namespace = this.namespaceOf(hit.scope);
        return namespace ? [{ ...this.#toItem(hit, namespace), score: hit.score }] : [];
      });
    }
    // No query: the namespace's items, most recently updated first.
    const found: SearchItem[] = [];
    for await (const memory of this.#client.allMemories({ type: "fact" })) {
      const namespace = this.namespaceOf(memory.scope);
      if (!namespace || !op.namespacePrefix.every((label, i) => namespace[i] === label)) continue;
      const item = this.#toItem(memory, namespace);
      if (matches(item.value, filter)) found.push(item);
    }
    found.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
    return found.slice(offset, offset + limit);
  }

  async #listNamespaces(op: ListNamespacesOperation): Promise<string[][]> {
    const seen = new Map<string, string[]>();
    for await (const memory of this.#client.allMemories({ type: "fact" })) {
      let namespace = this.namespaceOf(memory.scope);
      if (!namespace || namespace.length === 0) continue;
      if (!(op.matchConditions ?? []).every((c) => pathMatches(c, namespace!))) continue;
      if (op.maxDepth !== undefined) namespace = namespace.slice(0, op.maxDepth);
      seen.set(JSON.stringify(namespace), namespace);
    }
    const sorted = [...seen.values()].sort((a, b) => a.join("/").localeCompare(b.join("/")));
    return sorted.slice(op.offset ?? 0, (op.offset ?? 0) + (op.limit ?? sorted.length));
  }
}
